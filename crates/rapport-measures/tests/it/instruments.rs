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
