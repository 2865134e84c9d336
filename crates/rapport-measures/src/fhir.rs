//! FHIR R4 exchange: responses to and from a `Bundle` of `QuestionnaireResponse`s, so
//! scores move between Rapport and an EHR.
//!
//! # What Rapport writes
//! A `Bundle` of `type` `collection`; each entry's `resource` is a `QuestionnaireResponse`
//! with
//! - `questionnaire`: the instrument's canonical URL (`https://rapport.invalid/fhir/Questionnaire/srs`
//!   for the built-ins; a clinic's file sets its own);
//! - `status`: `completed`;
//! - `subject`: `{"identifier": {"value": CLIENT}}`, a logical reference by the clinic's
//!   own client identifier, because Rapport holds no `Patient` resources;
//! - `authored`: the date (`YYYY-MM-DD`, a valid FHIR `dateTime`);
//! - the session number in the extension [`SESSION_EXTENSION_URL`] as `valueInteger`;
//! - `item`: one per answered item, `linkId` and one `answer`: `valueDecimal` for
//!   decimal items (SRS, ORS), `valueInteger` for integer items, and for choice items the
//!   chosen `answerOption`'s own value (`valueCoding` with system, code and display where
//!   shipped; PHQ-9 and GAD-7 use the LOINC answer codes).
//!
//! # What Rapport reads
//! The same, and more leniently: `subject.reference` `Patient/ID` gives client `ID`;
//! `authored` may be a full `dateTime` (its date part is used); the `questionnaire` URL
//! may carry a `|version`; items may be nested in groups; a choice answer may be a
//! `valueCoding` (matched by code), or a `valueInteger`/`valueDecimal` holding the weight.
//! Only `completed` and `amended` responses are accepted. Entries that are not
//! `QuestionnaireResponse`s (a `Patient`, say) are skipped.

use std::collections::BTreeMap;

use serde_json::{Value, json};

use crate::error::{InputError, Location, Problems};
use crate::instrument::{Instrument, ItemKind, Registry};
use crate::response::{Response, SeenKeys, check_value, parse_date};

/// The extension on a `QuestionnaireResponse` that carries the session number.
pub const SESSION_EXTENSION_URL: &str =
    "https://rapport.invalid/fhir/StructureDefinition/session-number";

/// Writes responses as a FHIR R4 `Bundle` (type `collection`) of `QuestionnaireResponse`s.
/// Responses whose instrument is not in the registry are left out (the loaders never
/// produce them).
pub fn to_bundle(responses: &[Response], registry: &Registry) -> Value {
    let entries: Vec<Value> = responses
        .iter()
        .filter_map(|r| {
            let instrument = registry.get(&r.instrument)?;
            Some(json!({ "resource": questionnaire_response(r, instrument) }))
        })
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": entries,
    })
}

fn questionnaire_response(r: &Response, instrument: &Instrument) -> Value {
    let items: Vec<Value> = instrument
        .items
        .iter()
        .filter_map(|item| {
            let value = *r.answers.get(&item.link_id)?;
            let answer = match &item.kind {
                ItemKind::Numeric { integer: true, .. } => json!({ "valueInteger": value as i64 }),
                ItemKind::Numeric { .. } => json!({ "valueDecimal": value }),
                ItemKind::Choice(options) => {
                    // The answer repeats the chosen option's own value, as FHIR requires.
                    options.iter().find(|o| o.weight == value)?.answer.clone()
                }
            };
            Some(json!({ "linkId": item.link_id, "answer": [answer] }))
        })
        .collect();
    json!({
        "resourceType": "QuestionnaireResponse",
        "extension": [{ "url": SESSION_EXTENSION_URL, "valueInteger": r.session }],
        "questionnaire": instrument.url,
        "status": "completed",
        "subject": { "identifier": { "value": r.client } },
        "authored": r.date.format("%Y-%m-%d").to_string(),
        "item": items,
    })
}

/// Flattens (possibly nested) QuestionnaireResponse items into `(path, linkId, answer)`.
fn flatten_items<'a>(items: Option<&'a Value>, path: &str, out: &mut Vec<(String, &'a Value)>) {
    let Some(list) = items.and_then(Value::as_array) else {
        return;
    };
    for (n, item) in list.iter().enumerate() {
        let here = format!("{path}[{n}]");
        if item.get("answer").is_some() {
            out.push((here.clone(), item));
        }
        flatten_items(item.get("item"), &format!("{here}.item"), out);
    }
}

