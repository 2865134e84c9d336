//! Signed-in sessions: a random id in an HttpOnly, SameSite=Strict cookie (Secure
//! unless the server is bound to loopback), stored only as its SHA-256; a CSRF token per
//! session; idle and absolute time-outs; a new id at every sign-in; sign-out and a
//! password change end sessions (OWASP ASVS 5.0 V7).

use crate::db::{Db, DbError, Tx, exec, from_row, run};
use crate::secrets;
use crate::users::Role;

/// The session cookie's name.
pub const COOKIE: &str = "rapport_session";
/// A session unused this long ends.
pub const IDLE_TIMEOUT: i64 = 30 * 60;
/// A session ends this long after sign-in, however busy.
pub const ABSOLUTE_TIMEOUT: i64 = 12 * 60 * 60;
/// `last_seen_at` is written at most this often, so reading pages does not turn every
/// request into a write.
const TOUCH_EVERY: i64 = 60;

/// The signed-in user behind a request.
#[derive(Debug, Clone)]
pub struct Caller {
    /// The user's id.
    pub user_id: i64,
    /// Their clinic.
    pub clinic_id: i64,
    /// Their name.
    pub name: String,
    /// Their e-mail.
    pub email: String,
    /// Their role, as stored.
    pub role: String,
    /// The session's CSRF token.
    pub csrf_token: String,
    /// The session id's hash.
    pub session: String,
    /// When the session began.
    pub created_at: i64,
    /// When it was last used.
    pub last_seen_at: i64,
    /// The API token the request came with, instead of a session (see
    /// [`crate::tokens`]).
    pub token: Option<i64>,
}

from_row!(Caller {
    user_id,
    clinic_id,
    name,
    email,
    role,
    csrf_token,
    session,
    created_at,
    last_seen_at,
    token
});

impl Caller {
    /// The caller's role.
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Counsellor)
    }
}

/// A new session's id (for the cookie) and CSRF token.
#[derive(Debug, Clone)]
pub struct NewSession {
    /// The id, sent only in the cookie.
    pub id: String,
    /// The CSRF token.
    pub csrf_token: String,
}

/// Starts a session for a user who has just proved who they are.
pub async fn start(tx: &mut Tx, user: i64, now: i64) -> Result<NewSession, crate::AppError> {
    let id = secrets::token()?;
    let csrf_token = secrets::token()?;
    exec!(
        tx,
        sqlx::query(
            "INSERT INTO sessions (id_hash, user_id, csrf_token, created_at, last_seen_at) \
             VALUES ($1, $2, $3, $4, $4)"
        )
        .bind(secrets::hash_token(&id))
        .bind(user)
        .bind(&csrf_token)
        .bind(now)
    )?;
    Ok(NewSession { id, csrf_token })
}

/// The caller behind a session id, if the session is live; touches it.
pub async fn resume(db: &Db, id: &str, now: i64) -> Result<Option<Caller>, DbError> {
    let hash = secrets::hash_token(id);
    let found = run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, Caller>(
            "SELECT u.id AS user_id, u.clinic_id, u.name, u.email, u.role, s.csrf_token, \
             s.id_hash AS session, s.created_at, s.last_seen_at, CAST(NULL AS BIGINT) AS token \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             WHERE s.id_hash = $1 AND u.active = 1"
        )
        .bind(&hash)
    )?;
    let Some(caller) = found else {
        return Ok(None);
    };
    if now - caller.last_seen_at > IDLE_TIMEOUT || now - caller.created_at > ABSOLUTE_TIMEOUT {
        end(db, &hash).await?;
        return Ok(None);
    }
    if now - caller.last_seen_at >= TOUCH_EVERY {
        exec!(
            db,
            sqlx::query("UPDATE sessions SET last_seen_at = $1 WHERE id_hash = $2")
                .bind(now)
                .bind(&hash)
        )?;
    }
    Ok(Some(caller))
}

/// Ends one session, by its id's hash.
pub async fn end(db: &Db, hash: &str) -> Result<(), DbError> {
    exec!(
        db,
        sqlx::query("DELETE FROM sessions WHERE id_hash = $1").bind(hash)
    )?;
    Ok(())
}

/// Ends every session of a user except `keep` (a hash), as a password change does.
pub async fn end_others(tx: &mut Tx, user: i64, keep: &str) -> Result<(), DbError> {
    exec!(
        tx,
        sqlx::query("DELETE FROM sessions WHERE user_id = $1 AND id_hash <> $2")
            .bind(user)
            .bind(keep)
    )?;
    Ok(())
}

/// The `Set-Cookie` value that hands a session to the browser.
pub fn cookie(id: &str, secure: bool) -> String {
    format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict; Max-Age={ABSOLUTE_TIMEOUT}{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The `Set-Cookie` value that removes it.
pub fn expired_cookie(secure: bool) -> String {
    format!(
        "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{}",
        if secure { "; Secure" } else { "" }
    )
}

/// The session id in a `Cookie` header, if there is one.
pub fn id_from_cookies(header: &str) -> Option<&str> {
    header
        .split(';')
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == COOKIE)
        .map(|(_, value)| value)
        .filter(|v| !v.is_empty())
}

/// The session id a request's `Cookie` header carries, if any.
pub fn id_in(headers: &axum::http::HeaderMap) -> Option<&str> {
    headers
        .get(axum::http::header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(id_from_cookies)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_cookie_is_http_only_strict_and_secure_off_loopback() {
        let c = cookie("abc", true);
        assert!(c.starts_with("rapport_session=abc; "));
        for part in ["HttpOnly", "SameSite=Strict", "Secure", "Path=/"] {
            assert!(c.contains(part), "{c}");
        }
        assert!(!cookie("abc", false).contains("Secure"));
        assert!(expired_cookie(false).contains("Max-Age=0"));
    }

    #[test]
    fn the_session_id_is_found_among_other_cookies() {
        assert_eq!(
            id_from_cookies("a=1; rapport_session=xyz; b=2"),
            Some("xyz")
        );
        assert_eq!(id_from_cookies("rapport_session="), None);
        assert_eq!(id_from_cookies("other=1"), None);
    }
}
