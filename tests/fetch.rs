//! `fetch_originals` against a local HTTP server on loopback: a wrong file, a truncated
//! body, a missing file or a closed port leave the destination exactly as it was; the
//! right files (the originals, when they are beside the project) are written and then
//! kept without a second download.

mod common;

use std::collections::BTreeMap;
use std::net::TcpListener;
use std::path::Path;
use std::time::Duration;

use common::http::{Reply, serve};

use oneclick::fetch::fetch_originals;
use oneclick::schema::FileId;

/// Every file in `dir` (hidden ones too) with its bytes.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    std::fs::read_dir(dir)
        .unwrap()
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().to_string(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect()
}

/// A destination that already holds an old, different market_file.csv and a note.
fn destination() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("market_file.csv"), b"id\n1\n").unwrap();
    std::fs::write(dir.path().join("README.txt"), b"keep me").unwrap();
    dir
}

/// The four files of `dir` by name.
fn bodies(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    FileId::ALL
        .iter()
        .map(|f| {
            (
                f.file_name().to_string(),
                std::fs::read(dir.join(f.file_name())).unwrap(),
            )
        })
        .collect()
}

/// Bodies for all four files: the synthetic data (right format, wrong checksum).
fn synthetic_bodies() -> BTreeMap<String, Vec<u8>> {
    bodies(&common::synthetic_dir())
}

const TIMEOUT: Duration = Duration::from_secs(20);

#[test]
fn wrong_files_leave_the_destination_as_it_was() {
    let replies = synthetic_bodies()
        .into_iter()
        .map(|(n, b)| (n, Reply::Body(b)))
        .collect();
    let (base, _) = serve(replies);
    let dest = destination();
    let before = snapshot(dest.path());
    let e = fetch_originals(dest.path(), &base, TIMEOUT).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, oneclick::Error::Checksum { .. }), "{text}");
    assert!(text.contains("market_file.csv"), "{text}");
    assert_eq!(snapshot(dest.path()), before);
}

#[test]
fn interrupted_download_leaves_the_destination_as_it_was() {
    let (base, log) = serve(
        synthetic_bodies()
            .into_iter()
            .map(|(n, b)| (n, Reply::Truncated(b)))
            .collect(),
    );
    let dest = destination();
    let before = snapshot(dest.path());
    let e = fetch_originals(dest.path(), &base, TIMEOUT).unwrap_err();
    let text = e.to_string();
    assert!(matches!(e, oneclick::Error::Download { .. }), "{text}");
    assert!(text.contains("market_file.csv"), "{text}");
    assert_eq!(snapshot(dest.path()), before);
    assert_eq!(log.lock().unwrap().as_slice(), ["market_file.csv"]);
}

#[test]
fn a_failure_on_a_later_file_writes_none_of_the_earlier_ones() {
    // the first three files are the originals (when available), the fourth is missing:
    // nothing may be written even though three files verified
    let Some(real) = common::real_data_dir("a_failure_on_a_later_file_writes_none") else {
        return;
    };
    let mut replies = bodies(&real)
        .into_iter()
        .map(|(n, b)| (n, Reply::Body(b)))
        .collect::<BTreeMap<_, _>>();
    replies.insert("money.csv".into(), Reply::Status(404));
    let (base, _) = serve(replies);
    let dest = destination();
    let before = snapshot(dest.path());
    let e = fetch_originals(dest.path(), &base, TIMEOUT)
        .unwrap_err()
        .to_string();
    assert!(e.contains("money.csv") && e.contains("404"), "{e}");
    assert_eq!(snapshot(dest.path()), before);
}

#[test]
fn missing_file_or_closed_port_leave_the_destination_as_it_was() {
    let (base, _) = serve(BTreeMap::new());
    let dest = destination();
    let before = snapshot(dest.path());
    let e = fetch_originals(dest.path(), &base, TIMEOUT)
        .unwrap_err()
        .to_string();
    assert!(e.contains("404"), "{e}");
    assert_eq!(snapshot(dest.path()), before);

    // a port nobody listens on
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let e = fetch_originals(dest.path(), &format!("http://127.0.0.1:{port}/"), TIMEOUT)
        .unwrap_err()
        .to_string();
    assert!(e.contains("download of"), "{e}");
    assert_eq!(snapshot(dest.path()), before);
}

#[test]
fn the_originals_are_written_verified_and_kept() {
    let Some(real) = common::real_data_dir("the_originals_are_written_verified_and_kept") else {
        return;
    };
    let replies = bodies(&real)
        .into_iter()
        .map(|(n, b)| (n, Reply::Body(b)))
        .collect();
    let (base, log) = serve(replies);
    let dest = destination();
    let fetched = fetch_originals(dest.path(), &base, TIMEOUT).unwrap();
    assert!(fetched.iter().all(|f| f.downloaded));
    let after = snapshot(dest.path());
    for f in FileId::ALL {
        assert_eq!(
            after[f.file_name()],
            std::fs::read(real.join(f.file_name())).unwrap()
        );
    }
    assert_eq!(after["README.txt"], b"keep me");
    assert_eq!(
        after.len(),
        5,
        "no temporary files left: {:?}",
        after.keys()
    );
    // a second run finds verified copies and downloads nothing
    let again = fetch_originals(dest.path(), &base, TIMEOUT).unwrap();
    assert!(again.iter().all(|f| !f.downloaded));
    assert_eq!(log.lock().unwrap().len(), 4);
    assert_eq!(snapshot(dest.path()), after);
}
