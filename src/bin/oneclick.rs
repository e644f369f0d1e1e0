//! `oneclick`: run the study headless, generate synthetic data, fetch the originals.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use clap::{Parser, Subcommand};
use oneclick::clean::CleaningOptions;
use oneclick::fetch;
use oneclick::study::{Study, StudyOptions};
use oneclick::synth::{self, SynthOptions};

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
    /// Generate synthetic data with the originals' columns, formats and quirks.
    Synth {
        /// Number of customers.
        #[arg(long, default_value_t = 1300)]
        customers: usize,
        /// Random seed; the same seed gives byte-identical files.
        #[arg(long, default_value_t = synth::DEFAULT_SEED)]
        seed: u64,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
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
        } => {
            let t = std::time::Instant::now();
            let manifest = synth::write(&SynthOptions::new(customers, seed), &out)?;
            println!(
                "wrote {} customers (seed {}) to {} in {:.2} s",
                manifest.customers,
                manifest.seed,
                out.display(),
                t.elapsed().as_secs_f64()
            );
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
