//! FHIR Bundle export and import.

use rapport_measures::{Location, Registry, Settings, load, load_bundle, score_all, to_bundle};
use serde_json::{Value, json};

use crate::helpers::read_fixture;

fn caseload_bundle() -> Value {
    let registry = Registry::builtin();
    let responses = load(&read_fixture("caseload.csv"), "caseload.csv", &registry).unwrap();
    to_bundle(&responses, &registry)
}

#[test]
fn csv_to_bundle_to_score_equals_csv_to_score() {
    let registry = Registry::builtin();
    let from_csv = load(&read_fixture("caseload.csv"), "caseload.csv", &registry).unwrap();
    let bundle = rapport_measures::fhir::to_json_pretty(&to_bundle(&from_csv, &registry));
    let from_bundle = load(bundle.as_bytes(), "caseload.json", &registry).unwrap();
    assert_eq!(from_bundle, from_csv);
    let settings = Settings::default();
    assert_eq!(
        score_all(&registry, &from_bundle, &settings).unwrap(),
        score_all(&registry, &from_csv, &settings).unwrap()
    );
}

#[test]
fn bundle_shape_is_fhir_r4() {
    let bundle = caseload_bundle();
    assert_eq!(bundle["resourceType"], "Bundle");
    assert_eq!(bundle["type"], "collection");
    let entries = bundle["entry"].as_array().unwrap();
    assert_eq!(entries.len(), 17);
    let srs = &entries[0]["resource"];
    assert_eq!(srs["resourceType"], "QuestionnaireResponse");
    assert_eq!(srs["status"], "completed");
    assert_eq!(
        srs["questionnaire"],
        "https://rapport.invalid/fhir/Questionnaire/srs"
    );
    assert_eq!(srs["subject"], json!({"identifier": {"value": "A"}}));
    assert_eq!(srs["authored"], "2026-01-05");
    assert_eq!(
        srs["extension"],
        json!([{"url": "https://rapport.invalid/fhir/StructureDefinition/session-number", "valueInteger": 1}])
    );
    assert_eq!(
        srs["item"][0],
        json!({"linkId": "relationship", "answer": [{"valueDecimal": 10.0}]})
    );
    // PHQ-9 answers are the LOINC answer codings of the questionnaire's options, with
    // their weights as R5 (itemWeight) and R4 (ordinalValue) read them.
    let weights = |w: i64| {
        json!([
            {"url": "http://hl7.org/fhir/StructureDefinition/itemWeight", "valueDecimal": w},
            {"url": "http://hl7.org/fhir/StructureDefinition/ordinalValue", "valueDecimal": w}
        ])
    };
    let phq = &entries[3]["resource"];
    assert_eq!(
        phq["questionnaire"],
        "https://rapport.invalid/fhir/Questionnaire/phq-9"
    );
    assert_eq!(
        phq["item"][0]["answer"][0]["valueCoding"],
        json!({"system": "http://loinc.org", "code": "LA6570-1", "display": "More than half the days", "extension": weights(2)})
    );
    // WAI-SR answers carry codes only.
    let wai = &entries[2]["resource"];
    assert_eq!(
        wai["item"][0]["answer"][0]["valueCoding"],
        json!({"system": "https://rapport.invalid/fhir/CodeSystem/wai-sr-answer", "code": "4", "extension": weights(4)})
    );
    // Every entry has a fullUrl, a urn:uuid, each its own.
    let urls: std::collections::HashSet<&str> = entries
        .iter()
        .map(|e| e["fullUrl"].as_str().unwrap())
        .collect();
    assert_eq!(urls.len(), entries.len());
    assert!(
        urls.iter()
            .all(|u| u.starts_with("urn:uuid:") && u.len() == 45)
    );
}

#[test]
fn pretty_json_puts_resource_type_first() {
    let text = rapport_measures::fhir::to_json_pretty(&caseload_bundle());
    assert!(text.starts_with("{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\","));
}

fn one_response(resource: Value) -> Value {
    json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": {"resourceType": "Patient", "id": "p1"}},
        {"resource": resource}
    ]})
}

fn srs_resource() -> Value {
    json!({
        "resourceType": "QuestionnaireResponse",
        "extension": [{"url": "https://rapport.invalid/fhir/StructureDefinition/session-number", "valueInteger": 2}],
        "questionnaire": "https://rapport.invalid/fhir/Questionnaire/srs|1",
        "status": "amended",
        "subject": {"reference": "Patient/p1"},
        "authored": "2026-01-12T10:30:00+01:00",
        "item": [{"linkId": "group", "item": [
            {"linkId": "relationship", "answer": [{"valueDecimal": 9}]},
            {"linkId": "goals", "answer": [{"valueInteger": 9}]},
            {"linkId": "approach", "answer": [{"valueDecimal": 9.5}]},
            {"linkId": "overall", "answer": [{"valueDecimal": 9.5}]}
        ]}]
    })
}

