//! After the study: the campaign's randomisation (stratified, seeded, balanced, consent
//! respected), the generator's month-ahead and outcomes modes, and the monitor flagging
//! exactly the features that moved.

mod common;

use oneclick::checked::Checked;
use std::collections::BTreeMap;
use std::sync::OnceLock;

use oneclick::campaign::{CampaignOptions, CampaignRun};
use oneclick::evaluate::{Arm, Campaign, CampaignRow};
use oneclick::monitor::{MonitorOptions, Status};
use oneclick::offers::LEVERS;
use oneclick::schema::{FileId, PAGES_PER_VISIT};
use oneclick::score::SavedModel;
use oneclick::synth::{self, Drift, OutcomeOptions, Shift, SynthOptions};

fn model() -> &'static SavedModel {
    static MODEL: OnceLock<SavedModel> = OnceLock::new();
    MODEL.get_or_init(common::synthetic_svc_model)
}

fn draw(options: &CampaignOptions) -> (CampaignRun, Vec<u8>) {
    let options = Checked::new(*options).unwrap();
    let run = oneclick::campaign::run(model(), &common::synthetic_dir(), &options).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("campaign.csv");
    run.write(&path).unwrap();
    let bytes = std::fs::read(&path).unwrap();
    (run, bytes)
}

#[test]
fn the_campaign_is_stratified_seeded_balanced_and_respects_consent() {
    let options = CampaignOptions::default();
    let (run, bytes) = draw(&options);
    let scored = run.scores.rows.len();
    assert_eq!(scored, 1296);
    // eligibility: exactly the customers with an offer that pays for itself
    let eligible: Vec<usize> = (0..scored)
        .filter(|i| run.scores.rows[*i].lever.is_some() && run.scores.rows[*i].expected_gain > 0.0)
        .collect();
    assert!(eligible.len() > 100, "{}", eligible.len());
    assert_eq!(run.customers(), eligible.len());
    for (i, (r, a)) in run.scores.rows.iter().zip(&run.arms).enumerate() {
        assert_eq!(a.is_some(), eligible.contains(&i), "customer {}", r.id);
        if let (Some(_), Some(lever)) = (a, r.lever) {
            let l = &LEVERS[usize::from(lever)];
            assert!(
                l.actionable && (r.consent || !l.needs_consent),
                "{}: {}",
                r.id,
                l.id
            );
        }
    }
    // per stratum the arms differ by at most one customer
    assert!(
        run.sizes.iter().all(|(t, c)| t.abs_diff(*c) <= 1),
        "{:?}",
        run.sizes
    );
    assert!(run.largest_stratum_gap() <= 0.5);
    let mut counted: BTreeMap<&str, (usize, usize)> = BTreeMap::new();
    let text = String::from_utf8(bytes.clone()).unwrap();
    for line in text.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let e = counted.entry(f[1]).or_default();
        match (f[2], f[7]) {
            ("test", "true") => e.0 += 1,
            ("control", "false") => e.1 += 1,
            other => panic!("arm and offer_sent disagree: {other:?} in {line}"),
        }
        assert!(!f[3].is_empty() && f[1].starts_with(f[3]), "{line}");
    }
    assert_eq!(counted.len(), run.strata.len());
    assert!(counted.values().all(|(t, c)| t.abs_diff(*c) <= 1));
    // balance: every |SMD| below the limit (rerandomised), the probability included
    assert!(run.balance.iter().any(|b| b.feature == "probability"));
    assert!(
        run.imbalanced().is_empty() || run.plan.draws == options.max_draws,
        "{:?}",
        run.imbalanced()
    );
    // the kept draw is at least as balanced as the first one (no rerandomisation)
    let worst = |r: &CampaignRun| r.balance.iter().map(|b| b.smd.abs()).fold(0.0, f64::max);
    let (first, _) = draw(&CampaignOptions {
        max_draws: 1,
        ..options
    });
    assert_eq!(first.plan.draws, 1);
    assert!(
        worst(&run) <= worst(&first),
        "{} vs {}",
        worst(&run),
        worst(&first)
    );
    println!(
        "campaign: {} customers, draw {} of {} kept, largest |SMD| {:.3} (first draw {:.3})",
        run.customers(),
        run.plan.draw,
        run.plan.draws,
        worst(&run),
        worst(&first)
    );
    // seeded: the same seed byte for byte, whatever the thread count; another seed, another split
    let (_, again) = draw(&options);
    assert_eq!(bytes, again);
    let one_thread = rayon::ThreadPoolBuilder::new()
        .num_threads(1)
        .build()
        .unwrap()
        .install(|| draw(&options).1);
    assert_eq!(bytes, one_thread);
    let (other, other_bytes) = draw(&CampaignOptions { seed: 7, ..options });
    assert_ne!(bytes, other_bytes);
    assert_eq!(other.customers(), run.customers());
}

