//! Property tests of the data layer: arbitrary bytes as any of the four files, and
//! structured mutations of valid files (columns and rows dropped, duplicated or swapped,
//! other separators, decimal marks, encodings and line ends, quotes, extreme numbers,
//! NaN/inf text, very long lines, empty fields, truncation). Every case must end in
//! `Ok` or in an `Error` naming a file — never a panic. Loading, cleaning and merging
//! all run on each case.

mod common;

use std::sync::OnceLock;

use oneclick::Data;
use oneclick::schema::FileId;
use proptest::prelude::*;
use proptest::strategy::ValueTree;

const CUSTOMERS: usize = 40;

/// The first 40 customers of the embedded synthetic data, as the four files' bytes.
fn valid_files() -> &'static [Vec<u8>; 4] {
    static FILES: OnceLock<[Vec<u8>; 4]> = OnceLock::new();
    FILES.get_or_init(|| {
        let read = |f: FileId| {
            std::fs::read_to_string(common::synthetic_dir().join(f.file_name())).unwrap()
        };
        let market = read(FileId::MarketFile);
        let mut lines = market.lines();
        let header = lines.next().unwrap();
        let kept: Vec<&str> = lines.take(CUSTOMERS).collect();
        let ids: Vec<String> = kept
            .iter()
            .map(|l| l.split(',').next().unwrap().to_string())
            .collect();
        let keep = |text: String, sep: char| -> Vec<u8> {
            let mut lines = text.lines();
            let mut out = format!("{}\n", lines.next().unwrap());
            for l in lines.filter(|l| ids.iter().any(|id| l.split(sep).next() == Some(id))) {
                out.push_str(l);
                out.push('\n');
            }
            out.into_bytes()
        };
        [
            format!("{header}\n{}\n", kept.join("\n")).into_bytes(),
            keep(read(FileId::MarketMoney), ','),
            keep(read(FileId::MarketTime), ','),
            keep(read(FileId::Money), ';'),
        ]
    })
}

/// Loads, then cleans and merges whatever loads; returns the first error's message.
fn run(files: &[Vec<u8>; 4]) -> Option<(String, bool)> {
    match Data::from_bytes([&files[0], &files[1], &files[2], &files[3]]) {
        Err(e) => Some((e.to_string(), true)),
        Ok(raw) => match raw.clean().and_then(|c| c.merge()) {
            Err(e) => Some((e.to_string(), false)),
            Ok(table) => {
                assert!(table.height() <= CUSTOMERS * 2);
                None
            }
        },
    }
}

fn assert_clear(files: &[Vec<u8>; 4]) {
    if let Some((message, from_loader)) = run(files) {
        assert!(!message.trim().is_empty());
        if from_loader {
            assert!(
                FileId::ALL.iter().any(|f| message.contains(f.file_name())),
                "the error names no file: {message}"
            );
        }
    }
}

