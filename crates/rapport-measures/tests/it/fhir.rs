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
    // PHQ-9 answers are the LOINC answer codings of the questionnaire's options.
    let phq = &entries[3]["resource"];
    assert_eq!(
        phq["questionnaire"],
        "https://rapport.invalid/fhir/Questionnaire/phq-9"
    );
    assert_eq!(
        phq["item"][0]["answer"][0]["valueCoding"],
        json!({"system": "http://loinc.org", "code": "LA6570-1", "display": "More than half the days"})
    );
    // WAI-SR answers carry codes only.
    let wai = &entries[2]["resource"];
    assert_eq!(
        wai["item"][0]["answer"][0]["valueCoding"],
        json!({"system": "https://rapport.invalid/fhir/CodeSystem/wai-sr-answer", "code": "4"})
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
    bad["extension"] = json!([]);
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
