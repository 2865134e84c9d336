//! One-time links a client answers on their phone, and the kiosk codes that stand in
//! for them in a waiting room.
//!
//! A link is a random 32-byte token (in the URL `/a/<token>`; the database keeps only
//! its SHA-256), a six-digit kiosk code, the client, the session number and the
//! instruments to answer. It works once and until it expires (the clinic's link
//! lifetime, four days by default). A used or expired link records nothing.

use serde::Serialize;

use crate::db::{Db, DbError, Tx, exec, from_row, run};
use crate::secrets;

/// A link as its creator sees it, once: the token is not stored and cannot be shown
/// again.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedLink {
    /// The link's id.
    pub id: i64,
    /// `/a/<token>`.
    pub url: String,
    /// The six-digit kiosk code.
    pub kiosk_code: String,
    /// When it expires, ISO 8601 UTC.
    pub expires_at: String,
    /// The session it is for.
    pub session: u32,
    /// The instruments it asks.
    pub instruments: Vec<String>,
}

/// A link found by its token or kiosk code.
#[derive(Debug, Clone)]
pub struct Link {
    /// Id.
    pub id: i64,
    /// The client.
    pub client_id: i64,
    /// The client's clinic.
    pub clinic_id: i64,
    /// The session number.
    pub session_number: i64,
    /// The instruments, a JSON array of ids.
    pub instruments: String,
    /// When it expires.
    pub expires_at: i64,
    /// When it was answered, if it was.
    pub used_at: Option<i64>,
}

from_row!(Link {
    id,
    client_id,
    clinic_id,
    session_number,
    instruments,
    expires_at,
    used_at
});

impl Link {
    /// The instruments the link asks, in the order given.
    pub fn instrument_ids(&self) -> Vec<String> {
        serde_json::from_str(&self.instruments).unwrap_or_default()
    }

    /// Whether it can still be answered at `now`.
    pub fn state(&self, now: i64) -> LinkState {
        if self.used_at.is_some() {
            LinkState::Used
        } else if now >= self.expires_at {
            LinkState::Expired
        } else {
            LinkState::Open
        }
    }
}

/// Whether a link can be answered.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LinkState {
    /// It can.
    Open,
    /// It has been answered.
    Used,
    /// Its time ran out.
    Expired,
}

/// How a client reached the form.
#[derive(Debug, Clone)]
pub enum LinkKey {
    /// The token in `/a/<token>`.
    Token(String),
    /// A kiosk code typed in the waiting room.
    Kiosk(String),
}

/// A link summary for the client's page.
#[derive(Debug, Clone, Serialize)]
pub struct LinkSummary {
    /// Id.
    pub id: i64,
    /// The session.
    pub session_number: i64,
    /// The instruments (JSON array).
    pub instruments: String,
    /// Created.
    pub created_at: i64,
    /// Expires.
    pub expires_at: i64,
    /// Answered.
    pub used_at: Option<i64>,
}

from_row!(LinkSummary {
    id,
    session_number,
    instruments,
    created_at,
    expires_at,
    used_at
});

/// Creates a link (the caller has checked the client, session and instruments).
pub async fn create(
    db: &Db,
    client: i64,
    session: u32,
    instruments: &[String],
    created_by: i64,
    now: i64,
    lifetime_hours: i64,
) -> Result<CreatedLink, crate::AppError> {
    let token = secrets::token()?;
    let expires_at = now + lifetime_hours * 3600;
    let list = serde_json::to_string(instruments).unwrap_or_else(|_| "[]".into());
    let mut tx = db.write().await?;
    // Codes of links that can no longer be answered are free again.
    exec!(
        &mut tx,
        sqlx::query(
            "UPDATE links SET kiosk_code = NULL \
             WHERE kiosk_code IS NOT NULL AND (used_at IS NOT NULL OR expires_at <= $1)"
        )
        .bind(now)
    )?;
    // A fresh code that no open link holds; a clash with one of a million is rare and
    // simply redrawn.
    for _ in 0..20 {
        let code = secrets::kiosk_code()?;
        let taken = run!(
            &mut tx,
            fetch_optional,
            sqlx::query_scalar::<_, i64>("SELECT id FROM links WHERE kiosk_code = $1").bind(&code)
        )?;
        if taken.is_some() {
            continue;
        }
        let id = run!(
            &mut tx,
            fetch_one,
            sqlx::query_scalar::<_, i64>(
                "INSERT INTO links (client_id, token_hash, kiosk_code, session_number, instruments, created_by, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id"
            )
            .bind(client)
            .bind(secrets::hash_token(&token))
            .bind(&code)
            .bind(i64::from(session))
            .bind(&list)
            .bind(created_by)
            .bind(now)
            .bind(expires_at)
        )?;
        tx.commit().await?;
        return Ok(CreatedLink {
            id,
            url: format!("/a/{token}"),
            kiosk_code: code,
            expires_at: crate::clock::iso(expires_at),
            session,
            instruments: instruments.to_vec(),
        });
    }
    Err(crate::AppError::Internal(
        "no free kiosk code after 20 draws".into(),
    ))
}

/// The link a token or kiosk code names, if any.
pub async fn find(db: &Db, key: &LinkKey) -> Result<Option<Link>, DbError> {
    match key {
        LinkKey::Token(token) => {
            run!(
                db,
                fetch_optional,
                sqlx::query_as::<_, Link>(
                    "SELECT l.id, l.client_id, c.clinic_id, l.session_number, l.instruments, l.expires_at, l.used_at \
                     FROM links l JOIN clients c ON c.id = l.client_id WHERE l.token_hash = $1"
                )
                .bind(secrets::hash_token(token))
            )
        }
        LinkKey::Kiosk(code) => {
            run!(
                db,
                fetch_optional,
                sqlx::query_as::<_, Link>(
                    "SELECT l.id, l.client_id, c.clinic_id, l.session_number, l.instruments, l.expires_at, l.used_at \
                     FROM links l JOIN clients c ON c.id = l.client_id WHERE l.kiosk_code = $1"
                )
                .bind(code)
            )
        }
    }
}

/// Marks a link used, inside the transaction that stores its answers; false when it was
/// already used (another submission won the race).
pub async fn mark_used(tx: &mut Tx, link: i64, now: i64) -> Result<bool, DbError> {
    let changed = exec!(
        tx,
        sqlx::query(
            "UPDATE links SET used_at = $1, kiosk_code = NULL WHERE id = $2 AND used_at IS NULL"
        )
        .bind(now)
        .bind(link)
    )?;
    Ok(changed == 1)
}

/// A client's links, newest first.
pub async fn of_client(db: &Db, client: i64) -> Result<Vec<LinkSummary>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, LinkSummary>(
            "SELECT id, session_number, instruments, created_at, expires_at, used_at \
             FROM links WHERE client_id = $1 ORDER BY created_at DESC, id DESC"
        )
        .bind(client)
    )
}
