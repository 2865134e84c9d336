//! The readers on hand-written files in the layouts that tools export
//! (`testdata/transcripts/layouts/`): Zoom names the old rule refused, damaged cues
//! skipped with notices, subtitle-editor codes, Otter, Rev, Descript, Teams and Google
//! Meet text, one-off labels, UTF-16 and control characters.

use std::path::PathBuf;

use rapport_core::{InputFormat, ReadOptions, ReadOutcome, Speaker, Transcript, read_transcripts};

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "testdata",
        "transcripts",
        "layouts",
        name,
    ]
    .iter()
    .collect();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (name.to_string(), bytes)
}

fn read(name: &str, bytes: &[u8], format: InputFormat) -> ReadOutcome {
    read_transcripts(name, bytes, format, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

fn read_fixture(name: &str, format: InputFormat) -> ReadOutcome {
    let (source, bytes) = fixture(name);
    read(&source, &bytes, format)
}

fn only(outcome: &ReadOutcome) -> &Transcript {
    assert_eq!(outcome.transcripts.len(), 1);
    &outcome.transcripts[0]
}

/// (name, text, start) per utterance.
fn turns(outcome: &ReadOutcome) -> Vec<(String, String, Option<f64>)> {
    only(outcome)
        .utterances
        .iter()
        .map(|u| (u.name.clone().unwrap_or_default(), u.text.clone(), u.start))
        .collect()
}

fn notices(outcome: &ReadOutcome) -> Vec<String> {
    outcome.notices.iter().map(ToString::to_string).collect()
}

fn t(name: &str, text: &str, start: f64) -> (String, String, Option<f64>) {
    (name.to_string(), text.to_string(), Some(start))
}

#[test]
fn zoom_speakers_are_whatever_precedes_the_colon_and_bad_cues_are_skipped() {
    let outcome = read_fixture("zoom_names.vtt", InputFormat::Vtt);
    let dana = "Dr. Dana Whitfield, LCSW";
    assert_eq!(
        turns(&outcome),
        [
            t(dana, "How are you today?", 1.0),
            t("marcus lee", "Not bad, thanks.", 3.0),
            t("Whitfield, Dana", "Good to hear.", 4.0),
            t("Maria del Carmen Lopez Garcia", "I came along too.", 5.0),
            t("Room 2 - iPad", "Can you hear us?", 6.0),
            t("dana.whitfield@clinic.org", "Yes, clearly.", 7.0),
            t("Dana Whitfield | Clinic", "Let us start.", 8.0),
            t(
                "marcus lee",
                "The cue id starts with NOTE. And this one with STYLE.",
                9.0
            ),
            t(dana, "A blank line splits this cue.", 11.0),
            t(
                "marcus lee",
                "Settings with no space. From A --> B, then on.",
                14.0
            ),
            t(dana, "An hour in.", 3723.0),
        ]
    );
    assert_eq!(only(&outcome).utterances[10].end, Some(3724.5));
    let sides: Vec<Speaker> = only(&outcome)
        .utterances
        .iter()
        .map(|u| u.speaker)
        .collect();
    assert_eq!(sides[0], Speaker::Counselor);
    assert_eq!(sides[1], Speaker::Client);
    assert_eq!(
        notices(&outcome),
        [
            "zoom_names.vtt:7: skipped a block with no cue timing line (expected one such as \
             \"00:00:01.000 --> 00:00:04.000\")",
            "zoom_names.vtt:56: a blank line splits cue 11; read the lines after it as part \
             of that cue (remove the blank line to silence this)",
            "zoom_names.vtt:59: skipped this cue: cue timing \"00:00:xx.000\" is not a time, \
             expected hh:mm:ss.mmm",
            "zoom_names.vtt:63: skipped this cue: cue 13 ends (\"00:00:13.500\") before it \
             starts (\"00:00:14.000\"); check its timing",
            "zoom_names.vtt:71: skipped this cue: cue 15 has no timing line, expected one \
             such as \"00:00:01.000 --> 00:00:04.000\"",
            "zoom_names.vtt:13: skipped cue 1: its text names no speaker and no earlier cue \
             does; start it with \"Name: \" to keep it",
            "zoom_names.vtt: took \"Dr. Dana Whitfield, LCSW\" (the first speaker) as the \
             counsellor; use --counselor NAME to choose",
        ]
    );
}

#[test]
fn cr_only_line_ends_read_like_line_feeds() {
    let (source, bytes) = fixture("zoom_names.vtt");
    let text = String::from_utf8(bytes).unwrap();
    let plain = read(&source, text.as_bytes(), InputFormat::Vtt);
    let mac = text.replace('\n', "\r");
    let old_mac = read(&source, mac.as_bytes(), InputFormat::Vtt);
    assert_eq!(plain.transcripts, old_mac.transcripts);
    assert_eq!(plain.notices, old_mac.notices);
}

#[test]
fn srt_editor_codes_and_tag_wrapped_labels() {
    let outcome = read_fixture("editor_codes.srt", InputFormat::Srt);
    assert_eq!(
        turns(&outcome),
        [
            t("Dana Whitfield", "Welcome back.", 1.0),
            t("Sam Ortiz", "It was a long week. A really long one.", 2.0),
            t("Dana Whitfield", "Tell me more.", 4.0),
            t("Sam Ortiz", "Work mostly.", 3605.0),
        ]
    );
}

#[test]
fn otter_text_export() {
    let outcome = read_fixture("otter.txt", InputFormat::Text);
    assert_eq!(
        turns(&outcome),
        [
            t(
                "Dana Whitfield",
                "Hi Sam, thanks for coming in. What would you like to talk about?",
                3.0
            ),
            t(
                "Sam Ortiz",
                "Mostly the drinking. My sister keeps bringing it up. She said: you need to stop.",
                10.0
            ),
            t("Dana Whitfield", "Your sister is worried about you.", 21.0),
            t("Speaker 1", "Sorry, that was the door.", 3598.0),
            t("Sam Ortiz", "It has been a long session.", 3723.0),
            t("Dana Whitfield", "Let us stop there.", 3730.0),
        ]
    );
}

#[test]
fn rev_and_descript_exports() {
    let rev = read_fixture("rev.txt", InputFormat::Text);
    assert_eq!(
        turns(&rev),
        [
            t("Dana Whitfield", "Hi Sam, thanks for coming in.", 3.0),
            t(
                "Sam Ortiz",
                "Mostly the drinking. Homework: walk after every late shift, she told me.",
                10.0
            ),
            t("Dana Whitfield", "We are an hour in.", 3723.0),
        ]
    );
    let descript = read_fixture("descript.txt", InputFormat::Text);
    assert_eq!(
        turns(&descript),
        [
            t("Dana Whitfield", "Hi Sam, thanks for coming in.", 3.0),
            t("Sam Ortiz", "Mostly the drinking.", 10.0),
            t("Dana Whitfield", "Your sister is worried about you.", 21.0),
            t("Sam Ortiz", "She is. We talked about it: a lot.", 3723.0),
        ]
    );
}

#[test]
fn teams_transcript_saved_as_text() {
    let outcome = read_fixture("teams_docx.txt", InputFormat::Text);
    assert_eq!(
        turns(&outcome),
        [
            t("Dana Whitfield", "Hi Sam, how has the week been?", 3.0),
            t(
                "Sam Ortiz",
                "Better on weeknights. First: I stopped the late coffee.",
                10.0
            ),
            t("Dana Whitfield", "That sounds like progress.", 62.0),
            t("Sam Ortiz", "It is, mostly.", 3723.0),
        ]
    );
}

#[test]
fn google_meet_transcript_saved_as_text() {
    let outcome = read_fixture("meet.txt", InputFormat::Text);
    let got: Vec<(String, String)> = turns(&outcome)
        .into_iter()
        .map(|(name, text, _)| (name, text))
        .collect();
    let want = [
        ("Dana Whitfield", "Hi Sam, how are things?"),
        ("Sam Ortiz", "Better, mostly."),
        ("Dana Whitfield", "What changed?"),
        ("Sam Ortiz", "I walk after work now."),
        ("Dana Whitfield", "Let us stop there."),
    ]
    .map(|(n, x)| (n.to_string(), x.to_string()));
    assert_eq!(got, want);
}

#[test]
fn one_off_labels_inside_a_turn_are_text_with_a_notice() {
    let outcome = read_fixture("typed_homework.txt", InputFormat::Text);
    let t = only(&outcome);
    let names: Vec<&str> = t
        .utterances
        .iter()
        .map(|u| u.name.as_deref().unwrap_or("-"))
        .collect();
    assert_eq!(
        names,
        ["Counselor", "Client", "Counselor", "Client", "Counselor"]
    );
    assert_eq!(
        t.utterances[2].text,
        "Let us write it down. Homework: walk after every late shift. \
         First: pack the shoes the night before."
    );
    let notices = notices(&outcome);
    assert_eq!(notices.len(), 2);
    assert!(notices[0].starts_with("typed_homework.txt:4: \"Homework\" looks like a speaker"));
    assert!(notices[1].starts_with("typed_homework.txt:5: \"First\""));
}

fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
    let mut bytes: Vec<u8> = if big_endian {
        vec![0xFE, 0xFF]
    } else {
        vec![0xFF, 0xFE]
    };
    for unit in text.encode_utf16() {
        bytes.extend(if big_endian {
            unit.to_be_bytes()
        } else {
            unit.to_le_bytes()
        });
    }
    bytes
}

#[test]
fn utf16_files_read_like_utf8_in_every_format() {
    for (name, format) in [
        ("otter.txt", InputFormat::Text),
        ("zoom_names.vtt", InputFormat::Vtt),
        ("editor_codes.srt", InputFormat::Srt),
    ] {
        let (source, bytes) = fixture(name);
        let text = String::from_utf8(bytes).unwrap();
        let plain = read(&source, text.as_bytes(), format);
        for big_endian in [false, true] {
            let wide = read(&source, &utf16(&text, big_endian), format);
            assert_eq!(plain.transcripts, wide.transcripts, "{name}");
        }
    }
}

#[test]
fn control_characters_are_dropped() {
    let text = "Counselor: How\u{0} are\u{7} you?\u{1b}\nClient: Fine\u{85}.\n";
    let outcome = read("ctl.txt", text.as_bytes(), InputFormat::Text);
    let texts: Vec<&str> = only(&outcome)
        .utterances
        .iter()
        .map(|u| u.text.as_str())
        .collect();
    assert_eq!(texts, ["How are you?", "Fine."]);
}
