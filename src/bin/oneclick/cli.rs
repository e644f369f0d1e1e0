//! The command line: every command, flag and its help text (the documentation README's
//! CLI section is checked against).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};
use oneclick::synth::{self, OutcomeOptions};

/// The «В один клик» purchase-activity study, headless.
///
/// Data are found in this order unless --data is given: $ONECLICK_DATA, data/raw/ (if it
/// holds the four original files), /datasets/ (the course platform), data/synthetic/.
///
/// Parameters: study, score, campaign, monitor and evaluate take the notebooks' parameter
/// file (--params FILE, else $ONECLICK_PARAMS, else the parameters recorded in the model
/// file, else the built-in defaults: notebooks/parameters.jsonc as built) and --set
/// KEY=VALUE changes with the keys of that file; a command's own flags are shorthands for
/// keys. Exit code 0 on success, 1 on any error (bad arguments included), with the error
/// on stderr.
#[derive(Parser, Debug)]
#[command(name = "oneclick", version, about, long_about)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

/// The parameter file and changes, shared by every command that computes.
#[derive(Args, Debug, Clone, Default)]
pub struct ParamArgs {
    /// Parameter file (JSON with // comments, laid out as notebooks/parameters.jsonc;
    /// keys it leaves out keep their defaults). Default: $ONECLICK_PARAMS, else the
    /// model's recorded parameters, else the built-in defaults.
    #[arg(long, value_name = "FILE")]
    pub params: Option<PathBuf>,
    /// Change one parameter for this run, with a dotted key of the parameter file
    /// (repeatable), e.g. --set selection.seed=7 or --set offers.levers.promo.cost=0.1.
    #[arg(long = "set", value_name = "KEY=VALUE")]
    pub set: Vec<String>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Run the study: load → validate → clean → merge → correlation → model search →
    /// importance → segments → offers (progress bar on a terminal); print a summary and
    /// write DIR/results.json (with every parameter used and its source), DIR/index.html
    /// and DIR/figures/*.svg as one set. On bad input: exit code 1, the error on stderr,
    /// nothing written.
    Study {
        /// Directory with market_file.csv, market_money.csv, market_time.csv, money.csv
        /// (default: discovered, see above).
        #[arg(long, value_name = "DIR")]
        data: Option<PathBuf>,
        /// Output directory (created if missing).
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        /// Robust z-score above which a period's revenue counts as an anomaly (the key
        /// cleaning.anomaly_z).
        #[arg(long, value_name = "Z")]
        anomaly_z: Option<f64>,
        /// Seed of every random step of the model: the train/test split, the folds, Platt
        /// scaling, permutation importance, SHAP and the segmentation's folds (the keys
        /// selection.seed, importance.seed, importance.shap.seed, segments.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Also store the deployed model (JSON) for score, campaign and monitor: the
        /// cross-fitted fold models behind the study's probabilities, the segment
        /// thresholds, the typical levels the levers move towards, the offers'
        /// assumptions and the parameters used. Written with the results, as one set.
        #[arg(long, value_name = "FILE")]
        save_model: Option<PathBuf>,
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Score a snapshot (the same four files) with a model saved by `study
    /// --save-model` (a study customer by the fold model that never saw them, any other
    /// by the fold models' average): writes per customer the probability of decline, the segment, up to
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
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Draw a campaign: score a snapshot with a saved model and write one row per customer
    /// with an offer that pays for itself (positive expected net gain; offers that need
    /// consent only where it was given), randomised into a test arm (gets the offer) and a
    /// control arm (gets nothing), stratified by lever × consent × risk band. Also writes
    /// FILE.plan.json (the randomisation and the decision rule, for `evaluate`),
    /// FILE.balance.csv (standardised mean difference between the arms of every feature
    /// and of the probability; a warning names each |SMD| ≥ the limit) and FILE.levers.csv
    /// (the offer texts once per lever and category), as one set: the plan records the
    /// campaign file's sha256, so a plan beside another run's file is refused. On bad
    /// input nothing is written.
    Campaign {
        /// Model file written by `oneclick study --save-model`.
        #[arg(long, value_name = "FILE")]
        model: PathBuf,
        /// Directory with the four CSV files of the snapshot.
        #[arg(long, value_name = "DIR")]
        data: PathBuf,
        /// Output CSV file (`id,stratum,arm,lever,category,probability,expected_gain,offer_sent,offer_cost,prior_profit`).
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Seed of the randomisation; the same seed gives a byte-identical file (the key
        /// launch.campaign.seed).
        #[arg(long)]
        seed: Option<u64>,
        /// Share of each stratum drawn into the test arm (launch.campaign.test_share).
        #[arg(long, value_name = "F")]
        test_share: Option<f64>,
        /// |SMD| from which a feature counts as imbalanced between the arms
        /// (launch.campaign.balance_limit).
        #[arg(long, value_name = "SMD")]
        balance_limit: Option<f64>,
        /// The model's latest `oneclick monitor --json` report on this snapshot: an alert
        /// stops the campaign (the model may no longer describe these customers) unless
        /// --force is given; a warning is printed.
        #[arg(long, value_name = "FILE")]
        monitor: Option<PathBuf>,
        /// Draw the campaign even when the monitor report is an alert.
        #[arg(long)]
        force: bool,
        /// An earlier campaign file (repeat for several months): its customers keep their
        /// arm — a persistent holdout — and only newcomers are drawn.
        #[arg(long, value_name = "FILE")]
        previous: Vec<PathBuf>,
        /// A lever-effects file from `oneclick learn`: offers are chosen on the measured
        /// effects (a lever no test measured keeps the what-if); the plan records each
        /// lever's basis. An exploring test is drawn with --set launch.campaign.design=explore.
        #[arg(long, value_name = "FILE")]
        effects: Option<PathBuf>,
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Learn what works for whom from an exploring campaign (design explore) and its
    /// outcomes: per lever the doubly robust average effect, T- and DR-learner effects per
    /// customer (cross-fitted; bootstrap intervals), Qini, AUUC and uplift at k; the value
    /// in money of the learned, what-if, single-lever, random and no-offer policies
    /// (inverse-propensity and doubly robust). Writes OUT/effects.json (for `campaign
    /// --effects`), OUT/learn.json and OUT/customers.csv, all or nothing.
    Learn {
        /// Model file written by `oneclick study --save-model` (the campaign's).
        #[arg(long, value_name = "FILE")]
        model: PathBuf,
        /// Directory with the four CSV files of the snapshot the campaign was drawn on.
        /// Repeat --data, --campaign and --outcomes, in the same order, to pool several
        /// months' exploring tests.
        #[arg(long, value_name = "DIR", required = true)]
        data: Vec<PathBuf>,
        /// The exploring campaign file (its plan beside it).
        #[arg(long, value_name = "FILE", required = true)]
        campaign: Vec<PathBuf>,
        /// Its outcomes: `id,Покупательская активность,Прибыль`.
        #[arg(long, value_name = "FILE", required = true)]
        outcomes: Vec<PathBuf>,
        /// Output directory.
        #[arg(long, value_name = "DIR")]
        out: PathBuf,
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Analyse a test three months later, overall and per lever: decline rates per arm, the
    /// unadjusted difference (Newcombe 95 % interval, Fisher's test), the difference and
    /// the net gain after the offers' costs stratified and adjusted for the probability and
    /// the prior profit, and the decision by the campaign plan's rule (net gain above zero
    /// with Holm's correction). OUTCOMES holds `id,Покупательская активность,Прибыль`
    /// (label values as in the data; Прибыль the average monthly profit over the three
    /// months, before the offers' costs); a campaign customer without an outcome left the
    /// store and counts as declined, with the worst cases shown.
    Evaluate {
        /// Campaign file written by `oneclick campaign` (its FILE.plan.json beside it).
        /// Repeat it, each with its --outcomes in the same order, to pool several months
        /// (stratified by month).
        #[arg(long, value_name = "FILE", required = true)]
        campaign: Vec<PathBuf>,
        /// Outcomes file of the campaign at the same position.
        #[arg(long, value_name = "FILE", required = true)]
        outcomes: Vec<PathBuf>,
        /// Also write the analysis as JSON.
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
        /// Bootstrap resamples of the profit difference (launch.evaluation.bootstrap).
        #[arg(long)]
        bootstrap: Option<usize>,
        /// Seed of the bootstrap (launch.evaluation.seed).
        #[arg(long)]
        seed: Option<u64>,
        #[command(flatten)]
        params: ParamArgs,
    },
    /// Compare a new snapshot with the study's reference in the model file (every study
    /// customer's out-of-fold probability): population
    /// stability index (PSI) of every feature (reference deciles for numbers, levels for
    /// categories) and of the predicted probability, the at-risk share now and at training,
    /// and the realised ROC-AUC, Brier score and calibration-in-the-large from the
    /// snapshot's labels (a campaign's test arm left out with --campaign), with a retrain
    /// advice past the limits; a variable counts as shifted only beyond the PSI chance
    /// gives at the two sizes. Exit code 0 whatever the status (read it from the output or
    /// --json).
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
        /// PSI from which a distribution counts as shifted, warn (launch.monitor.warn).
        #[arg(long)]
        warn: Option<f64>,
        /// PSI from which the shift calls the model into question, alert
        /// (launch.monitor.alert).
        #[arg(long)]
        alert: Option<f64>,
        /// The campaign drawn on these customers: its test arm is left out of the
        /// realised metrics (an offer changed their outcome).
        #[arg(long, value_name = "FILE")]
        campaign: Option<PathBuf>,
        #[command(flatten)]
        params: ParamArgs,
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
        /// A causal store: customers respond to each lever with a true, heterogeneous
        /// effect (data/README.md); its answer file goes to --answers. With --outcomes-for,
        /// the outcomes are drawn from the answer file --answers instead.
        #[arg(long)]
        causal: bool,
        /// The causal store's answer file (written with --causal, read with
        /// --outcomes-for); keep it outside the data directory.
        #[arg(long, value_name = "FILE")]
        answers: Option<PathBuf>,
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
