//! A coded session and the output of `rapport analyze`, whose JSON form is the contract
//! other tools and the clinic server rely on.

use serde::{Deserialize, Serialize};

use crate::codes::CodedUtterance;
use crate::summary::Summary;

/// A coded session with its summary.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodedSession {
    /// The file stem, or the CSV's `transcript_id`.
    pub id: String,
    /// The path the session was read from.
    pub source: String,
    /// Every utterance, in the input's order.
    pub utterances: Vec<CodedUtterance>,
    /// Counts and MITI summary scores.
    pub summary: Summary,
}

/// The output of `rapport analyze`: one or more coded sessions.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
pub struct Report {
    /// The sessions, in the order they were read.
    pub sessions: Vec<CodedSession>,
}
