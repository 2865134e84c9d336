//! Answered questionnaires: stored as they come (a client's link, a counsellor's entry
//! from paper), read back as `rapport_measures` [`Response`]s to be scored and tracked
//! exactly as `rapport measures` does.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use rapport_measures::Response;

use crate::db::{Db, DbError, Tx, exec, from_row, run};

/// Where an answer came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// The client, through a link or kiosk code.
    Link(i64),
    /// A counsellor, from paper.
    Paper(i64),
    /// A counsellor, from a file (CSV or FHIR).
    Import(i64),
}

struct Row {
    code: String,
    session_number: i64,
    instrument: String,
    answered_on: String,
    answers: String,
}

from_row!(Row {
    code,
    session_number,
    instrument,
    answered_on,
    answers
});

/// One answered instrument, checked, ready to store.
#[derive(Debug, Clone)]
pub struct Answered<'a> {
    /// The client's id.
    pub client: i64,
    /// The session.
    pub session: u32,
    /// The instrument's id.
    pub instrument: &'a str,
    /// When it was answered.
    pub date: NaiveDate,
    /// Item scores by linkId.
    pub answers: &'a BTreeMap<String, f64>,
    /// Who gave it.
    pub source: Source,
}

/// Stores one answered instrument inside a write transaction; false when the client
/// already has an answer to that instrument for that session.
pub async fn insert(tx: &mut Tx, answered: &Answered<'_>, now: i64) -> Result<bool, DbError> {
    let Answered {
        client,
        session,
        instrument,
        date,
        answers,
        source,
    } = *answered;
    let (kind, link, entered_by) = match source {
        Source::Link(link) => ("link", Some(link), None),
        Source::Paper(user) => ("paper", None, Some(user)),
        Source::Import(user) => ("import", None, Some(user)),
    };
    let answers = serde_json::to_string(answers).unwrap_or_else(|_| "{}".into());
    let stored = exec!(
        tx,
        sqlx::query(
            "INSERT INTO responses (client_id, session_number, instrument, answered_on, answers, source, link_id, entered_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (client_id, session_number, instrument) DO NOTHING"
        )
        .bind(client)
        .bind(i64::from(session))
        .bind(instrument)
        .bind(date.format("%Y-%m-%d").to_string())
        .bind(answers)
        .bind(kind)
        .bind(link)
        .bind(entered_by)
        .bind(now)
    )?;
    Ok(stored == 1)
}

/// Which instruments of `instruments` a client has already answered for a session.
pub async fn answered(db: &Db, client: i64, session: u32) -> Result<Vec<String>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_scalar::<_, String>(
            "SELECT instrument FROM responses WHERE client_id = $1 AND session_number = $2"
        )
        .bind(client)
        .bind(i64::from(session))
    )
}

fn to_response(row: Row) -> Option<Response> {
    Some(Response {
        client: row.code,
        session: u32::try_from(row.session_number).ok()?,
        date: NaiveDate::parse_from_str(&row.answered_on, "%Y-%m-%d").ok()?,
        instrument: row.instrument,
        answers: serde_json::from_str(&row.answers).ok()?,
    })
}

/// Every response of one client, as `rapport measures` reads them (client = code).
pub async fn of_client(db: &Db, client: i64) -> Result<Vec<Response>, DbError> {
    let rows = run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Row>(
            "SELECT c.code, r.session_number, r.instrument, r.answered_on, r.answers \
             FROM responses r JOIN clients c ON c.id = r.client_id \
             WHERE r.client_id = $1 ORDER BY r.session_number, r.id"
        )
        .bind(client)
    )?;
    Ok(rows.into_iter().filter_map(to_response).collect())
}

/// How many responses a clinic holds. Responses are append-only, so an unchanged count
/// means unchanged answers (see [`crate::caseload`]).
pub async fn count_of_clinic(db: &Db, clinic: i64) -> Result<i64, DbError> {
    run!(
        db,
        fetch_one,
        sqlx::query_scalar::<_, i64>(
            // Counted client by client through the responses' (client, session,
            // instrument) index, rather than by looking up the client of every response.
            "SELECT CAST(COALESCE(SUM((SELECT COUNT(*) FROM responses r WHERE r.client_id = c.id)), 0) AS BIGINT) \
             FROM clients c WHERE c.clinic_id = $1"
        )
        .bind(clinic)
    )
}

/// Every response in a clinic: the caseload the statistical rupture rule pools its
/// session-to-session differences over.
pub async fn of_clinic(db: &Db, clinic: i64) -> Result<Vec<Response>, DbError> {
    let rows = run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Row>(
            "SELECT c.code, r.session_number, r.instrument, r.answered_on, r.answers \
             FROM responses r JOIN clients c ON c.id = r.client_id \
             WHERE c.clinic_id = $1 ORDER BY c.code, r.session_number, r.id"
        )
        .bind(clinic)
    )?;
    Ok(rows.into_iter().filter_map(to_response).collect())
}
