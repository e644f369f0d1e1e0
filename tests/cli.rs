//! The `oneclick` binary end to end.

mod common;

use std::process::Command;

fn oneclick() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_oneclick"));
    c.env_remove("ONECLICK_DATA")
        .env_remove("ONECLICK_DATA_URL");
    c
}

/// `oneclick study` on the embedded synthetic data, writing into `out`.
fn study_synthetic(out: &std::path::Path, threads: Option<&str>) -> std::process::Output {
    let mut c = oneclick();
    if let Some(t) = threads {
        c.env("ONECLICK_THREADS", t).env("RAYON_NUM_THREADS", t);
    }
    c.args(["study", "--data"])
        .arg(common::synthetic_dir())
        .arg("--out")
        .arg(out)
        .output()
        .unwrap()
}

fn json(path: &std::path::Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(path).unwrap()).unwrap()
}

#[test]
fn study_on_synthetic_data_writes_results_json() {
    let out = tempfile::tempdir().unwrap();
    let o = study_synthetic(out.path(), None);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        o.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&o.stderr)
    );
    assert!(stdout.contains("synthetic data, seed 42"), "{stdout}");
    let r = json(&out.path().join("results.json"));
    let d = &r["data"];
    assert_eq!(d["source"], "synthetic");
    assert_eq!(d["seed"], 42);
    assert_eq!(d["files"]["market_money.csv"]["rows"], 3900);
    assert_eq!(
        d["files"]["money.csv"]["sha256"].as_str().unwrap().len(),
        64
    );
    assert_eq!(d["dropped"].as_array().unwrap().len(), 4);
    assert!(
        d["dropped"][0]["reason"]
            .as_str()
            .unwrap()
            .contains("revenue 0")
    );
    assert_eq!(d["fixes"].as_array().unwrap().len(), 3);
    assert_eq!(d["fixes"][2]["rows"], 1300);
    assert_eq!(d["model_table"]["rows"], 1296);
    let columns = d["model_table"]["columns"].as_array().unwrap();
    assert_eq!(columns.len(), 18);
    assert_eq!(columns[0], "id");
    assert_eq!(columns[17], "Минут_текущий_месяц");
    let c = &r["correlation"];
    assert_eq!(c["phik"]["columns"].as_array().unwrap().len(), 17);
    assert_eq!(c["phik"]["columns"][0], "Покупательская активность");
    assert_eq!(c["phik"]["matrix"][3][3], 1.0);
    let target = c["target"].as_array().unwrap();
    assert_eq!(target.len(), 16);
    let first = target[0]["phik"].as_f64().unwrap();
    assert!(target.iter().all(|t| t["phik"].as_f64().unwrap() <= first));
    let models = r["models"].as_array().unwrap();
    let families: Vec<&str> = models
        .iter()
        .map(|m| m["family"].as_str().unwrap())
        .collect();
    assert_eq!(
        families,
        [
            "knn",
            "decision_tree",
            "logistic_regression",
            "svc",
            "gradient_boosting"
        ]
    );
    for m in models {
        let cv = m["cv_roc_auc"].as_f64().unwrap();
        assert!(cv > 0.85 && cv < 1.0, "{m}");
        assert!(m["cv_roc_auc_std"].as_f64().unwrap() > 0.0);
        assert!(m["test_roc_auc"].as_f64().unwrap() > 0.85, "{m}");
        assert!(m["params"]["scaler"].is_string());
    }
    let best = &r["best"];
    let best_cv = best["cv_roc_auc"].as_f64().unwrap();
    assert!(
        models
            .iter()
            .all(|m| m["cv_roc_auc"].as_f64().unwrap() <= best_cv)
    );
    assert!(best["test_roc_auc"].as_f64().unwrap() >= 0.91, "{best}");
    assert_eq!(best["candidates"], 382);
    assert_eq!(
        best["train_rows"].as_u64().unwrap() + best["test_rows"].as_u64().unwrap(),
        1296
    );
    let t = best["threshold"].as_f64().unwrap();
    assert!(t > 0.0 && t < 1.0);
    assert!(
        stdout.contains("model search: 382 pipelines × 5 folds"),
        "{stdout}"
    );
    for kind in ["permutation", "shap"] {
        let items = r["importance"][kind].as_array().unwrap();
        assert_eq!(items.len(), 16, "{kind}");
        let key = if kind == "shap" { "mean_abs" } else { "mean" };
        let values: Vec<f64> = items.iter().map(|i| i[key].as_f64().unwrap()).collect();
        assert!(values.windows(2).all(|w| w[0] >= w[1]), "{kind} sorted");
        assert!(values[0] > 0.0);
    }
    let segments = r["segments"].as_array().unwrap();
    assert_eq!(segments[0]["name"], "high_risk_high_profit");
    for s in segments {
        for key in [
            "name",
            "rule",
            "size",
            "decline_rate",
            "profit_sum",
            "profit_at_risk",
        ] {
            assert!(!s[key].is_null(), "{key}: {s}");
        }
    }
    // the self-contained report and its figures
    let html = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(html.contains("<svg") && html.contains("Высокий риск × высокая прибыль"));
    // no external resources (the SVG namespace URI is an identifier, not a fetch)
    for external in [
        "src=\"http",
        "href=\"http",
        "<link",
        "<script",
        "@import",
        "url(",
    ] {
        assert!(!html.contains(external), "{external}");
    }
    assert!(out.path().join("figures/shap_beeswarm.svg").is_file());
    for stage in [
        "load",
        "clean",
        "merge",
        "correlation",
        "search",
        "shap",
        "segmentation",
    ] {
        assert!(r["timings"][stage].as_f64().unwrap() >= 0.0, "{stage}");
    }
}

