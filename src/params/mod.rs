//! One set of parameters for the whole study: `notebooks/parameters.jsonc` (JSON with
//! `//` comments, one parameter per line, each comment its Russian description) holds
//! every [`StudyOptions`] value the notebooks use. Every notebook's «Параметры» cell
//! loads it ([`Parameters::load`]) and shows the values it uses, so a value changed once
//! reaches every notebook; `notebooks/run.sh --set KEY=VALUE` changes a value for one run
//! without editing a file (as papermill's `-p`), and [`Parameters::set`] in a cell is a
//! local override that the cell prints as one.
//!
//! Keys are dotted paths into the file: `cleaning.anomaly_z`, `selection.seed`,
//! `offers.loss_share`, `offers.levers.promo.cost`,
//! `offers.levers.promo.effect.Акционные_покупки` (an element of a list is named by its
//! `lever` or `feature`). A key the file does not have, a value of the wrong type or one
//! outside its domain is an error naming the key.

use std::collections::BTreeMap;
use std::fmt::{self, Write as _};
use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::campaign::CampaignOptions;
use crate::checked::Checked;
use crate::display::Table;
use crate::error::{Error, Result};
use crate::evaluate::EvaluateOptions;
use crate::monitor::MonitorOptions;
use crate::study::{DEFAULT_SOURCE, ParameterValue, StudyOptions, parameter_leaves};
use crate::synth::{Drift, OutcomeOptions};

/// The synthetic store of the loop after the study (notebook 11): this month's snapshot
/// the model learns from, next month's with a stated drift, and simulated outcomes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SimulationOptions {
    /// Customers of the synthetic store.
    pub customers: usize,
    /// Seed of this month's snapshot.
    pub seed: u64,
    /// Seed of next month's snapshot.
    pub next_month_seed: u64,
    /// Next month's drift.
    pub drift: Drift,
    /// How the campaign's outcomes are simulated.
    pub outcomes: OutcomeOptions,
    /// The causal store notebook 12 learns on.
    pub causal: CausalStore,
}

/// The causal store's months (notebook 12): exploring campaigns on one or two months,
/// their tests pooled, the learned offers checked on the next month.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CausalStore {
    /// Customers of each month.
    pub customers: usize,
    /// Seed of the month of the exploring campaign.
    pub seed: u64,
    /// Seed of the month before it, whose exploring test is pooled with this month's
    /// (`null`: learn from one month only).
    pub previous_month_seed: Option<u64>,
    /// Seed of the next month, where the learned offers are checked.
    pub next_month_seed: u64,
    /// Share of each stratum the exploring campaign gives an offer (all levers together;
    /// the control arm, shared by every lever, gets the rest).
    pub test_share: f64,
}

impl Default for CausalStore {
    fn default() -> Self {
        CausalStore {
            customers: 20_000,
            seed: 2031,
            previous_month_seed: Some(2030),
            next_month_seed: 2032,
            test_share: 0.7,
        }
    }
}

impl Default for SimulationOptions {
    fn default() -> Self {
        SimulationOptions {
            customers: 4000,
            seed: 2026,
            next_month_seed: 2027,
            drift: Drift::default(),
            outcomes: OutcomeOptions::default(),
            causal: CausalStore::default(),
        }
    }
}

/// After the study: the campaign, the test's analysis, the monitor, and the synthetic
/// store notebook 11 shows them on (`launch` in the parameter file).
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct LaunchOptions {
    /// The synthetic store.
    pub simulation: SimulationOptions,
    /// The campaign's randomisation.
    pub campaign: CampaignOptions,
    /// The test's analysis.
    pub evaluation: EvaluateOptions,
    /// The monitor's limits.
    pub monitor: MonitorOptions,
    /// What `learn` fits.
    pub learn: crate::learn::LearnOptions,
}

impl crate::checked::Check for LaunchOptions {
    /// Checks every part.
    fn check(&self) -> Result<()> {
        let s = &self.simulation;
        if !(100..=10_000_000).contains(&s.customers) {
            return Err(Error::parameter(
                "launch.simulation.customers",
                s.customers,
                "between 100 and 10000000 customers",
            ));
        }
        if !(100..=10_000_000).contains(&s.causal.customers) {
            return Err(Error::parameter(
                "launch.simulation.causal.customers",
                s.causal.customers,
                "between 100 and 10000000 customers",
            ));
        }
        if !(s.causal.test_share > 0.0 && s.causal.test_share < 1.0) {
            return Err(Error::parameter(
                "launch.simulation.causal.test_share",
                s.causal.test_share,
                "a share strictly between 0 and 1",
            ));
        }
        s.drift.check()?;
        s.outcomes.check()?;
        self.campaign.check()?;
        self.evaluation.check()?;
        self.learn.check()?;
        self.monitor.check()
    }
}

