//! The crate's modules import one way: each module uses only modules listed above it in
//! the layer table of `src/lib.rs` (the table a newcomer reads), so the table stays true
//! and no import cycle can come back.

use std::collections::BTreeSet;
use std::path::Path;

/// Module names in the order of the table in lib.rs's overview.
fn layer_order(lib: &str) -> Vec<String> {
    lib.lines()
        .filter_map(|l| l.strip_prefix("//! | "))
        .filter_map(|row| {
            let cell = row.split(" | ").next()?;
            let name = cell.trim_matches(|c| c == '[' || c == ']' || c == '`');
            (!name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_'))
                .then(|| name.to_string())
        })
        .filter(|n| n != "module")
        .collect()
}

/// The crate modules a source file imports (`crate::x`, `crate::{x, y::z}`), outside
/// comments and test modules.
fn imports(source: &str) -> BTreeSet<String> {
    let code: String = source
        .split("#[cfg(test)]")
        .next()
        .unwrap_or("")
        .lines()
        .filter(|l| !l.trim_start().starts_with("//"))
        .collect::<Vec<_>>()
        .join("\n");
    let mut out = BTreeSet::new();
    let mut rest = code.as_str();
    while let Some(i) = rest.find("crate::") {
        rest = &rest[i + "crate::".len()..];
        if let Some(group) = rest.strip_prefix('{') {
            let end = group
                .find("};")
                .or_else(|| group.find('}'))
                .unwrap_or(group.len());
            let mut depth = 0;
            let mut item = String::new();
            for c in group[..end].chars() {
                match c {
                    '{' => depth += 1,
                    '}' => depth -= 1,
                    ',' if depth == 0 => {
                        out.insert(item.trim().split("::").next().unwrap_or("").to_string());
                        item.clear();
                        continue;
                    }
                    _ => {}
                }
                if depth == 0 {
                    item.push(c);
                }
            }
            out.insert(item.trim().split("::").next().unwrap_or("").to_string());
        } else {
            let name: String = rest
                .chars()
                .take_while(|c| c.is_ascii_lowercase() || *c == '_')
                .collect();
            out.insert(name);
        }
    }
    out.retain(|m| !m.is_empty() && m != "self" && m != "super");
    out
}

fn module_of(path: &Path, src: &Path) -> Option<String> {
    let rel = path.strip_prefix(src).ok()?;
    let first = rel.components().next()?.as_os_str().to_str()?;
    Some(first.trim_end_matches(".rs").to_string())
}

fn sources(dir: &Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.is_dir() {
            sources(&path, out);
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
}

#[test]
fn every_module_imports_only_modules_above_it_in_the_layer_table() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let order = layer_order(&std::fs::read_to_string(src.join("lib.rs")).unwrap());
    assert!(
        order.len() >= 20,
        "layer table not found in lib.rs: {order:?}"
    );
    let mut files = Vec::new();
    sources(&src, &mut files);
    let mut problems = Vec::new();
    let mut seen = BTreeSet::new();
    for path in files {
        let Some(module) = module_of(&path, &src) else {
            continue;
        };
        if module == "lib" || module == "bin" || module == "prelude" {
            continue;
        }
        seen.insert(module.clone());
        let Some(level) = order.iter().position(|m| *m == module) else {
            problems.push(format!("module {module} is missing from the layer table"));
            continue;
        };
        for dep in imports(&std::fs::read_to_string(&path).unwrap()) {
            if dep == module {
                continue;
            }
            match order.iter().position(|m| *m == dep) {
                Some(d) if d < level => {}
                Some(_) => problems.push(format!(
                    "{}: {module} imports {dep}, which is not above it in the layer table",
                    path.strip_prefix(&src).unwrap().display()
                )),
                None => problems.push(format!("{module} imports {dep}, not in the layer table")),
            }
        }
    }
    for m in &order {
        if m != "prelude" && !seen.contains(m) {
            problems.push(format!(
                "the layer table lists {m}, which has no source file"
            ));
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn no_hand_written_source_file_is_over_700_lines() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    let long: Vec<String> = files
        .iter()
        .filter_map(|p| {
            let text = std::fs::read_to_string(p).unwrap();
            let generated = text.starts_with("// @generated");
            let lines = text.lines().count();
            (!generated && lines > 700).then(|| format!("{} ({lines} lines)", p.display()))
        })
        .collect();
    assert!(long.is_empty(), "split these files: {long:?}");
}

/// The code block of README's Layout section.
fn layout_block() -> String {
    let readme =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap();
    readme
        .split("## Layout")
        .nth(1)
        .and_then(|s| s.split("```").nth(1))
        .expect("README has a Layout section with a code block")
        .to_string()
}

#[test]
fn every_path_in_the_readme_layout_exists() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let layout = layout_block();
    let layout = layout.as_str();
    let mut paths = 0;
    let mut missing = Vec::new();
    for word in layout.split_whitespace() {
        let looks_like_path = (word.starts_with("src/")
            || word.starts_with("tests/")
            || word.starts_with("notebooks/")
            || word.starts_with("benches/")
            || word.starts_with("fuzz/")
            || word.starts_with("examples/"))
            && !word.contains('(');
        if !looks_like_path {
            continue;
        }
        paths += 1;
        let word = word.trim_end_matches([',', ';']);
        if !root.join(word).exists() {
            missing.push(word.to_string());
        }
    }
    assert!(paths > 25, "only {paths} paths found in the Layout block");
    assert!(
        missing.is_empty(),
        "README Layout names paths that do not exist: {missing:?}"
    );
}

/// Every source file of `src/` with its code outside comments (doc comments included).
fn code_files() -> Vec<(String, String)> {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut files = Vec::new();
    sources(&src, &mut files);
    files
        .into_iter()
        .map(|p| {
            let code = std::fs::read_to_string(&p)
                .unwrap()
                .lines()
                .filter(|l| !l.trim_start().starts_with("//"))
                .collect::<Vec<_>>()
                .join("\n");
            (p.strip_prefix(&src).unwrap().display().to_string(), code)
        })
        .collect()
}

#[test]
fn a_family_id_is_written_only_in_family() {
    let ids = [
        "knn",
        "decision_tree",
        "logistic_regression",
        "svc",
        "gradient_boosting",
    ];
    let mut problems = Vec::new();
    for (file, code) in code_files() {
        for id in ids {
            let n = code.matches(&format!("\"{id}\"")).count();
            let allowed = usize::from(file == "model/mod.rs");
            if n != allowed {
                problems.push(format!(
                    "{file}: the family id \"{id}\" written {n} times (Family::id() is its one place)"
                ));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn the_money_formula_the_probability_link_and_the_decision_are_written_once() {
    let files = code_files();
    let count = |needle: &str| -> Vec<String> {
        files
            .iter()
            .filter(|(_, code)| code.contains(needle))
            .map(|(f, code)| format!("{f} ({})", code.matches(needle).count()))
            .collect()
    };
    // money at stake: profit × horizon × loss share
    assert_eq!(count("* o.horizon_months"), vec!["offers/choice.rs (1)"]);
    for other in [
        "horizon_months * options",
        "* options.horizon_months",
        "* options.loss_share",
    ] {
        assert!(count(other).is_empty(), "{other}: {:?}", count(other));
    }
    // the logistic link
    assert_eq!(
        count("1.0 / (1.0 + (-"),
        vec!["stats.rs (1)"],
        "the link outside stats::sigmoid"
    );
    for form in [
        "exp() / (1.0 + ",
        "1.0 / (1.0 + t.exp())",
        ".exp() / (1.0 + ",
    ] {
        assert!(count(form).is_empty(), "{form}: {:?}", count(form));
    }
    // the offer decision and the offer's cost
    assert_eq!(count("pub fn decide("), vec!["offers/choice.rs (1)"]);
    assert_eq!(count("discount * profit"), vec!["offers/options.rs (1)"]);
    for caller in ["score/mod.rs", "offers/plan.rs"] {
        assert!(
            files
                .iter()
                .any(|(f, code)| f == caller && code.contains("decide(")),
            "{caller} does not call the one decision"
        );
    }
}

#[test]
fn parameter_sets_are_checked_once_where_checked_values_are_made() {
    // Outside the rules themselves (`impl Check for …`, which compose their parts' rules)
    // and `checked.rs` (`Checked::new`, deserialising), `.check()` stands only where a
    // model validates its own hyper-parameters (the model layer's guard at fit, as linfa's
    // unchecked parameters do) and where a file read back is validated.
    let allowed = |f: &str| {
        f == "checked.rs"
            || f.starts_with("model/")
            || f == "search/cv.rs"
            || f == "drift.rs"
            || f == "score/saved.rs"
    };
    let mut problems = Vec::new();
    for (file, code) in code_files() {
        let code = code.split("#[cfg(test)]").next().unwrap_or("");
        let mut in_rules = false;
        for line in code.lines() {
            if line.starts_with("impl") {
                in_rules = line.contains("Check for");
            }
            if line.contains(".check()") && !in_rules && !allowed(&file) {
                problems.push(format!("{file}: {}", line.trim()));
            }
        }
    }
    assert!(
        problems.is_empty(),
        "a consumer checks again (take a Checked value instead):\n{}",
        problems.join("\n")
    );
}

#[test]
fn every_source_file_and_folder_is_in_the_readme_layout() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let layout = layout_block();
    let layout = layout.as_str();
    let named: BTreeSet<&str> = layout
        .split_whitespace()
        .map(|w| w.trim_end_matches([',', ';']))
        .collect();
    let mut missing = Vec::new();
    for entry in std::fs::read_dir(root.join("src")).unwrap() {
        let path = entry.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().to_string();
        let shown = if path.is_dir() {
            format!("src/{name}/")
        } else {
            format!("src/{name}")
        };
        // src/bin/ is named by its one program, src/bin/oneclick/
        let ok = named.contains(shown.as_str())
            || (name == "bin" && named.iter().any(|n| n.starts_with("src/bin/")));
        if !ok {
            missing.push(shown);
        }
    }
    missing.sort();
    assert!(
        missing.is_empty(),
        "README Layout does not name these source files: {missing:?}"
    );
}
