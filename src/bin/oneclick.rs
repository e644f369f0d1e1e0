//! `oneclick`: run the study headless, generate synthetic data, fetch the originals.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use oneclick::campaign::CampaignOptions;
use oneclick::clean::CleaningOptions;
use oneclick::evaluate::EvaluateOptions;
use oneclick::fetch;
use oneclick::monitor::MonitorOptions;
use oneclick::study::{Study, StudyOptions};
use oneclick::synth::{self, Drift, OutcomeOptions, Shift, SynthOptions};

/// The «В один клик» purchase-activity study, headless.
///
/// Data are found in this order unless --data is given: $ONECLICK_DATA, data/raw/ (if it
/// holds the four original files), /datasets/ (the course platform), data/synthetic/.
#[derive(Parser, Debug)]
#[command(name = "oneclick", version, about, long_about)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand, Debug)]
enum Command {
    /// Run the study: load → validate → clean → merge → correlation → model search
    /// (progress bar on a terminal); print a summary and write DIR/results.json. On bad
    /// input: exit code 1, the error on stderr, nothing written.
    Study {
        /// Directory with market_file.csv, market_money.csv, market_time.csv, money.csv
        /// (default: discovered, see above).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Output directory for results.json (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Robust z-score above which a period's revenue counts as an anomaly.
        #[arg(long, default_value_t = CleaningOptions::default().anomaly_z, value_name = "Z")]
        anomaly_z: f64,
        /// Seed of every random step of the model: the train/test split, the folds, Platt
        /// scaling, permutation importance, SHAP and the segmentation's folds.
        #[arg(long, default_value_t = oneclick::segment::SegmentOptions::default().seed)]
        seed: u64,
        /// Also store the chosen fitted pipeline with the segment thresholds, the typical
        /// levels the levers move towards and the offers' assumptions (JSON) for
        /// `oneclick score`.
        #[arg(long, value_name = "FILE")]
        save_model: Option<PathBuf>,
    },
    /// Score a new snapshot (the same four files) with a model saved by `study
    /// --save-model`: writes per customer the probability of decline, the segment, up to
    /// three reasons (lever and effect), the offer's lever and its expected gain (a
    /// model-based scenario) as CSV, the lever titles and offer texts once beside it
    /// (FILE.levers.csv) and the segments' sizes (FILE.segments.csv). The snapshot is
    /// validated and cleaned like the study's data; customers removed by cleaning are
    /// listed, not scored. Customer ids need not be those of the training data (every
    /// valid customer is scored); a missing column or a category the model has not seen
    /// is an error naming file or customer, column and value, and nothing is written.
    Score {
        /// Model file written by `oneclick study --save-model`.
        #[arg(long, value_name = "FILE")]
        model: PathBuf,
        /// Directory with the four CSV files of the snapshot.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Output CSV file (`id,probability,segment,reason_1,effect_1,…,lever,category,expected_gain`);
        /// FILE.levers.csv holds the texts, FILE.segments.csv the segment sizes.
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
    },
    /// Draw a campaign: score a snapshot with a saved model and write one row per customer
    /// with an offer that pays for itself (positive expected net gain; offers that need
    /// consent only where it was given), randomised into a test arm (gets the offer) and a
    /// control arm (gets nothing), stratified by lever × consent × risk band. Also writes
    /// FILE.plan.json (the randomisation and the decision rule, for `evaluate`),
    /// FILE.balance.csv (standardised mean difference between the arms of every feature
    /// and of the probability; a warning names each |SMD| ≥ the limit) and FILE.levers.csv
    /// (the offer texts once per lever and category). On bad input nothing is written.
    Campaign {
        /// Model file written by `oneclick study --save-model`.
        #[arg(long, value_name = "FILE")]
        model: PathBuf,
        /// Directory with the four CSV files of the snapshot.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Output CSV file (`id,stratum,arm,lever,category,probability,expected_gain,offer_sent,offer_cost`).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Seed of the randomisation; the same seed gives a byte-identical file.
        #[arg(long, default_value_t = CampaignOptions::default().seed)]
        seed: u64,
        /// Share of each stratum drawn into the test arm.
        #[arg(long, default_value_t = CampaignOptions::default().test_share, value_name = "F")]
        test_share: f64,
        /// |SMD| from which a feature counts as imbalanced between the arms.
        #[arg(long, default_value_t = CampaignOptions::default().balance_limit, value_name = "SMD")]
        balance_limit: f64,
    },
    /// Analyse a test three months later: decline rates per arm, their difference with a
    /// Newcombe 95 % interval, z and Fisher p-values, profit per customer with a bootstrap
    /// interval, the net gain after the offers' costs and the decision by the rule in the
    /// campaign's plan — overall and per lever. OUTCOMES holds
    /// `id,Покупательская активность,Прибыль` (label values as in the data; Прибыль the
    /// average monthly profit over the three months, before the offers' costs); campaign
    /// customers without an outcome are counted (attrition) and left out of the rates.
    Evaluate {
        /// Campaign file written by `oneclick campaign` (its FILE.plan.json beside it).
        #[arg(long, value_name = "FILE")]
        campaign: PathBuf,
        /// Outcomes file.
        #[arg(long, value_name = "FILE")]
        outcomes: PathBuf,
        /// Also write the analysis as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Bootstrap resamples of the profit difference.
        #[arg(long, default_value_t = EvaluateOptions::default().bootstrap)]
        bootstrap: usize,
        /// Seed of the bootstrap.
        #[arg(long, default_value_t = EvaluateOptions::default().seed)]
        seed: u64,
    },
    /// Compare a new snapshot with the training reference in the model file: population
    /// stability index (PSI) of every feature (reference deciles for numbers, levels for
    /// categories) and of the predicted probability, the at-risk share now and at training,
    /// and the realised ROC-AUC, Brier score and calibration-in-the-large from the
    /// snapshot's labels, with a retrain advice past the limits. Exit code 0 whatever the
    /// status (read it from the output or --json).
    Monitor {
        /// Model file written by `oneclick study --save-model`.
        #[arg(long, value_name = "FILE")]
        model: PathBuf,
        /// Directory with the four CSV files of the new snapshot.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Also write the result as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// PSI from which a distribution counts as shifted (warn).
        #[arg(long, default_value_t = MonitorOptions::default().warn)]
        warn: f64,
        /// PSI from which the shift calls the model into question (alert).
        #[arg(long, default_value_t = MonitorOptions::default().alert)]
        alert: f64,
    },
    /// Generate synthetic data with the originals' columns, formats and quirks.
    ///
    /// With --month-ahead (or --drift): next month's snapshot of the same store, the stated
    /// drift added to the listed features. With --outcomes-for: simulated outcomes of a
    /// campaign drawn on the snapshot these options generate (each customer declines with
    /// the generator's probability for their class, lower by --effect in the test arm),
    /// written to --out as a file.
    Synth {
        /// Number of customers.
        #[arg(long, default_value_t = 1300)]
        customers: usize,
        /// Random seed; the same seed gives byte-identical files.
        #[arg(long, default_value_t = synth::DEFAULT_SEED)]
        seed: u64,
        /// Output directory (created if missing); with --outcomes-for, the outcomes file.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Next month's snapshot with the stated drift: Акционные_покупки +0.15,
        /// Страниц_за_визит −2 (unless --drift is given).
        #[arg(long)]
        month_ahead: bool,
        /// A drift `COLUMN=CHANGE` added to every customer's value of a numeric column of
        /// market_file.csv (repeatable; implies --month-ahead).
        #[arg(long, value_name = "COLUMN=CHANGE")]
        drift: Vec<String>,
        /// Simulate the outcomes of this campaign file's customers (drawn on the snapshot
        /// --customers, --seed and the drift generate).
        #[arg(long, value_name = "FILE")]
        outcomes_for: Option<PathBuf>,
        /// The known effect: the test arm's probability of decline is lower by this much.
        #[arg(long, default_value_t = OutcomeOptions::default().effect)]
        effect: f64,
        /// Share of customers without an outcome.
        #[arg(long, default_value_t = OutcomeOptions::default().attrition)]
        attrition: f64,
        /// Seed of the outcomes.
        #[arg(long, default_value_t = OutcomeOptions::default().seed)]
        outcome_seed: u64,
    },
    /// Download the four original files from the course's public URLs, verify their
    /// sha256 and write them atomically (offline or on a mismatch nothing is written).
    FetchData {
        /// Destination directory.
        #[arg(long, default_value = "data/raw", value_name = "DIR")]
        dest: PathBuf,
        /// Base URL (default: $ONECLICK_DATA_URL or the course's public dataset URL).
        #[arg(long, value_name = "URL")]
        base_url: Option<String>,
        /// Timeout per file, in seconds.
        #[arg(long, default_value_t = 60)]
        timeout: u64,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
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
    Drift {
        shifts: vec![shift.clone()],
    }
    .check()?;
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
        } => {
            let options = StudyOptions {
                data,
                cleaning: CleaningOptions::default().anomaly_z(anomaly_z),
                ..StudyOptions::default()
            }
            .with_seed(seed);
            let fits = options.selection.candidates.len() * options.selection.search.folds;
            let bar = indicatif::ProgressBar::new(fits as u64).with_style(
                indicatif::ProgressStyle::with_template(
                    "model search {bar:40} {pos}/{len} fits, {elapsed_precise} (eta {eta})",
                )
                .expect("valid template"),
            );
            let tick = |n: usize| bar.inc(n as u64);
            let study = Study::run_with_progress(&options, Some(&tick));
            bar.finish_and_clear();
            let study = study?;
            print!("{}", study.summary());
            let written = oneclick::report::write_all(&study, &out)?;
            println!(
                "wrote {} files into {} (results.json, index.html, figures/)",
                written.len(),
                out.display()
            );
            if let Some(path) = save_model {
                oneclick::score::SavedModel::from_study(&study)?.save(&path)?;
                println!("saved the model to {}", path.display());
            }
        }
        Command::Score { model, data, out } => {
            let t = std::time::Instant::now();
            let m = oneclick::score::SavedModel::load(&model)?;
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
            if let Some(campaign) = outcomes_for {
                let campaign = oneclick::evaluate::Campaign::read(&campaign)?;
                let (_, truth) = synth::generate_with(&options, drift.as_ref())?;
                let o = OutcomeOptions {
                    effect,
                    attrition,
                    seed: outcome_seed,
                    ..OutcomeOptions::default()
                };
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
        } => {
            let t = std::time::Instant::now();
            let m = oneclick::score::SavedModel::load(&model)?;
            let options = CampaignOptions {
                seed,
                test_share,
                balance_limit,
                ..CampaignOptions::default()
            };
            let run = oneclick::campaign::run(&m, &data, &options)?;
            run.write(&out)?;
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
        Command::Evaluate {
            campaign,
            outcomes,
            json,
            bootstrap,
            seed,
        } => {
            let c = oneclick::evaluate::Campaign::read(&campaign)?;
            let o = oneclick::evaluate::read_outcomes(&outcomes, &c)?;
            let e = oneclick::evaluate::evaluate(&c, &o, &EvaluateOptions { bootstrap, seed })?;
            println!(
                "campaign {}: {} customers; {} without an outcome (attrition: {} test, {} control), left out of the rates",
                campaign.display(),
                c.rows.len(),
                e.missing_outcomes,
                e.overall.test.missing,
                e.overall.control.missing
            );
            for cmp in std::iter::once(&e.overall).chain(&e.by_lever) {
                println!(
                    "{}: declined {}/{} test ({:.1} %) vs {}/{} control ({:.1} %); difference {:+.1} p.p. [{:+.1}, {:+.1}] (Newcombe {:.0} %); p z {:.3e}, p Fisher {:.3e}",
                    cmp.lever.as_deref().unwrap_or("all levers"),
                    cmp.test.declined,
                    cmp.test.n,
                    cmp.test.rate * 100.0,
                    cmp.control.declined,
                    cmp.control.n,
                    cmp.control.rate * 100.0,
                    cmp.difference * 100.0,
                    cmp.ci_low * 100.0,
                    cmp.ci_high * 100.0,
                    (1.0 - e.alpha) * 100.0,
                    cmp.p_value_z,
                    cmp.p_value_fisher
                );
                println!(
                    "  profit per customer per month {:.3} vs {:.3}: difference {:+.3} [{:+.3}, {:+.3}] (bootstrap, {bootstrap} resamples, seed {seed}); net gain after offer costs {:.1} [{:.1}, {:.1}]",
                    cmp.test.profit,
                    cmp.control.profit,
                    cmp.profit_difference,
                    cmp.profit_ci_low,
                    cmp.profit_ci_high,
                    cmp.net_gain,
                    cmp.net_gain_ci_low,
                    cmp.net_gain_ci_high
                );
                println!("  decision: {} — {}", cmp.decision, cmp.why);
            }
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
        } => {
            let t = std::time::Instant::now();
            let m = oneclick::score::SavedModel::load(&model)?;
            let options = MonitorOptions {
                warn,
                alert,
                ..MonitorOptions::default()
            };
            let r = oneclick::monitor::run(&m, &data, &options)?;
            println!(
                "status: {:?} — {} customers in {:.2} s (trained on {} customers)",
                r.status,
                r.customers,
                t.elapsed().as_secs_f64(),
                m.reference.customers
            );
            let mut rows: Vec<(&str, f64, oneclick::monitor::Status)> = r
                .features
                .iter()
                .map(|f| (f.feature.as_str(), f.psi, f.status))
                .chain([("probability", r.probability_psi, r.probability_status)])
                .collect();
            rows.sort_by(|a, b| b.1.total_cmp(&a.1));
            for (f, psi, s) in rows {
                println!("  PSI {psi:.4} {s:?}: {f}");
            }
            println!(
                "  at-risk share {:.1} % now, {:.1} % at training (threshold {:.3})",
                r.at_risk_share * 100.0,
                r.reference_at_risk_share * 100.0,
                r.risk_threshold
            );
            if let Some(l) = &r.labels {
                println!(
                    "  labels: ROC-AUC {} (study {:.3}), Brier {:.3} (study {:.3}), mean probability − rate {:+.3}",
                    l.roc_auc.map_or("—".to_string(), |a| format!("{a:.3}")),
                    l.reference_roc_auc,
                    l.brier,
                    l.reference_brier,
                    l.calibration_in_the_large
                );
                if l.retrain {
                    println!("  retrain: {}", l.reasons.join("; "));
                }
            }
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
