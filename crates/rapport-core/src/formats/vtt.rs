//! WebVTT, as Zoom writes it (`Name: text` after numeric cue ids) and as Teams writes it
//! (`<v Name>text</v>`, sometimes without the closing tag).
//!
//! The file must open with `WEBVTT`; header lines up to the first blank line, and
//! `NOTE`, `STYLE` and `REGION` blocks (a block that starts with the word and has no
//! timing line), are skipped. Cues are read by [`super::cues`], which takes whatever
//! precedes the first `: ` of a cue as its speaker, and skips damaged cues with a
//! notice.

use super::cues::{self, Block, CueFormat};
use super::error::{Quoted, ReadErrorKind};
use super::notice::Notice;
use super::{ReadError, ReadOptions, Source, numbered_lines, single_session};
use crate::transcript::Transcript;

/// Reads the one session in a WebVTT file.
pub(crate) fn read(
    src: &Source<'_>,
    text: &str,
    options: &ReadOptions,
    notices: &mut Vec<Notice>,
) -> Result<Vec<Transcript>, ReadError> {
    let first = text.lines().next().unwrap_or_default();
    if !starts_with_word(first, "WEBVTT") {
        return Err(src.err_at(
            1,
            ReadErrorKind::MissingVttHeader {
                found: Quoted(first.trim_end().to_string()),
            },
        ));
    }
    let mut blocks = cues::blocks(numbered_lines(text)).into_iter();
    let mut cue_blocks = Vec::new();
    // The header block runs to the first blank line. A file that forgot that blank line
    // still has its first cue inside it, from the timing line on.
    if let Some(header) = blocks.next()
        && let Some(at) = header.lines.iter().position(|l| l.contains("-->"))
    {
        cue_blocks.push(Block {
            first_line: header.first_line + at,
            lines: header.lines.get(at..).unwrap_or_default().to_vec(),
        });
    }
    cue_blocks.extend(blocks.filter(|block| !is_comment_or_style(block)));
    let turns = cues::read_turns(src, CueFormat::Vtt, cue_blocks, notices)?;
    single_session(src, turns, options, notices)
}

/// `NOTE`, `STYLE` and `REGION` blocks carry no speech. As in the WebVTT spec, a block
/// with a timing line is a cue even when its id starts with one of those words.
fn is_comment_or_style(block: &Block<'_>) -> bool {
    let first = block.lines.first().copied().unwrap_or_default();
    ["NOTE", "STYLE", "REGION"]
        .iter()
        .any(|word| starts_with_word(first, word))
        && !block.lines.iter().any(|line| line.contains("-->"))
}

/// Whether `line` is `word` alone or `word` followed by a space or tab.
fn starts_with_word(line: &str, word: &str) -> bool {
    match line.strip_prefix(word) {
        Some(rest) => rest.is_empty() || rest.starts_with([' ', '\t']),
        None => false,
    }
}
