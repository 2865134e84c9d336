//! CSV with a header row, one utterance per row; AnnoMI's layout reads as is.
//!
//! Columns are found by name, ignoring case: the speaker in `interlocutor`, `speaker`
//! or `role`; the text in `utterance_text` or `text`; optionally the session in
//! `transcript_id` or `session_id` (one file may hold many sessions; without it the
//! file is one session named by its stem), the order in `utterance_id` (sorted
//! numerically, stably) and the start in `timestamp` or `start`. Other columns, such as
//! AnnoMI's annotations, are ignored: the transcript is coded afresh.
//!
//! Speakers are roles, not names, so an unknown value is an error rather than a guess.
//! A timestamp that is not a time, by contrast, is dropped with a notice: timings are
//! not needed for coding, and AnnoMI itself has a malformed one (`00:09:025`), so
//! refusing it would refuse the dataset the layout comes from.

use std::collections::HashMap;

use ::csv::{ErrorKind, ReaderBuilder, StringRecord};

use super::error::{Quoted, ReadErrorKind};
use super::labels::role_of;
use super::notice::{Notice, NoticeKind};
use super::{ReadError, Source, append_words, parse_clock};
use crate::transcript::{Transcript, Utterance};

const SPEAKER: [&str; 3] = ["interlocutor", "speaker", "role"];
const TEXT: [&str; 2] = ["utterance_text", "text"];
const SESSION: [&str; 2] = ["transcript_id", "session_id"];
const ORDER: [&str; 1] = ["utterance_id"];
const START: [&str; 2] = ["timestamp", "start"];

/// Reads every session in a CSV file, in the order each first appears.
pub(crate) fn read(
    src: &Source<'_>,
    text: &str,
    notices: &mut Vec<Notice>,
) -> Result<Vec<Transcript>, ReadError> {
    check_quotes(src, text)?;
    let mut reader = ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .from_reader(text.as_bytes());
    let header = reader.headers().map_err(|e| csv_error(src, e))?.clone();
    let columns = Columns::find(src, &header)?;

    // Sessions in order of first appearance, each with (order key, utterance) pairs.
    let mut sessions: Vec<(String, Vec<Ordered>)> = Vec::new();
    let mut by_id: HashMap<String, usize> = HashMap::new();
    let mut rows = 0usize;
    // The line and token of the first unreadable timestamp, and how many there were.
    let mut bad_times: Option<(Option<usize>, String)> = None;
    let mut bad_time_count = 0usize;
    for record in reader.records() {
        let record = record.map_err(|e| csv_error(src, e))?;
        rows += 1;
        let line = record_line(&record);
        let field = |column: Option<usize>| {
            column
                .and_then(|c| record.get(c))
                .map(str::trim)
                .unwrap_or_default()
        };
        let role = field(Some(columns.speaker));
        let said = field(Some(columns.text));
        if role.is_empty() && said.is_empty() {
            continue;
        }
        let speaker = role_of(role).ok_or_else(|| {
            src.err(
                line,
                ReadErrorKind::UnknownRole {
                    value: Quoted(role.to_string()),
                },
            )
        })?;
        let order = match columns.order {
            Some(_) => {
                let value = field(columns.order);
                Some(value.parse::<u64>().map_err(|_| {
                    src.err(
                        line,
                        ReadErrorKind::BadUtteranceId {
                            value: Quoted(value.to_string()),
                        },
                    )
                })?)
            }
            None => None,
        };
        let start = match field(columns.start) {
            "" => None,
            value => {
                let parsed = parse_start(value);
                if parsed.is_none() {
                    bad_time_count += 1;
                    bad_times.get_or_insert_with(|| (line, value.to_string()));
                }
                parsed
            }
        };
        if said.is_empty() {
            continue;
        }
        let mut text = String::new();
        append_words(&mut text, said);
        let session = match field(columns.session) {
            "" => src.stem(),
            id => id.to_string(),
        };
        let at = *by_id.entry(session.clone()).or_insert_with(|| {
            sessions.push((session, Vec::new()));
            sessions.len() - 1
        });
        if let Some((_, utterances)) = sessions.get_mut(at) {
            utterances.push((
                order,
                Utterance {
                    speaker,
                    name: Some(role.to_string()),
                    text,
                    start,
                    end: None,
                },
            ));
        }
    }
    if rows == 0 {
        return Err(src.err(None, ReadErrorKind::NoRows));
    }
    if sessions.is_empty() {
        return Err(src.err(None, ReadErrorKind::NoText));
    }
    if let Some((line, token)) = bad_times {
        notices.push(src.notice(
            line,
            NoticeKind::BadCsvTimes {
                token: Quoted(token),
                count: bad_time_count,
            },
        ));
    }
    Ok(sessions
        .into_iter()
        .map(|(id, mut utterances)| {
            // Stable: rows sharing an id (or with no id column) keep file order.
            utterances.sort_by_key(|(order, _)| *order);
            Transcript {
                id,
                source: src.name.to_string(),
                utterances: utterances.into_iter().map(|(_, u)| u).collect(),
            }
        })
        .collect())
}

