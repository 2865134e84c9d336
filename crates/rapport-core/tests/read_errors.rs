//! One test per kind of bad input: the error is one line that names the file, the line
//! (or cue) where that applies, what is wrong and what was expected, and it never
//! repeats what was said.

use rapport_core::formats::ReadErrorKind;
use rapport_core::{InputFormat, ReadError, ReadOptions, read_transcripts};

fn error(source: &str, bytes: &[u8], format: InputFormat) -> ReadError {
    error_with(source, bytes, format, &[])
}

fn error_with(source: &str, bytes: &[u8], format: InputFormat, counselors: &[&str]) -> ReadError {
    let options = ReadOptions {
        counselor_names: counselors.iter().map(|c| c.to_string()).collect(),
    };
    match read_transcripts(source, bytes, format, &options) {
        Ok(outcome) => panic!("{source} read: {:?}", outcome.transcripts),
        Err(err) => {
            let message = err.to_string();
            assert!(!message.contains('\n'), "not one line: {message}");
            let shown = if source == "-" { "<stdin>" } else { source };
            assert!(message.starts_with(shown), "no file name: {message}");
            err
        }
    }
}

fn message(source: &str, text: &str, format: InputFormat) -> String {
    error(source, text.as_bytes(), format).to_string()
}

/// A file with one damaged part: it reads, the part is skipped with a notice (one
/// line, naming the file), and the utterance texts that remain are returned.
fn skipped(source: &str, text: &str, format: InputFormat) -> (Vec<String>, Vec<String>) {
    let outcome = read_transcripts(source, text.as_bytes(), format, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{source}: {e}"));
    let notices: Vec<String> = outcome
        .notices
        .iter()
        .map(ToString::to_string)
        .filter(|n| !n.contains("as the counsellor"))
        .collect();
    for notice in &notices {
        assert!(
            !notice.contains('\n') && notice.starts_with(source),
            "{notice}"
        );
    }
    let texts = outcome.transcripts[0]
        .utterances
        .iter()
        .map(|u| u.text.clone())
        .collect();
    (notices, texts)
}

#[test]
fn empty_files_in_every_format() {
    for (name, format) in [
        ("a.vtt", InputFormat::Vtt),
        ("a.srt", InputFormat::Srt),
        ("a.txt", InputFormat::Text),
        ("a.csv", InputFormat::Csv),
        ("a.json", InputFormat::Json),
    ] {
        for text in ["", " \n\t\r\n", "\u{feff}"] {
            let err = error(name, text.as_bytes(), format);
            assert!(matches!(err.kind, ReadErrorKind::Empty { .. }), "{err}");
            assert!(
                err.to_string()
                    .starts_with(&format!("{name}: is empty; expected "))
            );
        }
    }
    assert_eq!(
        message("a.vtt", "", InputFormat::Vtt),
        "a.vtt: is empty; expected a WebVTT transcript starting with \"WEBVTT\""
    );
}

#[test]
fn stdin_is_named_in_messages() {
    assert!(message("-", "", InputFormat::Text).starts_with("<stdin>: is empty"));
}

#[test]
fn vtt_header_without_cues() {
    assert_eq!(
        message(
            "h.vtt",
            "WEBVTT\nKind: captions\n\nNOTE nothing yet\n",
            InputFormat::Vtt
        ),
        "h.vtt: has no cues; expected blocks with a timing line such as \
         \"00:00:01.000 --> 00:00:04.000\""
    );
}

#[test]
fn csv_header_without_rows() {
    assert_eq!(
        message("h.csv", "interlocutor,utterance_text\n", InputFormat::Csv),
        "h.csv: has a header but no rows; expected one utterance per row"
    );
}

#[test]
fn bytes_that_are_not_utf8_name_line_and_offset() {
    let bytes = b"WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nDana: caf\xe9\n";
    let err = error("latin1.vtt", bytes, InputFormat::Vtt);
    assert_eq!(err.line, Some(5));
    assert_eq!(
        err.to_string(),
        "latin1.vtt:5: is not UTF-8 text (invalid byte at offset 49); save it as UTF-8 and try again"
    );
    for format in InputFormat::ALL {
        let err = error("x", b"\xff\xff", format);
        assert!(matches!(err.kind, ReadErrorKind::NotUtf8 { offset: 0 }));
    }
}

#[test]
fn missing_webvtt_header() {
    assert_eq!(
        message(
            "s.vtt",
            "1\n00:00:01.000 --> 00:00:02.000\nDana: Hi.\n",
            InputFormat::Vtt
        ),
        "s.vtt:1: the first line should be \"WEBVTT\" but is \"1\"; is this a WebVTT file? \
         (use --input-format to name the format)"
    );
}

#[test]
fn broken_vtt_timing_names_line_and_token() {
    let mut vtt = String::from("WEBVTT\n\n");
    for (i, start) in ["00:00:01.000", "00:00:03.000"].iter().enumerate() {
        vtt.push_str(&format!(
            "{}\n{start} --> 00:00:0{}.000\nDana: Hello.\n\n",
            i + 1,
            3 + 2 * i
        ));
    }
    vtt.push_str("3\n00:00:xx.000 --> 00:00:09.000\nDana: And then?\n");
    // Lines: header, blank, then 4 lines per cue: the third timing is line 12. The
    // cue is skipped; the two before it stay.
    let (notices, texts) = skipped("session.vtt", &vtt, InputFormat::Vtt);
    assert_eq!(
        notices,
        [
            "session.vtt:12: skipped this cue: cue timing \"00:00:xx.000\" is not a time, \
          expected hh:mm:ss.mmm"
        ]
    );
    assert_eq!(texts, ["Hello. Hello."]);
    // A file whose only cue is damaged cannot be read at all.
    let end = "WEBVTT\n\n00:00:01.000 --> 00:01:61.000\nDana: Hi.\n";
    assert_eq!(
        message("session.vtt", end, InputFormat::Vtt),
        "session.vtt:3: cue timing \"00:01:61.000\" is not a time, expected hh:mm:ss.mmm"
    );
}

#[test]
fn broken_srt_timing() {
    let srt =
        "1\n00:00:01,000 --> 00:00:02,000\nT: Hi.\n\n2\n00:00:02,000 --> 00:0:03,000\nC: Hi.\n";
    let (notices, texts) = skipped("s.srt", srt, InputFormat::Srt);
    assert_eq!(
        notices,
        [
            "s.srt:6: skipped this cue: cue timing \"00:0:03,000\" is not a time, expected \
          hh:mm:ss,mmm"
        ]
    );
    assert_eq!(texts, ["Hi."]);
}

#[test]
fn broken_arrow() {
    let vtt = "WEBVTT\n\n1\n00:00:01.000 -> 00:00:02.000\nDana: Hi.\n";
    assert_eq!(
        message("a.vtt", vtt, InputFormat::Vtt),
        "a.vtt:4: cue timing line \"00:00:01.000 -> 00:00:02.000\" has no \"-->\" arrow, \
         expected \"00:00:01.000 --> 00:00:04.000\""
    );
    let srt = "1\n00:00:01,000 --> 00:00:02,000\nT: Hi.\n\n2\n00:00:02,000 00:00:03,000\nC: Hi.\n";
    let (notices, _) = skipped("a.srt", srt, InputFormat::Srt);
    assert_eq!(notices.len(), 1);
    assert!(notices[0].starts_with("a.srt:6: skipped this cue: cue timing line"));
    assert!(notices[0].contains("has no \"-->\" arrow"));
}

#[test]
fn cue_without_timing_line() {
    let srt =
        "1\n00:00:01,000 --> 00:00:02,000\nT: Hi.\n\n2\nC: I have been feeling low for weeks now\n";
    let (notices, texts) = skipped("t.srt", srt, InputFormat::Srt);
    assert_eq!(
        notices,
        [
            "t.srt:5: skipped this cue: cue 2 has no timing line, expected one such as \
          \"00:00:01,000 --> 00:00:04,000\""
        ]
    );
    assert_eq!(texts, ["Hi."]);
}

#[test]
fn end_before_start() {
    let vtt = "WEBVTT\n\n00:00:05.000 --> 00:00:04.000\nDana: Hi.\n";
    assert_eq!(
        message("e.vtt", vtt, InputFormat::Vtt),
        "e.vtt:3: cue 1 ends (\"00:00:04.000\") before it starts (\"00:00:05.000\"); check its timing"
    );
    let json =
        r#"{"sessions":[{"utterances":[{"speaker":"client","text":"Hi","start":3,"end":2}]}]}"#;
    let text = message("e.json", json, InputFormat::Json);
    assert!(
        text.starts_with("e.json: sessions[0].utterances[0]: ends"),
        "{text}"
    );
}

#[test]
fn first_cue_without_speaker() {
    let vtt = "WEBVTT\n\n1\n00:00:01.000 --> 00:00:02.000\nHello there.\n\n\
               2\n00:00:02.000 --> 00:00:03.000\nDana: Hi.\n";
    // Zoom writes such cues when it cannot tell who spoke: skipped, with a notice.
    let (notices, texts) = skipped("n.vtt", vtt, InputFormat::Vtt);
    assert_eq!(
        notices,
        [
            "n.vtt:4: skipped cue 1: its text names no speaker and no earlier cue does; \
          start it with \"Name: \" to keep it"
        ]
    );
    assert!(!notices[0].contains("Hello there"));
    assert_eq!(texts, ["Hi."]);
}

#[test]
fn cues_without_any_speaker_label() {
    let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nHello there.\n";
    assert_eq!(
        message("n.vtt", vtt, InputFormat::Vtt),
        "n.vtt: has no speaker labels; expected cue text such as \"Name: text\" or \
         \"<v Name>text</v>\""
    );
}

#[test]
fn text_without_speaker_labels() {
    let text = "so i said to her: no way\nand that was that.\n";
    assert_eq!(
        message("plain.txt", text, InputFormat::Text),
        "plain.txt:1: has no speaker labels; expected lines such as \"Counselor: ...\" and \
         \"Client: ...\" (or names)"
    );
}

#[test]
fn text_line_before_the_first_label() {
    let text = "\nSession three, notes typed up later\nCounselor: Welcome back.\n";
    let message = message("early.txt", text, InputFormat::Text);
    assert_eq!(
        message,
        "early.txt:2: this line has no speaker label and no earlier speaker to continue; \
         start it with \"Name: \" or a role such as \"Counselor: \""
    );
}

#[test]
fn counselor_option_matching_nobody() {
    let text = "Dana: How are you?\nSam: Fine.\n";
    let err = error_with("who.txt", text.as_bytes(), InputFormat::Text, &["Robin"]);
    assert_eq!(
        err.to_string(),
        "who.txt: no speaker matches --counselor \"Robin\"; the speakers are \"Dana\", \"Sam\" \
         (names are matched ignoring case)"
    );
}

#[test]
fn unterminated_csv_quote_names_the_line_it_opened() {
    let csv = "interlocutor,utterance_text\ntherapist,Hello.\nclient,\"It started when\nI moved\ntherapist,Go on.\n";
    assert_eq!(
        message("q.csv", csv, InputFormat::Csv),
        "q.csv:3: a quoted CSV field starts here and is never closed; add the missing '\"'"
    );
}

#[test]
fn missing_csv_columns_name_which_and_list_found() {
    let csv = "who,said,when\nT,Hi,0\n";
    assert_eq!(
        message("c.csv", csv, InputFormat::Csv),
        "c.csv:1: CSV header has no speaker (\"interlocutor\", \"speaker\" or \"role\") or text \
         (\"utterance_text\" or \"text\") column; found columns \"who\", \"said\", \"when\""
    );
    let csv = "speaker,said\nT,Hi\n";
    let text = message("c.csv", csv, InputFormat::Csv);
    assert!(
        text.contains("has no text (\"utterance_text\" or \"text\") column"),
        "{text}"
    );
    assert!(!text.contains("no speaker"), "{text}");
}

#[test]
fn unknown_csv_role_names_line_and_value() {
    let csv = "interlocutor,utterance_text\ntherapist,Hello.\nnurse,Hi there.\n";
    assert_eq!(
        message("r.csv", csv, InputFormat::Csv),
        "r.csv:3: speaker \"nurse\" is not a role; expected therapist, counselor, counsellor, \
         client or patient"
    );
}

#[test]
fn csv_utterance_id_not_a_number() {
    let csv = "interlocutor,utterance_id,utterance_text\ntherapist,0,Hello.\nclient,one,Hi.\n";
    assert_eq!(
        message("u.csv", csv, InputFormat::Csv),
        "u.csv:3: utterance_id \"one\" is not a whole number"
    );
}

#[test]
fn csv_row_with_wrong_field_count() {
    let csv = "interlocutor,utterance_text\ntherapist,Hello.\nclient,Hi,extra\n";
    assert_eq!(
        message("f.csv", csv, InputFormat::Csv),
        "f.csv:3: malformed CSV row: it has 3 fields but the header has 2"
    );
}

#[test]
fn json_of_another_shape() {
    for json in [
        r#"[1, 2]"#,
        r#"{"utterances": []}"#,
        r#"{"sessions": 3}"#,
        "\"text\"",
    ] {
        assert_eq!(
            message("o.json", json, InputFormat::Json),
            "o.json: top level: not a Rapport report; expected Rapport's report, \
             {\"sessions\": [{\"id\": ..., \"utterances\": [{\"speaker\": \"counselor\", \
             \"text\": ...}]}]}, as written by rapport analyze --format json"
        );
    }
}

#[test]
fn json_utterance_problems_name_the_path() {
    let cases = [
        (r#"{"speaker":"client"}"#, "has no \"text\""),
        (
            r#"{"text":"Hi"}"#,
            "has no \"speaker\"; expected \"counselor\" or \"client\"",
        ),
        (
            r#"{"speaker":"nurse","text":"Hi"}"#,
            "\"speaker\" is not \"counselor\" or \"client\"",
        ),
        (
            r#"{"speaker":"client","text":7}"#,
            "\"text\" is not a string",
        ),
    ];
    for (utterance, problem) in cases {
        let json = format!(
            r#"{{"sessions":[{{"utterances":[{{"speaker":"counselor","text":"Ok"}},{utterance}]}}]}}"#
        );
        assert_eq!(
            message("p.json", &json, InputFormat::Json),
            format!("p.json: sessions[0].utterances[1]: {problem}")
        );
    }
}

#[test]
fn json_syntax_error_names_the_line() {
    let json = "{\n  \"sessions\": [\n    {\"utterances\": [}\n  ]\n}\n";
    let err = error("s.json", json.as_bytes(), InputFormat::Json);
    assert_eq!(err.line, Some(3));
    assert!(
        err.to_string().starts_with("s.json:3: is not valid JSON: "),
        "{err}"
    );
}

#[test]
fn errors_never_quote_what_was_said() {
    let said = "I have not told anyone how bad the drinking has got";
    let cases = [
        (format!("{said}\n"), InputFormat::Vtt),
        (
            format!("WEBVTT\n\n00:00:01.000 --> {said}\n"),
            InputFormat::Vtt,
        ),
        (format!("1\n{said} 00:00:01,000\n"), InputFormat::Srt),
        (format!("{said}\nmore\n"), InputFormat::Text),
        (
            format!("interlocutor,utterance_text\n{said},x\n"),
            InputFormat::Csv,
        ),
        (format!("{said}\n"), InputFormat::Csv),
        (
            format!(
                "{{\"sessions\":[{{\"utterances\":[{{\"speaker\":\"{said}\",\"text\":\"x\"}}]}}]}}"
            ),
            InputFormat::Json,
        ),
    ];
    for (input, format) in cases {
        let text = error("x", input.as_bytes(), format).to_string();
        assert!(!text.contains("drinking"), "{format:?}: {text}");
    }
    let text = message("x.vtt", &format!("{said}\n"), InputFormat::Vtt);
    assert!(text.contains("(a 51-character text, not shown)"), "{text}");
}
