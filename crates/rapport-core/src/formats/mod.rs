//! Transcript readers: WebVTT, SRT, speaker-labelled text, CSV and Rapport's own JSON.
//!
//! [`read_transcripts`] decodes the bytes, hands them to the format's module and returns
//! the sessions found plus notices for the user. The modules:
//!
//! - `vtt` and `srt`: cue files, parsed by the shared `cues` module, which also
//!   merges consecutive cues by one speaker into one turn;
//! - `text`: `Label: text` per turn;
//! - `csv`: one utterance per row, sessions by `transcript_id` (AnnoMI's layout);
//! - `json`: a report written by `rapport analyze --format json`, read back;
//! - `labels`: what counts as a speaker label, and the role vocabulary;
//! - `speakers`: which named speaker is the counsellor;
//! - [`error`]: [`ReadError`], which names the file and line and quotes only short tokens;
//! - [`notice`]: [`Notice`], a warning about a file that was still read (a damaged cue
//!   skipped, a one-off label read as text).
//!
//! Bytes are decoded by [`crate::encoding`] (UTF-8, or UTF-16 with a byte-order mark);
//! control characters other than tab and line ends are dropped, and a lone carriage
//! return ends a line, before any reader sees the text.
//!
//! No reader panics on any input: they index nothing from user data and parse numbers
//! with checked conversions. The property tests and the `read_any` fuzz target hold
//! them to that.

pub mod error;
pub mod notice;

mod csv;
mod cues;
mod json;
mod labels;
mod speakers;
mod srt;
mod text;
mod vtt;

use std::borrow::Cow;
use std::path::Path;

pub use error::{Quoted, ReadError, ReadErrorKind};
pub use notice::{Notice, NoticeKind};

use crate::encoding::EncodingError;
use crate::transcript::Transcript;

/// The transcript formats Rapport reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InputFormat {
    /// WebVTT as Zoom (`Name: text`) and Teams (`<v Name>text</v>`) write it.
    Vtt,
    /// SubRip: numbered cues with `hh:mm:ss,mmm --> hh:mm:ss,mmm` timings.
    Srt,
    /// Speaker-labelled text, `Label: text` per turn; an unlabelled line continues the
    /// turn before it.
    ///
    /// A label is a role (`Counselor`, `Client`, `T`, `C`, ...) or a short name: at
    /// most 4 words and 40 characters, each word capitalised (lowercase particles such as
    /// `van` allowed inside), no sentence punctuation (`,;?!"`), and the colon followed
    /// by a space or the end of the line. So "Dana Whitfield: ..." starts a turn and
    /// "I said: no way" inside a continuation line does not.
    Text,
    /// CSV with a header (AnnoMI's layout reads as is).
    Csv,
    /// Rapport's own JSON output.
    Json,
}

impl InputFormat {
    /// Every format, in the order `--input-format` lists them.
    pub const ALL: [InputFormat; 5] = [
        InputFormat::Vtt,
        InputFormat::Srt,
        InputFormat::Text,
        InputFormat::Csv,
        InputFormat::Json,
    ];

    /// The format a file's extension names (`.vtt`, `.srt`, `.txt` or `.text`, `.csv`,
    /// `.json`, any case), or `None` when it names none of them.
    pub fn from_extension(path: &Path) -> Option<InputFormat> {
        InputFormat::named(path.extension()?.to_str()?)
    }

    /// The format a short name names (`vtt`, `srt`, `txt` or `text`, `csv`, `json`, any
    /// case, spaces around ignored), as extensions and the clinic server's `?format=`
    /// write it.
    pub fn named(name: &str) -> Option<InputFormat> {
        Some(match name.trim().to_ascii_lowercase().as_str() {
            "vtt" => InputFormat::Vtt,
            "srt" => InputFormat::Srt,
            "txt" | "text" => InputFormat::Text,
            "csv" => InputFormat::Csv,
            "json" => InputFormat::Json,
            _ => return None,
        })
    }