#[test]
fn study_on_the_originals_reports_original_source() {
    let Some(real) = common::real_data_dir("study_on_the_originals_reports_original_source") else {
        return;
    };
    let out = tempfile::tempdir().unwrap();
    // found through the environment variable, as a notebook would
    let o = oneclick()
        .env("ONECLICK_DATA", &real)
        .args(["study", "--out"])
        .arg(out.path())
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(stdout.contains("from ONECLICK_DATA"), "{stdout}");
    let r = json(&out.path().join("results.json"));
    assert_eq!(r["data"]["source"], "original");
    assert!(r["data"].get("seed").is_none());
    let ids: Vec<i64> = r["data"]["dropped"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["id"].as_i64().unwrap())
        .collect();
    assert_eq!(ids, vec![215348, 215357, 215359, 215380]);
}

#[test]
fn bad_input_fails_with_a_clear_message_and_writes_nothing() {
    let data = common::copy_data(&common::synthetic_dir());
    let path = data.path().join("market_file.csv");
    let text = std::fs::read_to_string(&path).unwrap();
    std::fs::write(&path, text.replacen("премиум", "VIP", 1)).unwrap();
    let out = tempfile::tempdir().unwrap();
    let target = out.path().join("report");
    let o = oneclick()
        .args(["study", "--data"])
        .arg(data.path())
        .arg("--out")
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("market_file.csv: line") && stderr.contains("\"VIP\""),
        "{stderr}"
    );
    assert!(!stderr.contains("panicked"), "{stderr}");
    assert!(!target.exists(), "nothing may be written on failure");
}

#[test]
fn synth_writes_reproducible_files() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    for dir in [a.path(), b.path()] {
        let o = oneclick()
            .args(["synth", "--customers", "500", "--seed", "3", "--out"])
            .arg(dir)
            .output()
            .unwrap();
        assert!(o.status.success());
    }
    for name in [
        "market_file.csv",
        "market_money.csv",
        "market_time.csv",
        "money.csv",
        "synthetic.json",
    ] {
        assert_eq!(
            std::fs::read(a.path().join(name)).unwrap(),
            std::fs::read(b.path().join(name)).unwrap(),
            "{name}"
        );
    }
    let raw = oneclick::Data::load(a.path()).unwrap();
    assert_eq!(
        raw.source,
        oneclick::Source::Synthetic {
            seed: 3,
            customers: 500
        }
    );
}