#[test]
fn the_campaign_file_reads_back_and_bad_options_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("out/campaign.csv");
    let run =
        oneclick::campaign::run(model(), &common::synthetic_dir(), &Checked::default()).unwrap();
    run.write(&path).unwrap();
    let read = Campaign::read(&path).unwrap();
    let built = run.to_campaign(&path);
    assert_eq!(read.plan, built.plan);
    assert_eq!(read.rows.len(), built.rows.len());
    for (a, b) in read.rows.iter().zip(&built.rows) {
        let same = |x: f64, y: f64| (x - y).abs() <= 5e-7;
        assert!(
            a.id == b.id
                && a.arm == b.arm
                && a.lever == b.lever
                && a.stratum == b.stratum
                && a.category == b.category
                && same(a.probability, b.probability)
                && same(a.offer_cost, b.offer_cost),
            "{a:?} vs {b:?}"
        );
    }
    for f in [
        "campaign.balance.csv",
        "campaign.levers.csv",
        "campaign.plan.json",
    ] {
        assert!(dir.path().join("out").join(f).exists(), "{f}");
    }
    let balance = std::fs::read_to_string(dir.path().join("out/campaign.balance.csv")).unwrap();
    assert!(balance.starts_with("feature,level,test_mean,control_mean,smd,status\n"));
    assert!(balance.contains("\nprobability,,"), "{balance}");

    for (options, name) in [
        (
            CampaignOptions {
                test_share: 1.0,
                ..CampaignOptions::default()
            },
            "test_share",
        ),
        (
            CampaignOptions {
                balance_limit: -0.1,
                ..CampaignOptions::default()
            },
            "balance_limit",
        ),
        (
            CampaignOptions {
                max_draws: 0,
                ..CampaignOptions::default()
            },
            "max_draws",
        ),
    ] {
        let e = Checked::new(options)
            .and_then(|o| oneclick::campaign::run(model(), &common::synthetic_dir(), &o))
            .unwrap_err()
            .to_string();
        assert!(e.contains(name), "{e}");
    }
}

fn snapshot(seed: u64, drift: Option<&Drift>) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    synth::write_with(&SynthOptions::new(1300, seed), drift, dir.path()).unwrap();
    dir
}

#[test]
fn a_month_ahead_snapshot_moves_only_the_stated_columns() {
    let drift = Drift {
        shifts: vec![Shift {
            feature: PAGES_PER_VISIT.into(),
            change: -3.0,
        }],
    };
    let options = SynthOptions::new(500, 11);
    let (plain, truth) = synth::generate_with(&options, None).unwrap();
    let (ahead, truth_ahead) = synth::generate_with(&options, Some(&drift)).unwrap();
    assert_eq!(plain, synth::generate(&options).unwrap());
    assert_eq!(truth, truth_ahead);
    for f in [FileId::MarketMoney, FileId::MarketTime, FileId::Money] {
        assert_eq!(plain.bytes(f), ahead.bytes(f), "{f:?}");
    }
    let text = |b: &[u8]| String::from_utf8(b.to_vec()).unwrap();
    let (before, after) = (
        text(plain.bytes(FileId::MarketFile)),
        text(ahead.bytes(FileId::MarketFile)),
    );
    let mut lowered = 0;
    for (a, b) in before.lines().zip(after.lines()).skip(1) {
        let (a, b): (Vec<&str>, Vec<&str>) = (a.split(',').collect(), b.split(',').collect());
        assert_eq!(a[..12], b[..12]);
        let (pa, pb): (f64, f64) = (a[12].parse().unwrap(), b[12].parse().unwrap());
        assert!(pb <= pa && pb >= 1.0, "{pa} → {pb}");
        lowered += usize::from(pb == pa - 3.0);
    }
    assert!(lowered > 400, "{lowered}");
    let bad = Drift {
        shifts: vec![Shift {
            feature: "Тип сервиса".into(),
            change: 1.0,
        }],
    };
    let e = synth::generate_with(&options, Some(&bad))
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("Тип сервиса") && e.contains("Страниц_за_визит"),
        "{e}"
    );
}