/// Each part of the checked launch options, checked with them.
impl Checked<LaunchOptions> {
    /// The campaign's randomisation.
    pub fn campaign(&self) -> Checked<CampaignOptions> {
        Checked::part(self.campaign)
    }
    /// The test's analysis.
    pub fn evaluation(&self) -> Checked<EvaluateOptions> {
        Checked::part(self.evaluation)
    }
    /// The monitor's limits.
    pub fn monitor(&self) -> Checked<MonitorOptions> {
        Checked::part(self.monitor)
    }
    /// What `learn` fits.
    pub fn learn(&self) -> Checked<crate::learn::LearnOptions> {
        Checked::part(self.learn)
    }
    /// How the campaign's outcomes are simulated.
    pub fn outcomes(&self) -> Checked<OutcomeOptions> {
        Checked::part(self.simulation.outcomes)
    }
}

/// Environment variable naming another parameter file.
pub const PARAMS_ENV: &str = "ONECLICK_PARAMS";
/// Environment variable with `KEY=VALUE` changes, one per line (what `run.sh --set` sets).
pub const SET_ENV: &str = "ONECLICK_SET";

/// The parameter file as built into the crate (`notebooks/parameters.jsonc`): the
/// defaults of every command that is given no `--params` file and no model.
pub const DEFAULT_FILE: &str = include_str!("../../notebooks/parameters.jsonc");

/// Who changed a parameter from its base value (the file's, the model's or the default).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangedBy {
    /// `--set` (on a command, or `notebooks/run.sh --set` through `ONECLICK_SET`).
    Set,
    /// A notebook cell ([`Parameters::set`]).
    Notebook,
    /// A command's own flag (`--seed`, `--test-share`, …), named here.
    Flag(String),
}

impl ChangedBy {
    /// How `results.json` and the commands name it: `--set`, `notebook`, the flag.
    pub fn source(&self) -> String {
        match self {
            ChangedBy::Set => "--set".to_string(),
            ChangedBy::Notebook => "notebook".to_string(),
            ChangedBy::Flag(f) => f.clone(),
        }
    }
}

/// One parameter changed from its base value.
#[derive(Debug, Clone, PartialEq)]
pub struct Change {
    /// The dotted key.
    pub key: String,
    /// The new value (JSON).
    pub value: String,
    /// The base value (JSON).
    pub was: String,
    /// Who changed it.
    pub by: ChangedBy,
}

/// The study's parameters as loaded (from a file, a model or the built-in defaults), with
/// the changes applied; every value checked.
#[derive(Debug, Clone)]
pub struct Parameters {
    /// The options, checked.
    pub options: Checked<StudyOptions>,
    /// After the study (`launch`), checked.
    pub launch: Checked<LaunchOptions>,
    /// What only the notebooks read (`notebooks`), checked.
    pub notebooks: Checked<NotebookOptions>,
    /// Where they come from (a path relative to the project when it lies inside it, `the
    /// built-in defaults`, or `model file PATH`).
    pub source: String,
    /// What changed from the base values, in order.
    pub changes: Vec<Change>,
    json: Value,
    descriptions: Vec<(String, String)>,
    /// Source of each key the base sets (a file's keys, a model's record); others are
    /// defaults.
    base_sources: BTreeMap<String, String>,
}

impl Parameters {
    /// The project's parameter file: `$ONECLICK_PARAMS`, else `notebooks/parameters.jsonc`.
    pub fn path() -> PathBuf {
        env_path()
            .unwrap_or_else(|| crate::data::Data::project_dir().join("notebooks/parameters.jsonc"))
    }

    /// Loads [`path`](Self::path), applies the changes of `$ONECLICK_SET` and checks
    /// every option (what every notebook's «Параметры» cell does).
    pub fn load() -> Result<Parameters> {
        let mut p = Parameters::from_file(&Self::path())?;
        if let Ok(set) = std::env::var(SET_ENV) {
            p.apply_sets(set.lines(), ChangedBy::Set, SET_ENV)?;
        }
        Ok(p)
    }

    /// The built-in defaults ([`DEFAULT_FILE`]): what a command uses without `--params`,
    /// `$ONECLICK_PARAMS` or a model.
    pub fn defaults() -> Parameters {
        let mut p = Parameters::from_text(DEFAULT_FILE, "the built-in defaults")
            .expect("the built-in parameter file is valid (a test keeps it so)");
        p.base_sources.clear();
        p.refresh_sources();
        p
    }

