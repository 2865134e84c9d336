//! FHIR R4 exchange: responses to and from a `Bundle` of `QuestionnaireResponse`s, so
//! scores move between Rapport and an EHR.
//!
//! # What Rapport writes
//! A `Bundle` of `type` `collection`, written entry by entry ([`write_bundle`]) so a
//! large export never sits whole in memory. Each entry has a `fullUrl`, a `urn:uuid:`
//! derived from the instrument, client and session (the same response always gets the
//! same one: an RFC 9562 version 8 UUID from SHA-256), and as `resource` a
//! `QuestionnaireResponse` with
//! - `questionnaire`: the instrument's canonical URL (`https://rapport.invalid/fhir/Questionnaire/srs`
//!   for the built-ins; a clinic's file sets its own);
//! - `status`: `completed`;
//! - `subject`: `{"identifier": {"value": CLIENT}}`, a logical reference by the clinic's
//!   own client identifier, because Rapport holds no `Patient` resources;
//! - `authored`: the date (`YYYY-MM-DD`, a valid FHIR `dateTime`);
//! - the session number in the extension [`SESSION_EXTENSION_URL`] as `valueInteger`;
//! - `item`: one per answered item, `linkId`, the item's `code`s where the
//!   questionnaire gives them (PHQ-9 and GAD-7: LOINC), and one `answer`:
//!   `valueDecimal` for decimal items (SRS, ORS), `valueInteger` for integer items, and
//!   for choice items the chosen `answerOption`'s own value (`valueCoding` with system,
//!   code and display where shipped; PHQ-9 and GAD-7 use the LOINC answer codes), the
//!   coding carrying its weight as both `itemWeight` (FHIR R5) and `ordinalValue`
//!   (FHIR R4);
//! - where the questionnaire has a read-only total item (PHQ-9: LOINC 44261-6, GAD-7:
//!   70274-6), that item with the total.
//!
//! FHIR R4's `QuestionnaireResponse.item` has no `code` element of its own (the codes
//! live on the Questionnaire's items); Rapport writes one anyway so that a reader
//! without the Questionnaire still knows each item by its LOINC code, as Rapport's own
//! reader does. A strict validator may warn about it.
//!
//! # What Rapport reads
//! The same, and what EHRs and form tools write:
//! - `subject.reference` `Patient/ID` gives client `ID`; `authored` may be a full
//!   `dateTime` (its date part is the date).
//! - The instrument is the one whose canonical URL `questionnaire` names (a `|version`
//!   is ignored), or another publisher's URL for the same form: LOINC's
//!   `http://loinc.org/q/44249-1`, `Questionnaire/44249-1`, HL7 SDC's
//!   `http://hl7.org/fhir/Questionnaire/phq-9-questionnaire` (see [`Registry::by_url`]).
//!   Without such a URL, the instrument is recognised by its panel or item codes
//!   ([`Registry::by_codes`]).
//! - An item is matched by `linkId`, else by code: the last segment of a `linkId` such
//!   as `/44250-9` (as LOINC's LHC-Forms write them) or a coding in the item's `code`.
//!   Items may be nested in groups. The total item is skipped: Rapport computes it.
//! - A choice answer may be a `valueCoding` (matched by code, e.g. LOINC `LA6569-3`;
//!   failing that, by an `itemWeight` or `ordinalValue` extension on the coding or the
//!   answer), or a `valueInteger`/`valueDecimal` holding the weight.
//! - The session number may be missing, as it is from every EHR: then each client's
//!   responses are ordered by `authored` and numbered 1..n, one session per date (a
//!   second response to the same instrument on one date starts another), and a notice
//!   says so ([`load_bundle_with_notices`]). A client's responses either all carry the
//!   number or none do.
//!
//! Only `completed` and `amended` responses are accepted. Entries that are not
//! `QuestionnaireResponse`s (a `Patient`, say) are skipped.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::io::Write;

use serde_json::{Map, Value, json};
use sha2::{Digest, Sha256};

use crate::error::{InputError, Location, Problems};
use crate::instrument::{
    ITEM_WEIGHT_URL, Instrument, Item, ItemKind, ORDINAL_VALUE_URL, Registry, extension_value,
};
use crate::response::{Loaded, Response, SeenKeys, check_value, parse_date};

/// The extension on a `QuestionnaireResponse` that carries the session number.
pub const SESSION_EXTENSION_URL: &str =
    "https://rapport.invalid/fhir/StructureDefinition/session-number";

