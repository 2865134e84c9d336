//! Shared helpers.

use std::path::PathBuf;

use rapport_measures::{Registry, Response, ScoreReport, Settings, load_csv, score_all};

/// A file in the workspace's `testdata/measures/`.
pub fn fixture(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/measures")
        .join(name)
}

/// Reads a fixture's bytes.
pub fn read_fixture(name: &str) -> Vec<u8> {
    std::fs::read(fixture(name)).unwrap()
}

/// Loads CSV text with the built-in instruments, panicking on input errors.
pub fn load(csv: &str) -> Vec<Response> {
    load_csv(csv.as_bytes(), "test.csv", &Registry::builtin()).unwrap_or_else(|e| panic!("{e}"))
}

/// Scores CSV text with default settings.
pub fn score_csv(csv: &str) -> ScoreReport {
    score_with(csv, &Settings::default())
}

/// Scores CSV text with the given settings.
pub fn score_with(csv: &str, settings: &Settings) -> ScoreReport {
    let registry = Registry::builtin();
    score_all(&registry, &load(csv), settings).unwrap()
}

/// One-instrument CSV: a header of the given item columns and one row per answer list.
pub fn rows(instrument: &str, columns: &[&str], answers: &[&[f64]]) -> String {
    let mut csv = format!("client,session,date,instrument,{}\n", columns.join(","));
    for (n, values) in answers.iter().enumerate() {
        let cells: Vec<String> = values.iter().map(|v| v.to_string()).collect();
        csv.push_str(&format!(
            "A,{},2026-01-{:02},{instrument},{}\n",
            n + 1,
            n + 1,
            cells.join(",")
        ));
    }
    csv
}

/// `item1`..`itemN`.
pub fn items(n: usize) -> Vec<String> {
    (1..=n).map(|i| format!("item{i}")).collect()
}

/// Nine PHQ-9 answers adding up to `total` (item 9 = `item9`), filled from item 1.
pub fn phq9_with_total(total: u32, item9: u32) -> Vec<f64> {
    let mut left = total - item9;
    let mut out = Vec::new();
    for _ in 0..8 {
        let v = left.min(3);
        left -= v;
        out.push(f64::from(v));
    }
    assert_eq!(left, 0, "total {total} too large");
    out.push(f64::from(item9));
    out
}

/// Seven GAD-7 answers adding up to `total`.
pub fn gad7_with_total(total: u32) -> Vec<f64> {
    let mut left = total;
    (0..7)
        .map(|_| {
            let v = left.min(3);
            left -= v;
            f64::from(v)
        })
        .collect()
}
