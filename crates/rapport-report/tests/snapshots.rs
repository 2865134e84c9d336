//! Snapshot tests of the text and HTML reports on the hand-written session in
//! `testdata/reports/session.json`. Update with `INSTA_UPDATE=always cargo test -p
//! rapport-report` (or `cargo insta review`) and read the diff before committing.

mod common;

use rapport_core::Report;
use rapport_core::{Agreement, ModelAccuracy};
use rapport_report::{html, session_file_names, text};

fn recorded_accuracy() -> ModelAccuracy {
    // Made-up figures for the test only: they exercise the table, they describe no model.
    ModelAccuracy {
        model: "test-model".to_string(),
        method: Some("5-fold cross-validation grouped by video".to_string()),
        counselor: Some(Agreement {
            macro_f1: 0.71,
            kappa: 0.66,
        }),
        client: None,
    }
}

#[test]
fn text_plain() {
    let report = Report {
        sessions: common::series(),
    };
    let out = text::render(&report, false);
    assert!(!out.contains('\x1b'), "plain text has no escape codes");
    insta::assert_snapshot!(out);
}

#[test]
fn text_coloured() {
    let report = Report {
        sessions: vec![common::session()],
    };
    let out = text::render(&report, true);
    assert!(out.contains("\x1b[1;33mfair"), "the fair band is coloured");
    // Escape codes made visible so the snapshot file stays readable.
    insta::assert_snapshot!(out.replace('\x1b', "<ESC>"));
}

#[test]
fn text_no_sessions() {
    assert_eq!(text::render(&Report::default(), false), "No sessions.\n");
}

#[test]
fn html_session() {
    let out = html::render_session(&common::session(), &ModelAccuracy::unknown()).unwrap();
    insta::assert_snapshot!(out);
}

#[test]
fn html_session_with_recorded_accuracy() {
    let out = html::render_session(&common::session(), &recorded_accuracy()).unwrap();
    assert!(out.contains("<td>0.71</td><td>0.66</td><td>0.85</td><td>0.81</td>"));
    assert!(out.contains("<td>not recorded</td><td>not recorded</td><td>0.72</td><td>0.58</td>"));
    assert!(out.contains("5-fold cross-validation grouped by video"));
}

#[test]
fn html_index() {
    let sessions = common::series();
    let files = session_file_names(&sessions, "html");
    let out = html::render_index(&sessions, &files, &ModelAccuracy::unknown()).unwrap();
    insta::assert_snapshot!(out);
}

/// Writes the series to `RAPPORT_REPORT_DEMO_DIR`, when set, for looking at in a browser.
#[test]
fn write_demo_series() {
    let Some(dir) = std::env::var_os("RAPPORT_REPORT_DEMO_DIR") else {
        return;
    };
    let dir = std::path::PathBuf::from(dir);
    std::fs::create_dir_all(&dir).unwrap();
    let sessions = common::series();
    let files = session_file_names(&sessions, "html");
    for (s, f) in sessions.iter().zip(&files) {
        let page = html::render_session(s, &ModelAccuracy::unknown()).unwrap();
        std::fs::write(dir.join(f), page).unwrap();
    }
    let index = html::render_index(&sessions, &files, &recorded_accuracy()).unwrap();
    std::fs::write(dir.join("index.html"), index).unwrap();
}