/// Writes responses as a FHIR R4 `Bundle` (type `collection`) of `QuestionnaireResponse`s.
/// Responses whose instrument is not in the registry are left out (the loaders never
/// produce them). For large exports use [`write_bundle`], which streams.
pub fn to_bundle(responses: &[Response], registry: &Registry) -> Value {
    let entries: Vec<Value> = responses
        .iter()
        .filter_map(|r| Some(bundle_entry(r, registry.get(&r.instrument)?)))
        .collect();
    json!({
        "resourceType": "Bundle",
        "type": "collection",
        "entry": entries,
    })
}

/// Writes the same Bundle as [`to_bundle`], pretty-printed as [`to_json_pretty`] would,
/// one entry at a time: memory stays that of one entry however many there are.
pub fn write_bundle<W: Write>(
    responses: &[Response],
    registry: &Registry,
    mut out: W,
) -> std::io::Result<()> {
    out.write_all(
        b"{\n  \"resourceType\": \"Bundle\",\n  \"type\": \"collection\",\n  \"entry\": [",
    )?;
    let mut buf = Vec::new();
    let mut first = true;
    for r in responses {
        let Some(instrument) = registry.get(&r.instrument) else {
            continue;
        };
        let entry = bundle_entry(r, instrument);
        buf.clear();
        serde_json::to_writer_pretty(&mut buf, &Ordered(&entry))?;
        out.write_all(if first { b"\n" } else { b",\n" })?;
        first = false;
        // Indent the entry's lines to its depth (JSON strings hold no raw newlines).
        for (n, line) in buf.split(|b| *b == b'\n').enumerate() {
            if n > 0 {
                out.write_all(b"\n")?;
            }
            out.write_all(b"    ")?;
            out.write_all(line)?;
        }
    }
    out.write_all(if first { b"]\n}\n" } else { b"\n  ]\n}\n" })?;
    out.flush()
}

/// A name-based UUID (RFC 9562 version 8, from SHA-256) for a response.
fn entry_uuid(r: &Response, instrument: &Instrument) -> String {
    let mut hasher = Sha256::new();
    for part in [instrument.url.as_str(), r.client.as_str()] {
        hasher.update(part.as_bytes());
        hasher.update([0]);
    }
    hasher.update(r.session.to_be_bytes());
    let hash = hasher.finalize();
    let mut b = [0u8; 16];
    b.copy_from_slice(&hash[..16]);
    b[6] = (b[6] & 0x0f) | 0x80;
    b[8] = (b[8] & 0x3f) | 0x80;
    let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "urn:uuid:{}-{}-{}-{}-{}",
        &hex[0..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..32]
    )
}

fn bundle_entry(r: &Response, instrument: &Instrument) -> Value {
    json!({
        "fullUrl": entry_uuid(r, instrument),
        "resource": questionnaire_response(r, instrument),
    })
}

/// A weight as JSON: whole numbers without a fraction, as instrument files write them.
fn weight_json(w: f64) -> Value {
    if w.fract() == 0.0 && w.abs() < 1e15 {
        json!(w as i64)
    } else {
        json!(w)
    }
}

fn codes_json(codes: &[crate::instrument::Code]) -> Value {
    Value::Array(
        codes
            .iter()
            .map(|c| {
                let mut m = Map::new();
                if let Some(system) = &c.system {
                    m.insert("system".into(), json!(system));
                }
                m.insert("code".into(), json!(c.code));
                Value::Object(m)
            })
            .collect(),
    )
}

