//! `rapport analyze` output options (issue 4). These check argument handling, which
//! runs before any model is loaded; rendering itself is tested in `rapport-report` and
//! in the unit tests of `src/output.rs`.

use crate::common::rapport;
use predicates::prelude::*;

#[test]
fn output_and_output_dir_conflict() {
    let dir = tempfile::tempdir().unwrap();
    rapport()
        .args([
            "analyze",
            "session.vtt",
            "--format",
            "html",
            "--output",
            "x.html",
            "--output-dir",
        ])
        .arg(dir.path())
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--output-dir"));
}

#[test]
fn help_lists_html_and_output_dir() {
    rapport()
        .args(["analyze", "--help"])
        .assert()
        .success()
        .stdout(predicate::str::contains("html"))
        .stdout(predicate::str::contains("--output-dir <DIR>"));
}

#[test]
fn unknown_format_is_a_usage_error() {
    rapport()
        .args(["analyze", "session.vtt", "--format", "pdf"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("pdf"));
}