    /// The format's short name (its usual extension): `vtt`, `srt`, `txt`, `csv`, `json`.
    pub fn name(self) -> &'static str {
        match self {
            InputFormat::Vtt => "vtt",
            InputFormat::Srt => "srt",
            InputFormat::Text => "txt",
            InputFormat::Csv => "csv",
            InputFormat::Json => "json",
        }
    }

    /// What a transcript of this format holds, for the message about an empty file.
    fn expected(self) -> &'static str {
        match self {
            InputFormat::Vtt => "a WebVTT transcript starting with \"WEBVTT\"",
            InputFormat::Srt => {
                "numbered SRT cues such as \"1\" then \"00:00:01,000 --> 00:00:04,000\""
            }
            InputFormat::Text => text::EXPECTED,
            InputFormat::Csv => {
                "a CSV header (with speaker and text columns) and one utterance per row"
            }
            InputFormat::Json => "a JSON report written by rapport analyze --format json",
        }
    }
}

/// How to read speakers.
#[derive(Debug, Clone, Default)]
pub struct ReadOptions {
    /// Names that belong to the counsellor (`--counselor`, matched ignoring case and
    /// surrounding spaces); empty: the first named speaker is taken as the counsellor.
    pub counselor_names: Vec<String>,
}

/// What a reader produced: sessions, plus notices for the user (stderr).
#[derive(Debug, Clone, Default)]
pub struct ReadOutcome {
    /// One transcript per session found, in the order sessions first appear. Every
    /// transcript has at least one utterance.
    pub transcripts: Vec<Transcript>,
    /// Things the user should know, such as which speaker was taken as the counsellor
    /// or which damaged cue was skipped.
    pub notices: Vec<Notice>,
}

/// Reads every session in `bytes`, which came from `source` (a path, or `-` for stdin).
///
/// Sessions are named by the file stem (`stdin` for `-`), or by the CSV's
/// `transcript_id`/`session_id`; their `source` is `source`.
pub fn read_transcripts(
    source: &str,
    bytes: &[u8],
    format: InputFormat,
    options: &ReadOptions,
) -> Result<ReadOutcome, ReadError> {
    let src = Source::new(source);
    let decoded = src.decode(bytes)?;
    let text = clean_controls(&decoded);
    let text: &str = &text;
    if text.trim().is_empty() {
        return Err(src.err(
            None,
            ReadErrorKind::Empty {
                expected: format.expected(),
            },
        ));
    }
    let mut notices = Vec::new();
    let transcripts = match format {
        InputFormat::Vtt => vtt::read(&src, text, options, &mut notices)?,
        InputFormat::Srt => srt::read(&src, text, options, &mut notices)?,
        InputFormat::Text => text::read(&src, text, options, &mut notices)?,
        InputFormat::Csv => csv::read(&src, text, &mut notices)?,
        InputFormat::Json => json::read(&src, text)?,
    };
    Ok(ReadOutcome {
        transcripts,
        notices,
    })
}

/// The file being read: its name for messages and the session id it gives.
pub(crate) struct Source<'a> {
    /// As passed in.
    pub name: &'a str,
}

impl<'a> Source<'a> {
    fn new(name: &'a str) -> Source<'a> {
        Source { name }
    }

    /// An error in this file.
    pub fn err(&self, line: Option<usize>, kind: ReadErrorKind) -> ReadError {
        ReadError::new(self.name, line, kind)
    }

    /// A notice about this file.
    pub fn notice(&self, line: Option<usize>, kind: NoticeKind) -> Notice {
        Notice {
            source_name: self.name.to_string(),
            line,
            kind,
        }
    }

    /// An error at a line of this file.
    pub fn err_at(&self, line: usize, kind: ReadErrorKind) -> ReadError {
        self.err(Some(line), kind)
    }

    /// The session id a single-session file gives: its stem, `stdin` for `-`.
    pub fn stem(&self) -> String {
        if self.name == "-" {
            return "stdin".to_string();
        }
        match Path::new(self.name).file_stem() {
            Some(stem) if !stem.is_empty() => stem.to_string_lossy().into_owned(),
            _ => "session".to_string(),
        }
    }

    /// The bytes as text, without a leading byte-order mark (see [`crate::encoding`]).
    fn decode<'b>(&self, bytes: &'b [u8]) -> Result<Cow<'b, str>, ReadError> {
        crate::encoding::decode_text(bytes).map_err(|err| match err {
            EncodingError::NotUtf8 { offset, line } => {
                self.err_at(line, ReadErrorKind::NotUtf8 { offset })
            }
            EncodingError::BadUtf16 { offset } => {
                self.err(None, ReadErrorKind::BadUtf16 { offset })
            }
        })
    }
}

