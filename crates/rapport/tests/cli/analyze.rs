//! `rapport analyze` end to end: the bundled example, every reader through the CLI, the
//! JSON contract, and bad input (exit 2, one clear line on stderr, nothing on stdout).

use crate::common::{rapport, repo};
use predicates::prelude::*;
use serde_json::Value;

fn analyze_json(args: &[&str]) -> Value {
    let output = rapport().arg("analyze").args(args).output().unwrap();
    assert!(
        output.status.success(),
        "rapport analyze {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    serde_json::from_slice(&output.stdout).expect("stdout is JSON")
}

#[test]
fn the_bundled_example_is_coded_and_summarised() {
    let example = repo("examples/session.vtt");
    let json = analyze_json(&[example.to_str().unwrap()]);
    let session = &json["sessions"][0];
    assert_eq!(session["id"], "session");
    let utterances = session["utterances"].as_array().unwrap();
    assert_eq!(utterances.len(), 29);
    for (i, u) in utterances.iter().enumerate() {
        assert_eq!(u["index"], i);
        let confidence = u["confidence"].as_f64().unwrap();
        assert!((0.0..=1.0).contains(&confidence));
        match u["speaker"].as_str().unwrap() {
            "counselor" => {
                assert_eq!(u["name"], "Dana Whitfield");
                let behaviour = u["behaviour"].as_str().unwrap();
                assert!(["question", "reflection", "input", "other"].contains(&behaviour));
                assert_eq!(u["question_type"].is_null(), behaviour != "question");
                assert_eq!(u["reflection_type"].is_null(), behaviour != "reflection");
            }
            "client" => {
                assert_eq!(u["name"], "Marcus Lee");
                let talk = u["talk"].as_str().unwrap();
                assert!(["change", "neutral", "sustain"].contains(&talk));
                assert!(u.get("behaviour").is_none());
            }
            other => panic!("unexpected speaker {other}"),
        }
    }
    assert_eq!(utterances[0]["start"], 1.5);
    let summary = &session["summary"];
    assert_eq!(summary["counselor_utterances"], 15);
    assert_eq!(summary["client_utterances"], 14);
    let questions = summary["questions"].as_u64().unwrap();
    assert_eq!(
        questions,
        summary["open_questions"].as_u64().unwrap() + summary["closed_questions"].as_u64().unwrap()
    );
}

#[test]
fn the_first_speaker_is_taken_as_counsellor_and_stderr_says_so() {
    rapport()
        .args(["analyze", repo("examples/session.vtt").to_str().unwrap()])
        .assert()
        .success()
        .stderr(predicate::str::contains(
            "took \"Dana Whitfield\" (the first speaker) as the counsellor",
        ));
}

#[test]
fn counselor_flag_handles_a_client_who_speaks_first() {
    let path = repo("testdata/transcripts/client_first.vtt");
    let json = analyze_json(&[path.to_str().unwrap(), "--counselor", "dana whitfield"]);
    let utterances = json["sessions"][0]["utterances"].as_array().unwrap();
    assert_eq!(utterances[0]["speaker"], "client");
    assert_eq!(utterances[0]["name"], "Sam Ortiz");
    assert_eq!(utterances[1]["speaker"], "counselor");
    assert!(utterances[1]["behaviour"].is_string());
}

#[test]
fn every_reader_works_through_the_cli() {
    for fixture in [
        "zoom.vtt",
        "teams.vtt",
        "session.srt",
        "session.txt",
        "annomi_layout.csv",
        "report.json",
    ] {
        let path = repo(&format!("testdata/transcripts/{fixture}"));
        let json = analyze_json(&[path.to_str().unwrap()]);
        let sessions = json["sessions"].as_array().unwrap();
        assert!(!sessions.is_empty(), "{fixture}: no sessions");
        for s in sessions {
            assert!(
                !s["utterances"].as_array().unwrap().is_empty(),
                "{fixture}: empty session"
            );
        }
    }
}

#[test]
fn stdin_needs_and_takes_an_input_format() {
    let vtt = std::fs::read(repo("examples/session.vtt")).unwrap();
    let output = rapport()
        .args(["analyze", "-", "--input-format", "vtt"])
        .write_stdin(vtt)
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["sessions"][0]["utterances"].as_array().unwrap().len(),
        29
    );

    rapport()
        .args(["analyze", "-"])
        .write_stdin("Counselor: Hello.\n")
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("--input-format"));
}

