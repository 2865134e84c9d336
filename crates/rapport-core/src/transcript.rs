//! A session transcript: who said what, in order, with optional timings.

use serde::{Deserialize, Serialize};

/// Which side of the conversation an utterance comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Speaker {
    /// The counsellor (therapist, clinician, interviewer).
    Counselor,
    /// The client (patient), and anyone else who is not the counsellor.
    Client,
}

impl Speaker {
    /// The other side of the conversation.
    pub fn other(self) -> Speaker {
        match self {
            Speaker::Counselor => Speaker::Client,
            Speaker::Client => Speaker::Counselor,
        }
    }
}

/// One speaker turn.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Utterance {
    /// Counsellor or client.
    pub speaker: Speaker,
    /// The speaker's name as the transcript gives it, if it gives one.
    pub name: Option<String>,
    /// What was said.
    pub text: String,
    /// Start time in seconds from the beginning of the recording, if known.
    pub start: Option<f64>,
    /// End time in seconds, if known.
    pub end: Option<f64>,
}

/// One session: an identifier, where it came from, and its turns in order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Transcript {
    /// The file stem, or the CSV's `transcript_id`/`session_id`.
    pub id: String,
    /// The path the session was read from (`-` for standard input).
    pub source: String,
    /// The turns, in the order they were spoken.
    pub utterances: Vec<Utterance>,
}

impl Transcript {
    /// Total word count spoken by one side.
    pub fn words_by(&self, speaker: Speaker) -> usize {
        self.utterances
            .iter()
            .filter(|u| u.speaker == speaker)
            .map(|u| u.text.split_whitespace().count())
            .sum()
    }
}
