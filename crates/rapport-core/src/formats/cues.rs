//! Cue files, shared by the WebVTT and SRT readers: blocks, timings, speakers in cue
//! text, and the merging of consecutive cues by one speaker into one turn.
//!
//! Captioning tools cut a turn into cues of a few seconds each; coding works on turns,
//! so cues are merged back: a turn starts where its first cue starts and ends where its
//! last cue ends. A cue whose text names no speaker continues the previous speaker.

use std::borrow::Cow;
use std::collections::HashSet;

use super::error::{Quoted, ReadErrorKind};
use super::labels::{label_key, loose_label, split_label};
use super::notice::{Notice, NoticeKind};
use super::{RawTurn, ReadError, Source, append_words, parse_clock};

/// The two cue formats, which differ in the fraction separator they expect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum CueFormat {
    /// WebVTT: `00:00:01.000 --> 00:00:04.000`.
    Vtt,
    /// SubRip: `00:00:01,000 --> 00:00:04,000`.
    Srt,
}

impl CueFormat {
    fn expected(self) -> &'static str {
        match self {
            CueFormat::Vtt => "hh:mm:ss.mmm",
            CueFormat::Srt => "hh:mm:ss,mmm",
        }
    }

    /// A well-formed timing line, for messages.
    pub(crate) fn example(self) -> &'static str {
        match self {
            CueFormat::Vtt => "\"00:00:01.000 --> 00:00:04.000\"",
            CueFormat::Srt => "\"00:00:01,000 --> 00:00:04,000\"",
        }
    }
}

/// Lines between blank lines, with the number of the first.
#[derive(Debug, Clone)]
pub(crate) struct Block<'a> {
    /// Line number of `lines[0]`, from 1.
    pub first_line: usize,
    /// The lines, none blank.
    pub lines: Vec<&'a str>,
}

/// Splits numbered lines into blocks at blank (or whitespace-only) lines.
pub(crate) fn blocks<'a>(lines: impl IntoIterator<Item = (usize, &'a str)>) -> Vec<Block<'a>> {
    let mut blocks = Vec::new();
    let mut current: Option<Block<'a>> = None;
    for (number, line) in lines {
        if line.trim().is_empty() {
            blocks.extend(current.take());
        } else {
            current
                .get_or_insert_with(|| Block {
                    first_line: number,
                    lines: Vec::new(),
                })
                .lines
                .push(line);
        }
    }
    blocks.extend(current);
    blocks
}

/// One cue: where it is, when, and its text lines.
struct Cue<'a> {
    /// Position in the file, from 1.
    number: usize,
    /// The line of its timing.
    line: usize,
    start: f64,
    end: f64,
    payload: Vec<&'a str>,
}

/// A stretch of cue text and the speaker it names, if it names one.
#[derive(Debug, Default)]
struct Segment {
    label: Option<String>,
    raw: String,
}