#[test]
fn output_flag_writes_the_file_and_text_format_is_readable() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("coded.json");
    rapport()
        .args([
            "analyze",
            repo("examples/session.vtt").to_str().unwrap(),
            "--output",
        ])
        .arg(&out)
        .assert()
        .success()
        .stdout("");
    let json: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    assert_eq!(json["sessions"].as_array().unwrap().len(), 1);

    rapport()
        .args([
            "analyze",
            repo("examples/session.vtt").to_str().unwrap(),
            "--format",
            "text",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("R:Q").and(predicate::str::contains("%CR")));
}

#[test]
fn a_coded_json_reads_back_and_codes_the_same() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("coded.json");
    rapport()
        .args([
            "analyze",
            repo("examples/session.vtt").to_str().unwrap(),
            "-o",
        ])
        .arg(&out)
        .assert()
        .success();
    let first: Value = serde_json::from_str(&std::fs::read_to_string(&out).unwrap()).unwrap();
    let again = analyze_json(&[out.to_str().unwrap()]);
    let codes = |v: &Value| -> Vec<(Value, Value)> {
        v["sessions"][0]["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| (u["behaviour"].clone(), u["talk"].clone()))
            .collect()
    };
    assert_eq!(codes(&first), codes(&again));
}

/// Runs `analyze` on `content` saved as `name`, expects exit 2, nothing on stdout and
/// one line on stderr containing each of `needles`.
fn rejects(name: &str, content: &[u8], extra: &[&str], needles: &[&str]) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, content).unwrap();
    let output = rapport()
        .arg("analyze")
        .arg(&path)
        .args(extra)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "{name}: stderr {stderr}");
    assert!(output.stdout.is_empty(), "{name}: printed on stdout");
    assert_eq!(stderr.trim_end().lines().count(), 1, "{name}: {stderr}");
    assert!(stderr.contains(name), "{name}: file not named in {stderr}");
    for needle in needles {
        assert!(
            stderr.contains(needle),
            "{name}: {needle:?} not in {stderr}"
        );
    }
    assert!(!stderr.contains("panicked"), "{name}: {stderr}");
}

