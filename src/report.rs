//! The headless report: one self-contained `index.html` (inline SVG charts, tables, the
//! conclusions; no external resources) and the charts as SVG files.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::display::{Figure, Table, escape};
use crate::error::Result;
use crate::labels;
use crate::study::Study;

/// The report's figures: `(file stem, figure)`.
pub fn figures(study: &Study) -> Result<Vec<(String, Figure)>> {
    let s = &study.selection;
    Ok(vec![
        (
            "phik".into(),
            crate::plot::heatmap(
                &study.phik.phik,
                &study.phik.columns,
                "φK: все пары признаков",
                0.0,
                1.0,
            )?,
        ),
        ("roc".into(), s.roc_figure()?),
        ("search_svc".into(), s.curve(crate::model::Family::Svc)?),
        ("permutation_importance".into(), study.permutation.figure()?),
        ("shap_bar".into(), study.shap.bar()?),
        ("shap_beeswarm".into(), study.shap.beeswarm()?),
        ("segments".into(), study.segmentation.scatter()?),
        (
            "segment_profile".into(),
            study
                .segmentation
                .profile_figure(&study.segmentation.main().name())?,
        ),
    ])
}

/// The whole report as one HTML page.
pub fn html(study: &Study) -> Result<String> {
    html_with(study, &figures(study)?)
}

/// The page around figures already drawn ([`figures`]).
fn html_with(study: &Study, figs: &[(String, Figure)]) -> Result<String> {
    let fig = |name: &str| -> String {
        figs.iter()
            .find(|(n, _)| n == name)
            .map_or(String::new(), |(_, f)| {
                format!("<figure>{}</figure>\n", f.svg)
            })
    };
    let table = |t: &Table| t.to_html();
    let s = &study.selection;
    let seg = &study.segmentation;
    let main = seg.main();
    let mut h = String::new();
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"ru\"><head><meta charset=\"utf-8\">\
         <title>«В один клик»: снижение покупательской активности</title>\
         <style>body{{font-family:sans-serif;max-width:1000px;margin:2em auto;padding:0 1em;color:#222}}\
         table{{border-collapse:collapse;margin:1em 0;font-size:13px}}td,th{{border:1px solid #ccc;padding:3px 6px}}\
         figure{{margin:1em 0}}h2{{border-bottom:1px solid #ddd}}pre{{background:#f6f6f6;padding:1em;white-space:pre-wrap}}</style>\
         </head><body>\n<h1>«В один клик»: кто из постоянных покупателей снизит активность и что ему предложить</h1>\n"
    );
    let _ = writeln!(
        h,
        "<p>Данные: {} (каталог {}). Все числа этой страницы вычислены в этом запуске.</p>",
        escape(study.raw.source.as_str()),
        escape(&study.data_dir.path.display().to_string())
    );
    let _ = writeln!(
        h,
        "<h2>Ответ для бизнеса</h2><pre>{}</pre>",
        escape(&business_answer(study)?)
    );
    let _ = writeln!(h, "<h2>1. Данные и предобработка</h2>");
    let _ = writeln!(h, "{}", table(&study.cleaned.report.table()));
    let _ = writeln!(
        h,
        "<p>Модельная таблица: {}; доля «Снизилась» {:.1} %.</p>",
        labels::CUSTOMER.count(study.table.height() as u64),
        study.table.decline_rate()? * 100.0
    );
    let _ = writeln!(h, "<h2>2. Корреляционный анализ</h2>");
    h.push_str(&fig("phik"));
    let _ = writeln!(
        h,
        "{}",
        table(&study.phik.ranking_table(crate::schema::TARGET)?)
    );
    let _ = writeln!(h, "<h2>3. Модель</h2>");
    let _ = writeln!(
        h,
        "<p>Перебрано {} × {} за {:.2} с. Выбрана модель <b>{}</b>: ROC-AUC на кросс-валидации {:.4} ± {:.4}, на тестовой выборке {:.4}. Порог {:.3} (максимум F1 на прогнозах для частей обучающей выборки, которых модель не видела).</p>",
        labels::CANDIDATE.count(s.search.results.len() as u64),
        labels::FOLD.count(s.search.folds.len() as u64),
        s.search.seconds,
        escape(&s.best_cv.pipeline.describe_ru()),
        s.best_cv.mean,
        s.best_cv.std,
        s.test_auc,
        s.threshold
    );
    let _ = writeln!(h, "{}", table(&s.families_table()));
    h.push_str(&fig("roc"));
    h.push_str(&fig("search_svc"));
    let _ = writeln!(h, "{}", table(&s.confusion.table()));
    let _ = writeln!(h, "<h2>4. Что определяет снижение</h2>");
    h.push_str(&fig("shap_bar"));
    h.push_str(&fig("shap_beeswarm"));
    let _ = writeln!(h, "{}", table(&study.shap.table()));
    h.push_str(&fig("permutation_importance"));
    let _ = writeln!(h, "<h2>5. Сегменты и предложения</h2>");
    let _ = writeln!(
        h,
        "<p>Вероятность снижения каждого покупателя предсказана моделью, обученной без него (кросс-валидация). Главный сегмент — «{}»: {}.</p>",
        escape(&main.title),
        escape(&main.rule)
    );
    h.push_str(&fig("segments"));
    let _ = writeln!(h, "{}", table(&seg.table()));
    h.push_str(&fig("segment_profile"));
    let _ = writeln!(h, "{}", table(&seg.profile_table(&main.name())?));
    let _ = writeln!(h, "<h3>Предложения по покупателям</h3>");
    let _ = writeln!(h, "{}", table(&study.segmentation.calibration.table()));
    let _ = writeln!(h, "{}", table(&study.offers.assumptions_table()));
    let _ = writeln!(h, "{}", table(&study.offers.money_table()));
    let _ = writeln!(h, "{}", table(&study.offers.customers_table(15)));
    let _ = writeln!(h, "{}", table(&study.offers.sensitivity_table()));
    let _ = writeln!(h, "{}", table(&study.offers.ab_table()));
    let _ = writeln!(h, "{}", table(&study.offers.analysis_table()));
    let _ = writeln!(
        h,
        "<h2>6. Выводы</h2><pre>{}</pre>",
        escape(&conclusions(study)?)
    );
    let _ = writeln!(h, "</body></html>");
    Ok(h)
}