fn questionnaire_response(r: &Response, instrument: &Instrument) -> Value {
    let mut items: Vec<Value> = instrument
        .items
        .iter()
        .filter_map(|item| {
            let value = *r.answers.get(&item.link_id)?;
            let answer = match &item.kind {
                ItemKind::Numeric { integer: true, .. } => json!({ "valueInteger": value as i64 }),
                ItemKind::Numeric { .. } => json!({ "valueDecimal": value }),
                ItemKind::Choice(options) => {
                    // The answer repeats the chosen option's own value, as FHIR requires,
                    // with its weight for readers that lack the questionnaire.
                    let mut answer = options.iter().find(|o| o.weight == value)?.answer.clone();
                    if let Some(coding) =
                        answer.get_mut("valueCoding").and_then(Value::as_object_mut)
                    {
                        coding.insert(
                            "extension".into(),
                            json!([
                                { "url": ITEM_WEIGHT_URL, "valueDecimal": weight_json(value) },
                                { "url": ORDINAL_VALUE_URL, "valueDecimal": weight_json(value) },
                            ]),
                        );
                    }
                    answer
                }
            };
            let mut out = Map::new();
            out.insert("linkId".into(), json!(item.link_id));
            if !item.codes.is_empty() {
                out.insert("code".into(), codes_json(&item.codes));
            }
            out.insert("answer".into(), json!([answer]));
            Some(Value::Object(out))
        })
        .collect();
    if let Some(total_item) = &instrument.total_item {
        let total: f64 = instrument
            .total_items
            .iter()
            .filter_map(|l| r.answers.get(l))
            .sum();
        let answer = if total_item.integer && total.fract() == 0.0 {
            json!({ "valueInteger": total as i64 })
        } else {
            json!({ "valueDecimal": total })
        };
        let mut out = Map::new();
        out.insert("linkId".into(), json!(total_item.link_id));
        if !total_item.codes.is_empty() {
            out.insert("code".into(), codes_json(&total_item.codes));
        }
        out.insert("answer".into(), json!([answer]));
        items.push(Value::Object(out));
    }
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

/// Flattens (possibly nested) QuestionnaireResponse items into `(path, item)` for those
/// with answers.
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

/// The codes a response's items (groups included) are identified by: the last segment
/// of each `linkId` and each coding in `code`.
fn response_codes<'a>(items: Option<&'a Value>, out: &mut Vec<&'a str>) {
    let Some(list) = items.and_then(Value::as_array) else {
        return;
    };
    for item in list {
        if let Some(link) = item.get("linkId").and_then(Value::as_str) {
            out.push(last_segment(link));
        }
        for coding in item
            .get("code")
            .and_then(Value::as_array)
            .into_iter()
            .flatten()
        {
            if let Some(code) = coding.get("code").and_then(Value::as_str) {
                out.push(code);
            }
        }
        response_codes(item.get("item"), out);
    }
}

fn last_segment(link: &str) -> &str {
    link.rsplit('/').next().unwrap_or(link)
}

/// What a response item answers.
enum Target<'a> {
    Item(&'a Item),
    Total,
    Unknown,
}

/// Matches a response item to the instrument's item: by `linkId`, then by the code its
/// `linkId` ends in, then by its `code`s.
fn target<'a>(instrument: &'a Instrument, item: &Value, link: &str) -> Target<'a> {
    if let Some(found) = instrument.item(link) {
        return Target::Item(found);
    }
    if instrument
        .total_item
        .as_ref()
        .is_some_and(|t| t.link_id == link)
    {
        return Target::Total;
    }
    let last = last_segment(link);
    if !last.is_empty() {
        if let Some(found) = instrument.item_by_code(None, last) {
            return Target::Item(found);
        }
        if instrument.is_total_code(None, last) {
            return Target::Total;
        }
    }
    for coding in item
        .get("code")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let system = coding.get("system").and_then(Value::as_str);
        let Some(code) = coding.get("code").and_then(Value::as_str) else {
            continue;
        };
        if let Some(found) = instrument.item_by_code(system, code) {
            return Target::Item(found);
        }
        if instrument.is_total_code(system, code) {
            return Target::Total;
        }
    }
    Target::Unknown
}

/// The weight an `itemWeight` or `ordinalValue` extension gives, on the coding or the
/// answer.
fn answer_weight(answer: &Value) -> Option<f64> {
    let urls = [ITEM_WEIGHT_URL, ORDINAL_VALUE_URL];
    answer
        .get("valueCoding")
        .and_then(|c| extension_value(c, &urls))
        .or_else(|| extension_value(answer, &urls))
        .and_then(|v| v.as_f64())
}

