//! Cue files, shared by the WebVTT and SRT readers: blocks, timings, speakers in cue
//! text, and the merging of consecutive cues by one speaker into one turn.
//!
//! Captioning tools cut a turn into cues of a few seconds each; coding works on turns,
//! so cues are merged back: a turn starts where its first cue starts and ends where its
//! last cue ends. A cue whose text names no speaker continues the previous speaker.

use super::error::{Quoted, ReadErrorKind};
use super::labels::{label_key, split_label};
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
pub(crate) fn read_turns(
    src: &Source<'_>,
    format: CueFormat,
    blocks: Vec<Block<'_>>,
) -> Result<Vec<RawTurn>, ReadError> {
    let mut cues = Vec::new();
    for block in blocks.iter().flat_map(split_run_together) {
        cues.push(parse_cue(src, format, &block, cues.len() + 1)?);
    }
    if cues.is_empty() {
        return Err(src.err(
            None,
            ReadErrorKind::NoCues {
                example: format.example(),
            },
        ));
    }
    let cues: Vec<(Cue<'_>, Vec<Segment>)> = cues
        .into_iter()
        .map(|cue| {
            let segments = split_payload(&cue.payload);
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
                return Err(src.err_at(
                    cue.line,
                    ReadErrorKind::NoSpeaker {
                        what: format!("cue {}", cue.number),
                        alternative: "or \"<v Name>\"",
                    },
                ));
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

/// Splits a block holding several cues with no blank line between them (a common slip
/// in hand-edited files) at each later timing line. For SRT a cue number just before
/// such a line goes with it.
fn split_run_together<'a>(block: &Block<'a>) -> Vec<Block<'a>> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut seen_timing = false;
    for (i, line) in block.lines.iter().enumerate() {
        if !line.contains("-->") {
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
    // Settings such as `align:start position:10%` follow the end time; they are ignored.
    let end_token = right.split_whitespace().next().unwrap_or_default();
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
/// `Name: ` prefix (Zoom) counts only at the start of the cue's first line, because a
/// wrapped later line may well contain a colon. Other tags (`<i>`, `<c.yellow>`,
/// `</v>`, inline timestamps) are dropped.
fn split_payload(lines: &[&str]) -> Vec<Segment> {
    let mut segments = Vec::new();
    let mut current = Segment::default();
    for (i, line) in lines.iter().enumerate() {
        let mut rest = line.trim();
        if i == 0
            && !rest.starts_with("<v")
            && let Some((label, text)) = split_label(rest)
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
        split_payload(lines)
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