/// Reads the score an answer stands for, or says why not.
fn answer_value(instrument: &Instrument, link: &str, answer: &Value) -> Result<f64, String> {
    let item = instrument
        .item(link)
        .ok_or_else(|| format!("{link} is not an item of {}; remove it", instrument.id))?;
    let number = answer
        .get("valueDecimal")
        .or_else(|| answer.get("valueInteger"))
        .and_then(Value::as_f64);
    let value = match (&item.kind, number) {
        (ItemKind::Numeric { .. }, Some(v)) => v,
        (ItemKind::Numeric { .. }, None) => {
            return Err(format!(
                "{} {link} needs valueDecimal or valueInteger",
                instrument.id
            ));
        }
        (ItemKind::Choice(options), _) => {
            if let Some(coding) = answer.get("valueCoding") {
                let code = coding.get("code").and_then(Value::as_str).unwrap_or("");
                let system = coding.get("system").and_then(Value::as_str);
                options
                    .iter()
                    .find(|o| {
                        o.code == code
                            && match (system, &o.system) {
                                (Some(a), Some(b)) => a == b,
                                _ => true,
                            }
                    })
                    .map(|o| o.weight)
                    .ok_or_else(|| {
                        format!(
                            "code {code:?} is not an answer of {} {link}; use one of its answerOption codes",
                            instrument.id
                        )
                    })?
            } else if let Some(v) = number {
                // An integer answer names the option with that code, else its weight.
                options
                    .iter()
                    .find(|o| o.system.is_none() && o.code == format!("{v}"))
                    .map(|o| o.weight)
                    .unwrap_or(v)
            } else if let Some(s) = answer.get("valueString").and_then(Value::as_str) {
                options
                    .iter()
                    .find(|o| o.code == s || o.display.as_deref() == Some(s))
                    .map(|o| o.weight)
                    .ok_or_else(|| format!("{s:?} is not an answer of {} {link}", instrument.id))?
            } else {
                return Err(format!(
                    "{} {link} needs valueCoding, valueInteger or valueDecimal",
                    instrument.id
                ));
            }
        }
    };
    check_value(instrument, link, value, &format!("{value}"))
}