/// Reads the score an answer stands for, or says why not. `link` is the linkId as the
/// response wrote it.
fn answer_value(
    instrument: &Instrument,
    item: &Item,
    link: &str,
    answer: &Value,
) -> Result<f64, String> {
    let name = if item.link_id == link {
        format!("{} {link}", instrument.id)
    } else {
        format!("{} {} ({link})", instrument.id, item.link_id)
    };
    let number = answer
        .get("valueDecimal")
        .or_else(|| answer.get("valueInteger"))
        .and_then(Value::as_f64);
    let value = match (&item.kind, number) {
        (ItemKind::Numeric { .. }, Some(v)) => v,
        (ItemKind::Numeric { .. }, None) => {
            return Err(format!("{name} needs valueDecimal or valueInteger"));
        }
        (ItemKind::Choice(options), _) => {
            if let Some(coding) = answer.get("valueCoding") {
                let code = coding.get("code").and_then(Value::as_str).unwrap_or("");
                let system = coding.get("system").and_then(Value::as_str);
                let by_code = options
                    .iter()
                    .find(|o| {
                        o.code == code
                            && match (system, &o.system) {
                                (Some(a), Some(b)) => a == b,
                                _ => true,
                            }
                    })
                    .map(|o| o.weight);
                match by_code.or_else(|| answer_weight(answer)) {
                    Some(w) => w,
                    None => {
                        let codes: Vec<&str> = options.iter().map(|o| o.code.as_str()).collect();
                        return Err(format!(
                            "code {code:?} is not an answer of {name}; use one of {} or give its weight in an itemWeight or ordinalValue extension",
                            codes.join(", ")
                        ));
                    }
                }
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
                    .ok_or_else(|| format!("{s:?} is not an answer of {name}"))?
            } else {
                return Err(format!(
                    "{name} needs valueCoding, valueInteger or valueDecimal"
                ));
            }
        }
    };
    check_value(instrument, &item.link_id, value, &format!("{value}"))
}

/// Reads responses from a FHIR `Bundle` of `QuestionnaireResponse`s (JSON bytes). Every
/// bad entry (up to 20 problems) is reported in one [`InputError`]. Notices (sessions
/// numbered from `authored`) are dropped; [`load_bundle_with_notices`] returns them.
pub fn load_bundle(
    data: &[u8],
    file: &str,
    registry: &Registry,
) -> Result<Vec<Response>, InputError> {
    load_bundle_with_notices(data, file, registry).map(|l| l.responses)
}

/// A response read, before its session number is settled.
struct Pending {
    path: String,
    client: String,
    session: Option<u32>,
    date: chrono::NaiveDate,
    /// Seconds since 1970 of `authored` (midnight UTC for a bare date), for ordering.
    when: i64,
    instrument: String,
    answers: BTreeMap<String, f64>,
}

/// The instant `authored` stands for, in seconds, for ordering a client's responses.
fn authored_order(authored: &str, date: chrono::NaiveDate) -> i64 {
    chrono::DateTime::parse_from_rfc3339(authored)
        .map(|t| t.timestamp())
        .unwrap_or_else(|_| date.and_time(chrono::NaiveTime::MIN).and_utc().timestamp())
}

