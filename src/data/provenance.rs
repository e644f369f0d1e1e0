//! Where the data came from: checksums, the synthetic manifest and [`Source`].

use std::fmt;
use std::path::Path;

use super::{Parsed, SYNTHETIC_MANIFEST};

/// Where the data came from.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
#[serde(tag = "source", rename_all = "lowercase")]
pub enum Source {
    /// The published originals: all four sha256 match.
    Original,
    /// Files made by [`crate::synth`], matching their manifest.
    Synthetic {
        /// Generator seed.
        seed: u64,
        /// Customers generated.
        customers: usize,
    },
    /// Anything else (edited, converted or new files).
    Other,
}

impl Source {
    /// `"original"`, `"synthetic"` or `"other"`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Source::Original => "original",
            Source::Synthetic { .. } => "synthetic",
            Source::Other => "other",
        }
    }
}

impl Source {
    /// A Russian sentence on the data's origin, for the notebooks.
    pub fn describe_ru(&self) -> String {
        match self {
            Source::Original => "оригинальные данные (контрольные суммы совпали)".into(),
            Source::Synthetic { seed, customers } => {
                format!("синтетические данные: зерно {seed}, покупателей {customers}")
            }
            Source::Other => {
                "другие данные: не опубликованные оригиналы и не синтетические файлы".into()
            }
        }
    }
}

impl Source {
    /// The one line the notebooks after 01 print about their data: the origin and,
    /// unless these are the originals, that the prose describes the originals while the
    /// outputs are computed from these data.
    pub fn line_ru(&self) -> String {
        match self {
            Source::Original => self.describe_ru(),
            _ => format!(
                "{}. {}",
                self.describe_ru(),
                crate::labels::PROSE_DESCRIBES_ORIGINALS
            ),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::Original => write!(f, "original data, checksums match the published files"),
            Source::Synthetic { seed, customers } => {
                write!(f, "synthetic data, seed {seed}, {customers} customers")
            }
            Source::Other => write!(
                f,
                "other data: neither the published originals nor unmodified synthetic files"
            ),
        }
    }
}

pub use crate::io::sha256_hex;

/// The manifest [`crate::synth`] writes beside generated files.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct SyntheticManifest {
    /// Generator seed.
    pub seed: u64,
    /// Customers generated.
    pub customers: usize,
    /// Generator version (changes when the output for a seed changes).
    pub generator: String,
    /// sha256 per file name.
    pub sha256: std::collections::BTreeMap<String, String>,
}

pub(super) fn classify(dir: &Path, parsed: &[(Vec<u8>, Parsed)]) -> Source {
    if parsed
        .iter()
        .all(|(_, p)| p.sha256 == p.file.original_sha256())
    {
        return Source::Original;
    }
    let manifest = std::fs::read(dir.join(SYNTHETIC_MANIFEST))
        .ok()
        .and_then(|b| serde_json::from_slice::<SyntheticManifest>(&b).ok());
    if let Some(m) = manifest {
        let all_match = parsed
            .iter()
            .all(|(_, p)| m.sha256.get(p.file.file_name()) == Some(&p.sha256));
        if all_match {
            return Source::Synthetic {
                seed: m.seed,
                customers: m.customers,
            };
        }
    }
    Source::Other
}

#[cfg(test)]
mod tests {
    use super::Source;

    #[test]
    fn only_the_originals_go_without_the_prose_warning() {
        let warning = crate::labels::PROSE_DESCRIBES_ORIGINALS;
        assert!(!Source::Original.line_ru().contains(warning));
        for other in [
            Source::Synthetic {
                seed: 42,
                customers: 1300,
            },
            Source::Other,
        ] {
            let line = other.line_ru();
            assert!(
                line.starts_with(&other.describe_ru()) && line.contains(warning),
                "{line}"
            );
        }
    }
}
