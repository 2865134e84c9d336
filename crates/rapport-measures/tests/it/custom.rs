//! A clinic's own instrument file, end to end: load, score, track, export and re-import.

use rapport_measures::{
    Construct, Instrument, ItemKind, Registry, ReliableChange, Settings, load, load_bundle,
    score_all, to_bundle, track,
};

use crate::helpers::read_fixture;

fn registry() -> Registry {
    let text = String::from_utf8(read_fixture("custom-instrument.json")).unwrap();
    let mut registry = Registry::builtin();
    registry.add(Instrument::from_json(&text, "custom-instrument.json").unwrap());
    registry
}

#[test]
fn custom_instrument_loads_with_groups_and_old_weights() {
    let registry = registry();
    let i = registry.get("mood-check").unwrap();
    assert_eq!(i.scoring.construct, Construct::Outcome);
    // The display item is skipped and the group flattened.
    let links: Vec<&str> = i.items.iter().map(|x| x.link_id.as_str()).collect();
    assert_eq!(links, ["mood", "energy", "hope", "comment-score"]);
    // ordinalValue (R4's name for itemWeight) is read.
    let ItemKind::Choice(options) = &i.items[1].kind else {
        panic!("energy is a choice item")
    };
    let weights: Vec<f64> = options.iter().map(|o| o.weight).collect();
    assert_eq!(weights, [0.0, 2.0, 4.0]);
    assert_eq!(i.total_range(), (0.0, 12.0));
    assert!(!i.item("comment-score").unwrap().required);
    assert_eq!(registry.iter().count(), 6);
}

/// Total, the `feeling` subscale, band and flags.
type Summary<'a> = (f64, Option<f64>, Option<&'a str>, Vec<&'a str>);

#[test]
fn custom_instrument_end_to_end() {
    let registry = registry();
    let responses = load(&read_fixture("custom.csv"), "custom.csv", &registry).unwrap();
    let scored = score_all(&registry, &responses, &Settings::default()).unwrap();
    let got: Vec<Summary> = scored
        .responses
        .iter()
        .map(|r| {
            (
                r.total,
                r.subscales.get("feeling"),
                r.band.as_deref(),
                r.flags.iter().map(String::as_str).collect(),
            )
        })
        .collect();
    // 1+2+1 = 4 (low, under the cut-off 6); 2+2+2 = 6 (middling); 3+4+3 = 10 (good, mood above 2).
    assert_eq!(
        got,
        [
            (4.0, Some(2.0), Some("low"), vec!["clinical_range"]),
            (6.0, Some(4.0), Some("middling"), vec![]),
            (10.0, Some(6.0), Some("good"), vec!["mood_high"]),
        ]
    );
    let report = track(&registry, &scored, &Settings::default());
    let change = report.clients[0].instruments[0].change.clone().unwrap();
    assert_eq!((change.first, change.last, change.delta), (4.0, 10.0, 6.0));
    assert_eq!(change.reliable_change, Some(ReliableChange::Improved));
    assert_eq!(change.clinically_significant, Some(true));

    // The Bundle carries the clinic's canonical URL and its option values, and reads back.
    let bundle = to_bundle(&responses, &registry);
    let qr = &bundle["entry"][0]["resource"];
    assert_eq!(
        qr["questionnaire"],
        "https://clinic.example/fhir/Questionnaire/mood-check"
    );
    assert_eq!(
        qr["item"][0]["answer"][0],
        serde_json::json!({"valueInteger": 1})
    );
    assert_eq!(qr["item"][1]["answer"][0]["valueCoding"]["code"], "some");
    assert_eq!(
        qr["item"][2]["answer"][0],
        serde_json::json!({"valueInteger": 1})
    );
    let text = serde_json::to_vec(&bundle).unwrap();
    assert_eq!(load_bundle(&text, "b.json", &registry).unwrap(), responses);
}

#[test]
fn custom_instrument_rows_are_checked_like_built_ins() {
    let registry = registry();
    let csv = "client,session,date,instrument,mood,energy,hope\nC,1,2026-03-02,mood-check,1,3,5\n";
    let err = load(csv.as_bytes(), "c.csv", &registry).unwrap_err();
    let messages: Vec<String> = err.problems.iter().map(|p| p.to_string()).collect();
    assert_eq!(
        messages,
        [
            "2:6: column energy: 3 is out of range for mood-check energy; use one of 0, 2, 4",
            "2:7: column hope: 5 is out of range for mood-check hope; use a whole number from 0 to 4",
        ]
    );
}

#[test]
fn broken_instrument_files_say_what_to_fix() {
    let good = String::from_utf8(read_fixture("custom-instrument.json")).unwrap();
    let cases = [
        (
            good.replace("\"rapport_instrument\": 1", "\"rapport_instrument\": 2"),
            "version 1",
        ),
        (
            good.replace("\"total\": [\"mood\"", "\"total\": [\"moood\""),
            "names item \"moood\"",
        ),
        (
            good.replace("StructureDefinition/minValue", "StructureDefinition/low"),
            "minValue and maxValue",
        ),
        (
            good.replace(
                "\"resourceType\": \"Questionnaire\"",
                "\"resourceType\": \"Patient\"",
            ),
            "resourceType",
        ),
        (
            good.replace("\"construct\": \"outcome\"", "\"construct\": \"mood\""),
            "not an instrument file",
        ),
        ("{}".to_string(), "not an instrument file"),
        (good.replace("\"min\": 5,", "\"min\": 0,"), "ascending"),
    ];
    for (text, expected) in cases {
        let err = Instrument::from_json(&text, "x.json").unwrap_err();
        assert!(err.to_string().starts_with("x.json: "), "{err}");
        assert!(err.to_string().contains(expected), "{err} lacks {expected}");
    }
    // Weightless choice options are refused.
    let text = good.replacen(
        "{\"valueInteger\": 0, \"extension\": [{\"url\": \"http://hl7.org/fhir/StructureDefinition/itemWeight\", \"valueDecimal\": 0}]}",
        "{\"valueInteger\": 0}",
        1,
    );
    let err = Instrument::from_json(&text, "x.json").unwrap_err();
    assert!(err.to_string().contains("itemWeight"), "{err}");
}

#[test]
fn a_clinic_file_replaces_a_built_in_with_the_same_id() {
    let srs = Registry::builtin().get("srs").unwrap().clone();
    let mut q = srs.questionnaire.clone();
    q["title"] = "Our SRS".into();
    let file = serde_json::json!({
        "questionnaire": q,
        "scoring": {"rapport_instrument": 1, "construct": "alliance", "direction": "higher_is_better",
                     "cutoff": {"value": 30, "flag": "below_cutoff"}, "rupture": {"drop": 2}}
    });
    let mut registry = Registry::builtin();
    registry.add(Instrument::from_json(&file.to_string(), "ours.json").unwrap());
    assert_eq!(registry.iter().count(), 5);
    assert_eq!(registry.get("srs").unwrap().title, "Our SRS");
    assert_eq!(
        registry
            .get("srs")
            .unwrap()
            .scoring
            .cutoff
            .as_ref()
            .unwrap()
            .value,
        30.0
    );
}