#[test]
fn fetch_data_refuses_wrong_or_truncated_files_and_changes_nothing() {
    use common::http::{Reply, serve};
    let files = |reply: fn(Vec<u8>) -> Reply| {
        oneclick::schema::FileId::ALL
            .iter()
            .map(|f| {
                let bytes = std::fs::read(common::synthetic_dir().join(f.file_name())).unwrap();
                (f.file_name().to_string(), reply(bytes))
            })
            .collect()
    };
    for (replies, expected) in [
        (files(Reply::Body), "sha256"),
        (files(Reply::Truncated), "reading the body failed"),
    ] {
        let (base, _) = serve(replies);
        let dest = tempfile::tempdir().unwrap();
        std::fs::write(dest.path().join("market_file.csv"), b"old").unwrap();
        let o = oneclick()
            .args([
                "fetch-data",
                "--base-url",
                &base,
                "--timeout",
                "20",
                "--dest",
            ])
            .arg(dest.path())
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("market_file.csv") && stderr.contains(expected),
            "{expected}: {stderr}"
        );
        let left: Vec<_> = std::fs::read_dir(dest.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(left, ["market_file.csv"]);
        assert_eq!(
            std::fs::read(dest.path().join("market_file.csv")).unwrap(),
            b"old"
        );
    }
}

#[test]
fn fetch_data_offline_fails_cleanly() {
    // Port 9 (discard) on loopback is closed here: the connection is refused at once.
    let dest = tempfile::tempdir().unwrap();
    let target = dest.path().join("raw");
    let o = oneclick()
        .args([
            "fetch-data",
            "--base-url",
            "http://127.0.0.1:9/datasets",
            "--timeout",
            "5",
            "--dest",
        ])
        .arg(&target)
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("download of http://127.0.0.1:9/datasets/market_file.csv failed"),
        "{stderr}"
    );
    assert!(!target.exists());
}

#[test]
fn help_explains_each_command() {
    let o = oneclick().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    for cmd in [
        "study",
        "synth",
        "fetch-data",
        "score",
        "campaign",
        "evaluate",
        "monitor",
    ] {
        assert!(help.contains(cmd), "{help}");
    }
    let o = oneclick().args(["study", "--help"]).output().unwrap();
    let help = String::from_utf8_lossy(&o.stdout);
    assert!(
        help.contains("--out") && help.contains("--anomaly-z"),
        "{help}"
    );
}

#[test]
fn the_readme_cli_section_is_the_binary_short_help() {
    let mut parts = Vec::new();
    for c in [
        "study",
        "score",
        "campaign",
        "learn",
        "evaluate",
        "monitor",
        "synth",
        "fetch-data",
    ] {
        let o = oneclick().args([c, "-h"]).output().unwrap();
        let help = String::from_utf8(o.stdout).unwrap();
        let usage = &help[help.find("Usage:").unwrap()..];
        parts.push(format!("$ oneclick {c} -h\n{}", usage.trim_end()));
    }
    let expected = format!("```text\n{}\n```", parts.join("\n\n"));
    let readme =
        std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md"))
            .unwrap();
    let section = &readme[readme.find("## CLI\n").unwrap()..];
    let start = section.find("```text\n").unwrap();
    let end = start + section[start..].find("\n```\n").unwrap() + 4;
    assert_eq!(
        &section[start..end],
        expected,
        "README's CLI block differs from the binary's short help; replace it with:\n{expected}"
    );
}

#[test]
fn results_are_identical_across_runs_and_thread_counts() {
    // results.json byte for byte, the timings object cut out: RAYON_NUM_THREADS=1 once,
    // =2 twice (two runs with the same setting), on the synthetic data with seed 42
    let mut outputs: Vec<(String, String)> = Vec::new();
    for threads in ["1", "2", "2"] {
        let out = tempfile::tempdir().unwrap();
        let o = oneclick()
            .env_remove("ONECLICK_THREADS")
            .env("RAYON_NUM_THREADS", threads)
            .args(["study", "--seed", "42", "--data"])
            .arg(common::synthetic_dir())
            .arg("--out")
            .arg(out.path())
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
        let text = std::fs::read_to_string(out.path().join("results.json")).unwrap();
        let start = text.find("\"timings\": {").expect("timings");
        let end = start + text[start..].find('}').expect("end of timings") + 1;
        assert!(text[start..end].contains("\"search\""));
        outputs.push((
            threads.to_string(),
            format!("{}{}", &text[..start], &text[end..]),
        ));
    }
    for (threads, text) in &outputs[1..] {
        if text != &outputs[0].1 {
            let line = text
                .lines()
                .zip(outputs[0].1.lines())
                .position(|(a, b)| a != b)
                .unwrap_or(0);
            panic!(
                "results.json with RAYON_NUM_THREADS={threads} differs from =1 at line {}: {:?} vs {:?}",
                line + 1,
                text.lines().nth(line),
                outputs[0].1.lines().nth(line)
            );
        }
    }
    assert!(outputs[0].1.len() > 10_000);
}

