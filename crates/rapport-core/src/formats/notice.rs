//! [`Notice`]: something a reader did that the user should know about but that does not
//! stop the file being read, such as a damaged cue it skipped.
//!
//! Like errors, notices name the file and line and quote only short tokens. The binary
//! prints each as `rapport: file:line: ...` on stderr.

use std::fmt;

use super::error::{Quoted, ReadErrorKind, display_name};

/// A warning or note about one file.
#[derive(Debug, Clone, PartialEq)]
pub struct Notice {
    /// The file, as it was named to [`read_transcripts`](super::read_transcripts).
    pub source_name: String,
    /// The line (from 1) it is about, where one applies.
    pub line: Option<usize>,
    /// What happened.
    pub kind: NoticeKind,
}

impl fmt::Display for Notice {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let name = display_name(&self.source_name);
        match self.line {
            Some(line) => write!(f, "{name}:{line}: {}", self.kind),
            None => write!(f, "{name}: {}", self.kind),
        }
    }
}

/// What a [`Notice`] reports.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum NoticeKind {
    /// No `--counselor` and no role labels: the first named speaker was taken.
    #[error("took {name} (the first speaker) as the counsellor; use --counselor NAME to choose")]
    CounselorGuess {
        /// The speaker taken.
        name: Quoted,
    },
    /// A cue that could not be read was skipped; the others were kept.
    #[error("skipped this cue: {problem}")]
    SkippedCue {
        /// Why it could not be read.
        problem: ReadErrorKind,
    },
    /// A cue whose text names no speaker, with no earlier speaker to continue.
    #[error(
        "skipped cue {cue}: its text names no speaker and no earlier cue does; \
         start it with \"Name: \" to keep it"
    )]
    UnlabelledCue {
        /// The cue's position in the file, from 1.
        cue: usize,
    },
    /// Text after a blank line inside a cue, kept as part of that cue.
    #[error(
        "a blank line splits cue {cue}; read the lines after it as part of that cue \
         (remove the blank line to silence this)"
    )]
    BlankLineInCue {
        /// The cue's position in the file, from 1.
        cue: usize,
    },
    /// A block that is neither a cue nor a header, skipped.
    #[error("skipped a block with no cue timing line (expected one such as {example})")]
    StrayBlock {
        /// A well-formed timing line.
        example: &'static str,
    },
    /// A `Label:` used once, in the middle of others' turns, read as text.
    #[error(
        "{label} looks like a speaker label but is used only here; read it as part of \
         the turn before. If it is a speaker, label their other lines the same way"
    )]
    OneOffLabel {
        /// The label.
        label: Quoted,
    },
    /// CSV timestamps that are not times; those utterances have no start time.
    #[error(
        "timestamp {token} is not a time (hh:mm:ss, mm:ss or seconds); {count} such \
         utterance(s) read without a start time"
    )]
    BadCsvTimes {
        /// The first bad timestamp.
        token: Quoted,
        /// How many there were.
        count: usize,
    },
}
