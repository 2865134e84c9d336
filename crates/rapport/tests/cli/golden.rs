//! The README's examples, run through the binary and compared byte for byte with the
//! outputs recorded in `testdata/golden/`. A change that alters what a user gets from a
//! documented command fails here; one that means to alters the recording on purpose:
//! `RAPPORT_BLESS=1 cargo test -p rapport --test cli golden` rewrites the files, and the
//! diff shows in review what changed.

use std::path::PathBuf;
use std::process::{Command, Stdio};

fn repo() -> PathBuf {
    crate::common::repo("")
}

/// One documented command: its arguments, an optional file for standard input, and
/// where its output lands (standard output unless it names `{out}` files).
struct Case {
    name: &'static str,
    args: &'static [&'static str],
    stdin: Option<&'static str>,
    /// Files the command writes under `{out}` (a fresh directory), compared one by one;
    /// empty: standard output is compared, as `<name>`.
    files: &'static [&'static str],
    /// Expected exit code; a non-zero one compares standard error instead, as does a
    /// case whose name ends in `.err` (warnings on a run that succeeds).
    code: i32,
}

const fn stdout(name: &'static str, args: &'static [&'static str]) -> Case {
    Case {
        name,
        args,
        stdin: None,
        files: &[],
        code: 0,
    }
}

const CASES: &[Case] = &[
    stdout("analyze-session.json", &["analyze", "examples/session.vtt"]),
    stdout(
        "analyze-session.txt",
        &["analyze", "examples/session.vtt", "--format", "text"],
    ),
    stdout(
        "analyze-session.html",
        &["analyze", "examples/session.vtt", "--format", "html"],
    ),
    stdout(
        "analyze-session-fast.json",
        &["analyze", "--fast", "examples/session.vtt"],
    ),
    stdout(
        "analyze-session-fast.html",
        &[
            "analyze",
            "--fast",
            "examples/session.vtt",
            "--format",
            "html",
        ],
    ),
    stdout(
        "analyze-zoom-counselor.json",
        &[
            "analyze",
            "testdata/transcripts/zoom.vtt",
            "--counselor",
            "Dana Whitfield",
        ],
    ),
    stdout(
        "analyze-csv-fast.txt",
        &[
            "analyze",
            "--fast",
            "testdata/transcripts/annomi_layout.csv",
            "--format",
            "text",
        ],
    ),
    Case {
        name: "analyze-stdin-srt.json",
        args: &["analyze", "-", "--input-format", "srt"],
        stdin: Some("testdata/transcripts/session.srt"),
        files: &[],
        code: 0,
    },
    Case {
        name: "analyze-series",
        args: &[
            "analyze",
            "testdata/transcripts/zoom.vtt",
            "testdata/transcripts/teams.vtt",
            "testdata/transcripts/session.txt",
            "--format",
            "html",
            "--output-dir",
            "{out}",
        ],
        stdin: None,
        files: &["index.html", "zoom.html", "teams.html", "session.html"],
        code: 0,
    },
    // The cue with the bad timing is skipped with a warning; the other is coded.
    Case {
        name: "analyze-bad-timing.err",
        args: &["analyze", "-", "--input-format", "vtt"],
        stdin: Some("testdata/golden/inputs/bad-timing.vtt"),
        files: &[],
        code: 0,
    },
    stdout("measures-list.txt", &["measures", "list"]),
    stdout(
        "measures-list.json",
        &["measures", "list", "--format", "json"],
    ),
    stdout(
        "questionnaire-phq-9.json",
        &["measures", "questionnaire", "phq-9"],
    ),
    stdout(
        "questionnaire-gad-7.json",
        &["measures", "questionnaire", "gad-7"],
    ),
    stdout(
        "questionnaire-srs.json",
        &["measures", "questionnaire", "srs"],
    ),
    stdout(
        "questionnaire-ors.json",
        &["measures", "questionnaire", "ors"],
    ),
    stdout(
        "questionnaire-wai-sr.json",
        &[
            "measures",
            "questionnaire",
            "wai-sr",
            "--item-text",
            "testdata/measures/wai-sr-item-text.json",
        ],
    ),
    stdout(
        "score.json",
        &["measures", "score", "testdata/measures/caseload.csv"],
    ),
    stdout(
        "score.csv",
        &[
            "measures",
            "score",
            "testdata/measures/caseload.csv",
            "--format",
            "csv",
        ],
    ),
    stdout(
        "score.txt",
        &[
            "measures",
            "score",
            "testdata/measures/caseload.csv",
            "--format",
            "text",
            "--srs-cutoff",
            "36.1",
            "--cutoff",
            "ors=32",
        ],
    ),
    stdout(
        "track.json",
        &["measures", "track", "testdata/measures/caseload.csv"],
    ),
    stdout(
        "track.txt",
        &[
            "measures",
            "track",
            "testdata/measures/caseload.csv",
            "--format",
            "text",
            "--rules",
            "drop,statistical",
            "--drop",
            "srs=2",
            "--sd-k",
            "1",
            "--repair-window",
            "2",
        ],
    ),
    stdout(
        "track.html",
        &[
            "measures",
            "track",
            "testdata/measures/caseload.csv",
            "--format",
            "html",
        ],
    ),
    stdout(
        "export.fhir.json",
        &["measures", "export", "testdata/measures/caseload.csv"],
    ),
    Case {
        name: "export-back.csv",
        args: &["measures", "export", "-", "--format", "csv"],
        stdin: Some("testdata/golden/export.fhir.json"),
        files: &[],
        code: 0,
    },
    stdout(
        "score-custom.json",
        &[
            "measures",
            "score",
            "testdata/measures/custom.csv",
            "--instrument-file",
            "testdata/measures/custom-instrument.json",
        ],
    ),
    Case {
        name: "score-bad.err",
        args: &["measures", "score", "testdata/measures/bad.csv"],
        stdin: None,
        files: &[],
        code: 2,
    },
    Case {
        name: "train-fast",
        args: &[
            "train",
            "--mode",
            "fast",
            "--data",
            "testdata/coder/tiny-coded.csv",
            "--folds",
            "2",
            "--output-dir",
            "{out}",
        ],
        stdin: None,
        files: &["rapport-coder-fast.safetensors", "rapport-coder-fast.md"],
        code: 0,
    },
    stdout(
        "eval-fast.txt",
        &[
            "eval",
            "--mode",
            "fast",
            "--data",
            "testdata/coder/tiny-coded.csv",
            "--folds",
            "2",
        ],
    ),
    stdout(
        "eval-fast-machine-like.txt",
        &[
            "eval",
            "--mode",
            "fast",
            "--data",
            "testdata/coder/tiny-coded.csv",
            "--folds",
            "2",
            "--machine-like",
        ],
    ),
];

/// Runs a case; returns (recording name, bytes) for each output it is judged by.
fn run(case: &Case) -> Vec<(String, Vec<u8>)> {
    let out = tempfile::tempdir().expect("a temporary directory");
    let out_text = out.path().to_str().expect("a UTF-8 temporary path");
    let args: Vec<String> = case
        .args
        .iter()
        .map(|a| a.replace("{out}", out_text))
        .collect();
    let mut command = Command::new(env!("CARGO_BIN_EXE_rapport"));
    command
        .args(&args)
        .current_dir(repo())
        .env_remove("RUST_LOG")
        .env("NO_COLOR", "1")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.stdin(match case.stdin {
        Some(path) => Stdio::from(std::fs::File::open(repo().join(path)).expect("stdin file")),
        None => Stdio::null(),
    });
    let output = command.output().expect("rapport runs");
    assert_eq!(
        output.status.code(),
        Some(case.code),
        "{}: rapport {} exited with {:?}; stderr:\n{}",
        case.name,
        args.join(" "),
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    if case.code != 0 {
        assert!(output.stdout.is_empty(), "{}: output on failure", case.name);
        return vec![(case.name.to_string(), output.stderr)];
    }
    if case.name.ends_with(".err") {
        return vec![(case.name.to_string(), output.stderr)];
    }
    if case.files.is_empty() {
        return vec![(case.name.to_string(), output.stdout)];
    }
    case.files
        .iter()
        .map(|file| {
            let bytes = std::fs::read(out.path().join(file))
                .unwrap_or_else(|e| panic!("{}: {file} was not written: {e}", case.name));
            (format!("{}/{file}", case.name), without(&bytes, out_text))
        })
        .collect()
}

/// `bytes` with the temporary directory's path written as `{out}`, so a recording does
/// not depend on where the test ran.
fn without(bytes: &[u8], out: &str) -> Vec<u8> {
    match std::str::from_utf8(bytes) {
        Ok(text) => text.replace(out, "{out}").into_bytes(),
        Err(_) => bytes.to_vec(),
    }
}

#[test]
fn documented_commands_give_the_recorded_output() {
    let golden = repo().join("testdata/golden");
    let bless = std::env::var_os("RAPPORT_BLESS").is_some();
    let mut differ = Vec::new();
    for case in CASES {
        for (name, actual) in run(case) {
            let path = golden.join(&name);
            if bless {
                std::fs::create_dir_all(path.parent().expect("a parent")).expect("mkdir");
                std::fs::write(&path, &actual).expect("writing the recording");
                continue;
            }
            let expected = std::fs::read(&path).unwrap_or_default();
            if expected != actual {
                let seen = repo().join("target/golden-actual").join(&name);
                std::fs::create_dir_all(seen.parent().expect("a parent")).expect("mkdir");
                std::fs::write(&seen, &actual).expect("writing what was seen");
                differ.push(format!("{name} (got {})", seen.display()));
            }
        }
    }
    assert!(
        differ.is_empty(),
        "output differs from testdata/golden for:\n  {}\n(RAPPORT_BLESS=1 rewrites the recordings when the change is meant)",
        differ.join("\n  ")
    );
}
