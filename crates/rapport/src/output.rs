//! Writing the report of `rapport analyze`: JSON, text or HTML, to standard output, to
//! one file (`--output`), or to one file per session in a directory (`--output-dir`).
//!
//! With `--output-dir`, every format writes one file per session, named after the
//! session id made safe for file systems (`week-3.html`, `week-3.json`, `week-3.txt`);
//! HTML adds `index.html`, which compares the sessions in order and links to each
//! report. A JSON file holds the usual `{"sessions": [...]}` with its one session, so
//! every file stays valid input for tools that read Rapport's JSON.
//!
//! Text is coloured only when it goes to a terminal and `NO_COLOR` is not set.

use std::fs;
use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Context, Result};
use rapport_core::{ModelAccuracy, Report};
use rapport_report::{html, session_file_names, text};

use crate::cli::{AnalyzeArgs, OutputFormat};
use crate::exit::BadInput;
use crate::io::{write_file, write_output};

/// Where the output goes.
enum Destination<'a> {
    Stdout,
    File(&'a Path),
    Dir(&'a Path),
}

/// Renders the report in the requested format and writes it where the arguments say.
pub fn write(args: &AnalyzeArgs, report: &Report, accuracy: &ModelAccuracy) -> Result<()> {
    let destination = match (&args.output, &args.output_dir) {
        (_, Some(dir)) => Destination::Dir(dir),
        (Some(path), None) => Destination::File(path),
        (None, None) => Destination::Stdout,
    };
    write_to(args.format, &destination, report, accuracy)
}

fn write_to(
    format: OutputFormat,
    destination: &Destination<'_>,
    report: &Report,
    accuracy: &ModelAccuracy,
) -> Result<()> {
    match destination {
        Destination::Dir(dir) => write_dir(format, dir, report, accuracy),
        Destination::Stdout => {
            let color =
                format == OutputFormat::Text && color_wanted(std::io::stdout().is_terminal());
            write_output(None, &render_one(format, report, accuracy, color)?)
        }
        Destination::File(path) => {
            write_output(Some(path), &render_one(format, report, accuracy, false)?)
        }
    }
}

/// Whether to colour text: only for a terminal, and never when `NO_COLOR` is set to
/// anything but the empty string (<https://no-color.org>).
fn color_wanted(terminal: bool) -> bool {
    terminal && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

fn json(report: &Report) -> Result<String> {
    let mut json = serde_json::to_string_pretty(report)?;
    json.push('\n');
    Ok(json)
}

/// The whole report as one document.
fn render_one(
    format: OutputFormat,
    report: &Report,
    accuracy: &ModelAccuracy,
    color: bool,
) -> Result<String> {
    Ok(match format {
        OutputFormat::Json => json(report)?,
        OutputFormat::Text => text::render(report, color),
        OutputFormat::Html => match report.sessions.as_slice() {
            [session] => html::render_session(session, accuracy)?,
            [] => {
                return Err(
                    BadInput("no session to report: the input held no transcript".into()).into(),
                );
            }
            sessions => {
                return Err(BadInput(format!(
                    "{} sessions: an HTML report shows one session; use --output-dir DIR for \
                     one report per session plus an index.html comparing them",
                    sessions.len()
                ))
                .into());
            }
        },
    })
}

/// One file per session (and an HTML index) in `dir`.
fn write_dir(
    format: OutputFormat,
    dir: &Path,
    report: &Report,
    accuracy: &ModelAccuracy,
) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    let extension = match format {
        OutputFormat::Json => "json",
        OutputFormat::Text => "txt",
        OutputFormat::Html => "html",
    };
    let files = session_file_names(&report.sessions, extension);
    let progress = crate::progress::bar(
        report.sessions.len() as u64 + u64::from(format == OutputFormat::Html),
        "writing reports",
    );
    for (session, file) in report.sessions.iter().zip(&files) {
        progress.set_message(session.id.clone());
        let one = Report {
            sessions: vec![session.clone()],
        };
        let rendered = match format {
            OutputFormat::Json => json(&one)?,
            OutputFormat::Text => text::render(&one, false),
            OutputFormat::Html => html::render_session(session, accuracy)?,
        };
        write_file(&dir.join(file), &rendered)?;
        progress.inc(1);
    }
    if format == OutputFormat::Html {
        progress.set_message("index.html");
        let index = html::render_index(&report.sessions, &files, accuracy)?;
        write_file(&dir.join("index.html"), &index)?;
        progress.inc(1);
    }
    progress.finish_and_clear();
    Ok(())
}

#[cfg(test)]
mod tests {
    use rapport_core::{CodedSession, Summary};

    use super::*;

    fn session(id: &str) -> CodedSession {
        CodedSession {
            id: id.to_string(),
            source: format!("{id}.vtt"),
            utterances: Vec::new(),
            summary: Summary::default(),
        }
    }

    fn report(ids: &[&str]) -> Report {
        Report {
            sessions: ids.iter().map(|id| session(id)).collect(),
        }
    }

    fn names(dir: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    fn html_dir_has_a_page_per_session_and_an_index() {
        let tmp = tempfile::tempdir().unwrap();
        let dir = tmp.path().join("reports");
        let r = report(&["week 1", "week/2", "index"]);
        write_to(
            OutputFormat::Html,
            &Destination::Dir(&dir),
            &r,
            &ModelAccuracy::unknown(),
        )
        .unwrap();
        assert_eq!(
            names(&dir),
            [
                "index-session.html",
                "index.html",
                "week_1.html",
                "week_2.html"
            ]
        );
        let index = fs::read_to_string(dir.join("index.html")).unwrap();
        assert!(index.contains("href=\"week_1.html\""));
    }

    #[test]
    fn json_and_text_dirs_have_a_file_per_session() {
        let tmp = tempfile::tempdir().unwrap();
        let r = report(&["a", "b"]);
        write_to(
            OutputFormat::Json,
            &Destination::Dir(tmp.path()),
            &r,
            &ModelAccuracy::unknown(),
        )
        .unwrap();
        write_to(
            OutputFormat::Text,
            &Destination::Dir(tmp.path()),
            &r,
            &ModelAccuracy::unknown(),
        )
        .unwrap();
        assert_eq!(names(tmp.path()), ["a.json", "a.txt", "b.json", "b.txt"]);
        let one: Report =
            serde_json::from_str(&fs::read_to_string(tmp.path().join("b.json")).unwrap()).unwrap();
        assert_eq!(one.sessions.len(), 1);
        assert_eq!(one.sessions[0].id, "b");
        let text = fs::read_to_string(tmp.path().join("a.txt")).unwrap();
        assert!(text.starts_with("Session a\n") && !text.contains('\x1b'));
    }

    #[test]
    fn one_html_file_needs_one_session() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("report.html");
        let two = report(&["a", "b"]);
        let err = write_to(
            OutputFormat::Html,
            &Destination::File(&path),
            &two,
            &ModelAccuracy::unknown(),
        )
        .unwrap_err();
        assert!(err.is::<BadInput>(), "{err}");
        assert!(err.to_string().contains("--output-dir"));
        write_to(
            OutputFormat::Html,
            &Destination::File(&path),
            &report(&["a"]),
            &ModelAccuracy::unknown(),
        )
        .unwrap();
        assert!(
            fs::read_to_string(&path)
                .unwrap()
                .starts_with("<!DOCTYPE html>")
        );
    }

    #[test]
    fn files_get_plain_text() {
        let tmp = tempfile::tempdir().unwrap();
        let path = tmp.path().join("summary.txt");
        write_to(
            OutputFormat::Text,
            &Destination::File(&path),
            &report(&["a"]),
            &ModelAccuracy::unknown(),
        )
        .unwrap();
        assert!(!fs::read_to_string(&path).unwrap().contains('\x1b'));
    }

    #[test]
    fn colour_only_on_a_terminal() {
        assert!(!color_wanted(false));
    }
}
