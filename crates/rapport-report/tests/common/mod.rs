//! The hand-written session the report tests render, from `testdata/reports/`.

#![allow(dead_code)] // each test binary uses part of this module

use std::path::PathBuf;

use rapport_core::{CodedSession, CodedUtterance, Summary};
use serde::Deserialize;

/// The fixture's layout: a coded session without its summary, which is derived here so
/// the fixture cannot disagree with `Summary::from_utterances`.
#[derive(Deserialize)]
struct Fixture {
    id: String,
    source: String,
    utterances: Vec<CodedUtterance>,
}

pub fn testdata(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("../../testdata/reports")
        .join(name)
}

pub fn build(id: &str, source: &str, utterances: Vec<CodedUtterance>) -> CodedSession {
    CodedSession {
        id: id.to_string(),
        source: source.to_string(),
        summary: Summary::from_utterances(&utterances),
        utterances,
    }
}

/// A 26-utterance excerpt of a counselling session about drinking, with timings,
/// names, uncertain codes and text that needs escaping.
pub fn session() -> CodedSession {
    let json = std::fs::read_to_string(testdata("session.json")).expect("fixture readable");
    let f: Fixture = serde_json::from_str(&json).expect("fixture parses");
    build(&f.id, &f.source, f.utterances)
}

/// A trainee's series of three sessions cut from the fixture: the first is the opening
/// eight utterances without timings, the second the first eighteen, the third all.
pub fn series() -> Vec<CodedSession> {
    let full = session();
    let mut first: Vec<CodedUtterance> = full.utterances[..8].to_vec();
    for u in &mut first {
        u.utterance.start = None;
        u.utterance.end = None;
    }
    vec![
        build("week-1-sam", "sessions/week-1-sam.txt", first),
        build(
            "week-2-sam",
            "sessions/week-2-sam.vtt",
            full.utterances[..18].to_vec(),
        ),
        full,
    ]
}
