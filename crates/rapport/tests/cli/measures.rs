//! `rapport measures` end to end: exit codes, stdout and stderr.

use crate::common::{rapport, repo};
use predicates::prelude::*;

fn data(name: &str) -> String {
    repo("testdata/measures").join(name).display().to_string()
}

fn json_of(out: &[u8]) -> serde_json::Value {
    serde_json::from_slice(out).unwrap()
}

#[test]
fn list_shows_the_built_ins() {
    let out = rapport().args(["measures", "list"]).assert().success();
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    for id in ["wai-sr", "srs", "ors", "phq-9", "gad-7"] {
        assert!(text.contains(id), "{id}");
    }
    let out = rapport()
        .args(["measures", "list", "--format", "json"])
        .assert()
        .success();
    let list = json_of(&out.get_output().stdout);
    assert_eq!(list.as_array().unwrap().len(), 5);
    assert_eq!(list[3]["id"], "phq-9");
    assert_eq!(list[3]["cutoff"], 10.0);
}

#[test]
fn questionnaire_prints_fhir_and_takes_item_text() {
    let out = rapport()
        .args(["measures", "questionnaire", "phq-9"])
        .assert()
        .success();
    let q = json_of(&out.get_output().stdout);
    assert_eq!(q["resourceType"], "Questionnaire");
    assert_eq!(q["id"], "phq-9");
    let out = rapport()
        .args([
            "measures",
            "questionnaire",
            "wai-sr",
            "--item-text",
            &data("wai-sr-item-text.json"),
        ])
        .assert()
        .success();
    let q = json_of(&out.get_output().stdout);
    assert!(
        q["item"][0]["text"]
            .as_str()
            .unwrap()
            .starts_with("Clinic-supplied text")
    );
    assert_eq!(q["item"][2]["text"], "WAI-SR item 3");
    rapport()
        .args(["measures", "questionnaire", "bdi"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("unknown instrument \"bdi\""));
}

#[test]
fn score_json_matches_the_contract() {
    let out = rapport()
        .args(["measures", "score", &data("caseload.csv")])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    let responses = json["responses"].as_array().unwrap();
    assert_eq!(responses.len(), 17);
    assert_eq!(
        responses[2],
        serde_json::json!({"client": "A", "session": 1, "date": "2026-01-05", "instrument": "wai-sr",
            "total": 52.0, "subscales": {"task": 16.0, "goal": 16.0, "bond": 20.0}, "band": null, "flags": []})
    );
    assert_eq!(responses[3]["band"], "moderate");
    assert_eq!(responses[3]["flags"], serde_json::json!(["self_harm_item"]));
}

#[test]
fn score_csv_and_text_formats() {
    rapport()
        .args([
            "measures",
            "score",
            &data("caseload.csv"),
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "client,session,date,instrument,total,task,goal,bond,band,flags\n",
        ));
    rapport()
        .args([
            "measures",
            "score",
            &data("caseload.csv"),
            "--format",
            "text",
        ])
        .assert()
        .success()
        .stdout(predicate::str::contains("moderately severe"));
}

#[test]
fn srs_cutoff_flag_changes_flags() {
    let out = rapport()
        .args([
            "measures",
            "score",
            &data("caseload.csv"),
            "--srs-cutoff",
            "36.1",
        ])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    // Client A's session 5 SRS total is exactly 36.
    let s5 = json["responses"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["client"] == "A" && r["session"] == 5)
        .unwrap();
    assert_eq!(s5["flags"], serde_json::json!(["below_cutoff"]));
}

#[test]
fn bad_rows_exit_2_name_file_line_column_and_print_nothing() {
    let file = data("bad.csv");
    for sub in ["score", "track", "export"] {
        rapport()
            .args(["measures", sub, &file])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(format!(
                "{file}:2:8: column overall: 11 is out of range"
            )))
            .stderr(predicate::str::contains(format!("{file}:3:3: column date")))
            .stderr(predicate::str::contains(format!(
                "{file}:4:2: column session"
            )))
            .stderr(predicate::str::contains(format!(
                "{file}:5:4: column instrument: unknown instrument \"bdi-ii\""
            )))
            .stderr(predicate::str::contains(format!(
                "{file}:6:6: column goals"
            )))
            .stderr(predicate::str::contains(format!(
                "{file}:8: client B, session 1, srs already appears on line 7"
            )))
            .stderr(predicate::str::contains(format!(
                "{file}:9:17: column item9"
            )))
            .stderr(predicate::str::contains(format!(
                "{file}:10:16: column item8"
            )));
    }
}

