//! Safe, unique file names for one output file per session (`--output-dir`).

use std::collections::HashSet;

use rapport_core::CodedSession;

/// Longest stem kept, in characters, so names stay well inside file-system limits
/// once a suffix and extension are added.
const MAX_STEM: usize = 80;

/// One file name per session, in order: the session id made safe for any file system,
/// plus `.extension`.
///
/// Ids come from file stems or CSV columns, so they may hold path separators, spaces,
/// dots or nothing at all. Only ASCII letters, digits, `-` and `_` survive (anything
/// else becomes `_`); an empty result becomes `session`; Windows' reserved device names
/// and `index` (taken by the series index) get a `-session` suffix. Names are unique
/// ignoring case, so two ids differing only in case do not overwrite each other on
/// macOS or Windows: later ones get `-2`, `-3`, ...
pub fn session_file_names(sessions: &[CodedSession], extension: &str) -> Vec<String> {
    let mut taken = HashSet::new();
    sessions
        .iter()
        .map(|session| {
            let stem = safe_stem(&session.id);
            let mut candidate = stem.clone();
            let mut n = 2;
            while !taken.insert(candidate.to_ascii_lowercase()) {
                candidate = format!("{stem}-{n}");
                n += 1;
            }
            format!("{candidate}.{extension}")
        })
        .collect()
}

fn safe_stem(id: &str) -> String {
    let mapped: String = id
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '-' || c == '_' {
                c
            } else {
                '_'
            }
        })
        .take(MAX_STEM)
        .collect();
    let trimmed = mapped.trim_matches('_');
    if trimmed.is_empty() {
        return "session".to_string();
    }
    let upper = trimmed.to_ascii_uppercase();
    let reserved = matches!(upper.as_str(), "CON" | "PRN" | "AUX" | "NUL" | "INDEX")
        || ((upper.starts_with("COM") || upper.starts_with("LPT"))
            && upper.len() == 4
            && upper.as_bytes()[3].is_ascii_digit());
    if reserved {
        format!("{trimmed}-session")
    } else {
        trimmed.to_string()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn session(id: &str) -> CodedSession {
        CodedSession {
            id: id.to_string(),
            source: String::new(),
            utterances: Vec::new(),
            summary: Default::default(),
        }
    }

    #[test]
    fn names_are_safe_and_unique() {
        let ids = [
            "week-1",
            "../etc/passwd",
            "Week-1",
            "",
            "index",
            "con",
            "séance 2",
            "week-1",
        ];
        let sessions: Vec<_> = ids.iter().map(|id| session(id)).collect();
        assert_eq!(
            session_file_names(&sessions, "html"),
            [
                "week-1.html",
                "etc_passwd.html",
                "Week-1-2.html",
                "session.html",
                "index-session.html",
                "con-session.html",
                "s_ance_2.html",
                "week-1-3.html",
            ]
        );
    }

    #[test]
    fn long_ids_are_cut() {
        let name = &session_file_names(&[session(&"a".repeat(500))], "txt")[0];
        assert_eq!(name.len(), MAX_STEM + 4);
    }
}