#[test]
fn score_writes_scores_and_offers_or_nothing() {
    // a model fitted on the synthetic data (the library, to keep the test short)
    let model = common::synthetic_svc_model();
    let dir = tempfile::tempdir().unwrap();
    let model_path = dir.path().join("model.json");
    model.save(&model_path).unwrap();

    let out = dir.path().join("scores.csv");
    let o = oneclick()
        .args(["score", "--model"])
        .arg(&model_path)
        .arg("--data")
        .arg(common::synthetic_dir())
        .arg("--out")
        .arg(&out)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.contains("scored 1296 customers"), "{stdout}");
    assert!(
        stdout.contains("not scored (removed by cleaning): 4 customers"),
        "{stdout}"
    );
    assert!(stdout.contains("stages: model"), "{stdout}");
    let scores = std::fs::read_to_string(&out).unwrap();
    assert_eq!(scores.lines().count(), 1297);
    assert!(
        scores.starts_with("id,probability,segment,reason_1,"),
        "{scores}"
    );
    let segments = std::fs::read_to_string(dir.path().join("scores.segments.csv")).unwrap();
    assert!(
        segments.starts_with("segment,customers,with_offer\nlow_risk,"),
        "{segments}"
    );
    let levers = std::fs::read_to_string(dir.path().join("scores.levers.csv")).unwrap();
    assert!(
        levers.contains("engagement,Вовлечённость на сайте,true,false,"),
        "{levers}"
    );

    // bad data: exit 1, the loader's message, nothing written
    let bad = common::copy_data(&common::synthetic_dir());
    let f = bad.path().join("market_time.csv");
    let text = std::fs::read_to_string(&f).unwrap();
    std::fs::write(&f, text.replacen("текущий_месяц", "позапрошлый_месяц", 1)).unwrap();
    let out2 = dir.path().join("other.csv");
    let o = oneclick()
        .args(["score", "--model"])
        .arg(&model_path)
        .arg("--data")
        .arg(bad.path())
        .arg("--out")
        .arg(&out2)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("market_time.csv") && stderr.contains("позапрошлый_месяц"),
        "{stderr}"
    );
    assert!(!out2.exists() && !dir.path().join("other.segments.csv").exists());
    assert!(!dir.path().join("other.levers.csv").exists());
}

