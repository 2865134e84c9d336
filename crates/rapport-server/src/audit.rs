//! The audit log: every view, change and export of a client's data, and every change
//! to users and settings: who, what, when, from where, and the outcome. It holds ids
//! and actions only, never answers, notes or client codes; the database refuses to
//! change or delete its rows (triggers in both schemas); only admins read it.

use serde::Serialize;

use crate::db::{Db, DbError, Handle, exec, from_row, run};

/// How a request ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// Done.
    Ok,
    /// Refused: not signed in, or the role does not allow it.
    Denied,
    /// The record is not the caller's to see (or does not exist).
    NotFound,
    /// Refused as bad input.
    Invalid,
}

impl Outcome {
    fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Denied => "denied",
            Outcome::NotFound => "not_found",
            Outcome::Invalid => "invalid",
        }
    }
}

/// Who acted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Actor {
    /// A signed-in user.
    User {
        /// Their id.
        id: i64,
        /// Their clinic.
        clinic: i64,
    },
    /// An integration, through an API token.
    Token {
        /// The token's id.
        id: i64,
        /// The admin who made it.
        user: i64,
        /// Its clinic.
        clinic: i64,
    },
    /// A client answering through a link.
    Link {
        /// The link's id.
        id: i64,
        /// Its clinic.
        clinic: i64,
    },
    /// Someone not signed in.
    Anonymous,
}

/// One audit entry.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Entry {
    /// Sequence number.
    pub id: i64,
    /// When, seconds since the epoch.
    pub at: i64,
    /// The user, if a user acted.
    pub user_id: Option<i64>,
    /// Who: `user:7`, `token:3`, `link:12`, `anonymous`.
    pub actor: String,
    /// What: `client.view`, `link.create`, `response.submit`, ...
    pub action: String,
    /// On what: `client:3`, `user:9`, `clinic`.
    pub object: String,
    /// The request's address.
    pub address: String,
    /// `ok`, `denied`, `not_found` or `invalid`.
    pub outcome: String,
}

from_row!(Entry {
    id,
    at,
    user_id,
    actor,
    action,
    object,
    address,
    outcome
});

/// Appends an entry, through the database or inside a transaction (so an action and
/// its entry commit together). An entry that cannot be written fails the request: an
/// action that cannot be audited does not happen silently.
pub async fn record<'a>(
    on: impl Into<Handle<'a>>,
    at: i64,
    actor: Actor,
    action: &str,
    object: &str,
    address: &str,
    outcome: Outcome,
) -> Result<(), DbError> {
    let (clinic, user, who) = match actor {
        Actor::User { id, clinic } => (Some(clinic), Some(id), format!("user:{id}")),
        Actor::Token { id, user, clinic } => (Some(clinic), Some(user), format!("token:{id}")),
        Actor::Link { id, clinic } => (Some(clinic), None, format!("link:{id}")),
        Actor::Anonymous => (None, None, "anonymous".to_string()),
    };
    exec!(
        on,
        sqlx::query(
            "INSERT INTO audit (at, clinic_id, user_id, actor, action, object, address, outcome) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8)"
        )
        .bind(at)
        .bind(clinic)
        .bind(user)
        .bind(who)
        .bind(action)
        .bind(object)
        .bind(address)
        .bind(outcome.as_str())
    )?;
    Ok(())
}

/// A clinic's latest entries, newest first.
pub async fn recent(db: &Db, clinic: i64, limit: i64) -> Result<Vec<Entry>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Entry>(
            "SELECT id, at, user_id, actor, action, object, address, outcome FROM audit \
             WHERE clinic_id = $1 ORDER BY id DESC LIMIT $2"
        )
        .bind(clinic)
        .bind(limit)
    )
}

/// Appends one entry per object (`client:3`, ...) in one transaction: an export or a
/// page that shows many clients' data is recorded against each of them.
pub async fn record_each(
    db: &Db,
    at: i64,
    actor: Actor,
    action: &str,
    objects: &[String],
    address: &str,
) -> Result<(), DbError> {
    let mut tx = db.write().await?;
    for object in objects {
        record(&mut tx, at, actor, action, object, address, Outcome::Ok).await?;
    }
    tx.commit().await
}
