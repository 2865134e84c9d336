//! Property tests: no input makes a reader panic, and well-formed VTT, SRT and text
//! generated from known turns read back to those turns.

use proptest::prelude::*;
use rapport_core::{InputFormat, ReadOptions, Speaker, read_transcripts};

/// A turn to render: who, and the words said.
#[derive(Debug, Clone)]
struct Turn {
    counselor: bool,
    words: Vec<String>,
}

fn words() -> impl Strategy<Value = Vec<String>> {
    // Words that cannot look like labels, tags or timings: lowercase letters, some
    // punctuation, never a colon or angle bracket.
    prop::collection::vec("[a-z]{1,8}[,.?]?", 1..12)
}

fn turns() -> impl Strategy<Value = Vec<Turn>> {
    prop::collection::vec(
        (any::<bool>(), words()).prop_map(|(counselor, words)| Turn { counselor, words }),
        1..12,
    )
    .prop_map(|mut turns| {
        // --counselor names someone who must speak (else it is an error, by design), so
        // the counsellor speaks at least once; the client may still speak first.
        if !turns.iter().any(|t| t.counselor)
            && let Some(last) = turns.last_mut()
        {
            last.counselor = true;
        }
        turns
    })
}

/// Turns as the reader should return them from cue files: consecutive turns by one
/// speaker merged.
fn merged(turns: &[Turn]) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    for turn in turns {
        let text = turn.words.join(" ");
        match out.last_mut() {
            Some((counselor, said)) if *counselor == turn.counselor => {
                said.push(' ');
                said.push_str(&text);
            }
            _ => out.push((turn.counselor, text)),
        }
    }
    out
}

fn clock(millis: u64, separator: char) -> String {
    let (h, rest) = (millis / 3_600_000, millis % 3_600_000);
    let (m, rest) = (rest / 60_000, rest % 60_000);
    let (s, ms) = (rest / 1000, rest % 1000);
    format!("{h:02}:{m:02}:{s:02}{separator}{ms:03}")
}

/// Cue style: Zoom (`Name: text`), Teams (`<v Name>text</v>`) or Teams without `</v>`.
#[derive(Debug, Clone, Copy)]
enum Style {
    Zoom,
    Teams,
    TeamsOpen,
}

/// Renders each turn as one to three cues, splitting its words; later cues of a turn
/// are sometimes left unlabelled (they continue the speaker). Returns the file and
/// each merged turn's (start, end) in seconds.
fn render_cues(
    turns: &[Turn],
    splits: &[u8],
    style: Style,
    srt: bool,
) -> (String, Vec<(f64, f64)>) {
    let names = ["Dana Whitfield", "Sam Ortiz"];
    let mut out = String::new();
    if !srt {
        out.push_str("WEBVTT\n\nNOTE generated\n\n");
    }
    let separator = if srt { ',' } else { '.' };
    let mut at = 500u64;
    let mut cue = 0usize;
    let mut spans: Vec<(f64, f64, bool)> = Vec::new();
    for (i, turn) in turns.iter().enumerate() {
        let name = names[usize::from(!turn.counselor)];
        let pieces = usize::from(splits.get(i).copied().unwrap_or(0) % 3) + 1;
        let size = turn.words.len().div_ceil(pieces);
        let turn_start = at;
        for (p, chunk) in turn.words.chunks(size).enumerate() {
            cue += 1;
            let text = chunk.join(" ");
            let end = at + 1000 + 10 * chunk.len() as u64;
            out.push_str(&format!(
                "{cue}\n{} --> {}\n",
                clock(at, separator),
                clock(end, separator)
            ));
            let labelled = p == 0 || splits.get(i).is_some_and(|s| s & 4 != 0);
            let payload = match (labelled, style) {
                (false, _) => text,
                (true, Style::Zoom) => format!("{name}: {text}"),
                (true, Style::Teams) => format!("<v {name}>{text}</v>"),
                (true, Style::TeamsOpen) => format!("<v {name}>{text}"),
            };
            out.push_str(&payload);
            out.push_str("\n\n");
            at = end + 250;
        }
        let turn_end = at - 250;
        match spans.last_mut() {
            Some((_, end, counselor)) if *counselor == turn.counselor => {
                *end = turn_end as f64 / 1000.0
            }
            _ => spans.push((
                turn_start as f64 / 1000.0,
                turn_end as f64 / 1000.0,
                turn.counselor,
            )),
        }
    }
    (out, spans.into_iter().map(|(s, e, _)| (s, e)).collect())
}

fn side(counselor: bool) -> Speaker {
    if counselor {
        Speaker::Counselor
    } else {
        Speaker::Client
    }
}

