//! The readers' one error type, [`ReadError`], and [`Quoted`], which quotes input safely.
//!
//! Transcripts are health data, so an error quotes only the malformed token (a timing, a
//! header, a label, a role value), and even that only when it is short.

use std::fmt;

/// A transcript that could not be read: the file, where in it, and what was wrong.
///
/// Its `Display` is one line, `file:line: what is wrong and what to do`, for example
/// `session.vtt:14: cue timing "00:00:xx.000" is not a time, expected hh:mm:ss.mmm`.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{}: {kind}", place(.source_name, .line))]
pub struct ReadError {
    /// The file, as it was named to [`read_transcripts`](super::read_transcripts) (`-` for stdin).
    pub source_name: String,
    /// The line (from 1) the problem is on, where one applies.
    pub line: Option<usize>,
    /// What was wrong.
    pub kind: ReadErrorKind,
}

impl ReadError {
    /// An error in `source_name`, at `line` where one applies.
    pub fn new(source_name: &str, line: Option<usize>, kind: ReadErrorKind) -> ReadError {
        ReadError {
            source_name: source_name.to_string(),
            line,
            kind,
        }
    }
}

/// `file:line`, or `file` alone; standard input shows as `<stdin>`, not as a bare `-`.
fn place(source_name: &str, line: &Option<usize>) -> String {
    let name = display_name(source_name);
    match line {
        Some(line) => format!("{name}:{line}"),
        None => name.to_string(),
    }
}

/// How a source is named in messages.
pub(crate) fn display_name(source_name: &str) -> &str {
    if source_name == "-" {
        "<stdin>"
    } else {
        source_name
    }
}

/// What was wrong with a transcript. Each message says what was expected.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ReadErrorKind {
    /// Nothing but whitespace (or, for CSV, a header with no rows).
    #[error("is empty; expected {expected}")]
    Empty {
        /// What a transcript of this format holds.
        expected: &'static str,
    },
    /// The bytes are not UTF-8.
    #[error("is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8 and try again")]
    NotUtf8 {
        /// Offset of the first invalid byte, from 0.
        offset: usize,
    },
    /// A file with a UTF-16 byte-order mark that is not valid UTF-16.
    #[error(
        "starts with a UTF-16 byte-order mark but is not valid UTF-16 (bad data at byte \
         offset {offset}); save it as UTF-8 and try again"
    )]
    BadUtf16 {
        /// Offset of the first bad code unit, from 0 (counting the mark).
        offset: usize,
    },
    /// A WebVTT file whose first line is not `WEBVTT`.
    #[error(
        "the first line should be \"WEBVTT\" but is {found}; is this a WebVTT file? \
         (use --input-format to name the format)"
    )]
    MissingVttHeader {
        /// The first line.
        found: Quoted,
    },
    /// A WebVTT or SRT file with no cues at all.
    #[error("has no cues; expected blocks with a timing line such as {example}")]
    NoCues {
        /// A well-formed timing line for the format.
        example: &'static str,
    },
    /// A cue timing that is not a time.
    #[error("cue timing {token} is not a time, expected {expected}")]
    BadTiming {
        /// The malformed timing.
        token: Quoted,
        /// The form expected (`hh:mm:ss.mmm` or `hh:mm:ss,mmm`).
        expected: &'static str,
    },
    /// A timing line without its `-->` arrow.
    #[error("cue timing line {line} has no \"-->\" arrow, expected {example}")]
    NoArrow {
        /// The timing line.
        line: Quoted,
        /// A well-formed timing line.
        example: &'static str,
    },
    /// A block that should be a cue but has no timing line.
    #[error("cue {cue} has no timing line, expected one such as {example}")]
    NoTiming {
        /// The cue's position in the file, from 1.
        cue: usize,
        /// A well-formed timing line.
        example: &'static str,
    },
    /// A cue or turn that ends before it starts.
    #[error("cue {cue} ends ({end}) before it starts ({start}); check its timing")]
    EndBeforeStart {
        /// The cue's position in the file, from 1.
        cue: usize,
        /// The start as written.
        start: Quoted,
        /// The end as written.
        end: Quoted,
    },
    /// Text with no speaker label and no earlier speaker to continue.
    #[error(
        "{what} has no speaker label and no earlier speaker to continue; \
         start it with \"Name: \" {alternative}"
    )]
    NoSpeaker {
        /// `cue 3` or `line`.
        what: String,
        /// The other accepted form (`or <v Name>`, or a role label like `Counselor:`).
        alternative: &'static str,
    },
    /// `--counselor` names nobody in a transcript whose speakers are names.
    #[error(
        "no speaker matches --counselor {wanted}; the speakers are {speakers} \
         (names are matched ignoring case)"
    )]
    NoCounselorMatch {
        /// The names given to `--counselor`.
        wanted: String,
        /// The speakers found.
        speakers: String,
    },
    /// No speaker label anywhere in the file.
    #[error("has no speaker labels; expected {expected}")]
    NoLabels {
        /// What labelled text looks like in this format.
        expected: &'static str,
    },
    /// A CSV file with a header and no rows.
    #[error("has a header but no rows; expected one utterance per row")]
    NoRows,
    /// No utterance has any text.
    #[error("has no utterance with any text")]
    NoText,
    /// A CSV field whose opening quote is never closed.
    #[error("a quoted CSV field starts here and is never closed; add the missing '\"'")]
    UnterminatedQuote,
    /// A CSV header lacking required columns.
    #[error("CSV header has no {missing} column; found columns {found}")]
    MissingColumns {
        /// The required columns missing, each with its accepted names.
        missing: String,
        /// The columns the header has.
        found: String,
    },
    /// A CSV row the `csv` crate rejected (such as a row with the wrong number of fields).
    #[error("malformed CSV row: {message}")]
    BadCsvRow {
        /// The `csv` crate's description, which quotes no field.
        message: String,
    },
    /// A CSV speaker value that is not a known role.
    #[error(
        "speaker {value} is not a role; expected therapist, counselor, counsellor, \
         client or patient"
    )]
    UnknownRole {
        /// The value.
        value: Quoted,
    },
    /// A CSV `utterance_id` that is not a whole number.
    #[error("utterance_id {value} is not a whole number")]
    BadUtteranceId {
        /// The value.
        value: Quoted,
    },
    /// Bytes that are not JSON.
    #[error("is not valid JSON: {message}")]
    NotJson {
        /// serde_json's description of the syntax error, which quotes no input.
        message: String,
    },
    /// JSON that is not a Rapport report.
    #[error("{path}: {problem}")]
    JsonShape {
        /// Where in the document, such as `sessions[0].utterances[3]`.
        path: String,
        /// What was expected there.
        problem: String,
    },
}

/// A piece of the input quoted in an error message.
///
/// Short tokens show verbatim (escaped, in double quotes); longer ones only by their
/// length, so that an error never repeats what a client said.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Quoted(pub String);

impl Quoted {
    /// The longest token shown verbatim, in characters: a timing line fits.
    pub const MAX_CHARS: usize = 40;
}

impl From<&str> for Quoted {
    fn from(token: &str) -> Quoted {
        Quoted(token.to_string())
    }
}

impl fmt::Display for Quoted {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let chars = self.0.chars().count();
        if chars <= Quoted::MAX_CHARS {
            write!(f, "{:?}", self.0)
        } else {
            write!(f, "(a {chars}-character text, not shown)")
        }
    }
}