#[test]
fn bad_input_exits_2_with_one_clear_line() {
    rejects("empty.vtt", b"", &[], &["empty"]);
    rejects("latin1.txt", b"Counselor: caf\xe9\n", &[], &["UTF-8"]);
    rejects(
        "noheader.vtt",
        b"1\n00:00:01.000 --> 00:00:02.000\nA: Hi\n",
        &[],
        &["WEBVTT"],
    );
    rejects(
        "timing.vtt",
        b"WEBVTT\n\n1\n00:00:xx.000 --> 00:00:02.000\nA: Hi\n",
        &[],
        &[":4:", "00:00:xx.000"],
    );
    rejects(
        "arrow.srt",
        b"1\n00:00:01,000 -> 00:00:02,000\nA: Hi\n",
        &[],
        &[":2:"],
    );
    rejects(
        "quote.csv",
        b"speaker,text\ncounselor,\"How are you?\nclient,fine\n",
        &[],
        &["quote"],
    );
    rejects(
        "columns.csv",
        b"who,said\ncounselor,hello\n",
        &[],
        &["column"],
    );
    rejects(
        "role.csv",
        b"speaker,text\ncounselor,Hello\nsupervisor,Hi\n",
        &[],
        &[":3:", "supervisor"],
    );
    rejects(
        "unlabelled.txt",
        b"hello there\nhow are you\n",
        &[],
        &["label"],
    );
    rejects("shape.json", br#"{"turns": []}"#, &[], &["sessions"]);
    rejects("notes.docx", b"PK", &[], &["--input-format"]);
    rejects(
        "named.vtt",
        b"WEBVTT\n\n00:00:01.000 --> 00:00:02.000\nAna: Hi\n\n00:00:02.000 --> 00:00:03.000\nBo: Hey\n",
        &["--counselor", "Nobody"],
        &["Nobody"],
    );
}

#[test]
fn a_missing_file_or_model_exits_2() {
    rapport()
        .args(["analyze", "no/such/session.vtt"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no/such/session.vtt"));
    let dir = tempfile::tempdir().unwrap();
    let model = dir.path().join("broken.safetensors");
    std::fs::write(&model, b"not a model").unwrap();
    rapport()
        .args([
            "analyze",
            repo("examples/session.vtt").to_str().unwrap(),
            "--model",
        ])
        .arg(&model)
        .assert()
        .code(2)
        .stdout("")
        .stderr(
            predicate::str::contains("broken.safetensors")
                .and(predicate::str::contains("rapport train")),
        );
}

#[test]
fn errors_never_quote_utterance_text() {
    let secret = "my husband hits me when he drinks";
    let content = format!("WEBVTT\n\n1\n00:00:01.000 --> 00:00:0x.000\nClient: {secret}\n");
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("private.vtt");
    std::fs::write(&path, content).unwrap();
    rapport()
        .arg("analyze")
        .arg(&path)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("husband").not());
}

#[test]
fn info_logs_carry_no_utterance_text() {
    rapport()
        .args([
            "-v",
            "analyze",
            repo("examples/session.vtt").to_str().unwrap(),
        ])
        .env_remove("RUST_LOG")
        .assert()
        .success()
        .stderr(predicate::str::contains("beers").not());
}

#[test]
fn without_encoder_weights_the_default_mode_names_the_fetch_command_and_fast_still_works() {
    let empty = tempfile::tempdir().unwrap();
    let example = repo("examples/session.vtt");
    rapport()
        .arg("analyze")
        .arg(&example)
        .env("RAPPORT_ENCODER_DIR", empty.path())
        .assert()
        .code(1)
        .stdout("")
        .stderr(
            predicate::str::contains("scripts/fetch-encoder.sh")
                .and(predicate::str::contains("--fast")),
        );
    let output = rapport()
        .args(["analyze", "--fast"])
        .arg(&example)
        .env("RAPPORT_ENCODER_DIR", empty.path())
        .output()
        .unwrap();
    assert!(output.status.success());
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    assert_eq!(
        json["sessions"][0]["utterances"].as_array().unwrap().len(),
        29
    );
}

#[test]
fn both_modes_score_session_quality_and_mostly_agree() {
    let example = repo("examples/session.vtt");
    let default = analyze_json(&[example.to_str().unwrap()]);
    let fast = analyze_json(&["--fast", example.to_str().unwrap()]);
    let codes = |json: &Value| -> Vec<String> {
        json["sessions"][0]["utterances"]
            .as_array()
            .unwrap()
            .iter()
            .map(|u| {
                u.get("behaviour")
                    .or_else(|| u.get("talk"))
                    .unwrap()
                    .to_string()
            })
            .collect()
    };
    for json in [&default, &fast] {
        let score = json["sessions"][0]["summary"]["mi_quality_score"]
            .as_f64()
            .unwrap();
        assert!((0.0..=1.0).contains(&score));
    }
    let (a, b) = (codes(&default), codes(&fast));
    let same = a.iter().zip(&b).filter(|(x, y)| x == y).count();
    assert!(same * 3 >= a.len() * 2, "{same} of {} codes agree", a.len());
}

#[test]
fn many_sessions_are_coded_in_one_run_with_the_encoder() {
    // Two files, one batch of embeddings across both: each session is coded as when alone.
    let example = repo("examples/session.vtt");
    let both = analyze_json(&[example.to_str().unwrap(), example.to_str().unwrap()]);
    let one = analyze_json(&[example.to_str().unwrap()]);
    assert_eq!(both["sessions"].as_array().unwrap().len(), 2);
    let alone = one["sessions"][0]["utterances"].as_array().unwrap();
    for session in both["sessions"].as_array().unwrap() {
        let together = session["utterances"].as_array().unwrap();
        assert_eq!(together.len(), alone.len());
        for (a, b) in together.iter().zip(alone) {
            for key in ["behaviour", "talk", "question_type", "reflection_type"] {
                assert_eq!(a.get(key), b.get(key));
            }
            let gap = (a["confidence"].as_f64().unwrap() - b["confidence"].as_f64().unwrap()).abs();
            assert!(gap <= 0.002, "confidence differs by {gap}");
        }
    }
}

#[test]
fn a_model_reading_other_encoder_layers_than_it_records_is_refused() {
    // A hand-made model: its encoder record (and fingerprint) stacks layers 6 then 12,
    // while its features read 12 then 6. Coding with it would swap the two parts.
    let shipped = std::fs::read(repo("models/rapport-coder.safetensors")).unwrap();
    let mut model = rapport_coder::Model::from_bytes(&shipped).unwrap();
    let encoder = model.info.encoder.as_mut().unwrap();
    assert_eq!(encoder.layers, vec![12, 6]);
    encoder.layers = vec![6, 12];
    let (last, middle) = encoder.fingerprint.split_at(encoder.fingerprint.len() / 2);
    encoder.fingerprint = [middle, last].concat();
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("swapped.safetensors");
    std::fs::write(&path, model.to_bytes().unwrap()).unwrap();
    rapport()
        .arg("analyze")
        .arg("--model")
        .arg(&path)
        .arg(repo("examples/session.vtt"))
        .assert()
        .code(1)
        .stdout("")
        .stderr(predicate::str::contains("read encoder layers [12, 6]"))
        .stderr(predicate::str::contains("retrain it with `rapport train`"));
}

/// `text` as UTF-16 little-endian with its byte-order mark, as Windows tools save it.
fn utf16le(text: &str) -> Vec<u8> {
    let mut bytes = vec![0xFF, 0xFE];
    for unit in text.encode_utf16() {
        bytes.extend(unit.to_le_bytes());
    }
    bytes
}

#[test]
fn a_batch_codes_every_readable_file_and_exits_2_naming_each_unreadable_one() {
    let dir = tempfile::tempdir().unwrap();
    let good = dir.path().join("good.txt");
    std::fs::write(&good, "Counselor: How was the week?\nClient: Better.\n").unwrap();
    let wide = dir.path().join("wide.vtt");
    std::fs::write(
        &wide,
        utf16le("WEBVTT\r\n\r\n00:00:01.000 --> 00:00:02.000\r\nDana: Hi Sam.\r\n"),
    )
    .unwrap();
    let bad = dir.path().join("bad.srt");
    std::fs::write(&bad, "1\n00:00:01,000 -> 00:00:02,000\nT: Hi\n").unwrap();
    let latin1 = dir.path().join("latin1.txt");
    std::fs::write(&latin1, b"Counselor: caf\xe9\n").unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir(&out).unwrap();
    for to_dir in [true, false] {
        let mut command = rapport();
        command
            .args(["analyze", "--fast", "--format", "json"])
            .arg(&good)
            .arg(&bad)
            .arg(&wide)
            .arg(&latin1);
        if to_dir {
            command.arg("--output-dir").arg(&out);
        }
        let output = command.output().unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{stderr}");
        assert!(stderr.contains("bad.srt:2:"), "{stderr}");
        assert!(
            stderr.contains("latin1.txt:1:") && stderr.contains("UTF-8"),
            "{stderr}"
        );
        assert!(
            stderr.contains("2 of 4 inputs could not be read"),
            "{stderr}"
        );
        assert!(!stderr.contains("panicked"), "{stderr}");
        let ids: Vec<String> = if to_dir {
            let mut names: Vec<String> = std::fs::read_dir(&out)
                .unwrap()
                .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect();
            names.sort();
            names
        } else {
            let json: Value = serde_json::from_slice(&output.stdout).expect("stdout is JSON");
            json["sessions"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["id"].as_str().unwrap().to_string())
                .collect()
        };
        if to_dir {
            assert_eq!(ids, ["good.json", "wide.json"]);
        } else {
            assert_eq!(ids, ["good", "wide"]);
        }
    }
}

#[test]
fn damaged_cues_are_skipped_with_a_warning_and_the_rest_coded() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("zoom.vtt");
    std::fs::write(
        &path,
        "WEBVTT\n\n1\n00:00:00.000 --> 00:00:01.000\n(unclear)\n\n\
         2\n00:00:01.000 --> 00:00:02.000\nDr. Dana Whitfield, LCSW: How are you?\n\n\
         3\n00:00:02.000 --> 00:00:0x.000\nmarcus lee: Lost.\n\n\
         4\n00:00:03.000 --> 00:00:04.000\nmarcus lee: Not bad, thanks.\n",
    )
    .unwrap();
    let output = rapport()
        .args(["analyze", "--fast"])
        .arg(&path)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains("zoom.vtt:4: skipped cue 1"), "{stderr}");
    assert!(stderr.contains("zoom.vtt:12: skipped this cue"), "{stderr}");
    let json: Value = serde_json::from_slice(&output.stdout).unwrap();
    let utterances = json["sessions"][0]["utterances"].as_array().unwrap();
    let names: Vec<&str> = utterances
        .iter()
        .map(|u| u["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["Dr. Dana Whitfield, LCSW", "marcus lee"]);
    assert_eq!(utterances[1]["text"], "Not bad, thanks.");
}