    /// Reads and checks a parameter file; keys it leaves out keep their defaults.
    pub fn from_file(path: &Path) -> Result<Parameters> {
        let text = std::fs::read_to_string(path).map_err(|e| Error::io(path, e))?;
        let source = path
            .strip_prefix(crate::data::Data::project_dir())
            .map_or_else(|_| path.display().to_string(), |p| p.display().to_string());
        Parameters::from_text(&text, &source)
    }

    /// Parses a parameter file's text (`source` names it in errors) over the built-in
    /// defaults and checks it. Its root must be a JSON object; a key it does not set keeps
    /// its default.
    pub fn from_text(text: &str, source: &str) -> Result<Parameters> {
        let file: Value = serde_json::from_str(&strip_comments(text)).map_err(|e| {
            Error::parameter(
                format!("{source}: line {}", e.line()),
                "…",
                format!("JSON with // comments ({e})"),
            )
        })?;
        if !file.is_object() {
            return Err(Error::parameter(
                source,
                short(&file),
                "a parameter file: a JSON object with the sections cleaning, correlation, selection, importance, segments, offers, launch, notebooks",
            ));
        }
        let mut json: Value = serde_json::from_str(&strip_comments(DEFAULT_FILE))?;
        merge(&mut json, &file);
        let (options, launch, notebooks) = options_of(&json, source)?;
        let mut descriptions = descriptions(DEFAULT_FILE);
        for (k, d) in crate::params::descriptions(text) {
            match descriptions.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = d,
                None => descriptions.push((k, d)),
            }
        }
        let base_sources = parameter_leaves(&file)
            .into_iter()
            .map(|(k, _)| (k, format!("file {source}")))
            .collect();
        let mut p = Parameters {
            options,
            launch,
            notebooks,
            source: source.to_string(),
            changes: Vec::new(),
            json,
            descriptions,
            base_sources,
        };
        p.refresh_sources();
        Ok(p)
    }

    /// The parameters a saved model was made with (its record, `source` naming the
    /// file): every recorded value over the built-in defaults.
    pub fn from_record(record: &[ParameterValue], source: &str) -> Result<Parameters> {
        let mut p = Parameters::defaults();
        let mut json = p.json.clone();
        for r in record {
            let slot = lookup_mut(&mut json, &r.key).map_err(|e| Error::ModelFile {
                source_name: source.to_string(),
                reason: format!("its parameters: {e}"),
            })?;
            *slot = r.value.clone();
        }
        let (options, launch, notebooks) =
            options_of(&json, source).map_err(|e| Error::ModelFile {
                source_name: source.to_string(),
                reason: format!("its parameters: {e}"),
            })?;
        p.options = options;
        p.launch = launch;
        p.notebooks = notebooks;
        p.json = json;
        p.source = format!("model file {source}");
        p.base_sources = record
            .iter()
            .filter(|r| r.source != DEFAULT_SOURCE)
            .map(|r| (r.key.clone(), format!("model file {source} ({})", r.source)))
            .collect();
        p.refresh_sources();
        Ok(p)
    }

    /// What a command runs with: `--params FILE`, else `$ONECLICK_PARAMS`, else the
    /// parameters recorded in the model (`model`: its record and file name), else the
    /// built-in defaults; then each `--set KEY=VALUE`.
    pub fn for_command(
        file: Option<&Path>,
        model: Option<(&[ParameterValue], &str)>,
        sets: &[String],
    ) -> Result<Parameters> {
        let mut p = match (file.map(Path::to_path_buf).or_else(env_path), model) {
            (Some(path), _) => Parameters::from_file(&path)?,
            (None, Some((record, source))) => Parameters::from_record(record, source)?,
            (None, None) => Parameters::defaults(),
        };
        p.apply_sets(sets.iter().map(String::as_str), ChangedBy::Set, "--set")?;
        Ok(p)
    }

    /// Applies `KEY=VALUE` lines (blank lines skipped); `what` names their origin in an
    /// error about a line that is not `KEY=VALUE`.
    pub fn apply_sets<'a>(
        &mut self,
        lines: impl IntoIterator<Item = &'a str>,
        by: ChangedBy,
        what: &str,
    ) -> Result<()> {
        for line in lines.into_iter().map(str::trim).filter(|l| !l.is_empty()) {
            let (key, value) = line
                .split_once('=')
                .ok_or_else(|| Error::parameter(what, line, "KEY=VALUE, e.g. selection.seed=7"))?;
            self.change(key.trim(), value.trim(), by.clone())?;
        }
        Ok(())
    }

    /// The same parameters with `key` set to `value` by a command's own `flag` (an error
    /// names the flag and the key).
    pub fn set_by_flag(&mut self, flag: &str, key: &str, value: impl fmt::Display) -> Result<()> {
        self.change(key, &value.to_string(), ChangedBy::Flag(flag.to_string()))
            .map_err(|e| match e {
                Error::InvalidParameter { name, value, rule } => Error::InvalidParameter {
                    name: format!("{flag} ({name})"),
                    value,
                    rule,
                },
                other => other,
            })
    }

    /// The same parameters with `key` set to `value` in this notebook (a local override,
    /// shown as one); checked at once.
    pub fn set(mut self, key: &str, value: impl fmt::Display) -> Result<Parameters> {
        self.change(key, &value.to_string(), ChangedBy::Notebook)?;
        Ok(self)
    }

    fn change(&mut self, key: &str, value: &str, by: ChangedBy) -> Result<()> {
        let parsed: Value =
            serde_json::from_str(value).unwrap_or_else(|_| Value::String(value.to_string()));
        let mut json = self.json.clone();
        let slot = lookup_mut(&mut json, key)?;
        if slot.is_object() || slot.is_array() {
            return Err(Error::parameter(
                key,
                value,
                format!("a single value; this key holds several: {}", children(slot)),
            ));
        }
        let was = slot.to_string();
        *slot = parsed.clone();
        let (options, launch, notebooks) = options_of(&json, key).map_err(|e| match e {
            Error::InvalidParameter { name, rule, .. } if name == key => {
                Error::parameter(key, value, rule)
            }
            other => other,
        })?;
        self.options = options;
        self.launch = launch;
        self.notebooks = notebooks;
        self.json = json;
        self.changes.retain(|c| c.key != key);
        self.changes.push(Change {
            key: key.to_string(),
            value: parsed.to_string(),
            was,
            by,
        });
        self.refresh_sources();
        Ok(())
    }

    /// Where each key's value comes from: a change, the base (file or model), else
    /// `default`.
    pub fn source_of(&self, key: &str) -> String {
        match self.changes.iter().find(|c| c.key == key) {
            Some(c) => c.by.source(),
            None => self
                .base_sources
                .get(key)
                .cloned()
                .unwrap_or_else(|| DEFAULT_SOURCE.to_string()),
        }
    }

    fn refresh_sources(&mut self) {
        let sources = parameter_leaves(&self.json)
            .into_iter()
            .map(|(k, _)| {
                let s = self.source_of(&k);
                (k, s)
            })
            .filter(|(_, s)| s != DEFAULT_SOURCE)
            .collect();
        // Where values came from is no parameter: the options stay checked.
        let mut options = self.options.clone().into_inner();
        options.sources = sources;
        self.options = Checked::part(options);
    }

    /// Every value (the study's and the launch's) with its source, as `results.json` and a
    /// saved model record them.
    pub fn record(&self) -> Vec<ParameterValue> {
        parameter_leaves(&self.json)
            .into_iter()
            .map(|(key, value)| ParameterValue {
                source: self.source_of(&key),
                key,
                value,
            })
            .collect()
    }

    /// One line per change for a command's output: `parameters: SOURCE` and `  KEY =
    /// VALUE (was WAS; SOURCE)`.
    pub fn describe(&self) -> String {
        let mut s = format!("parameters: {}", self.source);
        for c in &self.changes {
            let _ = write!(
                s,
                "\n  {} = {} (was {}; {})",
                c.key,
                c.value,
                c.was,
                c.by.source()
            );
        }
        s
    }

    /// Every parameter under the given key prefixes (`"cleaning"`, `"selection"`, …; an
    /// empty list: all): key, value, description and where the value comes from.
    pub fn table(&self, prefixes: &[&str]) -> Table {
        let mut leaves = self.leaves();
        let position = |k: &str| {
            self.descriptions
                .iter()
                .position(|(key, _)| key == k)
                .unwrap_or(usize::MAX)
        };
        leaves.sort_by_key(|(k, _)| position(k));
        let rows = leaves
            .into_iter()
            .filter(|(k, _)| {
                prefixes.is_empty()
                    || prefixes
                        .iter()
                        .any(|p| k == p || k.starts_with(&format!("{p}.")))
            })
            .map(|(k, v)| {
                // a real as a reader reads it: at most four decimals (1/6 → 0,1667)
                let v = match v.parse::<f64>() {
                    Ok(x) if v.contains(['.', 'e']) => crate::display::format_real(x),
                    _ => v,
                };
                let from = match self.changes.iter().find(|c| c.key == k) {
                    Some(c) if c.by == ChangedBy::Set => {
                        format!("run.sh --set (в файле {})", c.was)
                    }
                    Some(c) => format!("изменено в этой тетрадке (в файле {})", c.was),
                    None => "файл параметров".to_string(),
                };
                let d = self
                    .descriptions
                    .iter()
                    .find(|(key, _)| *key == k)
                    .map_or(String::new(), |(_, d)| d.clone());
                vec![k, v, d, from]
            })
            .collect();
        Table::from_rows(
            ["параметр", "значение", "что это", "откуда"]
                .map(String::from)
                .to_vec(),
            rows,
        )
        .title(format!("Параметры исследования ({})", self.source))
    }

    /// Every parameter of the study itself (all sections but `launch`, the loop after it).
    pub fn study_table(&self) -> Table {
        let sections: Vec<String> = match &self.json {
            Value::Object(m) => m.keys().filter(|k| *k != "launch").cloned().collect(),
            _ => Vec::new(),
        };
        let refs: Vec<&str> = sections.iter().map(String::as_str).collect();
        self.table(&refs)
    }

    /// Every key of the file with its description (the comment on its line).
    pub fn descriptions(&self) -> &[(String, String)] {
        &self.descriptions
    }

    /// Every leaf key with its value (JSON), keys in alphabetical order within each level.
    pub fn leaves(&self) -> Vec<(String, String)> {
        parameter_leaves(&self.json)
            .into_iter()
            .map(|(k, v)| (k, v.to_string()))
            .collect()
    }
}

