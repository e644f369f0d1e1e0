//! Writing files: atomically (a temporary file beside the target, synced, then renamed),
//! with the parent directory created when missing. Every file the crate writes goes
//! through here, so an interrupted run never leaves a half-written result.
//!
//! A result of several files ([`write_set`]) is written under a lock beside its first
//! file (a second run writing the same set waits for nothing: it is refused, naming the
//! first), every file to its temporary first, then renamed in order, the first file
//! last; the caller records the other files' checksums in it, so a set that a crash
//! left mixed is recognised when read back. Temporary files and locks of runs that no
//! longer exist are removed by the next write beside them. [`check_outputs`] refuses,
//! before any work, an output that is an input or a directory.

use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// A file beside `path` named after it: `dir/scores.csv`, `levers`, `csv` →
/// `dir/scores.levers.csv`.
pub fn beside(path: &Path, what: &str, ext: &str) -> PathBuf {
    let stem = path
        .file_stem()
        .map_or_else(|| "out".into(), |s| s.to_string_lossy().to_string());
    path.with_file_name(format!("{stem}.{what}.{ext}"))
}

/// Writes `bytes` to a temporary file beside `path`, syncs it and renames it into place.
pub fn write_atomically(path: &Path, bytes: &[u8]) -> Result<()> {
    remove_stale(path);
    let tmp = write_temp(path, bytes)?;
    std::fs::rename(&tmp, path).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        Error::io(path, e)
    })
}

/// [`write_atomically`], creating `path`'s directory first if it does not exist.
pub fn write_creating_dir(path: &Path, bytes: &[u8]) -> Result<()> {
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    }
    write_atomically(path, bytes)
}

/// Writes and syncs `bytes` to a hidden temporary file beside `path`; returns its path.
/// The caller renames it into place (or removes it).
pub(crate) fn write_temp(path: &Path, bytes: &[u8]) -> Result<PathBuf> {
    let tmp = beside_hidden(path, &format!("{}.tmp", std::process::id()));
    let result = (|| {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()
    })();
    match result {
        Ok(()) => Ok(tmp),
        Err(e) => {
            let _ = std::fs::remove_file(&tmp);
            Err(Error::io(path, e))
        }
    }
}

/// Whether the process `pid` still runs (on systems without `/proc`: assumed so).
fn alive(pid: u32) -> bool {
    if pid == std::process::id() {
        return true;
    }
    let proc = Path::new("/proc");
    !proc.is_dir() || proc.join(pid.to_string()).exists()
}

/// Removes the temporary files (`.NAME.PID.tmp`) and the lock (`.NAME.lock`) that runs
/// which no longer exist left beside `path`.
fn remove_stale(path: &Path) {
    let dir = match path.parent().filter(|d| !d.as_os_str().is_empty()) {
        Some(d) => d,
        None => Path::new("."),
    };
    let Some(name) = path.file_name().map(|n| n.to_string_lossy().to_string()) else {
        return;
    };
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    let prefix = format!(".{name}.");
    for e in entries.flatten() {
        let file = e.file_name().to_string_lossy().to_string();
        let Some(rest) = file.strip_prefix(&prefix) else {
            continue;
        };
        let pid = rest
            .strip_suffix(".tmp")
            .and_then(|p| p.parse::<u32>().ok())
            .or_else(|| {
                (rest == "lock")
                    .then(|| std::fs::read_to_string(e.path()).ok())
                    .flatten()
                    .and_then(|t| t.trim().parse().ok())
            });
        if pid.is_some_and(|p| !alive(p)) {
            let _ = std::fs::remove_file(e.path());
        }
    }
}

/// The lock of a set of files: `.NAME.lock` beside the set's first file, holding this
/// process's id; removed when dropped.
struct Lock(PathBuf);