/// The business answer in Russian, every number from this run: whom to target, why (the
/// levers with their direction), what to offer, the money at stake and the expected
/// effect under the stated assumptions, how to verify it.
pub fn business_answer(study: &Study) -> Result<String> {
    use crate::labels::CUSTOMER;
    let o = &study.offers;
    let a = &o.assumptions;
    let unit = &a.profit_unit;
    let end = if unit.ends_with('.') { "" } else { "." };
    let main = study.segmentation.main();
    let main_money = &o.by_segment[0].money;
    let mut t = String::new();
    let _ = writeln!(
        t,
        "Кого удерживать. Под риском снижения активности (вероятность ≥ {:.3}) — {} из {}; их прибыль {:.1} {unit} в месяц. Главный сегмент «{}» — {} с прибылью не ниже медианы, {:.1} {unit} в месяц; в данных активность снизилась у {:.1} % из них.",
        study.segmentation.thresholds.risk,
        CUSTOMER.count(o.total.customers as u64),
        study.table.height(),
        o.total.profit_month,
        main.title,
        CUSTOMER.count(main.size as u64),
        main_money.profit_month,
        main.decline_rate * 100.0
    );
    let mut reasons: Vec<(&str, usize)> = Vec::new();
    for c in o.all.iter().filter(|c| c.at_risk) {
        if let Some(r) = c.reasons.first() {
            match reasons.iter_mut().find(|(l, _)| *l == r.lever) {
                Some(x) => x.1 += 1,
                None => reasons.push((r.lever, 1)),
            }
        }
    }
    reasons.sort_by(|x, y| y.1.cmp(&x.1).then(x.0.cmp(y.0)));
    let why: Vec<String> = reasons
        .iter()
        .take(3)
        .filter_map(|(id, n)| {
            crate::offers::lever(id).map(|l| {
                format!(
                    "{} ({}: {})",
                    l.title.to_lowercase(),
                    l.risk_when,
                    CUSTOMER.count(*n as u64)
                )
            })
        })
        .collect();
    let _ = writeln!(
        t,
        "Почему. Главная причина риска по модели (какой рычаг, приведённый к уровню удержавшихся покупателей, сильнее всего снижает вероятность; это описание риска, а не эффект предложения): {}.",
        why.join("; ")
    );
    let offers: Vec<String> = o.by_segment[0]
        .levers
        .iter()
        .filter(|l| l.lever != "none")
        .filter_map(|l| {
            crate::offers::lever(l.lever).map(|x| {
                format!(
                    "{} — {}",
                    x.title.to_lowercase(),
                    CUSTOMER.count(l.customers as u64)
                )
            })
        })
        .collect();
    let _ = writeln!(
        t,
        "Что предложить. Каждому — одно предложение с наибольшим ожидаемым эффектом за вычетом его стоимости, в варианте любимой категории; тем, кто не разрешил сообщения, — без рассылок; предложение делается, только если окупается, — и ниже порога риска тоже. В главном сегменте: {}.",
        offers.join(", ")
    );
    let _ = writeln!(
        t,
        "Деньги (сценарий модели, не причинный эффект). Если снижение активности стоит {:.0} % прибыли за {}, ожидаемая потеря покупателей под риском — {:.1} {unit}{end} При допущениях о действии и стоимости каждого предложения окупаемое предложение получают {} под риском ({:.1} {unit} за вычетом затрат, из них {:.1} {unit} в главном сегменте) и {} ниже порога риска ({:.1} {unit}). При других допущениях — таблица чувствительности.",
        a.loss_share * 100.0,
        crate::labels::MONTH.count(a.horizon_months.round() as u64),
        o.total.expected_loss,
        CUSTOMER.count(o.total.targeted as u64),
        o.total.net_gain,
        main_money.net_gain,
        CUSTOMER.count(o.below_threshold.targeted as u64),
        o.below_threshold.net_gain
    );
    let ab = &o.ab_test;
    let _ = writeln!(
        t,
        "Как проверить. A/B-тест среди покупателей главного сегмента с окупаемым предложением: метрика — доля «Снизилась» за три месяца; без предложения модель ждёт {:.1} %; предложения окупаются, если доля снизится хотя бы на {:.1} п. п.; при α = {} и мощности {} {}. {}",
        ab.p_control * 100.0,
        ab.break_even_drop * 100.0,
        crate::display::format_real(ab.alpha),
        crate::display::format_real(ab.power),
        ab.sizes_ru(),
        crate::labels::capitalised(&ab.advice)
    );
    Ok(t)
}

