//! Property tests: reading, scoring and tracking never panic, whatever the input.

use proptest::prelude::*;
use rapport_measures::{Registry, Settings, load, load_csv, score_all, to_bundle, track};

fn run_everything(data: &[u8]) {
    let registry = Registry::builtin();
    let settings = Settings::default();
    if let Ok(responses) = load(data, "prop.csv", &registry) {
        // Whatever loads must score: the loaders only pass complete, in-range responses.
        let scored = score_all(&registry, &responses, &settings).expect("loaded responses score");
        let _ = track(&registry, &scored, &settings);
        let _ = to_bundle(&responses, &registry);
    }
}

const HEADER: &str = "client,session,date,instrument,relationship,goals,approach,overall,individual,interpersonal,social,item1,item2,item3,item4,item5,item6,item7,item8,item9,item10,item11,item12";

/// A cell that is often valid and sometimes not.
fn cell() -> impl Strategy<Value = String> {
    prop_oneof![
        Just(String::new()),
        (0u8..=6).prop_map(|n| n.to_string()),
        (0u32..=100).prop_map(|n| format!("{}", f64::from(n) / 10.0)),
        prop::sample::select(vec!["srs", "ors", "wai-sr", "phq-9", "gad-7", "PHQ-9", "x"])
            .prop_map(String::from),
        prop::sample::select(vec![
            "2026-01-05",
            "2026-02-30",
            "2026-1-5",
            "NaN",
            "-1",
            "1e999",
            "\"",
            ",",
            "\n"
        ])
        .prop_map(String::from),
        "\\PC{0,6}",
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 256, ..ProptestConfig::default() })]

    #[test]
    fn arbitrary_text_never_panics(text in "\\PC{0,400}") {
        run_everything(text.as_bytes());
    }

    #[test]
    fn arbitrary_bytes_never_panic(bytes in prop::collection::vec(any::<u8>(), 0..400)) {
        run_everything(&bytes);
    }

    #[test]
    fn arbitrary_rows_under_a_real_header_never_panic(
        rows in prop::collection::vec(
            (
                prop::sample::select(vec!["A", "B", ""]),
                prop::sample::select(vec!["1", "2", "3", "4", "x", ""]),
                prop::sample::select(vec!["2026-01-05", "2026-01-12", "2026-13-01"]),
                prop::sample::select(vec!["srs", "ors", "wai-sr", "phq-9", "gad-7", "nope"]),
                prop::collection::vec(cell(), 19),
            ),
            0..12,
        )
    ) {
        let mut csv = format!("{HEADER}\n");
        for (client, session, date, instrument, items) in rows {
            csv.push_str(&format!("{client},{session},{date},{instrument},{}\n", items.join(",")));
        }
        run_everything(csv.as_bytes());
    }

    #[test]
    fn valid_srs_series_track_without_panicking(
        totals in prop::collection::vec((0u32..=100, 0u32..=100, 0u32..=100, 0u32..=100), 1..15),
        gaps in prop::collection::vec(1u32..4, 15),
    ) {
        let mut csv = String::from("client,session,date,instrument,relationship,goals,approach,overall\n");
        let mut session = 0;
        for (n, (a, b, c, d)) in totals.iter().enumerate() {
            session += gaps[n];
            csv.push_str(&format!("A,{session},2026-01-05,srs,{},{},{},{}\n",
                f64::from(*a) / 10.0, f64::from(*b) / 10.0, f64::from(*c) / 10.0, f64::from(*d) / 10.0));
        }
        let registry = Registry::builtin();
        let responses = load_csv(csv.as_bytes(), "p.csv", &registry).unwrap();
        let scored = score_all(&registry, &responses, &Settings::default()).unwrap();
        let tracked = track(&registry, &scored, &Settings::default());
        for r in &tracked.clients[0].instruments[0].ruptures {
            prop_assert!(!r.rules.is_empty());
            if let Some(at) = r.repaired_at {
                prop_assert!(at > r.session && at <= r.session + 3);
            }
        }
    }

    #[test]
    fn arbitrary_json_bundles_never_panic(
        status in prop::sample::select(vec!["completed", "amended", "stopped"]),
        session in prop_oneof![Just(serde_json::json!(1)), Just(serde_json::json!(-1)), Just(serde_json::json!("x")), Just(serde_json::json!(1.5))],
        value in prop_oneof![Just(serde_json::json!({"valueDecimal": 5})), Just(serde_json::json!({"valueDecimal": 1e308})), Just(serde_json::json!({"valueString": "x"})), Just(serde_json::json!({"valueCoding": {"code": 3}}))],
    ) {
        let bundle = serde_json::json!({"resourceType": "Bundle", "entry": [{"resource": {
            "resourceType": "QuestionnaireResponse", "status": status,
            "extension": [{"url": rapport_measures::SESSION_EXTENSION_URL, "valueInteger": session}],
            "questionnaire": "https://rapport.invalid/fhir/Questionnaire/srs",
            "subject": {"identifier": {"value": "A"}}, "authored": "2026-01-05",
            "item": [{"linkId": "relationship", "answer": [value]}, {"linkId": "goals", "answer": []}, {"answer": [value]}]
        }}, {"nope": 1}, 3]});
        run_everything(bundle.to_string().as_bytes());
    }
}
