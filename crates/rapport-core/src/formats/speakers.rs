//! Which side each speaker is on.
//!
//! Role labels (`Counselor`, `Client`, `T`, ...) say it themselves. Names need
//! `--counselor NAME`; without it the first named speaker is taken as the counsellor and
//! a notice says so, because in a recorded session the counsellor usually opens. Every
//! other name is on the client side (a partner or parent in the room counts as client).

use std::collections::HashSet;

use super::error::{Quoted, ReadErrorKind};
use super::labels::{label_key, role_of};
use super::notice::{Notice, NoticeKind};
use super::{RawTurn, ReadOptions, Source};
use crate::formats::ReadError;
use crate::transcript::{Speaker, Utterance};

/// Turns raw turns into utterances, deciding each speaker's side.
///
/// Errors when the speakers are names, `--counselor` was given, and none of them matches.
pub(crate) fn resolve(
    src: &Source<'_>,
    turns: Vec<RawTurn>,
    options: &ReadOptions,
    notices: &mut Vec<Notice>,
) -> Result<Vec<Utterance>, ReadError> {
    let wanted: HashSet<String> = options
        .counselor_names
        .iter()
        .map(|name| label_key(name))
        .filter(|key| !key.is_empty())
        .collect();
    let mut counselors: HashSet<String> = turns
        .iter()
        .filter(|turn| role_of(&turn.label).is_none())
        .map(|turn| label_key(&turn.label))
        .filter(|key| wanted.contains(key))
        .collect();
    let role_counselor = turns
        .iter()
        .any(|turn| role_of(&turn.label) == Some(Speaker::Counselor));
    let first_name = turns.iter().find(|turn| role_of(&turn.label).is_none());
    if counselors.is_empty()
        && !role_counselor
        && let Some(first) = first_name
    {
        if !wanted.is_empty() {
            return Err(src.err(None, no_match(options, &turns)));
        }
        notices.push(src.notice(
            None,
            NoticeKind::CounselorGuess {
                name: Quoted(first.label.clone()),
            },
        ));
        counselors.insert(label_key(&first.label));
    }
    Ok(turns
        .into_iter()
        .map(|turn| {
            let speaker = match role_of(&turn.label) {
                Some(side) => side,
                None if counselors.contains(&label_key(&turn.label)) => Speaker::Counselor,
                None => Speaker::Client,
            };
            Utterance {
                speaker,
                name: Some(turn.label),
                text: turn.text,
                start: turn.start,
                end: turn.end,
            }
        })
        .collect())
}

/// The error for `--counselor` names that match nobody, listing who was found.
fn no_match(options: &ReadOptions, turns: &[RawTurn]) -> ReadErrorKind {
    let quote_all = |names: &mut dyn Iterator<Item = &str>| {
        names
            .map(|name| Quoted(name.trim().to_string()).to_string())
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut seen = HashSet::new();
    let mut speakers = turns
        .iter()
        .map(|turn| turn.label.as_str())
        .filter(|label| seen.insert(label_key(label)));
    ReadErrorKind::NoCounselorMatch {
        wanted: quote_all(&mut options.counselor_names.iter().map(String::as_str)),
        speakers: quote_all(&mut speakers),
    }
}