/// Reads responses from a FHIR `Bundle` of `QuestionnaireResponse`s (JSON bytes). Every
/// bad entry (up to 20 problems) is reported in one [`InputError`].
pub fn load_bundle(
    data: &[u8],
    file: &str,
    registry: &Registry,
) -> Result<Vec<Response>, InputError> {
    let data = data
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(data);
    let bundle: Value = serde_json::from_slice(data).map_err(|e| InputError {
        file: file.to_string(),
        problems: vec![crate::error::Problem {
            location: Location::JsonText {
                line: e.line(),
                column: e.column(),
            },
            message: format!("not valid JSON ({e}); fix the JSON or give a CSV file"),
        }],
        more: 0,
    })?;
    if bundle.get("resourceType").and_then(Value::as_str) != Some("Bundle") {
        return Err(InputError::whole_file(
            file,
            "the JSON is not a FHIR Bundle (resourceType must be \"Bundle\"); export one with rapport measures export --format fhir",
        ));
    }
    let mut problems = Problems::default();
    let mut responses = Vec::new();
    let mut seen = SeenKeys::default();
    let entries = bundle
        .get("entry")
        .and_then(Value::as_array)
        .map(Vec::as_slice)
        .unwrap_or_default();
    for (n, entry) in entries.iter().enumerate() {
        let path = format!("entry[{n}]");
        let Some(resource) = entry.get("resource") else {
            problems.push(
                Location::JsonPath(path),
                "the entry has no resource; remove it",
            );
            continue;
        };
        if resource.get("resourceType").and_then(Value::as_str) != Some("QuestionnaireResponse") {
            continue;
        }
        let at = |field: &str| Location::JsonPath(format!("{path}.resource.{field}"));
        let mut bad = false;

        let status = resource.get("status").and_then(Value::as_str).unwrap_or("");
        if !matches!(status, "completed" | "amended") {
            problems.push(
                at("status"),
                format!("status {status:?}; only completed or amended responses can be scored"),
            );
            bad = true;
        }
        let subject = resource.get("subject");
        let client = subject
            .and_then(|s| s.get("identifier"))
            .and_then(|i| i.get("value"))
            .and_then(Value::as_str)
            .or_else(|| {
                subject
                    .and_then(|s| s.get("reference"))
                    .and_then(Value::as_str)
                    .map(|r| r.strip_prefix("Patient/").unwrap_or(r))
            })
            .map(str::trim)
            .filter(|c| !c.is_empty());
        if client.is_none() {
            problems.push(
                at("subject"),
                "no client: give subject.identifier.value (or subject.reference Patient/ID)",
            );
            bad = true;
        }
        let session = resource
            .get("extension")
            .and_then(Value::as_array)
            .and_then(|exts| {
                exts.iter()
                    .find(|e| e.get("url").and_then(Value::as_str) == Some(SESSION_EXTENSION_URL))
            })
            .and_then(|e| e.get("valueInteger"))
            .and_then(Value::as_u64)
            .and_then(|s| u32::try_from(s).ok());
        if session.is_none() {
            problems.push(
                at("extension"),
                format!(
                    "no session number; add an extension {SESSION_EXTENSION_URL} with valueInteger"
                ),
            );
            bad = true;
        }
        let authored = resource
            .get("authored")
            .and_then(Value::as_str)
            .unwrap_or("");
        let date = parse_date(authored.get(..10).unwrap_or(authored))
            .filter(|_| authored.len() == 10 || authored.as_bytes().get(10) == Some(&b'T'));
        if date.is_none() {
            problems.push(
                at("authored"),
                format!("authored {authored:?} is not a date; write it like 2026-01-05"),
            );
            bad = true;
        }
        let canonical = resource
            .get("questionnaire")
            .and_then(Value::as_str)
            .unwrap_or("");
        let Some(instrument) = registry.by_url(canonical) else {
            problems.push(
                at("questionnaire"),
                format!(
                    "unknown questionnaire {canonical:?}; use a built-in instrument's URL (rapport measures questionnaire ID) or load it with --instrument-file"
                ),
            );
            continue;
        };
        let mut answered = Vec::new();
        flatten_items(
            resource.get("item"),
            &format!("{path}.resource.item"),
            &mut answered,
        );
        let mut answers = BTreeMap::new();
        let mut refused: Vec<&str> = Vec::new();
        for (item_path, item) in answered {
            let link = item.get("linkId").and_then(Value::as_str).unwrap_or("");
            let first = item
                .get("answer")
                .and_then(Value::as_array)
                .and_then(|a| a.first());
            let Some(answer) = first else {
                continue;
            };
            match answer_value(instrument, link, answer) {
                Ok(v) => {
                    if answers.insert(link.to_string(), v).is_some() {
                        problems.push(
                            Location::JsonPath(item_path),
                            format!("{link} is answered twice; keep one"),
                        );
                        bad = true;
                    }
                }
                Err(message) => {
                    problems.push(Location::JsonPath(item_path), message);
                    refused.push(link);
                    bad = true;
                }
            }
        }
        for item in instrument.items.iter().filter(|i| i.required) {
            if !answers.contains_key(&item.link_id) && !refused.contains(&item.link_id.as_str()) {
                problems.push(
                    at("item"),
                    format!(
                        "{} item {} has no answer; every scored item needs one",
                        instrument.id, item.link_id
                    ),
                );
                bad = true;
            }
        }
        if bad {
            continue;
        }
        if let (Some(client), Some(session), Some(date)) = (client, session, date) {
            let response = Response {
                client: client.to_string(),
                session,
                date,
                instrument: instrument.id.clone(),
                answers,
            };
            if let Some(first) = seen.check(&response, path.clone()) {
                problems.push(
                    Location::JsonPath(path),
                    format!(
                        "client {}, session {}, {} already appears in {first}; keep one",
                        response.client, response.session, response.instrument
                    ),
                );
                continue;
            }
            responses.push(response);
        }
    }
    problems.into_result(file, responses)
}

/// The order FHIR's own examples write common elements in; others follow alphabetically.
const KEY_ORDER: [&str; 30] = [
    "resourceType",
    "id",
    "meta",
    "url",
    "identifier",
    "version",
    "name",
    "title",
    "status",
    "type",
    "subjectType",
    "date",
    "publisher",
    "description",
    "copyright",
    "code",
    "extension",
    "questionnaire",
    "subject",
    "authored",
    "linkId",
    "system",
    "display",
    "text",
    "required",
    "answerOption",
    "answer",
    "item",
    "entry",
    "resource",
];

struct Ordered<'a>(&'a Value);

impl serde::Serialize for Ordered<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::{SerializeMap, SerializeSeq};
        match self.0 {
            Value::Object(map) => {
                let mut keys: Vec<&String> = map.keys().collect();
                keys.sort_by_key(|k| {
                    (
                        KEY_ORDER
                            .iter()
                            .position(|o| o == k)
                            .unwrap_or(KEY_ORDER.len()),
                        k.as_str(),
                    )
                });
                let mut out = serializer.serialize_map(Some(keys.len()))?;
                for k in keys {
                    out.serialize_entry(k, &Ordered(&map[k]))?;
                }
                out.end()
            }
            Value::Array(list) => {
                let mut out = serializer.serialize_seq(Some(list.len()))?;
                for v in list {
                    out.serialize_element(&Ordered(v))?;
                }
                out.end()
            }
            other => other.serialize(serializer),
        }
    }
}

/// Pretty-prints FHIR JSON with `resourceType` first and common elements in FHIR's
/// usual order (serde_json's own maps sort keys alphabetically).
pub fn to_json_pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(&Ordered(value)).unwrap_or_default();
    text.push('\n');
    text
}
