//! What a run records of its parameters: each value by its dotted key, with its source.

use serde::Serialize;

/// One parameter of a run as `results.json` and a saved model record it.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct ParameterValue {
    /// The dotted key of the parameter file (`selection.seed`,
    /// `offers.levers.promo.effect.Акционные_покупки`).
    pub key: String,
    /// The value used.
    pub value: serde_json::Value,
    /// Where it came from: `default`, `file PATH`, `--set`, a flag (`--seed`), `model
    /// file PATH`, `notebook`.
    pub source: String,
}

/// Source of a value nobody changed: the built-in default.
pub const DEFAULT_SOURCE: &str = "default";

/// Every leaf of a parameter tree as `(dotted key, value)`: objects by field, a list
/// whose elements carry a `lever` or `feature` id by that id, and a `{"feature",
/// "change"}` element as its `change`.
pub fn parameter_leaves(v: &serde_json::Value) -> Vec<(String, serde_json::Value)> {
    let mut out = Vec::new();
    flatten(v, String::new(), &mut out);
    out
}

/// The id of a list element of the parameter tree (`lever` or `feature`).
pub fn element_id(v: &serde_json::Value) -> Option<&str> {
    v.get("lever")
        .or_else(|| v.get("feature"))
        .and_then(serde_json::Value::as_str)
}

fn flatten(v: &serde_json::Value, prefix: String, out: &mut Vec<(String, serde_json::Value)>) {
    use serde_json::Value;
    let join = |k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        Value::Object(m) if m.contains_key("feature") && m.contains_key("change") => {
            out.push((prefix.clone(), m["change"].clone()));
        }
        Value::Object(m) => {
            let element = element_id(v).is_some();
            for (k, x) in m {
                if element && (k == "lever" || k == "feature") {
                    continue;
                }
                flatten(x, join(k), out);
            }
        }
        Value::Array(a) if a.iter().all(|e| element_id(e).is_some()) && !a.is_empty() => {
            for e in a {
                flatten(e, join(element_id(e).unwrap_or("?")), out);
            }
        }
        other => out.push((prefix, other.clone())),
    }
}
