//! The readers on the hand-written fixtures in `testdata/transcripts/`: speakers, names,
//! merged text, timings, order, session ids and notices.

use std::path::PathBuf;

use rapport_core::{
    InputFormat, ReadOptions, ReadOutcome, Speaker, Transcript, Utterance, read_transcripts,
};

fn fixture(name: &str) -> (String, Vec<u8>) {
    let path: PathBuf = [
        env!("CARGO_MANIFEST_DIR"),
        "..",
        "..",
        "testdata",
        "transcripts",
        name,
    ]
    .iter()
    .collect();
    let bytes = std::fs::read(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    (format!("testdata/transcripts/{name}"), bytes)
}

fn read_fixture(name: &str, format: InputFormat, counselors: &[&str]) -> ReadOutcome {
    let (source, bytes) = fixture(name);
    let options = ReadOptions {
        counselor_names: counselors.iter().map(|c| c.to_string()).collect(),
    };
    read_transcripts(&source, &bytes, format, &options).unwrap_or_else(|e| panic!("{e}"))
}

fn only(outcome: &ReadOutcome) -> &Transcript {
    assert_eq!(outcome.transcripts.len(), 1, "{:?}", outcome.transcripts);
    &outcome.transcripts[0]
}

fn sides(t: &Transcript) -> Vec<Speaker> {
    t.utterances.iter().map(|u| u.speaker).collect()
}

fn names(t: &Transcript) -> Vec<&str> {
    t.utterances
        .iter()
        .map(|u| u.name.as_deref().unwrap_or("-"))
        .collect()
}

fn timing(u: &Utterance) -> (Option<f64>, Option<f64>) {
    (u.start, u.end)
}

use Speaker::{Client as Cl, Counselor as Co};

#[test]
fn zoom_vtt_merges_cues_and_guesses_the_counsellor_with_a_notice() {
    let outcome = read_fixture("zoom.vtt", InputFormat::Vtt, &[]);
    let t = only(&outcome);
    assert_eq!(t.id, "zoom");
    assert_eq!(t.source, "testdata/transcripts/zoom.vtt");
    assert_eq!(sides(t), [Co, Cl, Co, Cl]);
    assert_eq!(
        names(t),
        ["Dana Whitfield", "Sam Ortiz", "Dana Whitfield", "Sam Ortiz"]
    );
    assert_eq!(
        t.utterances[0].text,
        "Hi Sam, thanks for coming in today. What would you like to talk about?"
    );
    assert_eq!(timing(&t.utterances[0]), (Some(1.2), Some(7.9)));
    // Multi-line payload joined with a space.
    assert_eq!(
        t.utterances[1].text,
        "Mostly the drinking, I guess. My sister keeps bringing it up."
    );
    // "I said: no way" is not a label; the unlabelled cue 6 continues Sam's turn.
    assert_eq!(
        t.utterances[3].text,
        "She is. I said: no way, it's only weekends. But maybe she has a point."
    );
    assert_eq!(timing(&t.utterances[3]), (Some(15.6), Some(22.0)));
    let notices: Vec<String> = outcome.notices.iter().map(ToString::to_string).collect();
    assert_eq!(
        notices,
        [
            "testdata/transcripts/zoom.vtt: took \"Dana Whitfield\" (the first speaker) as the \
             counsellor; use --counselor NAME to choose"
        ]
    );
}

#[test]
fn teams_vtt_merges_a_turn_split_across_cues() {
    let outcome = read_fixture("teams.vtt", InputFormat::Vtt, &["dana whitfield"]);
    let t = only(&outcome);
    assert!(outcome.notices.is_empty(), "{:?}", outcome.notices);
    assert_eq!(t.id, "teams");
    assert_eq!(sides(t), [Co, Cl, Co]);
    assert_eq!(names(t), ["Dana Whitfield", "Sam Ortiz", "Dana Whitfield"]);
    assert_eq!(
        t.utterances[0].text,
        "Last time you mentioned wanting to sleep better. How has that been going since we spoke?"
    );
    // Start of the first cue, end of the last; cue settings ignored.
    assert_eq!(timing(&t.utterances[0]), (Some(2.0), Some(9.5)));
    // A voice tag without its closing tag, and an entity.
    assert_eq!(
        t.utterances[1].text,
        "Better on weeknights. I stopped the late coffee & the phone in bed."
    );
    assert_eq!(timing(&t.utterances[2]), (Some(15.0), Some(18.4)));
}

#[test]
fn client_first_with_counselor_named() {
    let outcome = read_fixture("client_first.vtt", InputFormat::Vtt, &["  DANA Whitfield "]);
    let t = only(&outcome);
    assert!(outcome.notices.is_empty());
    assert_eq!(sides(t), [Cl, Co, Cl, Co]);
    assert_eq!(names(t)[0], "Sam Ortiz");
    assert_eq!(t.utterances[0].text, "Sorry I'm late, the bus never came.");
}

#[test]
fn client_first_without_counselor_takes_the_first_speaker_and_says_so() {
    let outcome = read_fixture("client_first.vtt", InputFormat::Vtt, &[]);
    assert_eq!(sides(only(&outcome)), [Co, Cl, Co, Cl]);
    assert_eq!(outcome.notices.len(), 1);
    let notice = outcome.notices[0].to_string();
    assert!(notice.contains("took \"Sam Ortiz\" (the first speaker)"));
    assert!(notice.contains("--counselor NAME"));
}

#[test]
fn srt_role_labels_need_no_option_and_merge() {
    let outcome = read_fixture("session.srt", InputFormat::Srt, &[]);
    let t = only(&outcome);
    assert!(outcome.notices.is_empty());
    assert_eq!(t.id, "session");
    assert_eq!(sides(t), [Co, Cl, Co, Cl]);
    assert_eq!(names(t), ["Counselor", "Client", "Counselor", "Client"]);
    assert_eq!(
        t.utterances[1].text,
        "My doctor said I should cut down on smoking. I'm not sure I'm ready."
    );
    assert_eq!(timing(&t.utterances[1]), (Some(4.0), Some(9.0)));
    assert_eq!(
        t.utterances[2].text,
        "Part of you is unsure, and part of you came in anyway."
    );
    assert_eq!(timing(&t.utterances[3]), (Some(13.0), Some(15.0)));
}

#[test]
fn text_labels_timestamps_and_continuations() {
    let outcome = read_fixture("session.txt", InputFormat::Text, &[]);
    let t = only(&outcome);
    assert!(outcome.notices.is_empty());
    assert_eq!(sides(t), [Co, Cl, Co, Cl, Co, Cl]);
    assert_eq!(
        names(t),
        ["Counselor", "Client", "Counselor", "Client", "T", "C"]
    );
    assert_eq!(timing(&t.utterances[0]), (Some(5.0), None));
    assert_eq!(timing(&t.utterances[3]), (Some(19.0), None));
    assert_eq!(timing(&t.utterances[4]), (None, None));
    assert_eq!(
        t.utterances[3].text,
        "Since the new job, yes. My manager said: no way you can leave before six. \
         So the gym just stopped."
    );
}

#[test]
fn csv_in_annomi_layout_groups_sessions_and_sorts_by_utterance_id() {
    let outcome = read_fixture("annomi_layout.csv", InputFormat::Csv, &[]);
    assert!(outcome.notices.is_empty());
    let ids: Vec<&str> = outcome.transcripts.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["7", "12"]);
    let first = &outcome.transcripts[0];
    assert_eq!(first.source, "testdata/transcripts/annomi_layout.csv");
    assert_eq!(sides(first), [Co, Cl, Co]);
    assert_eq!(names(first), ["therapist", "client", "therapist"]);
    assert_eq!(
        first.utterances[0].text,
        "What has been weighing on you this week?"
    );
    assert_eq!(first.utterances[1].text, "Work, mostly. And the kids.");
    assert_eq!(timing(&first.utterances[0]), (Some(3.0), None));
    assert_eq!(timing(&first.utterances[2]), (Some(14.0), None));
    let second = &outcome.transcripts[1];
    assert_eq!(sides(second), [Co, Cl]);
    assert_eq!(timing(&second.utterances[1]), (Some(64.0), None));
}