fn check_cues(turns: &[Turn], splits: &[u8], style: Style, srt: bool) -> Result<(), TestCaseError> {
    let (file, spans) = render_cues(turns, splits, style, srt);
    let format = if srt {
        InputFormat::Srt
    } else {
        InputFormat::Vtt
    };
    let options = ReadOptions {
        counselor_names: vec!["Dana Whitfield".into()],
    };
    let outcome = read_transcripts("gen", file.as_bytes(), format, &options)
        .map_err(|e| TestCaseError::fail(format!("{e}\n{file}")))?;
    prop_assert_eq!(outcome.transcripts.len(), 1);
    let got = &outcome.transcripts[0].utterances;
    let want = merged(turns);
    prop_assert_eq!(got.len(), want.len());
    for ((utterance, (counselor, text)), (start, end)) in got.iter().zip(&want).zip(&spans) {
        prop_assert_eq!(utterance.speaker, side(*counselor));
        prop_assert_eq!(&utterance.text, text);
        prop_assert_eq!(utterance.start, Some(*start));
        prop_assert_eq!(utterance.end, Some(*end));
    }
    Ok(())
}

/// A file with one cue per turn (Zoom style), cue `victim` damaged in one of five ways:
/// a start that is not a time, no arrow, ending before it starts, no timing line, an
/// end that is not a time. Returns the file and the line the damage is reported on.
fn damaged_cues(turns: &[Turn], srt: bool, victim: usize, damage: u8) -> (String, usize) {
    let names = ["Dana Whitfield", "Sam Ortiz"];
    let separator = if srt { ',' } else { '.' };
    let mut out = String::new();
    let mut line = 1;
    if !srt {
        out.push_str("WEBVTT\n\n");
        line += 2;
    }
    let mut reported = 0;
    for (i, turn) in turns.iter().enumerate() {
        let start = 500 + 2000 * i as u64;
        let (from, to) = (clock(start, separator), clock(start + 1500, separator));
        let timing = if i != victim {
            Some(format!("{from} --> {to}"))
        } else {
            match damage % 5 {
                0 => Some(format!("{}xx --> {to}", &from[..from.len() - 2])),
                1 => Some(format!("{from} -> {to}")),
                2 => Some(format!("{to} --> {from}")),
                3 => None,
                _ => Some(format!("{from} --> 00:61:00{separator}000")),
            }
        };
        out.push_str(&format!("{}\n", i + 1));
        reported = if i == victim { line + 1 } else { reported };
        if i == victim && timing.is_none() {
            reported = line;
        }
        line += 1;
        if let Some(timing) = timing {
            out.push_str(&timing);
            out.push('\n');
            line += 1;
        }
        let name = names[usize::from(!turn.counselor)];
        out.push_str(&format!("{name}: {}\n\n", turn.words.join(" ")));
        line += 2;
    }
    (out, reported)
}

fn check_damaged(
    turns: &[Turn],
    srt: bool,
    victim: usize,
    damage: u8,
) -> Result<(), TestCaseError> {
    let victim = victim % turns.len();
    let (file, reported) = damaged_cues(turns, srt, victim, damage);
    let format = if srt {
        InputFormat::Srt
    } else {
        InputFormat::Vtt
    };
    let outcome = read_transcripts("hurt", file.as_bytes(), format, &ReadOptions::default())
        .map_err(|e| TestCaseError::fail(format!("{e}\n{file}")))?;
    let kept: Vec<Turn> = turns
        .iter()
        .enumerate()
        .filter(|(i, _)| *i != victim)
        .map(|(_, t)| t.clone())
        .collect();
    let want = merged(&kept);
    let got = &outcome.transcripts[0].utterances;
    prop_assert_eq!(got.len(), want.len(), "{}", file);
    for (utterance, (counselor, text)) in got.iter().zip(&want) {
        let name = if *counselor {
            "Dana Whitfield"
        } else {
            "Sam Ortiz"
        };
        prop_assert_eq!(utterance.name.as_deref(), Some(name));
        prop_assert_eq!(&utterance.text, text);
    }
    let prefix = format!("hurt:{reported}: skipped this cue");
    prop_assert!(
        outcome
            .notices
            .iter()
            .any(|n| n.to_string().starts_with(&prefix)),
        "{:?} lacks {}\n{}",
        outcome.notices,
        prefix,
        file
    );
    Ok(())
}