/// One structured change of a file.
#[derive(Debug, Clone)]
enum Mutation {
    DropColumn(usize),
    DuplicateColumn(usize),
    SwapColumns(usize, usize),
    SwapHeaderNames(usize, usize),
    DropLine(usize),
    DuplicateLine(usize),
    SwapLines(usize, usize),
    Separator(char),
    DecimalComma,
    LineEnds(&'static str),
    InjectQuote(usize),
    SetField(usize, usize, String),
    LongLine(usize, usize),
    Truncate(usize),
    Utf8Bom,
    Utf16,
    Cp1251,
    Empty,
}

fn field_value() -> impl Strategy<Value = String> {
    prop_oneof![
        Just("1e308".to_string()),
        Just("-1e308".to_string()),
        Just("1e400".to_string()),
        Just("1e-320".to_string()),
        Just("5e-324".to_string()),
        Just("-0".to_string()),
        Just("NaN".to_string()),
        Just("nan".to_string()),
        Just("inf".to_string()),
        Just("-Infinity".to_string()),
        Just(String::new()),
        Just("9".repeat(400)),
        Just("0x10".to_string()),
        Just(" 5 ".to_string()),
        Just("5,5".to_string()),
        Just("\"5\"".to_string()),
        Just("-3".to_string()),
        Just("٣".to_string()),
        any::<i64>().prop_map(|v| v.to_string()),
        any::<f64>().prop_map(|v| v.to_string()),
        "[ -~]{0,12}",
        "\\PC{0,8}",
    ]
}

fn mutation() -> impl Strategy<Value = Mutation> {
    let i = 0usize..64;
    prop_oneof![
        i.clone().prop_map(Mutation::DropColumn),
        i.clone().prop_map(Mutation::DuplicateColumn),
        (i.clone(), i.clone()).prop_map(|(a, b)| Mutation::SwapColumns(a, b)),
        (i.clone(), i.clone()).prop_map(|(a, b)| Mutation::SwapHeaderNames(a, b)),
        i.clone().prop_map(Mutation::DropLine),
        i.clone().prop_map(Mutation::DuplicateLine),
        (i.clone(), i.clone()).prop_map(|(a, b)| Mutation::SwapLines(a, b)),
        prop_oneof![Just(','), Just(';'), Just('\t'), Just('|'), Just(' ')]
            .prop_map(Mutation::Separator),
        Just(Mutation::DecimalComma),
        prop_oneof![Just("\r\n"), Just("\r"), Just("\n\n"), Just("")].prop_map(Mutation::LineEnds),
        (0usize..100_000).prop_map(Mutation::InjectQuote),
        (i.clone(), i.clone(), field_value()).prop_map(|(r, c, v)| Mutation::SetField(r, c, v)),
        (i.clone(), 1usize..300_000).prop_map(|(r, n)| Mutation::LongLine(r, n)),
        (0usize..100_000).prop_map(Mutation::Truncate),
        Just(Mutation::Utf8Bom),
        Just(Mutation::Utf16),
        Just(Mutation::Cp1251),
        Just(Mutation::Empty),
    ]
}

fn separator_of(text: &str) -> char {
    let header = text.lines().next().unwrap_or("");
    [',', ';', '\t', '|', ' ']
        .into_iter()
        .max_by_key(|c| header.matches(*c).count())
        .unwrap_or(',')
}

/// Applies `m` to `bytes` (text mutations work on the UTF-8 text, lossily decoded).
fn apply(bytes: Vec<u8>, m: &Mutation) -> Vec<u8> {
    let text = String::from_utf8_lossy(&bytes).to_string();
    let sep = separator_of(&text);
    let mut lines: Vec<String> = text.lines().map(str::to_string).collect();
    let n = lines.len().max(1);
    let cells = |l: &str| l.split(sep).map(str::to_string).collect::<Vec<_>>();
    let join = |c: Vec<String>| c.join(&sep.to_string());
    let per_line = |lines: Vec<String>, f: &dyn Fn(Vec<String>) -> Vec<String>| {
        lines
            .into_iter()
            .map(|l| join(f(cells(&l))))
            .collect::<Vec<_>>()
    };
    let lines = match m {
        Mutation::DropColumn(k) => per_line(lines, &|mut c| {
            let k = k % c.len();
            c.remove(k);
            c
        }),
        Mutation::DuplicateColumn(k) => per_line(lines, &|mut c| {
            let k = k % c.len();
            c.insert(k, c[k].clone());
            c
        }),
        Mutation::SwapColumns(a, b) => per_line(lines, &|mut c| {
            let len = c.len();
            c.swap(a % len, b % len);
            c
        }),
        Mutation::SwapHeaderNames(a, b) => {
            if let Some(h) = lines.first_mut() {
                let mut c = cells(h);
                let len = c.len();
                c.swap(a % len, b % len);
                *h = join(c);
            }
            lines
        }
        Mutation::DropLine(i) => {
            if !lines.is_empty() {
                lines.remove(i % n);
            }
            lines
        }
        Mutation::DuplicateLine(i) => {
            if !lines.is_empty() {
                let l = lines[i % n].clone();
                lines.insert(i % n, l);
            }
            lines
        }
        Mutation::SwapLines(a, b) => {
            if !lines.is_empty() {
                lines.swap(a % n, b % n);
            }
            lines
        }
        Mutation::Separator(to) => lines
            .into_iter()
            .map(|l| l.replace(sep, &to.to_string()))
            .collect(),
        Mutation::DecimalComma => lines.into_iter().map(|l| l.replace('.', ",")).collect(),
        Mutation::SetField(r, c, v) => {
            if !lines.is_empty() {
                let mut cs = cells(&lines[r % n]);
                let len = cs.len();
                cs[c % len] = v.clone();
                lines[r % n] = join(cs);
            }
            lines
        }
        Mutation::LongLine(r, len) => {
            if !lines.is_empty() {
                lines[r % n].push_str(&"x".repeat(*len));
            }
            lines
        }
        Mutation::LineEnds(end) => return lines.join(end).into_bytes(),
        Mutation::InjectQuote(pos) => {
            let mut t = text.clone();
            let mut p = pos % (t.len() + 1);
            while !t.is_char_boundary(p) {
                p -= 1;
            }
            t.insert(p, '"');
            return t.into_bytes();
        }
        Mutation::Truncate(pos) => {
            let mut b = bytes;
            b.truncate(pos % (b.len() + 1));
            return b;
        }
        Mutation::Utf8Bom => {
            let mut b = vec![0xEF, 0xBB, 0xBF];
            b.extend(bytes);
            return b;
        }
        Mutation::Utf16 => {
            let mut b = vec![0xFF, 0xFE];
            b.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
            return b;
        }
        Mutation::Cp1251 => {
            return text
                .chars()
                .map(|c| match c as u32 {
                    0x410..=0x44F => (c as u32 - 0x410 + 0xC0) as u8,
                    0x401 => 0xA8,
                    0x451 => 0xB8,
                    v if v < 0x80 => v as u8,
                    _ => b'?',
                })
                .collect();
        }
        Mutation::Empty => return Vec::new(),
    };
    let mut out = lines.join("\n");
    out.push('\n');
    out.into_bytes()
}

#[test]
fn the_valid_subset_loads() {
    assert_eq!(run(valid_files()), None);
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_as_any_file_never_panic(
        which in 0usize..4,
        bytes in prop::collection::vec(any::<u8>(), 0..4096),
    ) {
        let mut files = valid_files().clone();
        files[which] = bytes;
        assert_clear(&files);
    }

    #[test]
    fn arbitrary_text_lines_as_any_file_never_panic(
        which in 0usize..4,
        keep_header in any::<bool>(),
        lines in prop::collection::vec("[0-9a-zA-Zа-яА-Я_,;.\\-\" \t]{0,40}", 0..30),
    ) {
        let mut files = valid_files().clone();
        let header = String::from_utf8_lossy(&files[which]).lines().next().unwrap_or("").to_string();
        let mut text = if keep_header { format!("{header}\n") } else { String::new() };
        text.push_str(&lines.join("\n"));
        files[which] = text.into_bytes();
        assert_clear(&files);
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(768))]

