//! Clients (known by a pseudonymous code, never a name) and who may see them: their
//! counsellor, and that counsellor's supervisor, read-only. Every query that reaches a
//! client goes through [`find`] or [`visible`], whose SQL carries the caller's clinic and
//! id, so another counsellor's or clinic's client is simply not found (a 404, which does
//! not confirm that it exists).
//!
//! Consent is a list of events per client: what was agreed or withdrawn, when, and who
//! recorded it. Withdrawal is a new event, never a deletion.

use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError, Tx, exec, from_row, run};
use crate::sessions::Caller;

/// A client as the counsellor's pages and the API show them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Client {
    /// Id.
    pub id: i64,
    /// The clinic's pseudonymous code for the client.
    pub code: String,
    /// The counsellor's user id.
    pub counsellor: i64,
    /// The counsellor's name.
    pub counsellor_name: String,
    /// When the record was made (seconds since the epoch).
    pub created_at: i64,
}

from_row!(Client {
    id,
    code,
    counsellor,
    counsellor_name,
    created_at
});

/// What the caller wants to do with a client.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Intent {
    /// Read: the counsellor or their supervisor.
    Read,
    /// Change: the counsellor only.
    Write,
}

/// What a client has agreed to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ConsentScope {
    /// Answering alliance and outcome measures.
    Measures,
    /// Recording sessions and analysing their transcripts.
    Transcripts,
}

impl ConsentScope {
    /// Both scopes.
    pub const ALL: [ConsentScope; 2] = [ConsentScope::Measures, ConsentScope::Transcripts];

    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            ConsentScope::Measures => "measures",
            ConsentScope::Transcripts => "transcripts",
        }
    }
}

/// One consent event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct ConsentEvent {
    /// `measures` or `transcripts`.
    pub scope: String,
    /// Given (true) or withdrawn (false).
    #[serde(serialize_with = "as_bool")]
    pub given: i64,
    /// Who recorded it.
    pub recorded_by: String,
    /// When (seconds since the epoch).
    pub recorded_at: i64,
}

from_row!(ConsentEvent {
    scope,
    given,
    recorded_by,
    recorded_at
});

fn as_bool<S: serde::Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

/// The client `id`, if the caller may see it for `intent`.
pub async fn find(
    db: &Db,
    caller: &Caller,
    id: i64,
    intent: Intent,
) -> Result<Option<Client>, DbError> {
    let client = run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, Client>(
            "SELECT c.id, c.code, c.counsellor_id AS counsellor, u.name AS counsellor_name, c.created_at \
             FROM clients c JOIN users u ON u.id = c.counsellor_id \
             WHERE c.id = $1 AND c.clinic_id = $2 AND (c.counsellor_id = $3 OR u.supervisor_id = $3)"
        )
        .bind(id)
        .bind(caller.clinic_id)
        .bind(caller.user_id)
    )?;
    Ok(client.filter(|c| intent == Intent::Read || c.counsellor == caller.user_id))
}

/// Every client the caller may see: their own and their supervisees', by code.
pub async fn visible(db: &Db, caller: &Caller) -> Result<Vec<Client>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Client>(
            "SELECT c.id, c.code, c.counsellor_id AS counsellor, u.name AS counsellor_name, c.created_at \
             FROM clients c JOIN users u ON u.id = c.counsellor_id \
             WHERE c.clinic_id = $1 AND (c.counsellor_id = $2 OR u.supervisor_id = $2) \
             ORDER BY c.code, c.id"
        )
        .bind(caller.clinic_id)
        .bind(caller.user_id)
    )
}