/// The study's conclusions in Russian, every number from this run.
pub fn conclusions(study: &Study) -> Result<String> {
    let s = &study.selection;
    let seg = &study.segmentation;
    let main = seg.main();
    let top: Vec<String> = study
        .shap
        .mean_abs()
        .iter()
        .take(5)
        .map(|r| r.feature.clone())
        .collect();
    let mut t = String::new();
    let _ = writeln!(
        t,
        "1. Данные: {} после очистки (удалено {}: неактивные и аномальная выручка); активность снизилась у {:.1} %.",
        labels::CUSTOMER.count(study.table.height() as u64),
        labels::CUSTOMER.count(study.cleaned.report.dropped.len() as u64),
        study.table.decline_rate()? * 100.0
    );
    let _ = writeln!(
        t,
        "2. Лучшая модель — {}: ROC-AUC {:.3} на кросс-валидации и {:.3} на тестовой выборке; при пороге {:.3} она находит {:.0} % покупателей со снижающейся активностью при точности {:.0} %.",
        s.best_cv.pipeline.describe_ru(),
        s.best_cv.mean,
        s.test_auc,
        s.threshold,
        s.confusion.recall() * 100.0,
        s.confusion.precision() * 100.0
    );
    let _ = writeln!(t, "3. Сильнее всего на прогноз влияют: {}.", top.join(", "));
    let _ = writeln!(
        t,
        "4. Главный сегмент «{}» — {} ({:.1} %), фактическая доля снижения {:.0} %, прибыль {:.1} {} в месяц, ожидаемая прибыль под риском — {:.1} {} в месяц.",
        main.title,
        labels::CUSTOMER.count(main.size as u64),
        main.share * 100.0,
        main.decline_rate * 100.0,
        main.profit_sum,
        labels::MONEY_UNIT,
        main.profit_at_risk,
        labels::MONEY_UNIT
    );
    let o = &study.offers;
    let _ = writeln!(
        t,
        "5. Предложения по покупателям (сценарий модели, не причинный эффект): {} из {} под риском получают предложение, которое окупается, и ещё {} ниже порога; ожидаемый эффект {:.1} {} при потере {:.0} % прибыли за {:.0} мес. и допущениях о действии и стоимости каждого предложения.",
        o.total.targeted,
        labels::CUSTOMER.count_of(o.total.customers as u64),
        o.below_threshold.targeted,
        o.everyone.net_gain,
        o.assumptions.profit_unit,
        o.assumptions.loss_share * 100.0,
        o.assumptions.horizon_months
    );
    Ok(t)
}

/// Writes `results.json`, the self-contained `index.html` report and the figures as SVG
/// files into `out`; each figure is drawn once, for its file and for the page.
pub fn write_all(study: &Study, out: &Path) -> Result<Vec<PathBuf>> {
    write_all_with(study, out, Vec::new())
}

/// [`write_all`] and `extra` files (e.g. the saved model) as one set
/// ([`crate::io::write_set`]: all or nothing, `results.json` renamed last).
pub fn write_all_with(
    study: &Study,
    out: &Path,
    extra: Vec<(PathBuf, Vec<u8>)>,
) -> Result<Vec<PathBuf>> {
    let mut json = serde_json::to_vec_pretty(&study.results()?)?;
    json.push(b'\n');
    let mut files = vec![(out.join("results.json"), json)];
    let dir = out.join("figures");
    let figs = figures(study)?;
    for (name, f) in &figs {
        files.push((dir.join(format!("{name}.svg")), f.svg.as_bytes().to_vec()));
    }
    files.push((
        out.join("index.html"),
        html_with(study, &figs)?.into_bytes(),
    ));
    files.extend(extra);
    crate::io::write_set(&files)?;
    Ok(files.into_iter().map(|(p, _)| p).collect())
}