#[test]
fn campaign_outcomes_evaluate_and_monitor_close_the_loop_or_write_nothing() {
    let model = common::synthetic_svc_model();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    model.save(&p("model.json")).unwrap();
    let run = |args: &[&std::ffi::OsStr]| oneclick().args(args).output().unwrap();
    let os = |s: &str| std::ffi::OsString::from(s);

    // next month: the embedded data's generator, another seed, the stated drift
    let o = run(&[
        &os("synth"),
        &os("--customers"),
        &os("1300"),
        &os("--seed"),
        &os("43"),
        &os("--month-ahead"),
        &os("--out"),
        p("next").as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(
        stdout.contains("month-ahead drift: Акционные_покупки +0.15"),
        "{stdout}"
    );

    let campaign = p("campaign.csv");
    let o = run(&[
        &os("campaign"),
        &os("--model"),
        p("model.json").as_os_str(),
        &os("--data"),
        p("next").as_os_str(),
        &os("--out"),
        campaign.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("with an offer that pays for itself"),
        "{stdout}"
    );
    assert!(stdout.contains("balance: largest |SMD|"), "{stdout}");
    let text = std::fs::read_to_string(&campaign).unwrap();
    assert!(text.starts_with(
        "id,stratum,arm,lever,category,probability,expected_gain,offer_sent\
,offer_cost,prior_profit\n"
    ));
    for side in [
        "campaign.plan.json",
        "campaign.balance.csv",
        "campaign.levers.csv",
    ] {
        assert!(p(side).exists(), "{side}");
    }

    let outcomes = p("outcomes.csv");
    let o = run(&[
        &os("synth"),
        &os("--customers"),
        &os("1300"),
        &os("--seed"),
        &os("43"),
        &os("--month-ahead"),
        &os("--outcomes-for"),
        campaign.as_os_str(),
        &os("--out"),
        outcomes.as_os_str(),
    ]);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        std::fs::read_to_string(&outcomes)
            .unwrap()
            .starts_with("id,Покупательская активность,Прибыль\n")
    );

    let json = p("evaluation.json");
    let o = run(&[
        &os("evaluate"),
        &os("--campaign"),
        campaign.as_os_str(),
        &os("--outcomes"),
        outcomes.as_os_str(),
        &os("--json"),
        json.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(
        stdout.contains("without an outcome") && stdout.contains("decision:"),
        "{stdout}"
    );
    let e: serde_json::Value = serde_json::from_slice(&std::fs::read(&json).unwrap()).unwrap();
    for key in [
        "test",
        "control",
        "difference",
        "ci_low",
        "ci_high",
        "p_value_z",
        "p_value_fisher",
        "profit_difference",
        "profit_ci_low",
        "profit_ci_high",
        "net_gain",
        "decision",
    ] {
        assert!(e["overall"].get(key).is_some(), "overall.{key}");
    }
    assert!(e["by_lever"].as_array().is_some_and(|a| !a.is_empty()));
    assert!(e["missing_outcomes"].is_u64());

    let mjson = p("monitor.json");
    let o = run(&[
        &os("monitor"),
        &os("--model"),
        p("model.json").as_os_str(),
        &os("--data"),
        p("next").as_os_str(),
        &os("--json"),
        mjson.as_os_str(),
    ]);
    let stdout = String::from_utf8_lossy(&o.stdout);
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(stdout.starts_with("status: Alert"), "{stdout}");
    let m: serde_json::Value = serde_json::from_slice(&std::fs::read(&mjson).unwrap()).unwrap();
    let flagged: Vec<&str> = m["features"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|f| f["status"] != "ok")
        .map(|f| f["feature"].as_str().unwrap())
        .collect();
    assert_eq!(
        flagged,
        ["Акционные_покупки", "Страниц_за_визит"],
        "{stdout}"
    );

    // bad input: exit 1, a clear message, nothing written
    let bad_outcomes = p("bad_outcomes.csv");
    std::fs::write(
        &bad_outcomes,
        "id,Покупательская активность,Прибыль\n1,Снизилась,1.0\n",
    )
    .unwrap();
    let bad_json = p("bad.json");
    let o = run(&[
        &os("evaluate"),
        &os("--campaign"),
        campaign.as_os_str(),
        &os("--outcomes"),
        bad_outcomes.as_os_str(),
        &os("--json"),
        bad_json.as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("bad_outcomes.csv: line 2")
            && stderr.contains("a customer of the campaign"),
        "{stderr}"
    );
    assert!(!bad_json.exists());
    let other = p("other.csv");
    for args in [
        vec![os("--test-share"), os("1.5")],
        vec![os("--data"), os("/nonexistent/dir")],
    ] {
        let mut all = vec![
            os("campaign"),
            os("--model"),
            p("model.json").into_os_string(),
            os("--out"),
            other.clone().into_os_string(),
        ];
        if !args.contains(&os("--data")) {
            all.extend([os("--data"), p("next").into_os_string()]);
        }
        all.extend(args);
        let refs: Vec<&std::ffi::OsStr> = all.iter().map(|s| s.as_os_str()).collect();
        let o = run(&refs);
        let stderr = String::from_utf8_lossy(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{stderr}");
        assert!(
            stderr.contains("test_share") || stderr.contains("/nonexistent/dir"),
            "{stderr}"
        );
        assert!(
            !other.exists() && !p("other.plan.json").exists() && !p("other.balance.csv").exists()
        );
    }
    let o = run(&[
        &os("synth"),
        &os("--drift"),
        &os("Тип сервиса=1"),
        &os("--out"),
        p("x").as_os_str(),
    ]);
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("Тип сервиса") && !p("x").exists(),
        "{stderr}"
    );
}

#[test]
fn the_learning_loop_runs_through_the_binary_and_keeps_the_truth_apart() {
    let model = common::synthetic_svc_model();
    let dir = tempfile::tempdir().unwrap();
    let p = |name: &str| dir.path().join(name);
    model.save(&p("model.json")).unwrap();
    let run = |args: &[&str]| {
        let o = oneclick()
            .args(args)
            .current_dir(dir.path())
            .output()
            .unwrap();
        (
            o.status.success(),
            String::from_utf8_lossy(&o.stdout).to_string(),
            String::from_utf8_lossy(&o.stderr).to_string(),
        )
    };
    let store = [
        "synth",
        "--causal",
        "--customers",
        "3000",
        "--seed",
        "77",
        "--month-ahead",
        "--out",
        "month",
    ];

    // the answer file may not lie where the methods read their data
    let (ok, _, stderr) = run(&[&store[..], &["--answers", "month/answers.csv"]].concat());
    assert!(
        !ok && stderr.contains("inside the data directory"),
        "{stderr}"
    );
    assert!(!p("month/answers.csv").exists());

    let (ok, stdout, stderr) = run(&[&store[..], &["--answers", "answers.csv"]].concat());
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("wrote a causal store of 3000 customers"),
        "{stdout}"
    );
    assert!(
        stdout.contains("month-ahead drift: Акционные_покупки +0.15"),
        "{stdout}"
    );
    assert!(p("answers.csv").is_file() && p("month/market_file.csv").is_file());

    let campaign = |out: &str, extra: &[&str]| {
        let head = [
            "campaign",
            "--model",
            "model.json",
            "--data",
            "month",
            "--out",
            out,
        ];
        run(&[&head[..], extra].concat())
    };
    let (ok, stdout, stderr) = campaign(
        "explore/campaign.csv",
        &["--set", "launch.campaign.design=explore"],
    );
    assert!(ok, "{stderr}");
    assert!(stdout.contains("offers chosen on:"), "{stdout}");
    let (ok, _, stderr) = run(&[
        "synth",
        "--outcomes-for",
        "explore/campaign.csv",
        "--answers",
        "answers.csv",
        "--out",
        "explore/outcomes.csv",
    ]);
    assert!(ok, "{stderr}");

    let learn = |outcomes: &str| {
        run(&[
            "learn",
            "--model",
            "model.json",
            "--data",
            "month",
            "--campaign",
            "explore/campaign.csv",
            "--outcomes",
            outcomes,
            "--out",
            "learned",
        ])
    };
    let (ok, stdout, stderr) = learn("explore/outcomes.csv");
    assert!(ok, "{stderr}");
    for lever in oneclick::causal::TESTED {
        assert!(
            stdout.contains(&format!("{lever}: average effect")),
            "{stdout}"
        );
    }
    assert!(stdout.contains("policy learned_dr:"), "{stdout}");
    for f in ["effects.json", "learn.json", "customers.csv"] {
        assert!(p("learned").join(f).is_file(), "{f}");
    }
    // learn may not write over what it reads
    let (ok, _, stderr) = learn("learned/customers.csv");
    assert!(!ok && stderr.contains("--outcomes"), "{stderr}");

    let (ok, stdout, stderr) =
        campaign("next/campaign.csv", &["--effects", "learned/effects.json"]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("measured"), "{stdout}");
}

#[test]
fn learn_needs_one_snapshot_and_one_outcomes_file_per_campaign() {
    let o = oneclick()
        .args([
            "learn",
            "--model",
            "model.json",
            "--data",
            "month_1",
            "--data",
            "month_2",
            "--campaign",
            "campaign_2.csv",
            "--outcomes",
            "outcomes_2.csv",
            "--out",
            "learned",
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    let stderr = String::from_utf8_lossy(&o.stderr);
    assert!(
        stderr.contains("2 --data directories, 1 --campaign files and 1 --outcomes files"),
        "{stderr}"
    );
}