fn env_path() -> Option<PathBuf> {
    std::env::var_os(PARAMS_ENV)
        .filter(|v| !v.is_empty())
        .map(PathBuf::from)
}

impl Parameters {
    /// Prints what this run changed against the file (nothing when it changed nothing):
    /// the notebooks' «Параметры» cell, whose table already names the file.
    pub fn print_changes(&self) {
        if !self.changes.is_empty() {
            println!("{}", crate::labels::decimal_comma(&self.to_string()));
        }
    }
}

impl fmt::Display for Parameters {
    /// «параметры: notebooks/parameters.jsonc» and one line per change.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "параметры исследования: {}", self.source)?;
        if self.changes.is_empty() {
            return write!(f, " (без изменений)");
        }
        for c in &self.changes {
            let by = match c.by {
                ChangedBy::Set => "изменено через run.sh --set".to_string(),
                ChangedBy::Notebook => "изменено в этой тетрадке".to_string(),
                ChangedBy::Flag(ref flag) => format!("изменено флагом {flag}"),
            };
            write!(f, "\n{by}: {} = {} (в файле {})", c.key, c.value, c.was)?;
        }
        Ok(())
    }
}

/// The three checked parts of a parameter JSON: the study, `launch` and `notebooks`.
type Parts = (
    Checked<StudyOptions>,
    Checked<LaunchOptions>,
    Checked<NotebookOptions>,
);