/// Reads cue blocks (headers and comment blocks already removed) into merged turns.
///
/// As the WebVTT parsing algorithm does, a damaged cue (no timing line, a timing that
/// is not a time, one that ends before it starts) is skipped with a notice and the
/// others are read. Lines after a blank line inside a cue are kept as part of it. Only
/// when no cue at all can be read is that an error.
pub(crate) fn read_turns(
    src: &Source<'_>,
    format: CueFormat,
    blocks: Vec<Block<'_>>,
    notices: &mut Vec<Notice>,
) -> Result<Vec<RawTurn>, ReadError> {
    let mut cues: Vec<Cue<'_>> = Vec::new();
    let mut first_error: Option<ReadError> = None;
    let mut number = 0;
    for block in blocks.iter().flat_map(split_run_together) {
        if !has_timing(&block) {
            let numbered = block.lines.first().is_some_and(|l| is_cue_number(l));
            if let Some(last) = cues.last_mut()
                && !numbered
            {
                notices.push(src.notice(
                    Some(block.first_line),
                    NoticeKind::BlankLineInCue { cue: last.number },
                ));
                last.payload.extend(block.lines.iter().copied());
                continue;
            }
            if !numbered {
                notices.push(src.notice(
                    Some(block.first_line),
                    NoticeKind::StrayBlock {
                        example: format.example(),
                    },
                ));
                continue;
            }
        }
        number += 1;
        match parse_cue(src, format, &block, number) {
            Ok(cue) => cues.push(cue),
            Err(err) => {
                notices.push(src.notice(
                    err.line,
                    NoticeKind::SkippedCue {
                        problem: err.kind.clone(),
                    },
                ));
                first_error.get_or_insert(err);
            }
        }
    }
    if cues.is_empty() {
        // Nothing readable: the first problem is the error, and its notice goes.
        if let Some(err) = first_error {
            notices.clear();
            return Err(err);
        }
        return Err(src.err(
            None,
            ReadErrorKind::NoCues {
                example: format.example(),
            },
        ));
    }
    let first_lines: Vec<String> = cues
        .iter()
        .map(|cue| first_line_text(format, &cue.payload))
        .collect();
    let repeated = repeated_labels(&first_lines);
    let cues: Vec<(Cue<'_>, Vec<Segment>)> = cues
        .into_iter()
        .zip(first_lines)
        .map(|(cue, first)| {
            let segments = split_payload(format, &first, &cue.payload, &repeated);
            (cue, segments)
        })
        .collect();
    let any_label = cues
        .iter()
        .flat_map(|(_, segments)| segments)
        .any(|segment| segment.label.is_some());
    if !any_label {
        return Err(src.err(
            None,
            ReadErrorKind::NoLabels {
                expected: "cue text such as \"Name: text\" or \"<v Name>text</v>\"",
            },
        ));
    }
    let mut turns: Vec<RawTurn> = Vec::new();
    let mut speaker: Option<String> = None;
    for (cue, segments) in cues {
        for segment in segments {
            if segment.label.is_some() {
                speaker = segment.label;
            }
            let text = clean_text(&segment.raw);
            if text.is_empty() {
                continue;
            }
            let Some(label) = &speaker else {
                // Zoom writes such cues when it cannot tell who spoke.
                notices.push(src.notice(
                    Some(cue.line),
                    NoticeKind::UnlabelledCue { cue: cue.number },
                ));
                continue;
            };
            match turns.last_mut() {
                Some(last) if label_key(&last.label) == label_key(label) => {
                    append_words(&mut last.text, &text);
                    last.end = Some(cue.end);
                }
                _ => turns.push(RawTurn {
                    label: label.clone(),
                    text,
                    start: Some(cue.start),
                    end: Some(cue.end),
                }),
            }
        }
    }
    Ok(turns)
}

/// Whether a block has a line with `-->` where a timing line can be (first or second),
/// or a line there that starts with a time (a timing line with a broken arrow).
fn has_timing(block: &Block<'_>) -> bool {
    block.lines.iter().take(2).any(|line| {
        line.contains("-->")
            || parse_clock(line.split_whitespace().next().unwrap_or_default()).is_some()
    })
}

/// Whether `line` is a timing line, good or damaged, rather than cue text that happens
/// to contain `-->`: what comes before the arrow is one token starting with a digit.
fn is_timing_line(line: &str) -> bool {
    match line.split_once("-->") {
        Some((left, _)) => {
            let left = left.trim();
            left.starts_with(|c: char| c.is_ascii_digit()) && !left.contains(char::is_whitespace)
        }
        None => false,
    }
}

/// The first payload line as label detection sees it: subtitle-editor codes and
/// formatting tags (`<i>`, `<font ...>`) removed, so that `<i>Name: ...</i>` has its
/// label found. A line holding a voice tag keeps its tags: the voice names the speaker.
fn first_line_text(format: CueFormat, payload: &[&str]) -> String {
    let line = payload.first().copied().unwrap_or_default();
    let line = editor_codes(format, line);
    if has_voice_tag(&line) {
        return line.trim().to_string();
    }
    strip_tags(&line).trim().to_string()
}

/// Labels that open the first line of two or more cues, by key.
fn repeated_labels(first_lines: &[String]) -> HashSet<String> {
    let mut seen = HashSet::new();
    let mut repeated = HashSet::new();
    for line in first_lines {
        if let Some((label, _)) = loose_label(line) {
            let key = label_key(label);
            if !seen.insert(key.clone()) {
                repeated.insert(key);
            }
        }
    }
    repeated
}

/// The speaker that opens a cue's first line, if any, and the text after it.
///
/// WebVTT (Zoom): whatever precedes the first `: ` (names are not the reader's to
/// judge). SRT, whose cues are often plain subtitles: a name-like label (see
/// [`super::labels`]), or any label that opens two or more cues.
fn cue_label<'l>(
    format: CueFormat,
    line: &'l str,
    repeated: &HashSet<String>,
) -> Option<(&'l str, &'l str)> {
    if has_voice_tag(line) {
        return None;
    }
    match format {
        CueFormat::Vtt => loose_label(line),
        CueFormat::Srt => split_label(line)
            .or_else(|| loose_label(line).filter(|(l, _)| repeated.contains(&label_key(l)))),
    }
}

fn has_voice_tag(line: &str) -> bool {
    line.match_indices('<').any(|(at, _)| {
        let after = line.get(at + 1..).unwrap_or_default();
        after
            .split_once('>')
            .is_some_and(|(tag, _)| voice_name(tag).is_some())
    })
}