/// `text` without control characters (NUL, escape, C1 codes...) other than tab, line feed
/// and carriage return, and with every lone carriage return (old Mac line ends) made a
/// line feed. Borrowed when there is nothing to change, as in almost every file.
fn clean_controls(text: &str) -> Cow<'_, str> {
    let unwanted = |c: char| c.is_control() && !matches!(c, '\t' | '\n' | '\r');
    let lone_cr = text
        .match_indices('\r')
        .any(|(at, _)| text.get(at + 1..at + 2) != Some("\n"));
    if !lone_cr && !text.chars().any(unwanted) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == '\r' {
            out.push_str(if chars.peek() == Some(&'\n') {
                "\r"
            } else {
                "\n"
            });
        } else if !unwanted(c) {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// The lines of `text` with their numbers from 1; `\r\n` endings lose the `\r`.
pub(crate) fn numbered_lines(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .enumerate()
        .map(|(i, line)| (i + 1, line))
}

/// One turn as a reader found it, before speakers are resolved.
#[derive(Debug, Clone)]
pub(crate) struct RawTurn {
    /// The speaker label or name as written.
    pub label: String,
    /// What was said, whitespace collapsed.
    pub text: String,
    /// Start in seconds, if known.
    pub start: Option<f64>,
    /// End in seconds, if known.
    pub end: Option<f64>,
}

/// Appends `more` to `text` with one space between, collapsing whitespace in `more`.
pub(crate) fn append_words(text: &mut String, more: &str) {
    for word in more.split_whitespace() {
        if !text.is_empty() {
            text.push(' ');
        }
        text.push_str(word);
    }
}

/// Parses `[h]h:mm:ss`, `mm:ss` (each optionally with `.mmm` or `,mmm`) into seconds.
///
/// Minutes and seconds take two digits and stay under 60; the fraction takes one to
/// three digits. Returns `None` for anything else rather than guessing.
pub(crate) fn parse_clock(token: &str) -> Option<f64> {
    let (clock, fraction) = match token.rfind(['.', ',']) {
        Some(at) => (token.get(..at)?, Some(token.get(at + 1..)?)),
        None => (token, None),
    };
    let millis: u64 = match fraction {
        None => 0,
        Some(digits) => {
            if digits.is_empty() || digits.len() > 3 || !all_digits(digits) {
                return None;
            }
            // ".5" is 500 ms: pad to three digits.
            let scale = 10u64.pow(3 - u32::try_from(digits.len()).ok()?);
            digits.parse::<u64>().ok()? * scale
        }
    };
    let parts: Vec<&str> = clock.split(':').collect();
    let (hours, minutes, seconds) = match parts.as_slice() {
        [h, m, s] => (*h, *m, *s),
        [m, s] => ("0", *m, *s),
        _ => return None,
    };
    // Hours may run past 99 in long recordings; six digits is plenty and keeps the
    // arithmetic exact.
    if hours.is_empty() || hours.len() > 6 || !all_digits(hours) {
        return None;
    }
    for two in [minutes, seconds] {
        if two.len() != 2 || !all_digits(two) {
            return None;
        }
    }
    let hours: u64 = hours.parse().ok()?;
    let minutes: u64 = minutes.parse().ok()?;
    let seconds: u64 = seconds.parse().ok()?;
    if minutes >= 60 || seconds >= 60 {
        return None;
    }
    // Whole milliseconds, divided once: 00:00:05.560 reads as exactly 5.56, not as
    // 5.0 + 0.56 with its rounding error. Six hour digits keep this far below 2^53.
    let total = ((hours * 60 + minutes) * 60 + seconds) * 1000 + millis;
    Some(total as f64 / 1000.0)
}

fn all_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())
}

/// The one session of a VTT, SRT or text file, with speakers resolved.
pub(crate) fn single_session(
    src: &Source<'_>,
    turns: Vec<RawTurn>,
    options: &ReadOptions,
    notices: &mut Vec<Notice>,
) -> Result<Vec<Transcript>, ReadError> {
    let turns: Vec<RawTurn> = turns.into_iter().filter(|t| !t.text.is_empty()).collect();
    if turns.is_empty() {
        return Err(src.err(None, ReadErrorKind::NoText));
    }
    let utterances = speakers::resolve(src, turns, options, notices)?;
    Ok(vec![Transcript {
        id: src.stem(),
        source: src.name.to_string(),
        utterances,
    }])
}
