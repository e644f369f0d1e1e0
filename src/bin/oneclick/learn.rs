//! What `learn`, `campaign --effects` and `synth --causal` do and print.

use std::path::{Path, PathBuf};

use oneclick::checked::Checked;
use oneclick::synth::SynthOptions;

use crate::cli::ParamArgs;

/// `synth --causal`: a causal store and its answer file, or (with --outcomes-for) a
/// campaign's outcomes drawn from an answer file; `drift` shifts the store's features.
#[allow(clippy::too_many_arguments)]
pub fn synth_causal(
    options: &SynthOptions,
    drift: Option<&oneclick::synth::Drift>,
    out: &Path,
    answers: Option<PathBuf>,
    outcomes_for: Option<PathBuf>,
    causal: bool,
    attrition: f64,
    seed: u64,
) -> oneclick::Result<()> {
    let Some(answers) = answers else {
        return Err(oneclick::Error::InvalidArgument(
            "--causal needs --answers FILE: where the store's true effects go (outside the data directory)".into(),
        ));
    };
    if let Some(campaign) = outcomes_for {
        oneclick::io::check_outputs(
            &[
                ("--outcomes-for", campaign.as_path()),
                ("--answers", answers.as_path()),
            ],
            &[("--out", out)],
        )?;
        let campaign = oneclick::evaluate::Campaign::read(&campaign)?;
        let truth = oneclick::causal::Answers::read(&answers)?;
        let o = Checked::new(oneclick::causal::CausalOutcomeOptions {
            attrition,
            seed,
            ..Default::default()
        })?;
        let outcomes = oneclick::causal::outcomes(&truth, &campaign, &o)?;
        oneclick::io::write_creating_dir(
            out,
            &oneclick::synth::outcomes_csv(&campaign, &outcomes),
        )?;
        let missing = outcomes.iter().filter(|o| o.is_none()).count();
        println!(
            "outcomes of {} campaign customers drawn from the causal store's answers ({missing} without one, seed {seed}) → {}",
            campaign.rows.len(),
            out.display()
        );
        return Ok(());
    }
    if !causal {
        return Err(oneclick::Error::InvalidArgument(
            "--answers without --causal or --outcomes-for: say whether to write a causal store or to draw a campaign's outcomes".into(),
        ));
    }
    let t = std::time::Instant::now();
    let truth = oneclick::causal::write_with(options, drift, out, &answers)?;
    println!(
        "wrote a causal store of {} customers (seed {}) to {} and its answers ({} customers the cleaning keeps) to {} in {:.2} s",
        options.customers,
        options.seed,
        out.display(),
        truth.rows.len(),
        answers.display(),
        t.elapsed().as_secs_f64()
    );
    for s in drift.iter().flat_map(|d| &d.shifts) {
        println!("  month-ahead drift: {} {:+}", s.feature, s.change);
    }
    Ok(())
}

/// One line: what each lever's customers were chosen on.
pub fn basis_line(run: &oneclick::campaign::CampaignRun) -> String {
    let parts: Vec<String> = run
        .plan
        .basis
        .iter()
        .map(|(lever, basis)| format!("{lever} {basis}"))
        .collect();
    format!("offers chosen on: {}", parts.join(", "))
}

/// `learn`: one month's exploring test, or several pooled (`data`, `campaign` and
/// `outcomes` at the same position belong together).
pub fn learn(
    model: &Path,
    data: &[PathBuf],
    campaign: &[PathBuf],
    outcomes: &[PathBuf],
    out: &Path,
    params: &ParamArgs,
) -> oneclick::Result<()> {
    if data.len() != campaign.len() || outcomes.len() != campaign.len() {
        return Err(oneclick::Error::InvalidArgument(format!(
            "{} --data directories, {} --campaign files and {} --outcomes files: expected one snapshot and one outcomes file per campaign, in the same order",
            data.len(),
            campaign.len(),
            outcomes.len()
        )));
    }
    let outputs = oneclick::learn::Learned::outputs(out);
    for d in data {
        crate::check_model_command(model, d, params, "--out", &outputs)?;
    }
    let plans: Vec<PathBuf> = campaign
        .iter()
        .map(|c| oneclick::evaluate::Campaign::plan_path(c))
        .collect();
    let labelled: Vec<(&str, &Path)> = outputs.iter().map(|o| ("--out", o.as_path())).collect();
    let mut inputs: Vec<(&str, &Path)> = Vec::new();
    for ((c, plan), o) in campaign.iter().zip(&plans).zip(outcomes) {
        inputs.push(("--campaign", c));
        inputs.push(("--campaign (its plan)", plan));
        inputs.push(("--outcomes", o));
    }
    oneclick::io::check_outputs(&inputs, &labelled)?;
    let t = std::time::Instant::now();
    let mut m = oneclick::score::SavedModel::load(model)?;
    let p = crate::parameters(params, Some((&m, &model.to_path_buf())))?;
    println!("{}", p.describe());
    crate::use_offer_parameters(&mut m, &p);
    let months: Vec<(&Path, &Path, &Path)> = data
        .iter()
        .zip(campaign)
        .zip(outcomes)
        .map(|((d, c), o)| (d.as_path(), c.as_path(), o.as_path()))
        .collect();
    let learned = oneclick::learn::learn_months_files(&m, &months, &p.launch.learn())?;
    learned.write(out)?;
    println!(
        "{} customers with an outcome ({} without, left out); a decline costs {:.1} % of the monthly profit (measured on the control arm)",
        learned.with_outcome,
        learned.missing,
        learned.loss_share * 100.0
    );
    for r in &learned.levers {
        let a = r.average;
        println!(
            "{}: average effect {:+.1} p.p. [{:+.1}, {:+.1}] on the probability of decline ({} test, {} control); Qini {:.4}, AUUC {:.4}, uplift at k {:+.4}",
            r.lever,
            a.value * 100.0,
            a.ci_low * 100.0,
            a.ci_high * 100.0,
            r.treated,
            r.control,
            r.qini,
            r.auuc,
            r.uplift_at_k
        );
    }
    for p in &learned.policies {
        let g = p.gain;
        println!(
            "policy {}: {} customers get an offer; value per customer {:.3} (DR), {:.3} (IPW); gain over no offers {:+.3} [{:+.3}, {:+.3}]",
            p.policy,
            p.treated,
            p.value.doubly_robust.value,
            p.value.ipw.value,
            g.value,
            g.ci_low,
            g.ci_high
        );
    }
    println!(
        "offers are chosen on the {}-learner's effects; wrote {} in {:.2} s",
        match learned.effects.learner {
            oneclick::learn::Learner::T => "T",
            oneclick::learn::Learner::Dr => "DR",
        },
        out.display(),
        t.elapsed().as_secs_f64()
    );
    Ok(())
}
