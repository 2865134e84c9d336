//! Speaker-labelled text: a line that names a speaker starts a turn, an unlabelled line
//! continues the previous one, blank lines are ignored.
//!
//! Two layouts are told apart by their shape:
//!
//! - `Label: text` (typed notes, Google Meet, Descript, Rev). A turn may open with a
//!   timestamp, `[00:01:02]`, `(00:01:02)` or a bare `00:01:02`, which becomes its start;
//!   a timestamp is taken only when a label follows it, so that a continuation line such
//!   as "10:30 suits me" keeps its words. Rev and Descript put the time after the name,
//!   `Name (00:01:02): text`, the text on that line or the lines below; in such a file a
//!   plain `Label:` line is text. What counts as a
//!   label is set out in [`super::labels`]; a label that is not name-like (`Dr. Dana
//!   Whitfield, LCSW`) counts when it opens two or more lines.
//! - `Name  0:03` on a line of its own, the text on the lines below (Otter.ai, and a
//!   Microsoft Teams transcript saved as text). Colons in the text are then just text.
//!
//! Lines before the first speaker are a header when the layout has one (Teams' title,
//! date and duration; Google Meet's title and attendees) and are skipped; otherwise they
//! are an error. Section time stamps on a line of their own (`01:02:00`) and Meet's
//! closing `Meeting ended after 01:02:15` are not speech and are skipped.
//!
//! A label used only once, among two or more established speakers, that is one word
//! or sits inside one speaker's turn (`Homework: walk after every late shift.` in a
//! counsellor's turn), is read as part of the turn before, with a notice naming its
//! line, rather than as a new speaker. Each labelled line is its own turn: unlike cues, text turns are already the
//! writer's segmentation, so they are not merged.

use std::collections::{HashMap, HashSet};

use super::error::{Quoted, ReadErrorKind};
use super::labels::{MAX_LOOSE_CHARS, label_key, loose_label, role_of, split_label};
use super::notice::{Notice, NoticeKind};
use super::{
    RawTurn, ReadError, ReadOptions, Source, append_words, numbered_lines, parse_clock,
    single_session,
};
use crate::transcript::Transcript;

pub(crate) const EXPECTED: &str = "lines such as \"Counselor: ...\" and \"Client: ...\" (or names)";

/// A line that starts a turn.
#[derive(Debug, Clone, Copy)]
struct Head<'a> {
    start: Option<f64>,
    label: &'a str,
    words: &'a str,
    /// Written `Name (00:01:02):`, as Rev and Descript do.
    name_then_time: bool,
}

/// Reads the one session in a speaker-labelled text file.
pub(crate) fn read(
    src: &Source<'_>,
    text: &str,
    options: &ReadOptions,
    notices: &mut Vec<Notice>,
) -> Result<Vec<Transcript>, ReadError> {
    let all: Vec<(usize, &str)> = numbered_lines(text)
        .map(|(number, line)| (number, line.trim()))
        .filter(|(_, line)| !line.is_empty())
        .collect();
    let meet_like = all.iter().any(|(_, line)| is_marker(line));
    let lines: Vec<(usize, &str)> = all
        .iter()
        .copied()
        .filter(|(_, line)| !is_marker(line))
        .collect();

    // Which layout: own-line `Name  0:03` heads, or `Label: text`.
    let repeated = repeated_loose_labels(&lines);
    let colon_heads = lines
        .iter()
        .filter(|(_, line)| colon_head(line, &repeated).is_some())
        .count();
    let stamp_heads = lines
        .iter()
        .filter(|(_, line)| stamp_head(line).is_some())
        .count();
    let stamped = stamp_heads > 0 && stamp_heads >= colon_heads;
    let mut heads: Vec<Option<Head<'_>>> = lines
        .iter()
        .map(|(_, line)| {
            if stamped {
                stamp_head(line)
            } else {
                colon_head(line, &repeated)
            }
        })
        .collect();
    // In a Rev or Descript export every turn is `Name (00:01:02):`; a plain `Label:`
    // there is a line of someone's text.
    if heads.iter().flatten().filter(|h| h.name_then_time).count() >= 2 {
        for head in &mut heads {
            if head.is_some_and(|h| !h.name_then_time) {
                *head = None;
            }
        }
    }
    demote_one_off_labels(src, &lines, &mut heads, notices);

    let Some(first_head) = heads.iter().position(Option::is_some) else {
        let line = all.first().map_or(1, |(number, _)| *number);
        return Err(src.err_at(line, ReadErrorKind::NoLabels { expected: EXPECTED }));
    };
    if first_head > 0 && !stamped && !meet_like {
        let line = lines.first().map_or(1, |(number, _)| *number);
        return Err(src.err_at(
            line,
            ReadErrorKind::NoSpeaker {
                what: "this line".to_string(),
                alternative: "or a role such as \"Counselor: \"",
            },
        ));
    }

    let mut turns: Vec<RawTurn> = Vec::new();
    for ((_, line), head) in lines.iter().zip(heads).skip(first_head) {
        match head {
            Some(head) => {
                let mut text = String::new();
                append_words(&mut text, head.words);
                turns.push(RawTurn {
                    label: head.label.to_string(),
                    text,
                    start: head.start,
                    end: None,
                });
            }
            None => {
                if let Some(last) = turns.last_mut() {
                    append_words(&mut last.text, line);
                }
            }
        }
    }
    single_session(src, turns, options, notices)
}

