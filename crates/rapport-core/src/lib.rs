//! Rapport's domain model, free of web, SQL and ML dependencies.
//!
//! - [`encoding`]: bytes to text (UTF-8, or UTF-16 with a byte-order mark), for every input.
//! - [`transcript`]: a session as a sequence of speaker turns.
//! - [`formats`]: readers for WebVTT, SRT, speaker-labelled text, CSV and Rapport's JSON.
//! - [`codes`]: the utterance codes (AnnoMI scheme) and a coded utterance.
//! - [`summary`]: session counts, MITI 4.2.1 summary scores and their bands.
//! - [`session`]: a coded session with its summary, and `rapport analyze`'s output.
//! - [`accuracy`]: how far an automatic coder agrees with experts.

pub mod accuracy;
pub mod codes;
pub mod encoding;
pub mod fault;
pub mod formats;
pub mod session;
pub mod summary;
pub mod transcript;

pub use accuracy::{Agreement, HUMAN_CLIENT, HUMAN_COUNSELOR, ModelAccuracy};
pub use codes::{
    Behaviour, CodedUtterance, CounselorCode, QuestionType, ReflectionType, Talk, UtteranceCode,
};
pub use encoding::{EncodingError, decode_text};
pub use fault::Fault;
pub use formats::{
    InputFormat, Notice, NoticeKind, ReadError, ReadOptions, ReadOutcome, read_transcripts,
};
pub use session::{CodedSession, Report};
pub use summary::{Band, FigureCounts, Metric, Summary};
pub use transcript::{Speaker, Transcript, Utterance};
