//! What counts as a speaker label, and the role labels that need no `--counselor`.
//!
//! A line `Label: text` starts a turn only when `Label` is short and name-like, so that
//! a sentence such as "I said: no way" inside a continuation line is not read as a
//! speaker. The rule, applied to the text before the first colon:
//!
//! - the colon is followed by whitespace or ends the line (so `10:30`, `http://` and
//!   timings are never labels);
//! - it is a role label (see [`role_of`]), in any case; or
//! - it is a name: at most 4 words and 40 characters, with at least one letter, made of
//!   letters, digits, `-`, `'`, `’` and `_`, plus a `.` only at the end of a short
//!   abbreviation (`Dr.`, `J.`); an optional trailing parenthetical such as
//!   `(she/her)` is allowed. The first word starts with a capital (or a letter from a
//!   script without case); later words start with a capital or a digit, contain a
//!   capital (`iPhone`), or are a lowercase particle between capitalised words
//!   (`van`, `de`, ...). Sentence punctuation (`,;?!"`) never appears.
//!
//! So "Dana Whitfield:", "Speaker 2:", "Dr. Ng:" and "client:" are labels; "I said:",
//! "so anyway:" and "Well, then:" are not.
//!
//! Where the layout itself says a line names its speaker (every Zoom WebVTT cue does),
//! [`loose_label`] takes whatever precedes the first `: ` instead: names are not the
//! reader's to judge there.

use crate::transcript::Speaker;

/// The side a role label names (`Counselor`, `Therapist`, `T`, `Client`, `P`, ...),
/// matched ignoring case; `None` for anything else, such as a person's name.
pub(crate) fn role_of(label: &str) -> Option<Speaker> {
    match label.trim().to_lowercase().as_str() {
        "counselor" | "counsellor" | "therapist" | "clinician" | "interviewer" | "t" => {
            Some(Speaker::Counselor)
        }
        "client" | "patient" | "c" | "p" => Some(Speaker::Client),
        _ => None,
    }
}

/// Splits `Label: rest` into the label and the rest (both trimmed) when the part before
/// the first colon is a label by the rule in the module docs.
pub(crate) fn split_label(line: &str) -> Option<(&str, &str)> {
    let (label, rest) = line.split_once(':')?;
    if rest.chars().next().is_some_and(|c| !c.is_whitespace()) {
        return None;
    }
    let label = label.trim();
    if role_of(label).is_some() || is_name(label) {
        Some((label, rest.trim()))
    } else {
        None
    }
}

/// `Name: text` read loosely: whatever precedes the first colon that is followed by a
/// space (or ends the line) is the speaker, as Zoom writes it (`Dr. Dana Whitfield,
/// LCSW:`, `dana.whitfield@clinic.org:`, `Room 2 - iPad:`). Only its length is checked,
/// so that a line holding one long sentence is not taken for a name.
pub(crate) fn loose_label(line: &str) -> Option<(&str, &str)> {
    let at = line.char_indices().find_map(|(at, c)| {
        let after = line.get(at + 1..).unwrap_or_default();
        (c == ':' && (after.is_empty() || after.starts_with(char::is_whitespace))).then_some(at)
    })?;
    let label = line.get(..at)?.trim();
    let rest = line.get(at + 1..)?.trim();
    let fits = !label.is_empty()
        && label.chars().count() <= MAX_LOOSE_CHARS
        && label.chars().any(char::is_alphanumeric)
        && !label.starts_with('<');
    fits.then_some((label, rest))
}

/// The longest speaker name [`loose_label`] accepts, in characters.
pub(crate) const MAX_LOOSE_CHARS: usize = 80;

/// The key two labels share when they name the same speaker: lowercase, spaces collapsed.
pub(crate) fn label_key(label: &str) -> String {
    label
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_lowercase()
}

/// Whether `label` looks like a person's name (see the module docs).
fn is_name(label: &str) -> bool {
    if label.is_empty() || label.chars().count() > 40 {
        return false;
    }
    let core = match label.find('(') {
        Some(open) if label.ends_with(')') => {
            let inside = label.get(open + 1..label.len() - 1).unwrap_or_default();
            if inside.contains(['(', ')', ':']) {
                return false;
            }
            label.get(..open).unwrap_or_default().trim_end()
        }
        Some(_) => return false,
        None => {
            if label.contains(')') {
                return false;
            }
            label
        }
    };
    if !core.chars().any(char::is_alphabetic) {
        return false;
    }
    let words: Vec<&str> = core.split_whitespace().collect();
    let Some(last) = words.len().checked_sub(1) else {
        return false;
    };
    if last >= 4 {
        return false;
    }
    words
        .iter()
        .enumerate()
        .all(|(i, word)| word_is_name_like(word, i == 0, i == 0 || i == last))
}

/// Lowercase words allowed inside a name ("Femke van Dijk", "Ana de la Cruz").
const PARTICLES: [&str; 16] = [
    "van", "von", "de", "der", "den", "da", "di", "du", "del", "della", "la", "le", "bin", "ibn",
    "al", "dos",
];

fn word_is_name_like(word: &str, first: bool, edge: bool) -> bool {
    let allowed = |c: char| c.is_alphanumeric() || matches!(c, '-' | '\'' | '’' | '_' | '.');
    if !word.chars().all(allowed) {
        return false;
    }
    // A dot only closes a short abbreviation: "Dr.", "Mrs.", "J.".
    if let Some(dot) = word.find('.')
        && (dot + 1 != word.len() || word.chars().count() > 4)
    {
        return false;
    }
    let Some(initial) = word.chars().next() else {
        return false;
    };
    let capitalised = initial.is_alphabetic() && !initial.is_lowercase();
    if first {
        return capitalised;
    }
    capitalised
        || initial.is_ascii_digit()
        || word.chars().any(char::is_uppercase)
        || (!edge && PARTICLES.contains(&word))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_and_roles_are_labels() {
        for line in [
            "Dana Whitfield: hi",
            "Speaker 2: hi",
            "Dr. Ng: hi",
            "client: hi",
            "T: hi",
            "Femke van Dijk: hi",
            "Dana Whitfield (she/her): hi",
            "Sam's iPhone: hi",
            "Counselor:",
            "李明: 你好",
        ] {
            assert!(split_label(line).is_some(), "{line}");
        }
    }

    #[test]
    fn sentences_are_not_labels() {
        for line in [
            "I said: no way",
            "so anyway: yes",
            "Well, then: fine",
            "At 10:30 we met",
            "See http://example.invalid",
            "My one two three four: x",
            "Why? Because: reasons",
            ": nothing before",
            "van Dijk: hi",
            "Step (one: x",
        ] {
            assert!(split_label(line).is_none(), "{line}");
        }
    }

    #[test]
    fn keys_ignore_case_and_spacing() {
        assert_eq!(label_key("  Dana   WHITFIELD "), "dana whitfield");
    }
}