fn options_of(json: &Value, source: &str) -> Result<Parts> {
    let mut study = json.clone();
    let mut section = |name: &str| {
        study
            .as_object_mut()
            .and_then(|m| m.remove(name))
            .unwrap_or(Value::Null)
    };
    let launch = section("launch");
    let notebooks = section("notebooks");
    let options: StudyOptions = serde_json::from_value(study)
        .map_err(|e| Error::parameter(source, "…", format!("parameters of the study ({e})")))?;
    let options = Checked::new(options)?;
    let launch: LaunchOptions = if launch.is_null() {
        LaunchOptions::default()
    } else {
        serde_json::from_value(launch).map_err(|e| {
            Error::parameter(
                source,
                "…",
                format!("parameters after the study, launch ({e})"),
            )
        })?
    };
    let notebooks: NotebookOptions = if notebooks.is_null() {
        NotebookOptions::default()
    } else {
        serde_json::from_value(notebooks).map_err(|e| {
            Error::parameter(
                source,
                "…",
                format!("the notebooks' own parameters, notebooks ({e})"),
            )
        })?
    };
    Ok((options, Checked::new(launch)?, Checked::new(notebooks)?))
}

mod file;
mod notebooks;

use file::{children, descriptions, lookup_mut, merge, short, strip_comments};
pub use notebooks::{Correlation, Eda, Importance, NotebookOptions, Pipelines, Preprocessing};

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn comments_are_stripped_outside_strings_only() {
        assert_eq!(strip_comments(r#""a": "x//y", // c"#), r#""a": "x//y", "#);
        let d = descriptions("{\n  \"cleaning\": {\n    \"anomaly_z\": 10.0 // порог\n  }\n}");
        assert_eq!(d, vec![("cleaning.anomaly_z".into(), "порог".into())]);
    }
}
