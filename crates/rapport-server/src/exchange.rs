//! Data in and out of the server, in the formats the command line reads and writes:
//!
//! - **export** (`GET /api/v1/export?format=csv|fhir|json&client=ID`): a client's
//!   answers as the CSV `rapport measures score` reads, or a FHIR R4 Bundle of
//!   QuestionnaireResponses, or their coded transcripts as `rapport analyze`'s JSON.
//!   A client's counsellor and supervisor export that client; an admin exports one
//!   client or, without `client`, the whole clinic.
//! - **research export** (`GET /api/v1/export/research?format=...`, admins): the whole
//!   clinic de-identified for sharing with a university: each client's code replaced by
//!   a random one drawn afresh for every export, each client's dates shifted by a random
//!   offset of their own (intervals within a client are kept), and no free text: coded
//!   transcripts lose their utterance text and speaker names unless `text=true` asks for
//!   the text.
//! - **import** (`POST /api/v1/import?format=csv|fhir`): answers from a file (a clinic
//!   moving from files or another product) for a counsellor's own clients, creating
//!   clients whose codes are new; or, for an admin or an integration's API token (an EHR
//!   pushing scores), for clients the clinic already has. Every bad row is named by file
//!   and line; one bad row and nothing is imported.
//!
//! Every export and import is audited, per client or for the clinic.

use std::collections::{BTreeMap, HashMap};

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::Duration;
use rapport_core::{CodedSession, Report};
use rapport_measures::{Registry, Response as Answer, load_bundle_with_notices, load_csv};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::access::Address;
use crate::api::{audit, client_for, refused};
use crate::audit::Outcome;
use crate::clients::{self, Intent};
use crate::db::{Db, DbError, from_row, run};
use crate::error::AppError;
use crate::responses::{self, Answered, Source};
use crate::secrets::{RandomError, random_u64};
use crate::sessions::Caller;
use crate::state::AppState;
use crate::users::Role;
use crate::view::{PageError, render as page_render};
use minijinja::context;

/// What an export holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Format {
    /// Answers, in the CSV layout `rapport measures score` reads.
    Csv,
    /// Answers, as a FHIR R4 Bundle of QuestionnaireResponses.
    Fhir,
    /// Coded transcripts, as `rapport analyze --format json` writes them.
    Json,
}

/// `?format=...&client=...`.
#[derive(Debug, Deserialize)]
pub struct ExportQuery {
    /// The format.
    pub format: Format,
    /// One client; without it, the whole clinic (admins).
    pub client: Option<i64>,
}

/// `?format=...&text=...`.
#[derive(Debug, Deserialize)]
pub struct ResearchQuery {
    /// The format.
    pub format: Format,
    /// Keep utterance text in coded transcripts (off by default).
    #[serde(default)]
    pub text: bool,
}

struct CodedRow {
    code: String,
    session_number: i64,
    coded: String,
}

from_row!(CodedRow {
    code,
    session_number,
    coded
});

/// The coded transcripts (not deleted) of one client (`client` > 0) or a whole clinic.
async fn coded_sessions(db: &Db, clinic: i64, client: i64) -> Result<Vec<CodedRow>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, CodedRow>(
            "SELECT c.code, t.session_number, t.coded FROM transcripts t \
             JOIN clients c ON c.id = t.client_id \
             WHERE c.clinic_id = $1 AND ($2 = 0 OR t.client_id = $2) AND t.coded IS NOT NULL \
             ORDER BY c.code, t.session_number"
        )
        .bind(clinic)
        .bind(client)
    )
}

fn read_coded(rows: &[CodedRow]) -> Result<Vec<(String, i64, CodedSession)>, AppError> {
    rows.iter()
        .map(|r| {
            let session: CodedSession = serde_json::from_str(&r.coded)
                .map_err(|e| crate::counselling::stored_json_error("coded session", &e))?;
            Ok((r.code.clone(), r.session_number, session))
        })
        .collect()
}