#[test]
fn output_file_is_not_written_on_error() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out.json");
    rapport()
        .args([
            "measures",
            "score",
            &data("bad.csv"),
            "-o",
            out.to_str().unwrap(),
        ])
        .assert()
        .code(2);
    assert!(!out.exists());
}

#[test]
fn missing_file_and_bad_flags_exit_2() {
    rapport()
        .args(["measures", "score", "no-such-file.csv"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("no-such-file.csv: no such file"));
    rapport()
        .args(["measures", "track", &data("caseload.csv"), "--drop", "zz=1"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("unknown instrument \"zz\""));
    rapport()
        .args(["measures", "track", &data("caseload.csv"), "--sd-k", "0"])
        .assert()
        .code(2)
        .stdout("");
    rapport()
        .args([
            "measures",
            "score",
            &data("caseload.csv"),
            "--instrument-file",
            &data("caseload.csv"),
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("not an instrument file"));
}

#[test]
fn track_json_matches_the_contract() {
    let out = rapport()
        .args(["measures", "track", &data("caseload.csv")])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    let a = &json["clients"][0];
    assert_eq!(a["instruments"][1]["instrument"], "srs");
    assert_eq!(
        a["instruments"][1]["ruptures"],
        serde_json::json!([{"session": 4, "rules": ["below_cutoff", "drop"], "repaired_at": 6}])
    );
    assert_eq!(
        a["instruments"][2]["change"],
        serde_json::json!({"first": 18.0, "last": 27.0, "delta": 9.0, "reliable_change": "improved", "clinically_significant": true})
    );
}

#[test]
fn track_rules_and_window_are_configurable() {
    // Only the drop rule: client A's session 4 is named for the drop alone.
    let out = rapport()
        .args([
            "measures",
            "track",
            &data("caseload.csv"),
            "--rules",
            "drop",
        ])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    assert_eq!(
        json["clients"][0]["instruments"][1]["ruptures"][0]["rules"],
        serde_json::json!(["drop"])
    );
    // A window of 1: session 5 (36) is not back to 38.5, so unrepaired.
    let out = rapport()
        .args([
            "measures",
            "track",
            &data("caseload.csv"),
            "--repair-window",
            "1",
        ])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    assert_eq!(
        json["clients"][0]["instruments"][1]["ruptures"][0]["repaired_at"],
        serde_json::Value::Null
    );
    // A drop threshold above B's 1.5-point fall removes B's rupture.
    let out = rapport()
        .args([
            "measures",
            "track",
            &data("caseload.csv"),
            "--drop",
            "srs=2",
        ])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    assert_eq!(
        json["clients"][1]["instruments"][0]["ruptures"],
        serde_json::json!([])
    );
}

#[test]
fn track_html_is_one_page() {
    rapport()
        .args([
            "measures",
            "track",
            &data("caseload.csv"),
            "--format",
            "html",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with("<!DOCTYPE html>"))
        .stdout(predicate::str::contains("<svg"))
        .stdout(predicate::str::contains("<figcaption"));
}

#[test]
fn export_fhir_and_back_gives_the_same_scores() {
    let dir = tempfile::tempdir().unwrap();
    let bundle = dir.path().join("bundle.json");
    rapport()
        .args([
            "measures",
            "export",
            &data("caseload.csv"),
            "--format",
            "fhir",
            "-o",
            bundle.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    let b = json_of(&std::fs::read(&bundle).unwrap());
    assert_eq!(b["resourceType"], "Bundle");
    let from_csv = rapport()
        .args(["measures", "score", &data("caseload.csv")])
        .assert()
        .success();
    let from_bundle = rapport()
        .args(["measures", "score", bundle.to_str().unwrap()])
        .assert()
        .success();
    assert_eq!(
        from_csv.get_output().stdout,
        from_bundle.get_output().stdout
    );
    // And back to CSV.
    rapport()
        .args([
            "measures",
            "export",
            bundle.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .assert()
        .success()
        .stdout(predicate::str::starts_with(
            "client,session,date,instrument,",
        ));
}

#[test]
fn custom_instrument_file_end_to_end() {
    let instrument = data("custom-instrument.json");
    let out = rapport()
        .args([
            "measures",
            "score",
            &data("custom.csv"),
            "--instrument-file",
            &instrument,
        ])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    assert_eq!(json["responses"][0]["total"], 4.0);
    assert_eq!(
        json["responses"][0]["flags"],
        serde_json::json!(["clinical_range"])
    );
    assert_eq!(json["responses"][2]["band"], "good");
    let out = rapport()
        .args([
            "measures",
            "track",
            &data("custom.csv"),
            "--instrument-file",
            &instrument,
        ])
        .assert()
        .success();
    let json = json_of(&out.get_output().stdout);
    assert_eq!(
        json["clients"][0]["instruments"][0]["change"]["reliable_change"],
        "improved"
    );
    // Without the file the instrument is unknown: exit 2.
    rapport()
        .args(["measures", "score", &data("custom.csv")])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("custom.csv:1:5: column mood"));
}

#[test]
fn reads_standard_input() {
    rapport()
        .args(["measures", "score", "-", "--format", "csv"])
        .write_stdin("client,session,date,instrument,relationship,goals,approach,overall\nA,1,2026-01-05,srs,9,9,9,8\n")
        .assert()
        .success()
        .stdout(predicate::str::contains("A,1,2026-01-05,srs,35,,below_cutoff"));
}

fn fhir_data(name: &str) -> String {
    data(&format!("fhir/{name}"))
}

#[test]
fn instrument_ids_take_common_spellings() {
    let canonical = rapport()
        .args(["measures", "questionnaire", "phq-9"])
        .assert()
        .success();
    for spelled in ["phq9", "PHQ-9", "PHQ9", "phq_9"] {
        rapport()
            .args(["measures", "questionnaire", spelled])
            .assert()
            .success()
            .stdout(canonical.get_output().stdout.clone());
    }
    for (spelled, id) in [("gad7", "gad-7"), ("waisr", "wai-sr"), ("WAI_SR", "wai-sr")] {
        let out = rapport()
            .args(["measures", "questionnaire", spelled])
            .assert()
            .success();
        assert_eq!(json_of(&out.get_output().stdout)["id"], id);
    }
    rapport()
        .args(["measures", "questionnaire", "phq"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("unknown instrument \"phq\""));
    // And in ID=POINTS options.
    rapport()
        .args([
            "measures",
            "score",
            &data("caseload.csv"),
            "--cutoff",
            "PHQ9=30",
            "--rci",
            "gad7=2",
        ])
        .assert()
        .success();
    rapport()
        .args([
            "measures",
            "score",
            &data("caseload.csv"),
            "--cutoff",
            "phq=30",
        ])
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "--cutoff phq=30: unknown instrument",
        ));
    rapport()
        .args([
            "measures",
            "track",
            &data("caseload.csv"),
            "--drop",
            "waisr=2",
        ])
        .assert()
        .success();
}

#[test]
fn questionnaire_carries_loinc_codes_and_both_weights() {
    let out = rapport()
        .args(["measures", "questionnaire", "gad7"])
        .assert()
        .success();
    let q = json_of(&out.get_output().stdout);
    assert_eq!(q["code"][0]["code"], "69737-5");
    let items = q["item"].as_array().unwrap();
    assert_eq!(items[1]["linkId"], "item1");
    assert_eq!(
        items[1]["code"],
        serde_json::json!([{"system": "http://loinc.org", "code": "69725-0"}])
    );
    assert_eq!(items[2]["code"][0]["code"], "68509-9");
    assert_eq!(
        items[2]["answerOption"][3]["valueCoding"]["code"],
        "LA6571-9"
    );
    let urls: Vec<&str> = items[2]["answerOption"][3]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "http://hl7.org/fhir/StructureDefinition/itemWeight",
            "http://hl7.org/fhir/StructureDefinition/ordinalValue"
        ]
    );
    let total = items.last().unwrap();
    assert_eq!(total["code"][0]["code"], "70274-6");
    assert_eq!(total["readOnly"], true);
}

#[test]
fn ehr_bundle_without_session_numbers_is_numbered_with_a_notice() {
    let file = fhir_data("ehr-no-session.json");
    let out = rapport()
        .args(["measures", "score", &file, "--format", "csv"])
        .assert()
        .success()
        .stderr(predicate::str::contains(format!(
            "rapport: note: {file}: 5 responses (2 clients) carry no session number"
        )))
        .stderr(predicate::str::contains("in order of authored"));
    let text = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    assert!(text.contains("p1,1,2026-01-05,phq-9,12,"), "{text}");
    assert!(text.contains("p1,1,2026-01-05,gad-7,10,"), "{text}");
    assert!(text.contains("p1,2,2026-01-19,phq-9,9,"), "{text}");
    assert!(text.contains("p1,3,2026-02-02,phq-9,4,"), "{text}");
    // A client mixing numbered and unnumbered responses: exit 2, naming the entry.
    let file = fhir_data("mixed-sessions.json");
    rapport()
        .args(["measures", "score", &file])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains(format!(
            "{file}:entry[1].resource.extension: no session number, though other responses of client p3 carry one"
        )));
}

#[test]
fn loinc_identified_responses_score() {
    for (name, want) in [
        ("lhc-forms-phq9.json", vec![("phq-9", 12.0)]),
        ("sdc-phq9.json", vec![("phq-9", 9.0), ("phq-9", 4.0)]),
        ("gad7-by-code.json", vec![("gad-7", 11.0)]),
    ] {
        let out = rapport()
            .args(["measures", "score", &fhir_data(name)])
            .assert()
            .success();
        let json = json_of(&out.get_output().stdout);
        let got: Vec<(String, f64)> = json["responses"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| {
                (
                    r["instrument"].as_str().unwrap().to_string(),
                    r["total"].as_f64().unwrap(),
                )
            })
            .collect();
        let want: Vec<(String, f64)> = want.into_iter().map(|(i, t)| (i.to_string(), t)).collect();
        assert_eq!(got, want, "{name}");
    }
}

#[test]
fn export_gives_full_urls_loinc_codes_and_totals() {
    let out = rapport()
        .args(["measures", "export", &fhir_data("ehr-no-session.json")])
        .assert()
        .success();
    let b = json_of(&out.get_output().stdout);
    let entries = b["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 5);
    for e in entries {
        assert!(e["fullUrl"].as_str().unwrap().starts_with("urn:uuid:"));
    }
    let phq = &entries[1]["resource"];
    assert_eq!(phq["extension"][0]["valueInteger"], 1);
    assert_eq!(phq["item"][0]["code"][0]["code"], "44250-9");
    let total = phq["item"].as_array().unwrap().last().unwrap();
    assert_eq!(total["code"][0]["code"], "44261-6");
    assert_eq!(total["answer"][0]["valueInteger"], 12);
}

#[test]
fn large_export_streams_a_valid_bundle() {
    let dir = tempfile::tempdir().unwrap();
    let csv = dir.path().join("many.csv");
    let mut text =
        String::from("client,session,date,instrument,item1,item2,item3,item4,item5,item6,item7\n");
    for n in 0..3000 {
        text.push_str(&format!(
            "C{},{},2026-01-{:02},gad-7,{},1,2,3,0,1,2\n",
            n / 10,
            n % 10 + 1,
            n % 10 + 1,
            n % 4
        ));
    }
    std::fs::write(&csv, text).unwrap();
    let bundle = dir.path().join("many.json");
    rapport()
        .args([
            "measures",
            "export",
            csv.to_str().unwrap(),
            "-o",
            bundle.to_str().unwrap(),
        ])
        .assert()
        .success()
        .stdout("");
    let b = json_of(&std::fs::read(&bundle).unwrap());
    assert_eq!(b["entry"].as_array().unwrap().len(), 3000);
    // And it reads back as the same responses.
    let back = rapport()
        .args([
            "measures",
            "export",
            bundle.to_str().unwrap(),
            "--format",
            "csv",
        ])
        .assert()
        .success();
    let again = String::from_utf8(back.get_output().stdout.clone()).unwrap();
    assert_eq!(again.lines().count(), 3001);
}

/// Answers saved as UTF-16 (with its byte-order mark) by a Windows tool score exactly as
/// the UTF-8 file does.
#[test]
fn utf16_answers_score_like_utf8() {
    let text = String::from_utf8(std::fs::read(data("caseload.csv")).unwrap()).unwrap();
    let mut wide = vec![0xFE, 0xFF];
    for unit in text.encode_utf16() {
        wide.extend(unit.to_be_bytes());
    }
    let mut outputs = Vec::new();
    for bytes in [text.into_bytes(), wide] {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("caseload.csv"), bytes).unwrap();
        let out = rapport()
            .current_dir(dir.path())
            .args(["measures", "score", "caseload.csv", "--format", "json"])
            .assert()
            .success();
        outputs.push(out.get_output().stdout.clone());
    }
    assert_eq!(outputs[0], outputs[1]);
}
