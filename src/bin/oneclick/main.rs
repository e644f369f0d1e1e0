//! `oneclick`: run the study headless, generate synthetic data, fetch the originals.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::Parser;
use oneclick::checked::Checked;
use oneclick::fetch;
use oneclick::params::Parameters;
use oneclick::score::SavedModel;
use oneclick::study::{SEED_KEYS, Study};
use oneclick::synth::{self, Drift, OutcomeOptions, Shift, SynthOptions};

mod cli;
mod launch;
mod learn;

use cli::{Cli, Command, ParamArgs};

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        Err(e) => {
            let _ = e.print();
            return match e.kind() {
                clap::error::ErrorKind::DisplayHelp | clap::error::ErrorKind::DisplayVersion => {
                    ExitCode::SUCCESS
                }
                _ => ExitCode::FAILURE,
            };
        }
    };
    match run(cli.command) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Writes `value` as pretty JSON with a final newline (atomically) and says so.
fn write_json(path: &std::path::Path, value: &impl serde::Serialize) -> oneclick::Result<()> {
    let mut bytes = serde_json::to_vec_pretty(value)?;
    bytes.push(b'\n');
    oneclick::io::write_creating_dir(path, &bytes)?;
    println!("wrote {}", path.display());
    Ok(())
}

/// The model search's progress bar: its length is the search's own count of fits.
struct Bar(indicatif::ProgressBar);

impl oneclick::progress::Tally for Bar {
    fn add(&self, n: usize) {
        self.0.inc(n as u64);
    }
    fn set_total(&self, total: usize) {
        self.0.set_length(total as u64);
    }
}

/// A command's own flag, when given, as the change of its key.
fn set_flag(
    p: &mut Parameters,
    flag: &str,
    key: &str,
    value: Option<impl std::fmt::Display>,
) -> oneclick::Result<()> {
    match value {
        Some(v) => p.set_by_flag(flag, key, v),
        None => Ok(()),
    }
}

/// The parameters of a command: `--params`, `$ONECLICK_PARAMS`, the model's record or
/// the defaults, then `--set`.
fn parameters(
    args: &ParamArgs,
    model: Option<(&SavedModel, &std::path::PathBuf)>,
) -> oneclick::Result<Parameters> {
    let source = model.map(|(_, path)| path.display().to_string());
    Parameters::for_command(
        args.params.as_deref(),
        model
            .zip(source.as_deref())
            .map(|((m, _), s)| (m.parameters.as_slice(), s)),
        &args.set,
    )
}

/// The offers' assumptions of `p` replace the model's when they differ (a change the
/// command prints).
fn use_offer_parameters(model: &mut SavedModel, p: &Parameters) {
    let offers = p.options.offers();
    if offers != model.assumptions {
        println!("  the offers' assumptions differ from the model's: the parameters' are used");
        model.assumptions = offers;
    }
}

/// The four CSV files of a data directory.
fn input_files(dir: &std::path::Path) -> Vec<PathBuf> {
    oneclick::schema::FileId::ALL
        .iter()
        .map(|f| dir.join(f.file_name()))
        .collect()
}

/// Refuses, before any work, outputs of a command that reads a model and a snapshot
/// when one of them is an input or a directory.
fn check_model_command(
    model: &std::path::Path,
    data: &std::path::Path,
    params: &ParamArgs,
    flag: &str,
    outputs: &[PathBuf],
) -> oneclick::Result<()> {
    let files = input_files(data);
    let mut inputs: Vec<(&str, &std::path::Path)> = vec![("--model", model)];
    inputs.extend(files.iter().map(|f| ("--data", f.as_path())));
    if let Some(f) = &params.params {
        inputs.push(("--params", f));
    }
    let flags: Vec<String> = outputs
        .iter()
        .enumerate()
        .map(|(k, _)| {
            if k == 0 {
                flag.to_string()
            } else {
                format!("{flag} (its side file)")
            }
        })
        .collect();
    let outputs: Vec<(&str, &std::path::Path)> = flags
        .iter()
        .map(String::as_str)
        .zip(outputs.iter().map(PathBuf::as_path))
        .collect();
    oneclick::io::check_outputs(&inputs, &outputs)
}