/// A file to download.
fn download(body: String, content_type: &'static str, file: &str) -> Response {
    let mut response = (StatusCode::OK, body).into_response();
    let h = response.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{file}\"")) {
        h.insert(header::CONTENT_DISPOSITION, value);
    }
    response
}

/// Renders answers and coded sessions in `format`.
fn render(
    format: Format,
    answers: &[Answer],
    sessions: Vec<CodedSession>,
    registry: &Registry,
    stem: &str,
) -> Result<Response, AppError> {
    Ok(match format {
        Format::Csv => download(
            rapport_measures::write_csv(answers, registry),
            "text/csv; charset=utf-8",
            &format!("{stem}.csv"),
        ),
        Format::Fhir => download(
            rapport_measures::fhir::to_json_pretty(&rapport_measures::fhir::to_bundle(
                answers, registry,
            )),
            "application/fhir+json",
            &format!("{stem}.fhir.json"),
        ),
        Format::Json => {
            let report = Report { sessions };
            let text = serde_json::to_string_pretty(&report)
                .map_err(|e| AppError::Internal(format!("writing coded sessions: {e}")))?;
            download(text, "application/json", &format!("{stem}.json"))
        }
    })
}

fn action(format: Format) -> &'static str {
    match format {
        Format::Csv => "export.csv",
        Format::Fhir => "export.fhir",
        Format::Json => "export.json",
    }
}

/// `GET /api/v1/export?format=csv|fhir|json&client=ID`: a client's answers or coded
/// transcripts (their counsellor or supervisor, or an admin), or without `client` the
/// whole clinic's (admins).
pub async fn export(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Query(query): Query<ExportQuery>,
) -> Result<Response, AppError> {
    let act = action(query.format);
    let admin = caller.role() == Role::Admin;
    let (client_id, code, object) = match query.client {
        Some(id) if admin => {
            let found = clients::in_clinic(&state.db, caller.clinic_id, id).await?;
            let Some(client) = found else {
                audit(
                    &state,
                    &caller,
                    &address,
                    act,
                    &format!("client:{id}"),
                    Outcome::NotFound,
                )
                .await?;
                return Err(AppError::NotFound);
            };
            (client.id, Some(client.code), format!("client:{id}"))
        }
        Some(id) => {
            let client = client_for(&state, &caller, &address, id, Intent::Read, act).await?;
            (client.id, Some(client.code), format!("client:{id}"))
        }
        None if admin => (0, None, "clinic".to_string()),
        None => {
            audit(&state, &caller, &address, act, "clinic", Outcome::Denied).await?;
            return Err(AppError::Forbidden);
        }
    };
    let answers = if client_id > 0 {
        responses::of_client(&state.db, client_id).await?
    } else {
        responses::of_clinic(&state.db, caller.clinic_id).await?
    };
    let coded = read_coded(&coded_sessions(&state.db, caller.clinic_id, client_id).await?)?;
    let coded_codes: Vec<String> = coded.iter().map(|(c, _, _)| c.clone()).collect();
    let sessions = coded.into_iter().map(|(_, _, s)| s).collect();
    let stem = match &code {
        Some(code) => format!("rapport-{code}"),
        None => "rapport-clinic".to_string(),
    };
    let response = render(query.format, &answers, sessions, &state.registry, &stem)?;
    if client_id > 0 {
        audit(&state, &caller, &address, act, &object, Outcome::Ok).await?;
    } else {
        // The whole clinic: an entry for each client whose data left.
        let mut codes: Vec<String> = answers.iter().map(|a| a.client.clone()).collect();
        codes.extend(coded_codes);
        audit_each(&state, &caller, &address, act, &codes).await?;
    }
    Ok(response)
}