impl Lock {
    fn take(first: &Path) -> Result<Lock> {
        let lock = beside_hidden(first, "lock");
        for _ in 0..2 {
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .open(&lock)
            {
                Ok(mut f) => {
                    let _ = write!(f, "{}", std::process::id());
                    return Ok(Lock(lock));
                }
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                    let holder = std::fs::read_to_string(&lock)
                        .ok()
                        .and_then(|t| t.trim().parse::<u32>().ok());
                    match holder {
                        Some(pid) if !alive(pid) => {
                            let _ = std::fs::remove_file(&lock);
                        }
                        _ => {
                            return Err(Error::InvalidArgument(format!(
                                "{}: another oneclick run (pid {}) is writing this result now; run one at a time (or remove {} if no such run exists)",
                                first.display(),
                                holder.map_or("?".to_string(), |p| p.to_string()),
                                lock.display()
                            )));
                        }
                    }
                }
                Err(e) => return Err(Error::io(&lock, e)),
            }
        }
        Err(Error::InvalidArgument(format!(
            "{}: could not take the lock {}",
            first.display(),
            lock.display()
        )))
    }
}

impl Drop for Lock {
    fn drop(&mut self) {
        let _ = std::fs::remove_file(&self.0);
    }
}

/// `.NAME.what` beside `path`.
fn beside_hidden(path: &Path, what: &str) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.{what}"))
}

/// Writes a result of several files as one: under a lock beside the first file, every
/// file to a temporary beside its target first (nothing is replaced if any fails), then
/// renamed into place in order, the first file last (the caller records the others'
/// checksums in it, so a reader recognises a set that a crash left mixed). The
/// directories are created when missing.
pub fn write_set(files: &[(PathBuf, Vec<u8>)]) -> Result<()> {
    let Some((first, _)) = files.first() else {
        return Ok(());
    };
    for (path, _) in files {
        if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
            std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
        }
        remove_stale(path);
    }
    let _lock = Lock::take(first)?;
    let mut temps: Vec<PathBuf> = Vec::with_capacity(files.len());
    for (path, bytes) in files {
        match write_temp(path, bytes) {
            Ok(t) => temps.push(t),
            Err(e) => {
                for t in &temps {
                    let _ = std::fs::remove_file(t);
                }
                return Err(e);
            }
        }
    }
    let order = (1..files.len()).chain([0]);
    for k in order {
        if let Err(e) = std::fs::rename(&temps[k], &files[k].0) {
            for t in &temps {
                let _ = std::fs::remove_file(t);
            }
            return Err(Error::io(&files[k].0, e));
        }
    }
    Ok(())
}

/// Lower-case hex sha256 of bytes (the data's provenance; what a set's first file
/// records of the others).
pub fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    use std::fmt::Write as _;
    let digest = sha2::Sha256::digest(bytes);
    let mut s = String::with_capacity(64);
    for b in digest {
        let _ = write!(s, "{b:02x}");
    }
    s
}

/// A path as the same file is named everywhere: canonical when it exists, else its
/// canonical directory joined with its name.
fn identity(path: &Path) -> PathBuf {
    if let Ok(p) = path.canonicalize() {
        return p;
    }
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    match (dir.canonicalize(), path.file_name()) {
        (Ok(d), Some(n)) => d.join(n),
        _ => path.to_path_buf(),
    }
}

/// Refuses, before any work, outputs a command must not write: one that is a directory,
/// one that is one of the inputs (an output never replaces an input), or two outputs on
/// one path. `inputs` and `outputs` are `(what the user typed, path)`: the flag, or
/// `FLAG (side file)`, so the error names what to change.
pub fn check_outputs(inputs: &[(&str, &Path)], outputs: &[(&str, &Path)]) -> Result<()> {
    for (k, (flag, out)) in outputs.iter().enumerate() {
        if out.is_dir() {
            return Err(Error::InvalidArgument(format!(
                "{flag} {}: is a directory; expected the path of a file to write",
                out.display()
            )));
        }
        let id = identity(out);
        if let Some((in_flag, input)) = inputs.iter().find(|(_, i)| identity(i) == id) {
            return Err(Error::InvalidArgument(format!(
                "{flag} {}: is also an input ({in_flag} {}); an output never replaces an input, choose another path",
                out.display(),
                input.display()
            )));
        }
        if let Some((other, _)) = outputs[..k].iter().find(|(_, o)| identity(o) == id) {
            return Err(Error::InvalidArgument(format!(
                "{flag} {}: is also {other}; choose another path",
                out.display()
            )));
        }
    }
    Ok(())
}