    #[test]
    fn mutated_valid_files_never_panic(
        which in 0usize..4,
        mutations in prop::collection::vec(mutation(), 1..4),
    ) {
        let mut files = valid_files().clone();
        for m in &mutations {
            files[which] = apply(std::mem::take(&mut files[which]), m);
        }
        assert_clear(&files);
    }

    #[test]
    fn mutations_spread_over_files_never_panic(
        changes in prop::collection::vec((0usize..4, mutation()), 1..5),
    ) {
        let mut files = valid_files().clone();
        for (which, m) in &changes {
            files[*which] = apply(std::mem::take(&mut files[*which]), m);
        }
        assert_clear(&files);
    }
}

#[test]
fn mutations_reach_every_outcome() {
    // The generator is not vacuous: single mutations produce files that still load, files
    // the loader refuses, and files that load but which cleaning or merging refuses.
    use proptest::test_runner::{Config, TestRunner};
    let mut runner = TestRunner::new(Config::with_cases(400));
    let (mut ok, mut load, mut later) = (0, 0, 0);
    let strategy = (0usize..4, mutation());
    for _ in 0..400 {
        let (which, m) = strategy.new_tree(&mut runner).unwrap().current();
        let mut files = valid_files().clone();
        files[which] = apply(std::mem::take(&mut files[which]), &m);
        match run(&files) {
            None => ok += 1,
            Some((_, true)) => load += 1,
            Some((_, false)) => later += 1,
        }
    }
    eprintln!(
        "400 single mutations: {ok} load, {load} refused by the loader, {later} by cleaning/merging"
    );
    assert!(ok > 0 && load > 0, "{ok} ok, {load} refused");
}