/// Reads a label used once as text of the turn before, with a notice, when two or more
/// other speakers are established (roles, or labels used at least twice) and the label
/// is one word (`Homework:`, `First:`) or sits inside one speaker's turn (the speaker
/// before it and after it are the same). A one-off full name (`Maria Lopez:`, a parent
/// who speaks once) stays a speaker.
fn demote_one_off_labels(
    src: &Source<'_>,
    lines: &[(usize, &str)],
    heads: &mut [Option<Head<'_>>],
    notices: &mut Vec<Notice>,
) {
    let mut counts: HashMap<String, usize> = HashMap::new();
    for head in heads.iter().flatten() {
        *counts.entry(label_key(head.label)).or_default() += 1;
    }
    let established: HashSet<String> = heads
        .iter()
        .flatten()
        .filter(|head| {
            role_of(head.label).is_some()
                || counts.get(&label_key(head.label)).is_some_and(|&n| n >= 2)
        })
        .map(|head| label_key(head.label))
        .collect();
    let keys: Vec<Option<String>> = heads
        .iter()
        .map(|head| head.map(|h| label_key(h.label)))
        .collect();
    let first = keys.iter().position(Option::is_some);
    let mut previous: Option<String> = None;
    for (i, (slot, (number, _))) in heads.iter_mut().zip(lines).enumerate() {
        let Some(head) = slot else { continue };
        let key = label_key(head.label);
        let next = keys.iter().skip(i + 1).flatten().next();
        let inside_a_turn = previous.is_some() && previous.as_ref() == next;
        let one_word = head.label.split_whitespace().count() == 1;
        let others = established.iter().filter(|k| **k != key).count();
        if Some(i) != first
            && role_of(head.label).is_none()
            && counts.get(&key).is_some_and(|&n| n == 1)
            && others >= 2
            && (one_word || inside_a_turn)
        {
            notices.push(src.notice(
                Some(*number),
                NoticeKind::OneOffLabel {
                    label: Quoted(head.label.to_string()),
                },
            ));
            *slot = None;
            continue;
        }
        previous = Some(key);
    }
}

/// Lines that are layout, not speech: a section time stamp on its own line (Google
/// Meet's `01:02:00`), Meet's `Meeting ended after 01:02:15` and its `Attendees` line.
fn is_marker(line: &str) -> bool {
    let lower = line.to_lowercase();
    (line.split(':').count() == 3 && parse_clock(line).is_some())
        || lower.starts_with("meeting ended after")
        || lower == "attendees"
        || lower.starts_with("attendees:")
}

/// Loose labels (see [`loose_label`]) that open two or more lines, by key.
fn repeated_loose_labels(lines: &[(usize, &str)]) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut repeated = HashSet::new();
    for (_, line) in lines {
        if let Some((label, _)) = loose_label(line) {
            let key = label_key(label);
            if !seen.insert(key.clone()) {
                repeated.insert(key);
            }
        }
    }
    repeated
}