/// Audits `action` once per client among `codes` (client codes of the caller's clinic),
/// in one transaction.
async fn audit_each(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    action: &str,
    codes: &[String],
) -> Result<(), AppError> {
    let ids = clients::of_clinic(&state.db, caller.clinic_id).await?;
    let mut touched: Vec<i64> = codes.iter().filter_map(|c| ids.get(c).copied()).collect();
    touched.sort_unstable();
    touched.dedup();
    let mut objects: Vec<String> = touched.iter().map(|id| format!("client:{id}")).collect();
    if objects.is_empty() {
        objects.push("clinic".to_string());
    }
    crate::audit::record_each(
        &state.db,
        state.clock.now(),
        crate::api::actor(caller),
        action,
        &objects,
        &address.0,
    )
    .await?;
    Ok(())
}

/// The largest shift of a client's dates, either way, in days.
pub const MAX_SHIFT_DAYS: i64 = 182;

/// One client's stand-ins in a research export: a random code and a date shift.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StandIn {
    /// The random code (`R-` and eight hex digits).
    pub code: String,
    /// Days added to every date of the client (never 0).
    pub shift: i64,
}

/// Draws a stand-in for every client code in `codes`, codes distinct.
pub fn stand_ins(codes: &[String]) -> Result<HashMap<String, StandIn>, RandomError> {
    let mut out: HashMap<String, StandIn> = HashMap::new();
    let mut used = std::collections::HashSet::new();
    for code in codes {
        if out.contains_key(code) {
            continue;
        }
        let mut fresh = format!("R-{:08x}", random_u64()? as u32);
        while !used.insert(fresh.clone()) {
            fresh = format!("R-{:08x}", random_u64()? as u32);
        }
        let span = 2 * MAX_SHIFT_DAYS as u64;
        let mut shift = (random_u64()? % (span + 1)) as i64 - MAX_SHIFT_DAYS;
        if shift == 0 {
            shift = 1;
        }
        out.insert(code.clone(), StandIn { code: fresh, shift });
    }
    Ok(out)
}

/// A coded session with its text (unless `keep_text`) and names removed, renamed for
/// its stand-in.
pub fn de_identify_session(
    mut session: CodedSession,
    stand_in: &StandIn,
    number: i64,
    keep_text: bool,
) -> CodedSession {
    session.id = format!("{}-session-{number}", stand_in.code);
    session.source = String::new();
    for u in &mut session.utterances {
        u.utterance.name = None;
        if !keep_text {
            u.utterance.text = String::new();
        }
    }
    session
}