#[test]
fn import_is_lenient_where_fhir_allows() {
    let text = one_response(srs_resource()).to_string();
    let responses = load_bundle(text.as_bytes(), "in.json", &Registry::builtin()).unwrap();
    assert_eq!(responses.len(), 1);
    let r = &responses[0];
    assert_eq!(
        (r.client.as_str(), r.session, r.instrument.as_str()),
        ("p1", 2, "srs")
    );
    assert_eq!(r.date.to_string(), "2026-01-12");
    assert_eq!(r.answers.values().sum::<f64>(), 37.0);
}

#[test]
fn import_names_every_bad_entry() {
    let mut bad = srs_resource();
    bad["item"][0]["item"][0]["answer"][0]["valueDecimal"] = json!(11);
    bad["status"] = json!("in-progress");
    bad["extension"] = json!([{"url": "https://rapport.invalid/fhir/StructureDefinition/session-number", "valueString": "two"}]);
    bad["authored"] = json!("12/01/2026");
    let mut unknown = srs_resource();
    unknown["questionnaire"] = json!("https://example.org/Questionnaire/bdi");
    let mut phq = json!({
        "resourceType": "QuestionnaireResponse",
        "extension": [{"url": "https://rapport.invalid/fhir/StructureDefinition/session-number", "valueInteger": 1}],
        "questionnaire": "https://rapport.invalid/fhir/Questionnaire/phq-9",
        "status": "completed",
        "subject": {"identifier": {"value": "A"}},
        "authored": "2026-01-05",
        "item": []
    });
    phq["item"] = json!([{"linkId": "item1", "answer": [{"valueCoding": {"system": "http://loinc.org", "code": "LA9999-9"}}]}]);
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": bad}, {"resource": unknown}, {"resource": phq}
    ]});
    let err = load_bundle(
        bundle.to_string().as_bytes(),
        "in.json",
        &Registry::builtin(),
    )
    .unwrap_err();
    let paths: Vec<String> = err
        .problems
        .iter()
        .map(|p| match &p.location {
            Location::JsonPath(path) => path.clone(),
            other => panic!("{other:?}"),
        })
        .collect();
    assert_eq!(
        paths[..6],
        [
            "entry[0].resource.status",
            "entry[0].resource.extension",
            "entry[0].resource.authored",
            "entry[0].resource.item[0].item[0]",
            "entry[1].resource.questionnaire",
            "entry[2].resource.item[0]",
        ]
    );
    assert!(err.problems[5].message.contains("LA9999-9"));
    // Then PHQ-9's eight unanswered items.
    assert!(
        err.problems[6]
            .message
            .contains("phq-9 item item2 has no answer")
    );
    assert!(err.to_string().starts_with("in.json: 14 problems"));
}

#[test]
fn invalid_json_gives_line_and_column() {
    let err = load(
        b"{\n  \"resourceType\": \"Bundle\",\n  oops\n}",
        "in.json",
        &Registry::builtin(),
    )
    .unwrap_err();
    assert_eq!(
        err.problems[0].location,
        Location::JsonText { line: 3, column: 3 }
    );
    let err = load(
        b"{\"resourceType\": \"Patient\"}",
        "in.json",
        &Registry::builtin(),
    )
    .unwrap_err();
    assert!(err.problems[0].message.contains("not a FHIR Bundle"));
}

#[test]
fn duplicate_responses_in_a_bundle_are_refused() {
    let bundle = json!({"resourceType": "Bundle", "type": "collection", "entry": [
        {"resource": srs_resource()}, {"resource": srs_resource()}
    ]});
    let err = load_bundle(
        bundle.to_string().as_bytes(),
        "in.json",
        &Registry::builtin(),
    )
    .unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert!(
        err.problems[0]
            .to_string()
            .starts_with("entry[1]: client p1, session 2, srs already appears in entry[0]")
    );
}

fn load_fhir_fixture(name: &str) -> Result<rapport_measures::Loaded, rapport_measures::InputError> {
    rapport_measures::load_with_notices(
        &read_fixture(&format!("fhir/{name}")),
        name,
        &Registry::builtin(),
    )
}