/// `line` with every `<...>` tag removed; a lone `<` ("I <3 this") stays.
fn strip_tags(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some((before, after)) = rest.split_once('<') {
        out.push_str(before);
        match after.split_once('>').filter(|(tag, _)| !tag.contains('<')) {
            Some((_, after_tag)) => rest = after_tag,
            None => {
                out.push('<');
                rest = after;
            }
        }
    }
    out.push_str(rest);
    out
}

/// SRT text without subtitle-editor codes: `{\an8}`-style override blocks dropped,
/// `\N`, `\n` (line breaks) and `\h` (hard space) made spaces. WebVTT text is left as
/// written.
fn editor_codes(format: CueFormat, line: &str) -> Cow<'_, str> {
    if format != CueFormat::Srt || !line.contains('\\') {
        return Cow::Borrowed(line);
    }
    let mut out = String::with_capacity(line.len());
    let mut rest = line;
    while let Some(at) = rest.find(['{', '\\']) {
        out.push_str(rest.get(..at).unwrap_or_default());
        let tail = rest.get(at..).unwrap_or_default();
        if tail.starts_with("{\\")
            && let Some(close) = tail.find('}')
        {
            rest = tail.get(close + 1..).unwrap_or_default();
        } else if let Some(after) = ["\\N", "\\n", "\\h"]
            .iter()
            .find_map(|code| tail.strip_prefix(code))
        {
            out.push(' ');
            rest = after;
        } else {
            let mut chars = tail.chars();
            out.extend(chars.next());
            rest = chars.as_str();
        }
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Splits a block holding several cues with no blank line between them (a common slip
/// in hand-edited files) at each later timing line. For SRT a cue number just before
/// such a line goes with it.
fn split_run_together<'a>(block: &Block<'a>) -> Vec<Block<'a>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut seen_timing = false;
    for (i, line) in block.lines.iter().enumerate() {
        if !is_timing_line(line) {
            continue;
        }
        if seen_timing {
            let cut = match i.checked_sub(1).and_then(|p| block.lines.get(p)) {
                Some(prev) if i - 1 > start && is_cue_number(prev) => i - 1,
                _ => i,
            };
            if cut > start {
                parts.push(sub_block(block, start, cut));
                start = cut;
            }
        }
        seen_timing = true;
    }
    parts.push(sub_block(block, start, block.lines.len()));
    parts
}

fn sub_block<'a>(block: &Block<'a>, from: usize, to: usize) -> Block<'a> {
    Block {
        first_line: block.first_line + from,
        lines: block.lines.get(from..to).unwrap_or_default().to_vec(),
    }
}

fn is_cue_number(line: &str) -> bool {
    let line = line.trim();
    !line.is_empty() && line.bytes().all(|b| b.is_ascii_digit())
}

/// Finds a block's timing line (first or second, after an optional cue id) and parses it.
fn parse_cue<'a>(
    src: &Source<'_>,
    format: CueFormat,
    block: &Block<'a>,
    number: usize,
) -> Result<Cue<'a>, ReadError> {
    let Some(at) = block.lines.iter().take(2).position(|l| l.contains("-->")) else {
        // A line that starts with a time is a timing line with a broken arrow.
        for (i, line) in block.lines.iter().take(2).enumerate() {
            let first = line.split_whitespace().next().unwrap_or_default();
            if parse_clock(first).is_some() {
                return Err(src.err_at(
                    block.first_line + i,
                    ReadErrorKind::NoArrow {
                        line: Quoted(line.trim().to_string()),
                        example: format.example(),
                    },
                ));
            }
        }
        return Err(src.err_at(
            block.first_line,
            ReadErrorKind::NoTiming {
                cue: number,
                example: format.example(),
            },
        ));
    };
    let line = block.first_line + at;
    let timing = block.lines.get(at).copied().unwrap_or_default();
    let (left, right) = timing.split_once("-->").unwrap_or((timing, ""));
    let start_token = left.trim();
    // Settings such as `align:start position:10%` follow the end time, sometimes with no
    // space between; they are ignored.
    let right = right.trim_start();
    let time_chars = right
        .find(|c: char| !(c.is_ascii_digit() || matches!(c, ':' | '.' | ',')))
        .unwrap_or(right.len());
    let end_token = match right.get(..time_chars) {
        Some(token) if !token.is_empty() => token,
        _ => right.split_whitespace().next().unwrap_or_default(),
    };
    let time = |token: &str| {
        parse_clock(token).ok_or_else(|| {
            src.err_at(
                line,
                ReadErrorKind::BadTiming {
                    token: Quoted(token.to_string()),
                    expected: format.expected(),
                },
            )
        })
    };
    let start = time(start_token)?;
    let end = time(end_token)?;
    if end < start {
        return Err(src.err_at(
            line,
            ReadErrorKind::EndBeforeStart {
                cue: number,
                start: Quoted(start_token.to_string()),
                end: Quoted(end_token.to_string()),
            },
        ));
    }
    Ok(Cue {
        number,
        line,
        start,
        end,
        payload: block.lines.get(at + 1..).unwrap_or_default().to_vec(),
    })
}