/// `COLUMN=CHANGE` → a drift shift.
fn parse_shift(text: &str) -> oneclick::Result<Shift> {
    let bad = || {
        oneclick::Error::parameter(
            "--drift",
            text,
            "COLUMN=CHANGE with a numeric change, e.g. Акционные_покупки=0.15",
        )
    };
    let (feature, change) = text.split_once('=').ok_or_else(bad)?;
    let change: f64 = change.trim().parse().map_err(|_| bad())?;
    let shift = Shift {
        feature: feature.trim().to_string(),
        change,
    };
    Checked::new(Drift {
        shifts: vec![shift.clone()],
    })?;
    Ok(shift)
}

fn run(command: Command) -> oneclick::Result<()> {
    match command {
        Command::Study {
            data,
            out,
            anomaly_z,
            seed,
            save_model,
            params,
        } => {
            let mut p = parameters(&params, None)?;
            set_flag(&mut p, "--anomaly-z", "cleaning.anomaly_z", anomaly_z)?;
            for key in SEED_KEYS {
                set_flag(&mut p, "--seed", key, seed)?;
            }
            println!("{}", p.describe());
            // Destinations first: nothing is computed for a result that cannot be written.
            let data_files = data.as_ref().map(|d| input_files(d)).unwrap_or_default();
            let mut inputs: Vec<(&str, &std::path::Path)> =
                data_files.iter().map(|f| ("--data", f.as_path())).collect();
            if let Some(f) = &params.params {
                inputs.push(("--params", f));
            }
            let results = out.join("results.json");
            let index = out.join("index.html");
            let mut outputs = vec![("--out", results.as_path()), ("--out", index.as_path())];
            if let Some(m) = &save_model {
                outputs.push(("--save-model", m));
            }
            if out.is_file() {
                return Err(oneclick::Error::InvalidArgument(format!(
                    "--out {}: is a file; expected a directory to write the results into",
                    out.display()
                )));
            }
            oneclick::io::check_outputs(&inputs, &outputs)?;
            let options = match data {
                Some(dir) => p.options.with_data(dir),
                None => p.options.clone(),
            };
            let bar = Bar(indicatif::ProgressBar::new(0).with_style(
                indicatif::ProgressStyle::with_template(
                    "model search {bar:40} {pos}/{len} fits, {elapsed_precise} (eta {eta})",
                )
                .expect("valid template"),
            ));
            let study = Study::run_with_progress(&options, Some(&bar));
            bar.0.finish_and_clear();
            let study = study?;
            print!("{}", study.summary());
            let extra = match &save_model {
                Some(path) => {
                    let mut model = SavedModel::from_study(&study)?;
                    model.parameters = p.record();
                    vec![(path.clone(), serde_json::to_vec(&model)?)]
                }
                None => Vec::new(),
            };
            let written = oneclick::report::write_all_with(&study, &out, extra)?;
            println!(
                "wrote {} files into {} (results.json, index.html, figures/)",
                written.len() - usize::from(save_model.is_some()),
                out.display()
            );
            if let Some(path) = save_model {
                println!(
                    "saved the deployed model ({} fold models, {}) to {}",
                    study
                        .segmentation
                        .oof
                        .as_ref()
                        .map_or(0, |o| o.models.len()),
                    study.selection.best_cv.family(),
                    path.display()
                );
            }
        }
        Command::Score {
            model,
            data,
            out,
            params,
        } => {
            let outputs = oneclick::score::Scores::outputs(&out);
            check_model_command(&model, &data, &params, "--out", &outputs)?;
            let t = std::time::Instant::now();
            let mut m = SavedModel::load(&model)?;
            let p = parameters(&params, Some((&m, &model)))?;
            println!("{}", p.describe());
            use_offer_parameters(&mut m, &p);
            let read_model = t.elapsed().as_secs_f64();
            let scores = oneclick::score::score(&m, &data)?;
            let w = std::time::Instant::now();
            scores.write_csv(&out)?;
            let write = w.elapsed().as_secs_f64();
            let secs = t.elapsed().as_secs_f64();
            println!(
                "scored {} customers in {secs:.2} s ({:.0} customers/s) → {}",
                scores.rows.len(),
                scores.rows.len() as f64 / secs.max(1e-9),
                out.display()
            );
            let stages: Vec<String> = std::iter::once(("model", read_model))
                .chain(scores.timings.iter().copied())
                .chain(std::iter::once(("write", write)))
                .map(|(stage, s)| format!("{stage} {s:.2} s"))
                .collect();
            println!("  stages: {}", stages.join(", "));
            println!(
                "  reasons, offer lever and expected gain per customer in {}; lever titles and offers in {}",
                out.display(),
                oneclick::score::Scores::levers_path(&out).display()
            );
            println!(
                "  customers per segment (with an offer that pays for itself) → {}",
                oneclick::score::Scores::segments_path(&out).display()
            );
            for (s, n, paying) in scores.segments() {
                println!("  {s}: {n} ({paying})");
            }
            if !scores.not_scored.is_empty() {
                println!(
                    "not scored (removed by cleaning): {} customers",
                    scores.not_scored.len()
                );
                for (id, reason) in scores.not_scored.iter().take(20) {
                    println!("  {id}: {reason}");
                }
            }
        }
        Command::Synth {
            customers,
            seed,
            out,
            month_ahead,
            drift,
            outcomes_for,
            effect,
            attrition,
            outcome_seed,
            causal,
            answers,
        } => {
            let t = std::time::Instant::now();
            let options = SynthOptions::new(customers, seed);
            let drift = if drift.is_empty() {
                month_ahead.then(Drift::default)
            } else {
                Some(Drift {
                    shifts: drift
                        .iter()
                        .map(|d| parse_shift(d))
                        .collect::<oneclick::Result<_>>()?,
                })
            };
            if causal || answers.is_some() {
                return learn::synth_causal(
                    &options,
                    drift.as_ref(),
                    &out,
                    answers,
                    outcomes_for,
                    causal,
                    attrition,
                    outcome_seed,
                );
            }
            if let Some(campaign) = outcomes_for {
                let campaign = oneclick::evaluate::Campaign::read(&campaign)?;
                let (_, truth) = synth::generate_with(&options, drift.as_ref())?;
                let o = Checked::new(OutcomeOptions {
                    effect,
                    attrition,
                    seed: outcome_seed,
                    ..OutcomeOptions::default()
                })?;
                let outcomes = synth::outcomes(&truth, &campaign, &o)?;
                oneclick::io::write_creating_dir(&out, &synth::outcomes_csv(&campaign, &outcomes))?;
                let missing = outcomes.iter().filter(|o| o.is_none()).count();
                println!(
                    "simulated outcomes of {} campaign customers ({missing} without one; known effect −{effect} on the test arm's probability of decline, seed {outcome_seed}) → {}",
                    campaign.rows.len(),
                    out.display()
                );
                return Ok(());
            }
            let manifest = synth::write_with(&options, drift.as_ref(), &out)?;
            println!(
                "wrote {} customers (seed {}) to {} in {:.2} s",
                manifest.customers,
                manifest.seed,
                out.display(),
                t.elapsed().as_secs_f64()
            );
            if let Some(d) = drift {
                for s in &d.shifts {
                    println!("  month-ahead drift: {} {:+}", s.feature, s.change);
                }
            }
        }
        Command::Campaign {
            model,
            data,
            out,
            seed,
            test_share,
            balance_limit,
            monitor,
            force,
            previous,
            effects,
            params,
        } => {
            let outputs = oneclick::campaign::CampaignRun::outputs(&out);
            check_model_command(&model, &data, &params, "--out", &outputs)?;
            let previous_plans: Vec<std::path::PathBuf> = previous
                .iter()
                .map(|c| oneclick::evaluate::Campaign::plan_path(c))
                .collect();
            let mut inputs: Vec<(&str, &std::path::Path)> = Vec::new();
            for (c, plan) in previous.iter().zip(&previous_plans) {
                inputs.push(("--previous", c.as_path()));
                inputs.push(("--previous (its plan)", plan.as_path()));
            }
            inputs.extend(monitor.iter().map(|m| ("--monitor", m.as_path())));
            inputs.extend(effects.iter().map(|m| ("--effects", m.as_path())));
            let labelled: Vec<(&str, &std::path::Path)> =
                outputs.iter().map(|o| ("--out", o.as_path())).collect();
            oneclick::io::check_outputs(&inputs, &labelled)?;
            let previous = previous
                .iter()
                .map(|c| oneclick::evaluate::Campaign::read(c))
                .collect::<oneclick::Result<Vec<_>>>()?;
            launch::check_monitor(monitor.as_deref(), force)?;
            let t = std::time::Instant::now();
            let mut m = SavedModel::load(&model)?;
            let mut p = parameters(&params, Some((&m, &model)))?;
            set_flag(&mut p, "--seed", "launch.campaign.seed", seed)?;
            set_flag(
                &mut p,
                "--test-share",
                "launch.campaign.test_share",
                test_share,
            )?;
            set_flag(
                &mut p,
                "--balance-limit",
                "launch.campaign.balance_limit",
                balance_limit,
            )?;
            println!("{}", p.describe());
            use_offer_parameters(&mut m, &p);
            let options = p.launch.campaign();
            let (seed, balance_limit) = (options.seed, options.balance_limit);
            let effects = effects
                .as_deref()
                .map(oneclick::learn::LeverEffects::read)
                .transpose()?;
            let run =
                oneclick::campaign::run_with(&m, &data, &options, &previous, effects.as_ref())?;
            if effects.is_some() || !run.plan.assignment.is_empty() {
                println!("{}", learn::basis_line(&run));
            }
            run.write(&out)?;
            if !previous.is_empty() {
                println!(
                    "{} customers keep their arm from {} previous campaign(s); the rest were drawn",
                    run.plan.kept,
                    previous.len()
                );
            }
            let months = |m: Option<f64>| m.map_or("—".to_string(), |m| format!("{m:.1}"));
            println!(
                "power {:.0} %: {} months of this eligible flow against the break-even drop ({:.1} p.p.), {} against the model's scenario ({:.1} p.p.; a what-if, not a measured effect), control rate expected {:.1} %",
                run.plan.power * 100.0,
                months(run.plan.months_for_power_break_even),
                run.plan.break_even_drop * 100.0,
                months(run.plan.months_for_power_scenario),
                run.plan.scenario_drop * 100.0,
                run.plan.expected_control_rate * 100.0
            );
            let secs = t.elapsed().as_secs_f64();
            let scored = run.scores.rows.len();
            println!(
                "scored {scored} customers in {secs:.2} s ({:.0} customers/s); {} with an offer that pays for itself → {} ({} test, {} control, {} strata, seed {seed})",
                scored as f64 / secs.max(1e-9),
                run.customers(),
                out.display(),
                run.plan.test,
                run.plan.control,
                run.strata.len()
            );
            let stages: Vec<String> = run
                .timings
                .iter()
                .map(|(stage, s)| format!("{stage} {s:.2} s"))
                .collect();
            println!("  stages: {}", stages.join(", "));
            println!(
                "  largest gap between a stratum's test arm and its target share: {:.2} customers; draw {} of at most {} kept (rerandomised until every |SMD| < {balance_limit})",
                run.largest_stratum_gap(),
                run.plan.draw,
                options.max_draws
            );
            let worst = run
                .balance
                .iter()
                .max_by(|a, b| a.smd.abs().total_cmp(&b.smd.abs()));
            if let Some(w) = worst {
                println!(
                    "  balance: largest |SMD| {:.3} ({}) → {}",
                    w.smd.abs(),
                    w.name(),
                    oneclick::campaign::CampaignRun::balance_path(&out).display()
                );
            }
            for b in run.imbalanced() {
                println!(
                    "  warning: {} is imbalanced between the arms: SMD {:.3} (limit {balance_limit})",
                    b.name(),
                    b.smd
                );
            }
            println!(
                "  plan (strata, break-even drop {:.2} p.p., decision rule) → {}; offer texts → {}",
                run.plan.break_even_drop * 100.0,
                oneclick::evaluate::Campaign::plan_path(&out).display(),
                oneclick::campaign::CampaignRun::levers_path(&out).display()
            );
            if !run.scores.not_scored.is_empty() {
                println!(
                    "not scored (removed by cleaning): {} customers",
                    run.scores.not_scored.len()
                );
            }
        }
        Command::Learn {
            model,
            data,
            campaign,
            outcomes,
            out,
            params,
        } => learn::learn(&model, &data, &campaign, &outcomes, &out, &params)?,
        Command::Evaluate {
            campaign,
            outcomes,
            json,
            bootstrap,
            seed,
            params,
        } => {
            if campaign.len() != outcomes.len() {
                return Err(oneclick::Error::InvalidArgument(format!(
                    "{} --campaign files and {} --outcomes files: expected one outcomes file per campaign, in the same order",
                    campaign.len(),
                    outcomes.len()
                )));
            }
            let plans: Vec<std::path::PathBuf> = campaign
                .iter()
                .map(|c| oneclick::evaluate::Campaign::plan_path(c))
                .collect();
            let mut inputs: Vec<(&str, &std::path::Path)> = Vec::new();
            for ((c, plan), o) in campaign.iter().zip(&plans).zip(&outcomes) {
                inputs.push(("--campaign", c.as_path()));
                inputs.push(("--campaign (its plan)", plan.as_path()));
                inputs.push(("--outcomes", o.as_path()));
            }
            if let Some(f) = &params.params {
                inputs.push(("--params", f));
            }
            let outputs: Vec<(&str, &std::path::Path)> =
                json.iter().map(|j| ("--json", j.as_path())).collect();
            oneclick::io::check_outputs(&inputs, &outputs)?;
            let mut p = parameters(&params, None)?;
            set_flag(
                &mut p,
                "--bootstrap",
                "launch.evaluation.bootstrap",
                bootstrap,
            )?;
            set_flag(&mut p, "--seed", "launch.evaluation.seed", seed)?;
            println!("{}", p.describe());
            let options = p.launch.evaluation();
            let (bootstrap, seed) = (options.bootstrap, options.seed);
            let mut months = Vec::with_capacity(campaign.len());
            for (c, o) in campaign.iter().zip(&outcomes) {
                let c = oneclick::evaluate::Campaign::read(c)?;
                let o = oneclick::evaluate::read_outcomes(o, &c)?;
                println!(
                    "campaign {}: {} customers, {} with an outcome",
                    c.path.display(),
                    c.rows.len(),
                    o.iter().filter(|o| o.is_some()).count()
                );
                months.push((c, o));
            }
            let pairs: Vec<(
                &oneclick::evaluate::Campaign,
                &[Option<oneclick::evaluate::Outcome>],
            )> = months.iter().map(|(c, o)| (c, o.as_slice())).collect();
            let e = oneclick::evaluate::evaluate_months(&pairs, &options)?;
            println!(
                "{} month(s) pooled, stratified by month; {} customers without an outcome (test {}, control {}) count as declined with no profit",
                e.months, e.missing_outcomes, e.overall.test.missing, e.overall.control.missing
            );
            println!("rule: {}", e.decision_rule);
            launch::print_evaluation(&e, bootstrap, seed);
            if let Some(path) = json {
                write_json(&path, &e)?;
            }
        }
        Command::Monitor {
            model,
            data,
            json,
            warn,
            alert,
            campaign,
            params,
        } => {
            let outputs: Vec<std::path::PathBuf> = json.iter().cloned().collect();
            check_model_command(&model, &data, &params, "--json", &outputs)?;
            if let Some(c) = &campaign {
                let plan = oneclick::evaluate::Campaign::plan_path(c);
                let inputs = [
                    ("--campaign", c.as_path()),
                    ("--campaign (its plan)", plan.as_path()),
                ];
                let outputs: Vec<(&str, &std::path::Path)> =
                    json.iter().map(|j| ("--json", j.as_path())).collect();
                oneclick::io::check_outputs(&inputs, &outputs)?;
            }
            let t = std::time::Instant::now();
            let m = SavedModel::load(&model)?;
            let mut p = parameters(&params, Some((&m, &model)))?;
            set_flag(&mut p, "--warn", "launch.monitor.warn", warn)?;
            set_flag(&mut p, "--alert", "launch.monitor.alert", alert)?;
            let options = p.launch.monitor();
            let campaign = campaign
                .map(|c| oneclick::evaluate::Campaign::read(&c))
                .transpose()?;
            let r = oneclick::monitor::run_with(&m, &data, &options, campaign.as_ref())?;
            println!(
                "status: {:?} — {} customers in {:.2} s (trained on {} customers)",
                r.status,
                r.customers,
                t.elapsed().as_secs_f64(),
                m.reference.customers
            );
            println!("{}", p.describe());
            launch::print_monitoring(&r, &options);
            if let Some(path) = json {
                write_json(&path, &r)?;
            }
        }
        Command::FetchData {
            dest,
            base_url,
            timeout,
        } => {
            let base = base_url
                .or_else(|| std::env::var(fetch::BASE_URL_ENV).ok())
                .unwrap_or_else(|| fetch::BASE_URL.to_string());
            let base = if base.ends_with('/') {
                base
            } else {
                format!("{base}/")
            };
            for f in fetch::fetch_originals(&dest, &base, Duration::from_secs(timeout))? {
                println!(
                    "{} {} (sha256 {} verified)",
                    if f.downloaded { "downloaded" } else { "kept" },
                    f.path.display(),
                    &f.sha256[..16]
                );
            }
        }
    }
    Ok(())
}