/// A `Label: text` line: its optional start time, label and words.
fn colon_head<'a>(line: &'a str, repeated: &HashSet<String>) -> Option<Head<'a>> {
    if let Some((start, rest)) = leading_timestamp(line) {
        // "[00:01:02] - Counselor: ..." also occurs.
        let rest = rest.trim_start_matches(['-', '–', '—']).trim_start();
        if let Some((label, words)) = label_in(rest, repeated) {
            return Some(Head {
                start: Some(start),
                label,
                words,
                name_then_time: false,
            });
        }
    }
    if let Some(head) = timed_label(line) {
        return Some(head);
    }
    label_in(line, repeated).map(|(label, words)| Head {
        start: None,
        label,
        words,
        name_then_time: false,
    })
}

/// A name-like label, or a loose one that opens two or more lines.
fn label_in<'a>(line: &'a str, repeated: &HashSet<String>) -> Option<(&'a str, &'a str)> {
    split_label(line)
        .or_else(|| loose_label(line).filter(|(label, _)| repeated.contains(&label_key(label))))
}

/// Rev's and Descript's `Name (00:01:02): text` (the text may be empty, on the lines
/// below). The time stamp marks the line as a label, so any name is taken.
fn timed_label(line: &str) -> Option<Head<'_>> {
    let close = line.find("):")?;
    let before = line.get(..close)?;
    let open = before.rfind('(')?;
    let start = parse_stamp(before.get(open + 1..)?.trim())?;
    let label = before.get(..open)?.trim();
    let words = line.get(close + 2..)?;
    if !words.is_empty() && !words.starts_with(char::is_whitespace) {
        return None;
    }
    name_fits(label).then_some(Head {
        start: Some(start),
        label,
        words: words.trim(),
        name_then_time: true,
    })
}

/// Otter's and Teams' `Name  0:03` line: a name, then a time stamp, nothing else.
fn stamp_head(line: &str) -> Option<Head<'_>> {
    let (label, stamp) = line.rsplit_once(char::is_whitespace)?;
    let start = parse_stamp(stamp)?;
    let label = label.trim();
    let colon_free = !label.contains(": ") && !label.ends_with(':');
    (colon_free && name_fits(label)).then_some(Head {
        start: Some(start),
        label,
        words: "",
        name_then_time: false,
    })
}

/// Whether a name from a time-stamped head is plausible: some letter, not too long.
fn name_fits(label: &str) -> bool {
    !label.is_empty()
        && label.chars().count() <= MAX_LOOSE_CHARS
        && label.chars().any(char::is_alphabetic)
}

/// A time stamp as export tools write it: `[h]h:mm:ss` or `m:ss` / `mm:ss`, optionally
/// with a fraction.
fn parse_stamp(token: &str) -> Option<f64> {
    parse_clock(token).or_else(|| {
        // Otter and Teams write "0:03" and "1:02" with a one-digit minute.
        let (minutes, _) = token.split_once(':')?;
        (minutes.len() == 1 && token.matches(':').count() == 1)
            .then(|| parse_clock(&format!("0{token}")))
            .flatten()
    })
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stamps_and_timed_labels() {
        assert_eq!(parse_stamp("0:03"), Some(3.0));
        assert_eq!(parse_stamp("1:02:03"), Some(3723.0));
        assert_eq!(parse_stamp("10:30pm"), None);
        let head = stamp_head("Speaker 1  0:03").unwrap();
        assert_eq!((head.label, head.start), ("Speaker 1", Some(3.0)));
        assert!(stamp_head("Client: we met at 10:30").is_none());
        assert!(stamp_head("2026-01-05 15:00").is_none());
        let head = timed_label("Dr. Dana Whitfield, LCSW (01:00:02): Hi.").unwrap();
        assert_eq!(
            (head.label, head.start, head.words),
            ("Dr. Dana Whitfield, LCSW", Some(3602.0), "Hi.")
        );
        assert!(timed_label("We said (at 10:30): fine").is_none());
        assert!(is_marker("01:02:00"));
        assert!(is_marker("Meeting ended after 01:02:15 👋"));
        assert!(!is_marker("10:30"));
    }
}