/// Splits cue text into stretches by speaker.
///
/// `<v Name>` voice tags (Teams) may appear anywhere and start a new stretch; a
/// `Name: ` prefix (Zoom) counts only at the start of the cue's first line (`first`,
/// as [`first_line_text`] made it), because a wrapped later line may well contain a
/// colon. Other tags (`<i>`, `<c.yellow>`, `</v>`, inline timestamps) and SRT editor
/// codes are dropped.
fn split_payload(
    format: CueFormat,
    first: &str,
    lines: &[&str],
    repeated: &HashSet<String>,
) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut current = Segment::default();
    for (i, line) in lines.iter().enumerate() {
        let line = if i == 0 {
            Cow::Borrowed(first)
        } else {
            editor_codes(format, line)
        };
        let mut rest = line.trim();
        if i == 0
            && let Some((label, text)) = cue_label(format, rest, repeated)
        {
            current.label = Some(label.to_string());
            rest = text;
        }
        current.raw.push(' ');
        while let Some((before, after)) = rest.split_once('<') {
            current.raw.push_str(before);
            let Some((tag, after_tag)) =
                after.split_once('>').filter(|(tag, _)| !tag.contains('<'))
            else {
                // A lone '<' ("I <3 this") is text, not a tag.
                current.raw.push('<');
                rest = after;
                continue;
            };
            if let Some(name) = voice_name(tag) {
                if current.label.is_some() || !clean_text(&current.raw).is_empty() {
                    segments.push(std::mem::take(&mut current));
                }
                current.label = Some(name.to_string());
            }
            rest = after_tag;
        }
        current.raw.push_str(rest);
    }
    segments.push(current);
    segments
}

/// The speaker of a `<v Name>` or `<v.class Name>` tag; `None` for other tags and for a
/// voice tag with no name.
fn voice_name(tag: &str) -> Option<&str> {
    let body = tag.strip_prefix('v')?;
    if !body.starts_with(|c: char| c == '.' || c.is_whitespace()) {
        return None;
    }
    let (_, name) = body.split_once(char::is_whitespace)?;
    let name = name.trim();
    (!name.is_empty()).then_some(name)
}

/// Cue text as plain words: character references decoded, whitespace collapsed.
fn clean_text(raw: &str) -> String {
    // `&amp;` last, so that `&amp;lt;` becomes `&lt;` and not `<`.
    let decoded = raw
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&apos;", "'")
        .replace("&nbsp;", " ")
        .replace("&lrm;", "")
        .replace("&rlm;", "")
        .replace("&amp;", "&");
    let mut text = String::new();
    append_words(&mut text, &decoded);
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parts(lines: &[&str]) -> Vec<(Option<String>, String)> {
        parts_in(CueFormat::Vtt, lines)
    }

    fn parts_in(format: CueFormat, lines: &[&str]) -> Vec<(Option<String>, String)> {
        let first = first_line_text(format, lines);
        split_payload(format, &first, lines, &HashSet::new())
            .into_iter()
            .map(|s| (s.label, clean_text(&s.raw)))
            .collect()
    }

    #[test]
    fn zoom_label_only_on_first_line() {
        assert_eq!(
            parts(&["Dana Whitfield: So what", "Mum said: no"]),
            vec![(Some("Dana Whitfield".into()), "So what Mum said: no".into())]
        );
    }

    #[test]
    fn voice_tags_split_and_other_tags_drop() {
        assert_eq!(
            parts(&["<v Dana>Hi <i>there</i></v> <v.loud Sam>Hello &amp; I <3 you"]),
            vec![
                (Some("Dana".into()), "Hi there".into()),
                (Some("Sam".into()), "Hello & I <3 you".into()),
            ]
        );
    }

    #[test]
    fn run_together_cues_are_split() {
        let block = Block {
            first_line: 3,
            lines: vec![
                "1",
                "00:00:01,000 --> 00:00:02,000",
                "A: hi",
                "2",
                "00:00:02,000 --> 00:00:03,000",
                "B: yo",
            ],
        };
        let parts = split_run_together(&block);
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[1].first_line, 6);
        assert_eq!(parts[1].lines[0], "2");
    }
}