#[test]
fn a_persistent_holdout_keeps_every_earlier_customers_arm() {
    let options = Checked::new(CampaignOptions::default()).unwrap();
    let (first, _) = draw(&CampaignOptions::default());
    let dir = tempfile::tempdir().unwrap();
    let mut earlier = first.to_campaign(&dir.path().join("earlier.csv"));
    // last month's campaign held every other customer of this one
    earlier.rows = earlier.rows.into_iter().step_by(2).collect();
    let next = oneclick::campaign::run_with(
        model(),
        &common::synthetic_dir(),
        &Checked::new(CampaignOptions {
            seed: 7,
            ..*options
        })
        .unwrap(),
        std::slice::from_ref(&earlier),
        None,
    )
    .unwrap();
    let arm_of: BTreeMap<i64, Arm> = next
        .to_campaign(&dir.path().join("next.csv"))
        .rows
        .iter()
        .map(|r| (r.id, r.arm))
        .collect();
    for r in &earlier.rows {
        assert_eq!(arm_of.get(&r.id), Some(&r.arm), "customer {}", r.id);
    }
    assert_eq!(next.plan.kept, earlier.rows.len());
    assert_eq!(
        next.plan.previous,
        vec![earlier.plan.campaign_sha256.clone()]
    );
    // the newcomers are drawn at the share: both arms, about half each
    let newcomers: Vec<Arm> = arm_of
        .iter()
        .filter(|(id, _)| !earlier.rows.iter().any(|r| r.id == **id))
        .map(|(_, a)| *a)
        .collect();
    let test = newcomers.iter().filter(|a| **a == Arm::Test).count() as f64;
    assert!(
        (test / newcomers.len() as f64 - 0.5).abs() < 0.1,
        "{test} of {}",
        newcomers.len()
    );
    // the plan says how long the present flow takes to reach 80 % power
    let m = next.plan.months_for_power_break_even.unwrap();
    assert!(m > 0.0 && m.is_finite(), "{m}");
    let n = next.customers();
    let direct = oneclick::campaign::months_for_power(
        n,
        0.5,
        next.plan.expected_control_rate,
        next.plan.break_even_drop,
        0.05,
        0.8,
    )
    .unwrap();
    assert!((m - direct).abs() < 1e-12);
}

#[test]
fn campaign_refuses_a_model_whose_monitor_report_is_an_alert_unless_forced() {
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("model.json");
    model().save(&model_path).unwrap();
    let report = dir.path().join("monitor.json");
    std::fs::write(&report, r#"{"status": "alert", "customers": 3}"#).unwrap();
    let run = |out: &str, force: bool| {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_oneclick"));
        cmd.args(["campaign", "--model"])
            .arg(&model_path)
            .arg("--data")
            .arg(common::synthetic_dir())
            .arg("--out")
            .arg(dir.path().join(out))
            .arg("--monitor")
            .arg(&report);
        if force {
            cmd.arg("--force");
        }
        cmd.output().unwrap()
    };
    let o = run("refused.csv", false);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("alert") && stderr.contains("--force"),
        "{stderr}"
    );
    assert!(!dir.path().join("refused.csv").exists());
    let o = run("forced.csv", true);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stdout).contains("drawing anyway"));
    // a report that is not one is refused naming its field
    std::fs::write(&report, r#"{"status": "fine"}"#).unwrap();
    let o = run("bad.csv", false);
    assert!(
        String::from_utf8_lossy(&o.stderr).contains("field status"),
        "{o:?}"
    );
}