/// As [`load_bundle`], with notices for the user about what was inferred.
pub fn load_bundle_with_notices(
    data: &[u8],
    file: &str,
    registry: &Registry,
) -> Result<Loaded, InputError> {
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
    let mut pending: Vec<Pending> = Vec::new();
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
            .map(|e| {
                e.get("valueInteger")
                    .and_then(Value::as_u64)
                    .and_then(|s| u32::try_from(s).ok())
            });
        // Absent: numbered from `authored` below. Present but not a number: refused.
        let session = match session {
            None => None,
            Some(Some(s)) => Some(s),
            Some(None) => {
                problems.push(
                    at("extension"),
                    format!(
                        "the session number ({SESSION_EXTENSION_URL}) needs a valueInteger of 0 or more"
                    ),
                );
                bad = true;
                None
            }
        };
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
        let instrument = registry.by_url(canonical).or_else(|| {
            let mut codes = Vec::new();
            response_codes(resource.get("item"), &mut codes);
            registry.by_codes(codes)
        });
        let Some(instrument) = instrument else {
            problems.push(
                at("questionnaire"),
                format!(
                    "unknown questionnaire {canonical:?}, and no item carries a code Rapport knows (such as LOINC's); use a built-in instrument's URL (rapport measures questionnaire ID) or load it with --instrument-file"
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
            let found = match target(instrument, item, link) {
                Target::Item(found) => found,
                // Rapport computes the total itself.
                Target::Total => continue,
                Target::Unknown => {
                    problems.push(
                        Location::JsonPath(item_path),
                        format!(
                            "{link} is not an item of {} (by linkId or code); remove it",
                            instrument.id
                        ),
                    );
                    bad = true;
                    continue;
                }
            };
            match answer_value(instrument, found, link, answer) {
                Ok(v) => {
                    if answers.insert(found.link_id.clone(), v).is_some() {
                        problems.push(
                            Location::JsonPath(item_path),
                            format!(
                                "{} {} is answered twice; keep one",
                                instrument.id, found.link_id
                            ),
                        );
                        bad = true;
                    }
                }
                Err(message) => {
                    problems.push(Location::JsonPath(item_path), message);
                    refused.push(found.link_id.as_str());
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
        if let (Some(client), Some(date)) = (client, date) {
            pending.push(Pending {
                path,
                client: client.to_string(),
                session,
                date,
                when: authored_order(authored, date),
                instrument: instrument.id.clone(),
                answers,
            });
        }
    }
    let notices = number_sessions(file, &mut pending, &mut problems);
    let mut seen = SeenKeys::default();
    let mut responses = Vec::with_capacity(pending.len());
    for p in pending {
        let Some(session) = p.session else {
            continue;
        };
        let response = Response {
            client: p.client,
            session,
            date: p.date,
            instrument: p.instrument,
            answers: p.answers,
        };
        if let Some(first) = seen.check(&response, p.path.clone()) {
            problems.push(
                Location::JsonPath(p.path),
                format!(
                    "client {}, session {}, {} already appears in {first}; keep one",
                    response.client, response.session, response.instrument
                ),
            );
            continue;
        }
        responses.push(response);
    }
    problems.into_result(file, Loaded { responses, notices })
}

/// Numbers the sessions of clients whose responses carry no session number: by
/// `authored`, 1..n, one session per date (a second response to the same instrument on
/// one date starts the next session). A client whose responses mix numbered and
/// unnumbered ones is refused at each unnumbered one. Returns the notice to show.
fn number_sessions(file: &str, pending: &mut [Pending], problems: &mut Problems) -> Vec<String> {
    let mut by_client: HashMap<&str, Vec<usize>> = HashMap::new();
    for (n, p) in pending.iter().enumerate() {
        by_client.entry(p.client.as_str()).or_default().push(n);
    }
    let mut clients: Vec<(String, Vec<usize>)> = by_client
        .into_iter()
        .map(|(c, v)| (c.to_string(), v))
        .collect();
    clients.sort();
    let mut numbered = 0usize;
    let mut numbered_clients = 0usize;
    for (client, mut indices) in clients {
        let without = indices
            .iter()
            .filter(|&&n| pending[n].session.is_none())
            .count();
        if without == 0 {
            continue;
        }
        if without < indices.len() {
            for &n in indices.iter().filter(|&&n| pending[n].session.is_none()) {
                problems.push(
                    Location::JsonPath(format!("{}.resource.extension", pending[n].path)),
                    format!(
                        "no session number, though other responses of client {client} carry one; add an extension {SESSION_EXTENSION_URL} with valueInteger, or remove it from all of {client}'s responses to number them by authored"
                    ),
                );
            }
            continue;
        }
        // Stable: responses authored at the same instant keep the file's order.
        indices.sort_by_key(|&n| pending[n].when);
        let mut session = 0u32;
        let mut current: Option<chrono::NaiveDate> = None;
        let mut in_session: HashSet<String> = HashSet::new();
        for n in indices {
            let p = &mut pending[n];
            if current != Some(p.date) || in_session.contains(&p.instrument) {
                session = session.saturating_add(1);
                current = Some(p.date);
                in_session.clear();
            }
            in_session.insert(p.instrument.clone());
            p.session = Some(session);
            numbered += 1;
        }
        numbered_clients += 1;
    }
    if numbered == 0 {
        return Vec::new();
    }
    let (responses, clients) = (
        if numbered == 1 {
            "response"
        } else {
            "responses"
        },
        if numbered_clients == 1 {
            "client"
        } else {
            "clients"
        },
    );
    vec![format!(
        "{file}: {numbered} {responses} ({numbered_clients} {clients}) carry no session number (extension {SESSION_EXTENSION_URL}); each client's sessions were numbered 1..n in order of authored, one session per date"
    )]
}

/// The order FHIR's own examples write common elements in; others follow alphabetically.
const KEY_ORDER: [&str; 33] = [
    "resourceType",
    "id",
    "meta",
    "fullUrl",
    "url",
    "derivedFrom",
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
    "linkId",
    "system",
    "code",
    "extension",
    "questionnaire",
    "subject",
    "authored",
    "display",
    "text",
    "required",
    "readOnly",
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
