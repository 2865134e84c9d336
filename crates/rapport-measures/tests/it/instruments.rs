//! The built-in instrument files.

use rapport_measures::{Construct, Direction, ItemKind, Registry};

#[test]
fn all_five_built_ins_load_in_order() {
    let ids: Vec<String> = Registry::builtin().iter().map(|i| i.id.clone()).collect();
    assert_eq!(ids, ["wai-sr", "srs", "ors", "phq-9", "gad-7"]);
}

#[test]
fn item_ids_match_the_issue() {
    let r = Registry::builtin();
    let links = |id: &str| -> Vec<String> {
        r.get(id)
            .unwrap()
            .items
            .iter()
            .map(|i| i.link_id.clone())
            .collect()
    };
    assert_eq!(
        links("srs"),
        ["relationship", "goals", "approach", "overall"]
    );
    assert_eq!(
        links("ors"),
        ["individual", "interpersonal", "social", "overall"]
    );
    let wai: Vec<String> = (1..=12).map(|i| format!("item{i}")).collect();
    assert_eq!(links("wai-sr"), wai);
    let phq: Vec<String> = (1..=10).map(|i| format!("item{i}")).collect();
    assert_eq!(links("phq-9"), phq);
    let gad: Vec<String> = (1..=7).map(|i| format!("item{i}")).collect();
    assert_eq!(links("gad-7"), gad);
    // PHQ-9's difficulty item is optional and not scored.
    let phq9 = r.get("phq-9").unwrap();
    assert!(!phq9.item("item10").unwrap().required);
    assert!(!phq9.total_items.contains(&"item10".to_string()));
}

#[test]
fn ranges_directions_and_constructs() {
    let r = Registry::builtin();
    let facts = |id: &str| {
        let i = r.get(id).unwrap();
        (i.total_range(), i.scoring.direction, i.scoring.construct)
    };
    use Construct::*;
    use Direction::*;
    assert_eq!(facts("wai-sr"), ((12.0, 60.0), HigherIsBetter, Alliance));
    assert_eq!(facts("srs"), ((0.0, 40.0), HigherIsBetter, Alliance));
    assert_eq!(facts("ors"), ((0.0, 40.0), HigherIsBetter, Outcome));
    assert_eq!(facts("phq-9"), ((0.0, 27.0), HigherIsWorse, Outcome));
    assert_eq!(facts("gad-7"), ((0.0, 21.0), HigherIsWorse, Outcome));
}

#[test]
fn vas_items_are_decimals_from_0_to_10() {
    let r = Registry::builtin();
    for id in ["srs", "ors"] {
        for item in &r.get(id).unwrap().items {
            assert_eq!(
                item.kind,
                ItemKind::Numeric {
                    min: 0.0,
                    max: 10.0,
                    integer: false
                },
                "{id} {}",
                item.link_id
            );
        }
    }
}

#[test]
fn licences_wai_sr_ships_no_item_text_srs_ors_labels_only() {
    let r = Registry::builtin();
    let wai = r.get("wai-sr").unwrap();
    for (n, item) in wai.items.iter().enumerate() {
        assert_eq!(
            item.text.as_deref(),
            Some(format!("WAI-SR item {}", n + 1).as_str())
        );
        if let ItemKind::Choice(options) = &item.kind {
            assert!(
                options.iter().all(|o| o.display.is_none()),
                "no anchor text shipped"
            );
        }
    }
    let labels: Vec<_> = r
        .get("srs")
        .unwrap()
        .items
        .iter()
        .map(|i| i.text.clone().unwrap())
        .collect();
    assert_eq!(
        labels,
        [
            "Relationship",
            "Goals and Topics",
            "Approach or Method",
            "Overall"
        ]
    );
    let labels: Vec<_> = r
        .get("ors")
        .unwrap()
        .items
        .iter()
        .map(|i| i.text.clone().unwrap())
        .collect();
    assert_eq!(
        labels,
        ["Individually", "Interpersonally", "Socially", "Overall"]
    );
    let phq = r.get("phq-9").unwrap();
    assert_eq!(
        phq.items[0].text.as_deref(),
        Some("Little interest or pleasure in doing things")
    );
}

#[test]
fn questionnaires_are_fhir_r4_with_item_weights() {
    for i in Registry::builtin().iter() {
        let q = &i.questionnaire;
        assert_eq!(q["resourceType"], "Questionnaire");
        assert_eq!(q["status"], "active");
        assert!(
            q["url"]
                .as_str()
                .unwrap()
                .ends_with(&format!("/Questionnaire/{}", i.id))
        );
        for item in q["item"].as_array().unwrap() {
            if item["type"] == "choice" {
                for option in item["answerOption"].as_array().unwrap() {
                    assert_eq!(
                        option["extension"][0]["url"],
                        "http://hl7.org/fhir/StructureDefinition/itemWeight"
                    );
                }
            }
        }
    }
}

#[test]
fn item_text_file_fills_wai_sr_text() {
    let r = Registry::builtin();
    let wai = r.get("wai-sr").unwrap();
    let texts = [("item1".to_string(), "Supplied".to_string())]
        .into_iter()
        .collect();
    let q = wai.questionnaire_with_text(&texts);
    assert_eq!(q["item"][0]["text"], "Supplied");
    assert_eq!(q["item"][1]["text"], "WAI-SR item 2");
}

