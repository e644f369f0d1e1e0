//! What `evaluate` and `monitor` print, and what `campaign --monitor` does with a report.

/// The evaluation, comparison by comparison.
pub fn print_evaluation(e: &oneclick::evaluate::Evaluation, bootstrap: usize, seed: u64) {
    for cmp in std::iter::once(&e.overall).chain(&e.by_lever) {
        let a = &cmp.adjusted_difference;
        let g = &cmp.adjusted_net_gain;
        println!(
            "{}: declined {}/{} test ({:.1} %) vs {}/{} control ({:.1} %); unadjusted difference {:+.1} p.p. [{:+.1}, {:+.1}] (Newcombe {:.0} %), p Fisher {:.3e}",
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
            cmp.p_value_fisher
        );
        println!(
            "  adjusted (strata, probability, prior profit): difference {:+.1} p.p. [{:+.1}, {:+.1}] over {} strata; worst cases of attrition {:+.1} to {:+.1} p.p.",
            a.value * 100.0,
            a.ci_low * 100.0,
            a.ci_high * 100.0,
            cmp.strata,
            cmp.attrition_difference[0] * 100.0,
            cmp.attrition_difference[1] * 100.0
        );
        println!(
            "  profit per customer per month {:.3} vs {:.3}: unadjusted difference {:+.3} [{:+.3}, {:+.3}] (bootstrap, {bootstrap} resamples, seed {seed}); net gain after offer costs {:.1} [{:.1}, {:.1}] unadjusted, {:.1} [{:.1}, {:.1}] adjusted (attrition's worst cases {:.1} to {:.1}); p(net gain > 0) {:.3e}, Holm {:.3e}",
            cmp.test.profit,
            cmp.control.profit,
            cmp.profit_difference,
            cmp.profit_ci_low,
            cmp.profit_ci_high,
            cmp.net_gain,
            cmp.net_gain_ci_low,
            cmp.net_gain_ci_high,
            g.value,
            g.ci_low,
            g.ci_high,
            cmp.attrition_net_gain[0],
            cmp.attrition_net_gain[1],
            cmp.p_value_net_gain,
            cmp.p_value_holm
        );
        println!("  decision: {} — {}", cmp.decision, cmp.why);
    }
}

/// The monitoring, variable by variable, then the at-risk share and the labels.
pub fn print_monitoring(
    r: &oneclick::monitor::Monitoring,
    options: &oneclick::monitor::MonitorOptions,
) {
    let mut rows: Vec<(&str, f64, f64, oneclick::monitor::Status)> = r
        .features
        .iter()
        .map(|f| (f.feature.as_str(), f.psi, f.noise_limit, f.status))
        .chain([(
            "probability",
            r.probability_psi,
            r.probability_noise_limit,
            r.probability_status,
        )])
        .collect();
    rows.sort_by(|a, b| b.1.total_cmp(&a.1));
    println!(
        "  shifted only beyond chance: each variable's sampling limit keeps a snapshot without drift flag-free with probability {:.0} %",
        (1.0 - options.false_alarm) * 100.0
    );
    for (f, psi, limit, s) in rows {
        println!("  PSI {psi:.4} (sampling limit {limit:.4}) {s:?}: {f}");
    }
    println!(
        "  at-risk share {:.1} % now, {:.1} % at training (threshold {:.3})",
        r.at_risk_share * 100.0,
        r.reference_at_risk_share * 100.0,
        r.risk_threshold
    );
    if let Some(l) = &r.labels {
        println!(
            "  labels (the activity of the three months the snapshot covers: a model's realised quality is known three months after it scored): {} customers, {} of a campaign's test arm left out",
            l.customers, l.treated_left_out
        );
        println!(
            "  ROC-AUC {} [{}] (study {:.3}), Brier {:.3} (study {:.3}), mean probability − rate {:+.3} [{:+.3}, {:+.3}]",
            l.roc_auc.map_or("—".to_string(), |a| format!("{a:.3}")),
            l.roc_auc_ci
                .map_or("—".to_string(), |[a, b]| format!("{a:.3}, {b:.3}")),
            l.reference_roc_auc,
            l.brier,
            l.reference_brier,
            l.calibration_in_the_large,
            l.calibration_ci[0],
            l.calibration_ci[1]
        );
        if l.retrain {
            println!("  retrain: {}", l.reasons.join("; "));
        }
    }
}

/// What `campaign --monitor REPORT` does with the report: an alert stops the campaign
/// unless `force`, a warning is printed; without a report, a note says the model's fit to
/// the snapshot is unchecked.
pub fn check_monitor(report: Option<&std::path::Path>, force: bool) -> oneclick::Result<()> {
    let Some(report) = report else {
        println!(
            "note: no --monitor report given: whether the model still describes this snapshot is unchecked"
        );
        return Ok(());
    };
    let status = monitor_status(report)?;
    match status.as_str() {
        "alert" if !force => {
            return Err(oneclick::Error::InvalidArgument(format!(
                "the monitor report {} says \"alert\": the model may no longer describe these customers; retrain it, or draw the campaign anyway with --force",
                report.display()
            )));
        }
        "alert" => println!(
            "warning: the monitor report {} says \"alert\"; drawing anyway (--force)",
            report.display()
        ),
        "warn" => println!(
            "warning: the monitor report {} says \"warn\": some features shifted beyond chance",
            report.display()
        ),
        _ => println!("monitor report {}: {status}", report.display()),
    }
    Ok(())
}

/// The `status` of a `oneclick monitor --json` report (`ok`, `warn` or `alert`).
fn monitor_status(path: &std::path::Path) -> oneclick::Result<String> {
    let bytes = std::fs::read(path).map_err(|e| oneclick::Error::io(path, e))?;
    let bad = |why: String| oneclick::Error::ModelFile {
        source_name: path.display().to_string(),
        reason: why,
    };
    let v: serde_json::Value = serde_json::from_slice(&bytes).map_err(|e| {
        bad(format!(
            "not a report written by `oneclick monitor --json` ({e})"
        ))
    })?;
    match v.get("status").and_then(|s| s.as_str()) {
        Some(s @ ("ok" | "warn" | "alert")) => Ok(s.to_string()),
        other => Err(bad(format!(
            "field status = {other:?}: expected \"ok\", \"warn\" or \"alert\""
        ))),
    }
}