/// (client, session, date, instrument, total) of each response, in file order.
fn summary(responses: &[rapport_measures::Response]) -> Vec<(String, u32, String, String, f64)> {
    let registry = Registry::builtin();
    let report = score_all(&registry, responses, &Settings::default()).unwrap();
    responses
        .iter()
        .zip(&report.responses)
        .map(|(r, s)| {
            (
                r.client.clone(),
                r.session,
                r.date.to_string(),
                r.instrument.clone(),
                s.total,
            )
        })
        .collect()
}

fn row(
    client: &str,
    session: u32,
    date: &str,
    instrument: &str,
    total: f64,
) -> (String, u32, String, String, f64) {
    (
        client.into(),
        session,
        date.into(),
        instrument.into(),
        total,
    )
}

#[test]
fn responses_without_session_numbers_are_numbered_by_authored() {
    let loaded = load_fhir_fixture("ehr-no-session.json").unwrap();
    // PHQ-9 and GAD-7 on 5 January are one session; the entries are out of order.
    assert_eq!(
        summary(&loaded.responses),
        [
            row("p1", 3, "2026-02-02", "phq-9", 4.0),
            row("p1", 1, "2026-01-05", "phq-9", 12.0),
            row("p1", 1, "2026-01-05", "gad-7", 10.0),
            row("p1", 2, "2026-01-19", "phq-9", 9.0),
            row("p2", 1, "2026-03-01", "gad-7", 1.0),
        ]
    );
    assert_eq!(loaded.notices.len(), 1);
    let notice = &loaded.notices[0];
    assert!(
        notice.starts_with("ehr-no-session.json: 5 responses (2 clients) carry no session number"),
        "{notice}"
    );
    assert!(notice.contains("authored"), "{notice}");
    // The same responses with their numbers export and read back without a notice.
    let registry = Registry::builtin();
    let again = rapport_measures::load_with_notices(
        to_bundle(&loaded.responses, &registry)
            .to_string()
            .as_bytes(),
        "again.json",
        &registry,
    )
    .unwrap();
    assert_eq!(again.responses, loaded.responses);
    assert!(again.notices.is_empty());
}

#[test]
fn a_second_response_to_one_instrument_on_a_date_is_the_next_session() {
    let mut bundle: Value =
        serde_json::from_slice(&read_fixture("fhir/ehr-no-session.json")).unwrap();
    // p2 answers GAD-7 twice on 1 March.
    let copy = bundle["entry"][5].clone();
    bundle["entry"].as_array_mut().unwrap().push(copy);
    bundle["entry"][6]["resource"]["authored"] = json!("2026-03-01T17:00:00Z");
    let responses = load_bundle(
        bundle.to_string().as_bytes(),
        "in.json",
        &Registry::builtin(),
    )
    .unwrap();
    let p2: Vec<u32> = responses
        .iter()
        .filter(|r| r.client == "p2")
        .map(|r| r.session)
        .collect();
    assert_eq!(p2, [1, 2]);
}

#[test]
fn mixing_numbered_and_unnumbered_responses_of_a_client_is_refused() {
    let err = load_fhir_fixture("mixed-sessions.json").unwrap_err();
    assert_eq!(err.problems.len(), 1);
    assert_eq!(
        err.problems[0].location,
        Location::JsonPath("entry[1].resource.extension".into())
    );
    assert!(err.problems[0].message.contains("client p3"));
    assert!(err.problems[0].message.contains("session-number"));
}

#[test]
fn lhc_forms_linkids_are_loinc_codes() {
    let loaded = load_fhir_fixture("lhc-forms-phq9.json").unwrap();
    assert_eq!(
        summary(&loaded.responses),
        [row("p7", 1, "2026-04-06", "phq-9", 12.0)]
    );
    let r = &loaded.responses[0];
    // The difficulty item (69722-7) is read; the total item (44261-6) is Rapport's to compute.
    assert_eq!(r.answers["item1"], 3.0);
    assert_eq!(r.answers["item10"], 1.0);
    assert_eq!(r.answers.len(), 10);
}