#[test]
fn simulated_outcomes_carry_the_known_effect() {
    let n = 40_000;
    let options = SynthOptions::new(n, 5);
    let (_, truth) = synth::generate_with(&options, None).unwrap();
    let rows: Vec<CampaignRow> = (0..n)
        .map(|i| {
            let arm = if i % 2 == 0 { Arm::Test } else { Arm::Control };
            CampaignRow {
                id: synth::FIRST_ID + i as i64,
                stratum: "s".into(),
                arm,
                lever: "promo".into(),
                category: "c".into(),
                probability: 0.5,
                expected_gain: 1.0,
                offer_sent: arm == Arm::Test,
                offer_cost: 0.0,
                prior_profit: 3.0,
            }
        })
        .collect();
    let campaign = Campaign {
        path: "campaign.csv".into(),
        rows,
        plan: serde_json::from_value(serde_json::json!({
            "format": oneclick::evaluate::CAMPAIGN_FORMAT, "seed": 1, "test_share": 0.5,
            "stratified_by": "-", "draw": 1, "draws": 1, "balance_limit": 0.1, "alpha": 0.05,
            "horizon_months": 3.0, "break_even_drop": 0.01, "break_even_by_lever": {},
            "min_arm": 20, "expected_control_rate": 0.4, "scenario_drop": 0.05,
            "months_for_power_break_even": null, "months_for_power_scenario": null, "power": 0.8,
            "kept": 0, "previous": [], "decision_rule": "-", "model": "-", "customers": n, "test": n / 2, "control": n / 2,
            "campaign_sha256": "", "design": "offer", "assignment": [], "basis": {}
        }))
        .unwrap(),
    };
    let o = Checked::<OutcomeOptions>::default();
    let outcomes = synth::outcomes(&truth, &campaign, &o).unwrap();
    assert_eq!(outcomes, synth::outcomes(&truth, &campaign, &o).unwrap());
    let missing = outcomes.iter().filter(|x| x.is_none()).count() as f64 / n as f64;
    assert!((missing - o.attrition).abs() < 0.005, "{missing}");
    let rate = |arm: Arm| {
        let v: Vec<bool> = campaign
            .rows
            .iter()
            .zip(&outcomes)
            .filter(|(r, _)| r.arm == arm)
            .filter_map(|(_, x)| x.map(|x| x.declined))
            .collect();
        v.iter().filter(|d| **d).count() as f64 / v.len() as f64
    };
    let difference = rate(Arm::Test) - rate(Arm::Control);
    assert!((difference + o.effect).abs() < 0.02, "{difference}");
    let e = oneclick::evaluate::evaluate(&campaign, &outcomes, &Default::default()).unwrap();
    assert!(e.overall.ci_low <= -o.effect && -o.effect <= e.overall.ci_high);
    // the outcomes file reads back as the same outcomes
    let csv = synth::outcomes_csv(&campaign, &outcomes);
    let back = oneclick::evaluate::outcomes_from_bytes(&csv, "outcomes.csv", &campaign).unwrap();
    assert_eq!(back, outcomes);
    // a campaign customer the snapshot does not have is named
    let mut foreign = campaign.clone();
    foreign.rows[3].id = 1;
    let e = synth::outcomes(&truth, &foreign, &o)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("line 5") && e.contains("\"id\"") && e.contains('1'),
        "{e}"
    );
}

#[test]
fn the_monitor_flags_the_shifted_feature_and_only_it() {
    let options = Checked::<MonitorOptions>::default();
    // next month without drift: nothing moves
    let plain = snapshot(43, None);
    let m = oneclick::monitor::run(model(), plain.path(), &options).unwrap();
    assert!(
        m.features.iter().all(|f| f.status == Status::Ok),
        "{:?}",
        m.features
            .iter()
            .map(|f| (&f.feature, f.psi))
            .collect::<Vec<_>>()
    );
    assert_eq!(m.features.len(), model().features.len());
    assert!(m.labels.is_some());
    // one feature shifted: it alone is flagged among the features
    let drift = Drift {
        shifts: vec![Shift {
            feature: PAGES_PER_VISIT.into(),
            change: -3.0,
        }],
    };
    let shifted = snapshot(43, Some(&drift));
    let m = oneclick::monitor::run(model(), shifted.path(), &options).unwrap();
    let flagged: Vec<&str> = m
        .features
        .iter()
        .filter(|f| f.status != Status::Ok)
        .map(|f| f.feature.as_str())
        .collect();
    assert_eq!(flagged, vec![PAGES_PER_VISIT], "{:?}", m.features);
    assert_eq!(m.status, Status::Alert);
    let json = serde_json::to_value(&m).unwrap();
    for key in [
        "status",
        "features",
        "probability_psi",
        "at_risk_share",
        "reference_at_risk_share",
        "labels",
    ] {
        assert!(json.get(key).is_some(), "{key}");
    }
    assert_eq!(json["status"], "alert");
    assert_eq!(json["features"][0]["status"], "ok");
    // bad limits are named
    let e = Checked::new(MonitorOptions {
        warn: 0.3,
        ..*options
    })
    .and_then(|o| oneclick::monitor::run(model(), plain.path(), &o))
    .unwrap_err()
    .to_string();
    assert!(e.contains("warn") && e.contains("alert"), "{e}");
}

#[test]
fn a_model_file_of_the_previous_format_is_refused_with_its_version() {
    let mut json = serde_json::to_value(model()).unwrap();
    json["format"] = "oneclick-model/3".into();
    json.as_object_mut().unwrap().remove("reference");
    let e = SavedModel::from_json(&serde_json::to_vec(&json).unwrap(), "old.json")
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("oneclick-model/3") && e.contains("oneclick-model/5"),
        "{e}"
    );
}
