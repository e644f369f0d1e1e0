//! Download of the published originals, with checksum verification and atomic writes.
//!
//! All four files are downloaded into memory and verified against the published sha256
//! before anything is written; each is then written to a temporary file in the
//! destination and renamed into place. An interrupted download, an HTTP error or a
//! checksum mismatch therefore leaves the destination exactly as it was.

#[cfg(feature = "fetch")]
use std::path::Path;
use std::path::PathBuf;
#[cfg(feature = "fetch")]
use std::time::Duration;

#[cfg(feature = "fetch")]
use crate::data::sha256_hex;
#[cfg(feature = "fetch")]
use crate::error::{Error, Result};
#[cfg(feature = "fetch")]
use crate::io::write_temp;
use crate::schema::FileId;

/// Where the course publishes the four files.
pub const BASE_URL: &str = "https://code.s3.yandex.net/datasets/";
/// Environment variable overriding [`BASE_URL`] (e.g. a local mirror).
pub const BASE_URL_ENV: &str = "ONECLICK_DATA_URL";
/// Largest response accepted per file (the originals are under 100 KiB).
pub const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// What happened to one file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Fetched {
    /// Which file.
    pub file: FileId,
    /// Where it is now.
    pub path: PathBuf,
    /// Whether it was downloaded (false: a verified copy was already there).
    pub downloaded: bool,
    /// Its sha256.
    pub sha256: String,
}

/// Downloads the originals from `base_url` (ending with `/`) into `dest`.
#[cfg(feature = "fetch")]
///
/// Files already present in `dest` with the published checksum are kept as they are.
pub fn fetch_originals(dest: &Path, base_url: &str, timeout: Duration) -> Result<Vec<Fetched>> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(timeout))
        .build()
        .into();
    let mut downloads: Vec<(FileId, Option<Vec<u8>>)> = Vec::new();
    for file in FileId::ALL {
        let path = dest.join(file.file_name());
        if let Ok(existing) = std::fs::read(&path)
            && sha256_hex(&existing) == file.original_sha256()
        {
            downloads.push((file, None));
            continue;
        }
        let url = format!("{base_url}{}", file.file_name());
        let bytes = download(&agent, &url)?;
        let found = sha256_hex(&bytes);
        if found != file.original_sha256() {
            return Err(Error::Checksum {
                file: file.file_name().into(),
                expected: file.original_sha256().into(),
                found,
            });
        }
        downloads.push((file, Some(bytes)));
    }
    std::fs::create_dir_all(dest).map_err(|e| Error::io(dest, e))?;
    // Stage every new file beside its destination first, then rename them into place:
    // a failure while staging (disk full, permissions) removes the staged files and
    // leaves the destination as it was.
    let mut staged: Vec<(PathBuf, PathBuf)> = Vec::new();
    for (file, bytes) in &downloads {
        if let Some(bytes) = bytes {
            let path = dest.join(file.file_name());
            match write_temp(&path, bytes) {
                Ok(tmp) => staged.push((tmp, path)),
                Err(e) => {
                    for (tmp, _) in &staged {
                        let _ = std::fs::remove_file(tmp);
                    }
                    return Err(e);
                }
            }
        }
    }
    for (i, (tmp, path)) in staged.iter().enumerate() {
        if let Err(e) = std::fs::rename(tmp, path) {
            for (tmp, _) in &staged[i..] {
                let _ = std::fs::remove_file(tmp);
            }
            return Err(Error::io(path, e));
        }
    }
    Ok(downloads
        .into_iter()
        .map(|(file, bytes)| Fetched {
            file,
            path: dest.join(file.file_name()),
            downloaded: bytes.is_some(),
            sha256: file.original_sha256().into(),
        })
        .collect())
}

#[cfg(feature = "fetch")]
fn download(agent: &ureq::Agent, url: &str) -> Result<Vec<u8>> {
    let err = |message: String| Error::Download {
        url: url.to_string(),
        message,
    };
    let mut response = agent.get(url).call().map_err(|e| {
        err(match e {
            ureq::Error::StatusCode(code) => format!("HTTP status {code}"),
            ureq::Error::Io(io) => format!("{io} (are you offline?)"),
            other => format!("{other} (are you offline?)"),
        })
    })?;
    response
        .body_mut()
        .with_config()
        .limit(MAX_BYTES)
        .read_to_vec()
        .map_err(|e| err(format!("reading the body failed: {e}")))
}