/// LOINC codes of PHQ-9 (panel 44249-1) and GAD-7 (panel 69737-5), as LOINC publishes them.
const PHQ9_ITEMS: [&str; 10] = [
    "44250-9", "44255-8", "44259-0", "44254-1", "44251-7", "44258-2", "44252-5", "44253-3",
    "44260-8", "69722-7",
];
const GAD7_ITEMS: [&str; 7] = [
    "69725-0", "68509-9", "69733-4", "69734-2", "69735-9", "69689-8", "69736-7",
];

#[test]
fn phq9_and_gad7_items_carry_their_loinc_codes() {
    let r = Registry::builtin();
    for (id, panel, items, total) in [
        ("phq-9", "44249-1", &PHQ9_ITEMS[..], "44261-6"),
        ("gad-7", "69737-5", &GAD7_ITEMS[..], "70274-6"),
    ] {
        let i = r.get(id).unwrap();
        assert_eq!(i.codes[0].code, panel);
        assert_eq!(i.codes[0].system.as_deref(), Some("http://loinc.org"));
        let codes: Vec<&str> = i.items.iter().map(|it| it.codes[0].code.as_str()).collect();
        assert_eq!(codes, items, "{id}");
        assert!(
            i.items
                .iter()
                .all(|it| it.codes[0].system.as_deref() == Some("http://loinc.org"))
        );
        let t = i.total_item.as_ref().unwrap();
        assert_eq!(t.codes[0].code, total);
        // The total item is not answerable: the items, their ranges and totals are unchanged.
        assert!(i.item(&t.link_id).is_none());
        // The Questionnaire as printed carries them too.
        let q = i.questionnaire_with_text(&Default::default());
        let text = q.to_string();
        for code in items.iter().chain([&total, &panel]) {
            assert!(text.contains(&format!("\"{code}\"")), "{id} {code}");
        }
    }
    assert_eq!(r.get("phq-9").unwrap().total_range(), (0.0, 27.0));
    assert_eq!(r.get("gad-7").unwrap().total_range(), (0.0, 21.0));
}

#[test]
fn loinc_answer_codes_are_weighted_as_published() {
    use rapport_measures::ItemKind;
    let r = Registry::builtin();
    let frequency = [
        ("LA6568-5", 0.0),
        ("LA6569-3", 1.0),
        ("LA6570-1", 2.0),
        ("LA6571-9", 3.0),
    ];
    let difficulty = [
        ("LA6572-7", 0.0),
        ("LA6573-5", 1.0),
        ("LA6575-0", 2.0),
        ("LA6574-3", 3.0),
    ];
    for id in ["phq-9", "gad-7"] {
        for item in &r.get(id).unwrap().items {
            let ItemKind::Choice(options) = &item.kind else {
                panic!("{id} {} is not a choice", item.link_id);
            };
            let got: Vec<(&str, f64)> = options
                .iter()
                .map(|o| (o.code.as_str(), o.weight))
                .collect();
            let want = if item.codes[0].code == "69722-7" {
                &difficulty
            } else {
                &frequency
            };
            assert_eq!(got, want, "{id} {}", item.link_id);
            assert!(
                options
                    .iter()
                    .all(|o| o.system.as_deref() == Some("http://loinc.org"))
            );
        }
    }
}

#[test]
fn answer_weights_are_written_as_item_weight_and_ordinal_value() {
    let both = |q: &serde_json::Value| {
        for item in q["item"].as_array().unwrap() {
            for option in item["answerOption"].as_array().into_iter().flatten() {
                let urls: Vec<&str> = option["extension"]
                    .as_array()
                    .unwrap()
                    .iter()
                    .map(|e| e["url"].as_str().unwrap())
                    .collect();
                assert!(urls.contains(&"http://hl7.org/fhir/StructureDefinition/itemWeight"));
                assert!(urls.contains(&"http://hl7.org/fhir/StructureDefinition/ordinalValue"));
            }
        }
    };
    for i in Registry::builtin().iter() {
        // In the shipped file itself, not only in what is printed.
        both(&i.questionnaire);
        both(&i.questionnaire_with_text(&Default::default()));
    }
    // A clinic file that gives only R4's ordinalValue is printed with both.
    let text = String::from_utf8(crate::helpers::read_fixture("custom-instrument.json")).unwrap();
    let custom = rapport_measures::Instrument::from_json(&text, "custom-instrument.json").unwrap();
    let q = custom.questionnaire_with_text(&Default::default());
    let energy = &q["item"][1]["item"][1];
    assert_eq!(energy["linkId"], "energy");
    let urls: Vec<&str> = energy["answerOption"][2]["extension"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["url"].as_str().unwrap())
        .collect();
    assert_eq!(
        urls,
        [
            "http://hl7.org/fhir/StructureDefinition/ordinalValue",
            "http://hl7.org/fhir/StructureDefinition/itemWeight"
        ]
    );
    assert_eq!(energy["answerOption"][2]["extension"][1]["valueDecimal"], 4);
}

#[test]
fn instrument_ids_are_taken_as_people_spell_them() {
    let r = Registry::builtin();
    for (spelled, id) in [
        ("phq9", "phq-9"),
        ("PHQ-9", "phq-9"),
        ("PHQ9", "phq-9"),
        ("phq_9", "phq-9"),
        ("phq 9", "phq-9"),
        ("gad7", "gad-7"),
        ("GAD_7", "gad-7"),
        ("waisr", "wai-sr"),
        ("WAI-SR", "wai-sr"),
        ("wai_sr", "wai-sr"),
        ("SRS", "srs"),
    ] {
        assert_eq!(r.get(spelled).map(|i| i.id.as_str()), Some(id), "{spelled}");
    }
    assert!(r.get("phq").is_none());
    assert!(r.get("-").is_none());
}
