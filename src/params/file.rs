//! The parameter file's text: comments, descriptions, dotted keys into its JSON.

use serde_json::Value;

use crate::error::{Error, Result};
use crate::study::element_id;

/// A value shortened for an error message.
pub(super) fn short(v: &Value) -> String {
    let s = v.to_string();
    match s.char_indices().nth(40) {
        Some((i, _)) => format!("{}…", &s[..i]),
        None => s,
    }
}

/// `over` laid onto `base`: objects merged key by key, anything else replaced.
pub(super) fn merge(base: &mut Value, over: &Value) {
    match (base, over) {
        (Value::Object(b), Value::Object(o)) => {
            for (k, v) in o {
                match b.get_mut(k) {
                    Some(slot) => merge(slot, v),
                    None => {
                        b.insert(k.clone(), v.clone());
                    }
                }
            }
        }
        (slot, v) => *slot = v.clone(),
    }
}

/// The text without `//` comments (outside strings).
pub(super) fn strip_comments(text: &str) -> String {
    text.lines()
        .map(|line| &line[..comment_start(line).unwrap_or(line.len())])
        .collect::<Vec<_>>()
        .join("\n")
}

pub(super) fn comment_start(line: &str) -> Option<usize> {
    let mut in_string = false;
    let mut escaped = false;
    let bytes = line.as_bytes();
    for (i, b) in bytes.iter().enumerate() {
        match b {
            _ if escaped => escaped = false,
            b'\\' if in_string => escaped = true,
            b'"' => in_string = !in_string,
            b'/' if !in_string && bytes.get(i + 1) == Some(&b'/') => return Some(i),
            _ => {}
        }
    }
    None
}

/// Each leaf key with the comment on its line. The file is laid out one parameter per
/// line; a list element is named by its `lever` or `feature` value.
pub(super) fn descriptions(text: &str) -> Vec<(String, String)> {
    // (name, is a list) of every open container; the root object has no name
    let mut path: Vec<(String, bool)> = Vec::new();
    let joined = |path: &[(String, bool)], last: &str| -> String {
        path.iter()
            .map(|(n, _)| n.as_str())
            .filter(|n| !n.is_empty())
            .chain([last])
            .collect::<Vec<_>>()
            .join(".")
    };
    let mut out = Vec::new();
    for line in text.lines() {
        let (code, comment) = match comment_start(line) {
            Some(i) => (line[..i].trim(), line[i + 2..].trim()),
            None => (line.trim(), ""),
        };
        let code = code.trim_end_matches(',');
        if let Some(rest) = code.strip_prefix('"') {
            let Some((key, value)) = rest.split_once("\":") else {
                continue;
            };
            let value = value.trim();
            if value == "{" || value == "[" {
                path.push((key.to_string(), value == "["));
                continue;
            }
            if (key == "lever" || key == "feature") && path.last().is_some_and(|(n, _)| n == "?") {
                path.pop();
                path.push((value.trim_matches('"').to_string(), false));
                continue;
            }
            if !comment.is_empty() {
                out.push((joined(&path, key), comment.to_string()));
            }
        } else if code.starts_with('{') && code.ends_with('}') {
            // an inline element: {"feature": "…", "change": 1.0}
            if let Ok(Value::Object(m)) = serde_json::from_str::<Value>(code)
                && let Some(id) = m.get("feature").and_then(Value::as_str)
            {
                out.push((joined(&path, id), comment.to_string()));
            }
        } else if code == "{" {
            let in_list = path.last().is_some_and(|(_, list)| *list);
            path.push((if in_list { "?" } else { "" }.to_string(), false));
        } else if code == "}" || code == "]" {
            path.pop();
        }
    }
    out
}

pub(super) fn children(v: &Value) -> String {
    match v {
        Value::Object(m) => m.keys().cloned().collect::<Vec<_>>().join(", "),
        Value::Array(a) => a
            .iter()
            .filter_map(element_id)
            .collect::<Vec<_>>()
            .join(", "),
        _ => String::new(),
    }
}

/// The value at a dotted key; a list element is found by its `lever`/`feature` id, and a
/// `{"feature", "change"}` element stands for its `change`.
pub(super) fn lookup_mut<'a>(json: &'a mut Value, key: &str) -> Result<&'a mut Value> {
    let mut at = json;
    let mut walked = Vec::new();
    for part in key.split('.') {
        let known = children(at);
        let next = match at {
            Value::Object(m) => m.get_mut(part),
            Value::Array(a) => a.iter_mut().find(|e| element_id(e) == Some(part)),
            _ => None,
        };
        at = next.ok_or_else(|| {
            Error::parameter(
                key,
                "?",
                format!(
                    "a key of the parameter file; {} has: {known}",
                    if walked.is_empty() {
                        "the file".to_string()
                    } else {
                        walked.join(".")
                    }
                ),
            )
        })?;
        walked.push(part.to_string());
    }
    if at.get("feature").is_some() && at.get("change").is_some() {
        return Ok(at.get_mut("change").expect("checked just above"));
    }
    Ok(at)
}