/// `GET /api/v1/export/research?format=csv|fhir|json&text=false` (admins): the whole
/// clinic, de-identified (see the module documentation).
pub async fn research_export(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Query(query): Query<ResearchQuery>,
) -> Result<Response, AppError> {
    let answers = responses::of_clinic(&state.db, caller.clinic_id).await?;
    let coded = read_coded(&coded_sessions(&state.db, caller.clinic_id, 0).await?)?;
    let mut codes: Vec<String> = answers.iter().map(|a| a.client.clone()).collect();
    codes.extend(coded.iter().map(|(c, _, _)| c.clone()));
    let stand_ins = stand_ins(&codes)?;
    let missing = || AppError::Internal("a client without a stand-in".into());
    let answers = answers
        .into_iter()
        .map(|mut a| {
            let s = stand_ins.get(&a.client).ok_or_else(missing)?;
            a.client = s.code.clone();
            a.date += Duration::days(s.shift);
            Ok(a)
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    let mut answers = answers;
    let mut sessions = coded
        .into_iter()
        .map(|(code, n, session)| {
            let s = stand_ins.get(&code).ok_or_else(missing)?;
            Ok((
                s.code.clone(),
                n,
                de_identify_session(session, s, n, query.text),
            ))
        })
        .collect::<Result<Vec<_>, AppError>>()?;
    // In the stand-ins' order, so the rows' order gives away nothing of the real codes.
    answers.sort_by(|a, b| (&a.client, a.session).cmp(&(&b.client, b.session)));
    sessions.sort_by(|a, b| (&a.0, a.1).cmp(&(&b.0, b.1)));
    let sessions = sessions.into_iter().map(|(_, _, s)| s).collect();
    let response = render(
        query.format,
        &answers,
        sessions,
        &state.registry,
        "rapport-research",
    )?;
    let act = if query.text {
        "export.research_with_text"
    } else {
        "export.research"
    };
    audit_each(&state, &caller, &address, act, &codes).await?;
    Ok(response)
}

/// `?format=csv|fhir&name=FILE`.
#[derive(Debug, Deserialize)]
pub struct ImportQuery {
    /// `csv` or `fhir`.
    pub format: String,
    /// The file's name, for messages.
    pub name: Option<String>,
}

/// Reads and stores an import for the caller: (responses stored, clients created, the
/// reader's notices).
async fn import_for(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    query: &ImportQuery,
    bytes: &[u8],
) -> Result<(usize, usize, Vec<String>), AppError> {
    let file = query
        .name
        .as_deref()
        .map(|n| {
            n.rsplit(['/', '\\'])
                .next()
                .unwrap_or(n)
                .chars()
                .take(100)
                .collect()
        })
        .unwrap_or_else(|| format!("import.{}", query.format));
    let loaded = match query.format.as_str() {
        "csv" => {
            load_csv(bytes, &file, &state.registry).map(|responses| rapport_measures::Loaded {
                responses,
                notices: Vec::new(),
            })
        }
        "fhir" => load_bundle_with_notices(bytes, &file, &state.registry),
        other => {
            return Err(AppError::item(
                "format",
                format!("{other:?} is not an import format; use csv or fhir"),
            ));
        }
    }
    .map_err(|e| AppError::item("file", e.to_string()))?;
    if loaded.responses.is_empty() {
        return Err(AppError::item("file", format!("{file} holds no answers")));
    }
    // Every client code: a counsellor's own, or new (created as theirs); for an admin
    // (an integration's token), a client the clinic already has.
    let admin = caller.role() == Role::Admin;
    let mine: BTreeMap<String, i64> = if admin {
        clients::of_clinic(&state.db, caller.clinic_id).await?
    } else {
        clients::visible(&state.db, caller)
            .await?
            .into_iter()
            .filter(|c| c.counsellor == caller.user_id)
            .map(|c| (c.code, c.id))
            .collect()
    };
    let mut problems = Vec::new();
    for code in loaded.responses.iter().map(|r| &r.client) {
        if mine.contains_key(code) {
            continue;
        }
        if admin {
            problems.push(format!(
                "{file}: the clinic has no client {code:?}; a counsellor adds the client first"
            ));
        } else if !clients::valid_code(code) {
            problems.push(format!(
                "{file}: client {code:?} is not a client code (1 to 40 letters, digits, '-' or '_')"
            ));
        }
    }
    if !problems.is_empty() {
        problems.dedup();
        return Err(AppError::item("file", problems.join("\n")));
    }
    let now = state.clock.now();
    let mut tx = state.db.write().await?;
    let mut ids = mine.clone();
    let mut created = Vec::new();
    for response in &loaded.responses {
        if ids.contains_key(&response.client) {
            continue;
        }
        let id = match clients::insert(&mut tx, caller, &response.client, now).await {
            Ok(id) => id,
            Err(e) if e.is_duplicate() => {
                return Err(AppError::item(
                    "file",
                    format!(
                        "{file}: client {:?} is not one of your clients, and its code is taken in this clinic; import your own clients' answers",
                        response.client
                    ),
                ));
            }
            Err(e) => return Err(e.into()),
        };
        ids.insert(response.client.clone(), id);
        created.push(id);
    }
    let mut duplicates = Vec::new();
    for (n, response) in loaded.responses.iter().enumerate() {
        let client = ids[&response.client];
        let stored = responses::insert(
            &mut tx,
            &Answered {
                client,
                session: response.session,
                instrument: &response.instrument,
                date: response.date,
                answers: &response.answers,
                source: Source::Import(caller.user_id),
            },
            now,
        )
        .await?;
        if !stored {
            duplicates.push(format!(
                "{file}: answer {} (client {}, session {}, {}) is already stored",
                n + 1,
                response.client,
                response.session,
                response.instrument
            ));
        }
    }
    if !duplicates.is_empty() {
        // Dropping the transaction stores nothing.
        return Err(AppError::Conflict(duplicates.join("\n")));
    }
    let mut touched: Vec<i64> = loaded.responses.iter().map(|r| ids[&r.client]).collect();
    touched.sort_unstable();
    touched.dedup();
    for client in &touched {
        crate::audit::record(
            &mut tx,
            now,
            crate::api::actor(caller),
            "import",
            &format!("client:{client}"),
            &address.0,
            Outcome::Ok,
        )
        .await?;
    }
    tx.commit().await?;
    Ok((loaded.responses.len(), created.len(), loaded.notices))
}

/// `POST /api/v1/import?format=csv|fhir&name=FILE`: answers for the caller's clients (a
/// counsellor's new codes become new clients of theirs; an admin's, or an integration's
/// token's, must be clients the clinic has) -> 201 `{"responses", "clients_created",
/// "notices"}`; any bad row -> 422 naming file and line, nothing stored.
pub async fn import(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Query(query): Query<ImportQuery>,
    body: Bytes,
) -> Result<(StatusCode, Json<Value>), AppError> {
    match import_for(&state, &caller, &address, &query, &body).await {
        Ok((responses, created, notices)) => Ok((
            StatusCode::CREATED,
            Json(json!({
                "responses": responses,
                "clients_created": created,
                "notices": notices,
            })),
        )),
        Err(e) => Err(refused(&state, &caller, &address, "import", "caseload", e).await),
    }
}

/// `GET /import`: the import form.
pub async fn import_page(caller: Caller) -> Result<Response, PageError> {
    Ok(page_render(
        StatusCode::OK,
        "server/import.html",
        Some(&caller),
        context! { result => None::<String> },
    )?)
}

/// `POST /import`: the import form (multipart: `file`, `format`).
pub async fn import_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    request: axum::extract::Request,
) -> Result<Response, PageError> {
    let upload = crate::counselling::read_upload(request, Default::default()).await?;
    let query = ImportQuery {
        format: upload.format.clone().unwrap_or_else(|| "csv".into()),
        name: upload.file_name.clone(),
    };
    let (responses, created, notices) =
        match import_for(&state, &caller, &address, &query, &upload.bytes).await {
            Ok(done) => done,
            Err(e) => {
                return Err(refused(&state, &caller, &address, "import", "caseload", e)
                    .await
                    .into());
            }
        };
    let mut result = format!(
        "Imported {responses} answer{} ({created} new client{}).",
        if responses == 1 { "" } else { "s" },
        if created == 1 { "" } else { "s" }
    );
    for notice in notices {
        result.push(' ');
        result.push_str(&notice);
    }
    Ok(page_render(
        StatusCode::OK,
        "server/import.html",
        Some(&caller),
        context! { result => result },
    )?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stand_ins_are_distinct_random_and_shift_every_client() {
        let codes: Vec<String> = (0..200).map(|i| format!("C-{i}")).collect();
        let a = stand_ins(&codes).unwrap();
        let b = stand_ins(&codes).unwrap();
        assert_eq!(a.len(), 200);
        let distinct: std::collections::HashSet<_> = a.values().map(|s| &s.code).collect();
        assert_eq!(distinct.len(), 200);
        assert!(
            a.values()
                .all(|s| s.shift != 0 && s.shift.abs() <= MAX_SHIFT_DAYS)
        );
        assert!(a.values().all(|s| !codes.contains(&s.code)));
        // A fresh draw per export: the two exports cannot be joined on codes.
        assert!(codes.iter().filter(|c| a[*c].code == b[*c].code).count() < 3);
        let shifts: std::collections::HashSet<_> = a.values().map(|s| s.shift).collect();
        assert!(shifts.len() > 50, "shifts spread: {}", shifts.len());
    }
}