#[test]
fn json_report_reads_back_without_codes() {
    let outcome = read_fixture("report.json", InputFormat::Json, &[]);
    let t = only(&outcome);
    assert_eq!(t.id, "week3");
    assert_eq!(t.source, "testdata/transcripts/report.json");
    assert_eq!(sides(t), [Co, Cl, Co]);
    assert_eq!(names(t), ["Dana Whitfield", "-", "-"]);
    assert_eq!(timing(&t.utterances[0]), (Some(1.2), Some(4.5)));
    assert_eq!(timing(&t.utterances[1]), (Some(5.0), None));
    assert_eq!(t.utterances[2].text, "You already know what would help.");
}

#[test]
fn bom_and_crlf_read_like_plain_files() {
    for (name, format) in [
        ("zoom.vtt", InputFormat::Vtt),
        ("teams.vtt", InputFormat::Vtt),
        ("session.srt", InputFormat::Srt),
        ("session.txt", InputFormat::Text),
        ("annomi_layout.csv", InputFormat::Csv),
        ("report.json", InputFormat::Json),
    ] {
        let (source, bytes) = fixture(name);
        let text = String::from_utf8(bytes).unwrap();
        let crlf = format!("\u{feff}{}", text.replace('\n', "\r\n"));
        let options = ReadOptions::default();
        let plain = read_transcripts(&source, text.as_bytes(), format, &options).unwrap();
        let windows = read_transcripts(&source, crlf.as_bytes(), format, &options)
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(plain.transcripts, windows.transcripts, "{name}");
    }
}