proptest! {
    // Integration tests have no lib.rs beside them for proptest's regression files.
    #![proptest_config(ProptestConfig { failure_persistence: None, ..ProptestConfig::default() })]

    #[test]
    fn any_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..600)) {
        for format in InputFormat::ALL {
            let _ = read_transcripts("any", &bytes, format, &ReadOptions::default());
        }
    }

    /// Text made of the formats' own pieces reaches deeper than random bytes.
    #[test]
    fn format_shaped_text_never_panics(
        pieces in prop::collection::vec(
            prop::sample::select(vec![
                "WEBVTT", "\n", "\r\n", "\n\n", "-->", " --> ", "00:00:01.000", "01:02,5",
                "99:59.999", "1", "NOTE", "<v Dana>", "</v>", "<v>", "<", ">", "&amp;",
                "Counselor: ", "Client:", "Dana: ", "T: ", "[00:01:02] ", "\"", ",", "\"\"",
                "interlocutor,utterance_text,utterance_id,timestamp,transcript_id",
                "therapist", "client", "nurse", "{\"sessions\":[", "{\"utterances\":[",
                "{\"speaker\":\"client\",\"text\":\"x\"}", "]}", "]", "}", "é", "\u{feff}",
                "word", " ", "12345678901234567890",
            ]),
            0..60,
        ),
        counselor in any::<bool>(),
    ) {
        let text: String = pieces.concat();
        let options = ReadOptions {
            counselor_names: if counselor { vec!["Dana".into()] } else { vec![] },
        };
        for format in InputFormat::ALL {
            match read_transcripts("shaped", text.as_bytes(), format, &options) {
                Ok(outcome) => prop_assert!(outcome.transcripts.iter().all(|t| !t.utterances.is_empty())),
                Err(err) => prop_assert!(!err.to_string().contains('\n')),
            }
        }
    }

    #[test]
    fn zoom_vtt_round_trips(turns in turns(), splits in prop::collection::vec(any::<u8>(), 12)) {
        check_cues(&turns, &splits, Style::Zoom, false)?;
    }

    #[test]
    fn teams_vtt_round_trips(turns in turns(), splits in prop::collection::vec(any::<u8>(), 12), open in any::<bool>()) {
        check_cues(&turns, &splits, if open { Style::TeamsOpen } else { Style::Teams }, false)?;
    }

    /// One damaged cue is skipped with a notice naming its line; every other cue is read.
    #[test]
    fn vtt_with_one_damaged_cue_keeps_the_others(
        turns in turns().prop_filter("two cues or more", |t| t.len() >= 2),
        victim in any::<usize>(),
        damage in any::<u8>(),
    ) {
        check_damaged(&turns, false, victim, damage)?;
    }

    #[test]
    fn srt_with_one_damaged_cue_keeps_the_others(
        turns in turns().prop_filter("two cues or more", |t| t.len() >= 2),
        victim in any::<usize>(),
        damage in any::<u8>(),
    ) {
        check_damaged(&turns, true, victim, damage)?;
    }

    #[test]
    fn srt_round_trips(turns in turns(), splits in prop::collection::vec(any::<u8>(), 12)) {
        check_cues(&turns, &splits, Style::Zoom, true)?;
    }

    /// Text turns are not merged; each labelled line is one turn, and lines after it
    /// continue it.
    #[test]
    fn text_round_trips(turns in turns(), wraps in prop::collection::vec(any::<u8>(), 12), stamps in any::<bool>()) {
        let mut file = String::new();
        for (i, turn) in turns.iter().enumerate() {
            let label = if turn.counselor { "Counselor" } else { "Client" };
            if stamps {
                file.push_str(&format!("[{}] ", clock(i as u64 * 61_000, '.')));
            }
            file.push_str(label);
            file.push(':');
            for (w, word) in turn.words.iter().enumerate() {
                let wrap = w > 0 && wraps.get(i).is_some_and(|s| usize::from(*s % 4) == w % 4);
                file.push(if wrap { '\n' } else { ' ' });
                file.push_str(word);
            }
            file.push_str(if i % 3 == 2 { "\n\n" } else { "\n" });
        }
        let outcome = read_transcripts("gen.txt", file.as_bytes(), InputFormat::Text, &ReadOptions::default())
            .map_err(|e| TestCaseError::fail(format!("{e}\n{file}")))?;
        prop_assert!(outcome.notices.is_empty());
        let got = &outcome.transcripts[0].utterances;
        prop_assert_eq!(got.len(), turns.len());
        for (i, (utterance, turn)) in got.iter().zip(&turns).enumerate() {
            prop_assert_eq!(utterance.speaker, side(turn.counselor));
            prop_assert_eq!(&utterance.text, &turn.words.join(" "));
            let start = stamps.then_some(i as f64 * 61.0);
            prop_assert_eq!(utterance.start, start);
        }
    }
}