/// An utterance with its `utterance_id`, if the file has that column.
type Ordered = (Option<u64>, Utterance);

/// Where each column is.
struct Columns {
    speaker: usize,
    text: usize,
    session: Option<usize>,
    order: Option<usize>,
    start: Option<usize>,
}

impl Columns {
    fn find(src: &Source<'_>, header: &StringRecord) -> Result<Columns, ReadError> {
        let names: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let find = |wanted: &[&str]| {
            wanted
                .iter()
                .find_map(|w| names.iter().position(|name| name == w))
        };
        let (speaker, text) = (find(&SPEAKER), find(&TEXT));
        match (speaker, text) {
            (Some(speaker), Some(text)) => Ok(Columns {
                speaker,
                text,
                session: find(&SESSION),
                order: find(&ORDER),
                start: find(&START),
            }),
            _ => {
                let mut missing = Vec::new();
                if speaker.is_none() {
                    missing.push("speaker (\"interlocutor\", \"speaker\" or \"role\")");
                }
                if text.is_none() {
                    missing.push("text (\"utterance_text\" or \"text\")");
                }
                let found = header
                    .iter()
                    .map(|h| Quoted(h.to_string()).to_string())
                    .collect::<Vec<_>>()
                    .join(", ");
                Err(src.err_at(
                    1,
                    ReadErrorKind::MissingColumns {
                        missing: missing.join(" or "),
                        found,
                    },
                ))
            }
        }
    }
}

/// A start time: `hh:mm:ss`, `mm:ss` (either with a fraction) or plain seconds.
fn parse_start(value: &str) -> Option<f64> {
    if let Some(seconds) = parse_clock(value) {
        return Some(seconds);
    }
    let plain = !value.is_empty()
        && value.bytes().all(|b| b.is_ascii_digit() || b == b'.')
        && value.bytes().any(|b| b.is_ascii_digit());
    if !plain {
        return None;
    }
    value.parse::<f64>().ok().filter(|s| s.is_finite())
}

fn record_line(record: &StringRecord) -> Option<usize> {
    record
        .position()
        .and_then(|p| usize::try_from(p.line()).ok())
}

/// The csv crate's errors, re-worded: its own messages are fine but say "CSV error:
/// record 3 (line: 4, byte: 120)", and the line belongs in front.
fn csv_error(src: &Source<'_>, error: ::csv::Error) -> ReadError {
    let position = error
        .position()
        .and_then(|p| usize::try_from(p.line()).ok());
    let message = match error.kind() {
        ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => format!("it has {len} fields but the header has {expected_len}"),
        ErrorKind::Utf8 { .. } => "it is not UTF-8".to_string(),
        _ => "it could not be parsed".to_string(),
    };
    src.err(position, ReadErrorKind::BadCsvRow { message })
}

/// Finds a quoted field that never closes. The csv crate silently reads such a field to
/// the end of the file, swallowing every later row; this scan follows its quoting
/// rules (RFC 4180: a quote opens a field only at its start, `""` escapes) to report
/// the line where the quote opened instead.
fn check_quotes(src: &Source<'_>, text: &str) -> Result<(), ReadError> {
    let mut line = 1;
    let mut field_start = true;
    let mut opened_at: Option<usize> = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\n' {
            line += 1;
        }
        match opened_at {
            Some(_) => {
                if c == '"' {
                    if chars.peek() == Some(&'"') {
                        chars.next();
                    } else {
                        opened_at = None;
                    }
                }
            }
            None => {
                if c == '"' && field_start {
                    opened_at = Some(line);
                }
                field_start = matches!(c, ',' | '\n' | '\r');
            }
        }
    }
    match opened_at {
        Some(line) => Err(src.err_at(line, ReadErrorKind::UnterminatedQuote)),
        None => Ok(()),
    }
}