#[test]
fn other_canonical_urls_and_item_codes_name_phq9() {
    // HL7 SDC's example URL, then `Questionnaire/44249-1`; items known by item.code,
    // answers by an ordinalValue extension on a coding Rapport does not know.
    let loaded = load_fhir_fixture("sdc-phq9.json").unwrap();
    assert_eq!(
        summary(&loaded.responses),
        [
            row("p8", 1, "2026-05-04", "phq-9", 9.0),
            row("p8", 2, "2026-05-11", "phq-9", 4.0),
        ]
    );
    let registry = Registry::builtin();
    for url in [
        "http://hl7.org/fhir/Questionnaire/phq-9-questionnaire",
        "http://loinc.org/q/44249-1",
        "Questionnaire/44249-1",
        "http://loinc.org/q/44249-1|2.72",
        "https://ehr.example.org/fhir/Questionnaire/PHQ9",
    ] {
        assert_eq!(
            registry.by_url(url).map(|i| i.id.as_str()),
            Some("phq-9"),
            "{url}"
        );
    }
    assert_eq!(
        registry
            .by_url("http://loinc.org/q/69737-5")
            .map(|i| i.id.as_str()),
        Some("gad-7")
    );
    assert!(
        registry
            .by_url("https://example.org/Questionnaire/bdi")
            .is_none()
    );
}

#[test]
fn a_response_without_questionnaire_is_recognised_by_item_codes() {
    // GAD-7 with no `questionnaire`; answers weighted by R5's itemWeight on the answer.
    let loaded = load_fhir_fixture("gad7-by-code.json").unwrap();
    assert_eq!(
        summary(&loaded.responses),
        [row("p9", 1, "2026-06-01", "gad-7", 11.0)]
    );
}

#[test]
fn an_unknown_answer_code_without_a_weight_is_refused() {
    let mut bundle: Value =
        serde_json::from_slice(&read_fixture("fhir/gad7-by-code.json")).unwrap();
    let answer = &mut bundle["entry"][0]["resource"]["item"][1]["answer"][0];
    answer.as_object_mut().unwrap().remove("extension");
    let err = load_bundle(
        bundle.to_string().as_bytes(),
        "in.json",
        &Registry::builtin(),
    )
    .unwrap_err();
    assert_eq!(
        err.problems[0].location,
        Location::JsonPath("entry[0].resource.item[1]".into())
    );
    let message = &err.problems[0].message;
    assert!(
        message.contains("\"f3\"") && message.contains("gad-7 item2 (g2)"),
        "{message}"
    );
    assert!(
        message.contains("LA6568-5") && message.contains("ordinalValue"),
        "{message}"
    );
}

#[test]
fn exported_phq9_carries_loinc_item_codes_and_total() {
    let registry = Registry::builtin();
    let responses = load(
        &read_fixture("fhir/lhc-forms-phq9.json"),
        "in.json",
        &registry,
    )
    .unwrap();
    let bundle = to_bundle(&responses, &registry);
    let qr = &bundle["entry"][0]["resource"];
    let items = qr["item"].as_array().unwrap();
    assert_eq!(items[0]["linkId"], "item1");
    assert_eq!(
        items[0]["code"],
        json!([{"system": "http://loinc.org", "code": "44250-9"}])
    );
    assert_eq!(items[9]["code"][0]["code"], "69722-7");
    let total = items.last().unwrap();
    assert_eq!(
        total["code"],
        json!([{"system": "http://loinc.org", "code": "44261-6"}])
    );
    assert_eq!(total["answer"], json!([{"valueInteger": 12}]));
    // GAD-7's total is 70274-6; SRS has no total item.
    let gad = load(
        &read_fixture("fhir/gad7-by-code.json"),
        "in.json",
        &registry,
    )
    .unwrap();
    let bundle = to_bundle(&gad, &registry);
    let last = bundle["entry"][0]["resource"]["item"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(last["code"][0]["code"], "70274-6");
    assert_eq!(last["answer"][0]["valueInteger"], 11);
    let srs = caseload_bundle();
    assert!(!srs["entry"][0]["resource"].to_string().contains("total"));
}

#[test]
fn streamed_bundle_equals_the_pretty_printed_one() {
    let registry = Registry::builtin();
    let responses = load(&read_fixture("caseload.csv"), "caseload.csv", &registry).unwrap();
    let mut streamed = Vec::new();
    rapport_measures::write_bundle(&responses, &registry, &mut streamed).unwrap();
    let whole = rapport_measures::fhir::to_json_pretty(&to_bundle(&responses, &registry));
    assert_eq!(String::from_utf8(streamed).unwrap(), whole);
    let mut empty = Vec::new();
    rapport_measures::write_bundle(&[], &registry, &mut empty).unwrap();
    assert_eq!(
        String::from_utf8(empty).unwrap(),
        rapport_measures::fhir::to_json_pretty(&to_bundle(&[], &registry))
    );
}
