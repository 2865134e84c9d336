//! Speaker-labelled text: `Label: text` starts a turn, an unlabelled line continues the
//! previous one, blank lines are ignored.
//!
//! A turn may open with a timestamp, `[00:01:02]`, `(00:01:02)` or a bare `00:01:02`,
//! which becomes its start; a timestamp is taken only when a label follows it, so that
//! a continuation line such as "10:30 suits me" keeps its words. What counts as a label
//! is set out in [`super::labels`]. Each labelled line is its own turn: unlike cues,
//! text turns are already the writer's segmentation, so they are not merged.

use super::error::ReadErrorKind;
use super::labels::split_label;
use super::{
    RawTurn, ReadError, ReadOptions, Source, append_words, numbered_lines, parse_clock,
    single_session,
};
use crate::transcript::Transcript;

pub(crate) const EXPECTED: &str = "lines such as \"Counselor: ...\" and \"Client: ...\" (or names)";

/// Reads the one session in a speaker-labelled text file.
pub(crate) fn read(
    src: &Source<'_>,
    text: &str,
    options: &ReadOptions,
    notices: &mut Vec<String>,
) -> Result<Vec<Transcript>, ReadError> {
    let mut turns: Vec<RawTurn> = Vec::new();
    for (number, line) in numbered_lines(text) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        if let Some((start, label, words)) = labelled(line) {
            let mut text = String::new();
            append_words(&mut text, words);
            turns.push(RawTurn {
                label: label.to_string(),
                text,
                start,
                end: None,
            });
            continue;
        }
        match turns.last_mut() {
            Some(last) => append_words(&mut last.text, line),
            None => {
                let any_label = numbered_lines(text).any(|(_, l)| labelled(l.trim()).is_some());
                let kind = if any_label {
                    ReadErrorKind::NoSpeaker {
                        what: "this line".to_string(),
                        alternative: "or a role such as \"Counselor: \"",
                    }
                } else {
                    ReadErrorKind::NoLabels { expected: EXPECTED }
                };
                return Err(src.err_at(number, kind));
            }
        }
    }
    single_session(src, turns, options, notices)
}

/// A line that starts a turn: its optional start time, label and words.
fn labelled(line: &str) -> Option<(Option<f64>, &str, &str)> {
    if let Some((start, rest)) = leading_timestamp(line) {
        // "[00:01:02] - Counselor: ..." also occurs.
        let rest = rest.trim_start_matches(['-', '–', '—']).trim_start();
        if let Some((label, words)) = split_label(rest) {
            return Some((Some(start), label, words));
        }
    }
    split_label(line).map(|(label, words)| (None, label, words))
}

/// A timestamp at the start of `line`, in brackets, parentheses or bare, and what follows.
fn leading_timestamp(line: &str) -> Option<(f64, &str)> {
    let (token, rest) = if let Some(inner) = line.strip_prefix('[') {
        inner.split_once(']')?
    } else if let Some(inner) = line.strip_prefix('(') {
        inner.split_once(')')?
    } else {
        line.split_once(char::is_whitespace)?
    };
    parse_clock(token.trim()).map(|start| (start, rest))
}