#[test]
fn stdin_is_named_stdin() {
    let bytes = b"Counselor: How was the week?\nClient: Better.\n";
    let outcome = read_transcripts("-", bytes, InputFormat::Text, &ReadOptions::default()).unwrap();
    let t = only(&outcome);
    assert_eq!(t.id, "stdin");
    assert_eq!(t.source, "-");
}

#[test]
fn csv_with_speaker_text_and_session_columns_and_seconds() {
    let csv = "session_id,role,text,start\n\
               a,Counselor,How are you?,1.5\n\
               b,patient,Fine.,\n\
               a,CLIENT,Tired.,62\n";
    let outcome = read_transcripts(
        "many.csv",
        csv.as_bytes(),
        InputFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap();
    let ids: Vec<&str> = outcome.transcripts.iter().map(|t| t.id.as_str()).collect();
    assert_eq!(ids, ["a", "b"]);
    assert_eq!(sides(&outcome.transcripts[0]), [Co, Cl]);
    assert_eq!(outcome.transcripts[0].utterances[1].start, Some(62.0));
    assert_eq!(outcome.transcripts[1].utterances[0].start, None);
}

#[test]
fn csv_without_session_column_is_one_session_named_by_stem() {
    let csv = "speaker,utterance_text\ntherapist,Hello.\nclient,Hi.\n";
    let outcome = read_transcripts(
        "dir/visit.csv",
        csv.as_bytes(),
        InputFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap();
    assert_eq!(only(&outcome).id, "visit");
}

#[test]
fn names_plus_role_labels_need_no_guess() {
    let text = "Counselor: How is your mum doing?\nClient: Better.\nMaria Lopez: Much better, thank you.\n";
    let outcome = read_transcripts(
        "family.txt",
        text.as_bytes(),
        InputFormat::Text,
        &ReadOptions::default(),
    )
    .unwrap();
    assert!(outcome.notices.is_empty());
    assert_eq!(sides(only(&outcome)), [Co, Cl, Cl]);
}

#[test]
fn different_speakers_on_the_client_side_are_not_merged() {
    let vtt = "WEBVTT\n\n00:01.000 --> 00:02.000\n<v Dana>Who is with you today?\n\n\
               00:02.000 --> 00:03.000\n<v Sam>My partner.\n\n\
               00:03.000 --> 00:04.000\n<v Alex>Hi.\n";
    let outcome = read_transcripts(
        "family.vtt",
        vtt.as_bytes(),
        InputFormat::Vtt,
        &ReadOptions {
            counselor_names: vec!["Dana".into()],
        },
    )
    .unwrap();
    let t = only(&outcome);
    assert_eq!(sides(t), [Co, Cl, Cl]);
    assert_eq!(names(t), ["Dana", "Sam", "Alex"]);
    // mm:ss.mmm timings.
    assert_eq!(timing(&t.utterances[2]), (Some(3.0), Some(4.0)));
}

#[test]
fn several_voices_in_one_cue_become_separate_turns() {
    let vtt = "WEBVTT\n\n00:00:01.000 --> 00:00:03.000\n<v Dana>Ready?</v> <v Sam>Yes.</v>\n";
    let outcome = read_transcripts(
        "both.vtt",
        vtt.as_bytes(),
        InputFormat::Vtt,
        &ReadOptions::default(),
    )
    .unwrap();
    let t = only(&outcome);
    assert_eq!(names(t), ["Dana", "Sam"]);
    assert_eq!(t.utterances[1].text, "Yes.");
}

/// The real AnnoMI file is not in the repository (its rows must not be copied here);
/// where a machine has the shared sample, it must read as is.
#[test]
fn annomi_sample_reads_as_is_where_present() {
    let path = "/work/shared/data/annomi/annomi-dev.csv";
    let Ok(bytes) = std::fs::read(path) else {
        return;
    };
    let outcome = read_transcripts(path, &bytes, InputFormat::Csv, &ReadOptions::default())
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(!outcome.transcripts.is_empty());
    for t in &outcome.transcripts {
        assert!(!t.utterances.is_empty());
        assert!(t.utterances.iter().any(|u| u.speaker == Co), "{}", t.id);
    }
}

#[test]
fn csv_bad_timestamp_is_dropped_with_a_notice() {
    let csv =
        "interlocutor,timestamp,utterance_text\ntherapist,00:01,Hello.\nclient,00:09:025,Hi.\n";
    let outcome = read_transcripts(
        "odd.csv",
        csv.as_bytes(),
        InputFormat::Csv,
        &ReadOptions::default(),
    )
    .unwrap();
    let t = only(&outcome);
    assert_eq!(t.utterances[0].start, Some(1.0));
    assert_eq!(t.utterances[1].start, None);
    assert_eq!(
        outcome
            .notices
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>(),
        [
            "odd.csv:3: timestamp \"00:09:025\" is not a time (hh:mm:ss, mm:ss or seconds); \
          1 such utterance(s) read without a start time"
        ]
    );
}

#[test]
fn the_extension_names_the_format_in_any_case() {
    use std::path::Path;
    let of = |p: &str| InputFormat::from_extension(Path::new(p));
    assert_eq!(of("a/session.VTT"), Some(InputFormat::Vtt));
    assert_eq!(of("s.srt"), Some(InputFormat::Srt));
    assert_eq!(of("s.txt"), Some(InputFormat::Text));
    assert_eq!(of("s.text"), Some(InputFormat::Text));
    assert_eq!(of("s.Csv"), Some(InputFormat::Csv));
    assert_eq!(of("s.json"), Some(InputFormat::Json));
    assert_eq!(of("s.docx"), None);
    assert_eq!(of("session"), None);
    assert_eq!(of("-"), None);
}

#[test]
fn every_format_round_trips_by_its_short_name() {
    for format in InputFormat::ALL {
        assert_eq!(InputFormat::named(format.name()), Some(format));
    }
    assert_eq!(InputFormat::named(" VTT "), Some(InputFormat::Vtt));
    assert_eq!(InputFormat::named("text"), Some(InputFormat::Text));
    assert_eq!(InputFormat::named("docx"), None);
    assert_eq!(InputFormat::named(""), None);
}