/// A client that could not be created.
#[derive(Debug, thiserror::Error)]
pub enum NewClientError {
    /// The code is empty, too long or not a code.
    #[error("a client code is 1 to 40 letters, digits, '-' or '_' (a pseudonym, never a name)")]
    Code,
    /// The clinic already has a client with this code.
    #[error("the clinic already has a client with this code")]
    Taken,
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// Whether a client code is acceptable: 1 to 40 letters, digits, `-` or `_`.
pub fn valid_code(code: &str) -> bool {
    (1..=40).contains(&code.chars().count())
        && code
            .chars()
            .all(|c| c.is_alphanumeric() || c == '-' || c == '_')
}

/// Creates a client of the caller's.
pub async fn create(
    db: &Db,
    caller: &Caller,
    code: &str,
    now: i64,
) -> Result<Client, NewClientError> {
    let code = code.trim();
    if !valid_code(code) {
        return Err(NewClientError::Code);
    }
    let mut tx = db.write().await?;
    let id = match insert(&mut tx, caller, code, now).await {
        Ok(id) => id,
        Err(e) if e.is_duplicate() => return Err(NewClientError::Taken),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(Client {
        id,
        code: code.to_string(),
        counsellor: caller.user_id,
        counsellor_name: caller.name.clone(),
        created_at: now,
    })
}

/// Inserts a client of the caller's with a checked code, inside a transaction; its id.
pub async fn insert(tx: &mut Tx, caller: &Caller, code: &str, now: i64) -> Result<i64, DbError> {
    run!(
        tx,
        fetch_one,
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO clients (clinic_id, counsellor_id, code, created_at) VALUES ($1, $2, $3, $4) RETURNING id"
        )
        .bind(caller.clinic_id)
        .bind(caller.user_id)
        .bind(code)
        .bind(now)
    )
}

/// The client `id` of `clinic`, whoever counsels them (for admins' exports only).
pub async fn in_clinic(db: &Db, clinic: i64, id: i64) -> Result<Option<Client>, DbError> {
    run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, Client>(
            "SELECT c.id, c.code, c.counsellor_id AS counsellor, u.name AS counsellor_name, c.created_at \
             FROM clients c JOIN users u ON u.id = c.counsellor_id \
             WHERE c.id = $1 AND c.clinic_id = $2"
        )
        .bind(id)
        .bind(clinic)
    )
}

/// Every client of a clinic, code to id (for imports by an admin or an integration).
pub async fn of_clinic(
    db: &Db,
    clinic: i64,
) -> Result<std::collections::BTreeMap<String, i64>, DbError> {
    Ok(run!(
        db,
        fetch_all,
        sqlx::query_as::<_, (String, i64)>("SELECT code, id FROM clients WHERE clinic_id = $1")
            .bind(clinic)
    )?
    .into_iter()
    .collect())
}

/// A client's consent events, oldest first.
pub async fn consents(db: &Db, client: i64) -> Result<Vec<ConsentEvent>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, ConsentEvent>(
            "SELECT k.scope, k.given, u.name AS recorded_by, k.recorded_at \
             FROM consents k JOIN users u ON u.id = k.recorded_by \
             WHERE k.client_id = $1 ORDER BY k.recorded_at, k.id"
        )
        .bind(client)
    )
}

/// Whether the client's latest word on `scope` is consent.
pub fn consented(events: &[ConsentEvent], scope: ConsentScope) -> bool {
    events
        .iter()
        .rev()
        .find(|e| e.scope == scope.as_str())
        .is_some_and(|e| e.given != 0)
}

/// Records consent given or withdrawn. Withdrawing consent to transcript analysis
/// also removes, in the same transaction, every transcript of the client not yet coded
/// (queued, being coded, or failed: its text and the job; a worker coding one finds no
/// row to store its result in); coded transcripts stay until a counsellor deletes them.
/// Returns how many transcripts were removed.
pub async fn record_consent(
    tx: &mut Tx,
    client: i64,
    scope: ConsentScope,
    given: bool,
    by: i64,
    now: i64,
) -> Result<u64, DbError> {
    exec!(
        &mut *tx,
        sqlx::query(
            "INSERT INTO consents (client_id, scope, given, recorded_by, recorded_at) VALUES ($1, $2, $3, $4, $5)"
        )
        .bind(client)
        .bind(scope.as_str())
        .bind(i64::from(given))
        .bind(by)
        .bind(now)
    )?;
    let removed = if scope == ConsentScope::Transcripts && !given {
        exec!(
            &mut *tx,
            sqlx::query("DELETE FROM transcripts WHERE client_id = $1 AND summary IS NULL")
                .bind(client)
        )?
    } else {
        0
    };
    Ok(removed)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_short_pseudonyms() {
        assert!(valid_code("C-017"));
        assert!(valid_code("ç_12"));
        assert!(!valid_code(""));
        assert!(!valid_code("Jane Doe"));
        assert!(!valid_code("a/b"));
        assert!(!valid_code(&"x".repeat(41)));
    }

    #[test]
    fn the_latest_consent_event_decides() {
        let event = |scope: &str, given| ConsentEvent {
            scope: scope.into(),
            given,
            recorded_by: "Dana".into(),
            recorded_at: 0,
        };
        let events = vec![
            event("measures", 1),
            event("transcripts", 1),
            event("transcripts", 0),
        ];
        assert!(consented(&events, ConsentScope::Measures));
        assert!(!consented(&events, ConsentScope::Transcripts));
        assert!(!consented(&[], ConsentScope::Measures));
    }
}
