//! Notifications: what is new for a counsellor or supervisor (open alerts they have not
//! seen, comments on their sessions by someone else) in an in-app list, and, where the
//! clinic configures an SMTP server, an e-mail that says only that there is something
//! new in Rapport (no client code, no score, no text), so nothing about a client leaves
//! the server by mail. E-mail is off unless `rapport serve --smtp-url` is given.
//!
//! Alerts are worked out from the scores, not stored, so what a user has seen is kept
//! per alert (its client, kind, instrument and session); comments are seen up to a
//! time. Viewing the list marks everything on it seen.

use std::collections::HashSet;

use axum::Json;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::Response;
use lettre::message::Mailbox;
use lettre::transport::smtp::AsyncSmtpTransport;
use lettre::transport::stub::AsyncStubTransport;
use lettre::{AsyncTransport, Message, Tokio1Executor};
use minijinja::context;
use serde::Serialize;
use serde_json::{Value, json};

use crate::access::Address;
use crate::api::{self, audit};
use crate::audit::Outcome;
use crate::db::{Db, DbError, exec, from_row, run};
use crate::error::AppError;
use crate::sessions::Caller;
use crate::state::AppState;
use crate::view::{PageError, render};

/// One notification.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Notification {
    /// `alert` or `comment`.
    pub kind: &'static str,
    /// The client's id.
    pub client: i64,
    /// The client's code.
    pub client_code: String,
    /// The session.
    pub session: i64,
    /// What it is (an alert's words, or who commented).
    pub detail: String,
    /// Where to see it.
    pub link: String,
    /// Not seen before.
    pub new: bool,
}

struct CommentRow {
    client_id: i64,
    code: String,
    session_number: i64,
    author: String,
    created_at: i64,
}

from_row!(CommentRow {
    client_id,
    code,
    session_number,
    author,
    created_at
});

fn alert_key(a: &crate::alerts::Alert) -> String {
    let f = &a.finding;
    format!(
        "{}:{}:{}:{}",
        a.client,
        f.kind.as_str(),
        f.instrument,
        f.session
    )
}

/// What a user has been shown: the alerts' keys, and the newest comment's time.
pub struct Shown {
    alerts: Vec<String>,
    newest_comment: Option<i64>,
}

/// The caller's notifications (new first) and what they show.
pub async fn of_caller(
    state: &AppState,
    caller: &Caller,
) -> Result<(Vec<Notification>, Shown), AppError> {
    let alerts = api::open_alerts(state, caller).await?;
    let seen: HashSet<String> = run!(
        &state.db,
        fetch_all,
        sqlx::query_scalar::<_, String>("SELECT alert FROM seen_alerts WHERE user_id = $1")
            .bind(caller.user_id)
    )?
    .into_iter()
    .collect();
    let mut keys = Vec::new();
    let mut list = Vec::new();
    for a in &alerts {
        let key = alert_key(a);
        list.push(Notification {
            kind: "alert",
            client: a.client,
            client_code: a.finding.client_code.clone(),
            session: i64::from(a.finding.session),
            detail: a.finding.detail.clone(),
            link: format!("/clients/{}", a.client),
            new: !seen.contains(&key),
        });
        keys.push(key);
    }
    let seen_until = run!(
        &state.db,
        fetch_optional,
        sqlx::query_scalar::<_, i64>("SELECT seen_until FROM comment_marks WHERE user_id = $1")
            .bind(caller.user_id)
    )?
    .unwrap_or(i64::MIN);
    // Comments by others on sessions of clients the caller may read, the last 60 days.
    let since = state.clock.now() - 60 * 86_400;
    let comments = run!(
        &state.db,
        fetch_all,
        sqlx::query_as::<_, CommentRow>(
            "SELECT k.client_id, c.code, k.session_number, a.name AS author, k.created_at \
             FROM comments k JOIN clients c ON c.id = k.client_id \
             JOIN users u ON u.id = c.counsellor_id JOIN users a ON a.id = k.author_id \
             WHERE c.clinic_id = $1 AND (c.counsellor_id = $2 OR u.supervisor_id = $2) \
             AND k.author_id <> $2 AND k.created_at >= $3 ORDER BY k.created_at DESC, k.id DESC"
        )
        .bind(caller.clinic_id)
        .bind(caller.user_id)
        .bind(since)
    )?;
    let newest_comment = comments.iter().map(|c| c.created_at).max();
    for c in comments {
        list.push(Notification {
            kind: "comment",
            client: c.client_id,
            client_code: c.code,
            session: c.session_number,
            detail: format!("{} commented on session {}", c.author, c.session_number),
            link: format!(
                "/clients/{}/sessions/{}#comments",
                c.client_id, c.session_number
            ),
            new: c.created_at > seen_until,
        });
    }
    list.sort_by_key(|n| !n.new);
    Ok((
        list,
        Shown {
            alerts: keys,
            newest_comment,
        },
    ))
}

/// Marks what the caller was shown seen: the alerts, and comments up to the newest
/// shown (one made while the list was read stays new).
async fn mark_seen(db: &Db, user: i64, shown: &Shown, now: i64) -> Result<(), DbError> {
    let mut tx = db.write().await?;
    for key in &shown.alerts {
        exec!(
            &mut tx,
            sqlx::query(
                "INSERT INTO seen_alerts (user_id, alert, seen_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, alert) DO NOTHING"
            )
            .bind(user)
            .bind(key)
            .bind(now)
        )?;
    }
    if let Some(until) = shown.newest_comment {
        exec!(
            &mut tx,
            sqlx::query(
                "INSERT INTO comment_marks (user_id, seen_until) VALUES ($1, $2) \
                 ON CONFLICT (user_id) DO UPDATE SET seen_until = $2 \
                 WHERE comment_marks.seen_until < $2"
            )
            .bind(user)
            .bind(until)
        )?;
    }
    tx.commit().await
}

/// `GET /api/v1/notifications`: `{"new": n, "notifications": [...]}`, new first (does
/// not mark them seen).
pub async fn list(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Json<Value>, AppError> {
    let (list, _) = of_caller(&state, &caller).await?;
    audit(
        &state,
        &caller,
        &address,
        "notification.list",
        "caseload",
        Outcome::Ok,
    )
    .await?;
    let new = list.iter().filter(|n| n.new).count();
    Ok(Json(json!({ "new": new, "notifications": list })))
}

/// `POST /api/v1/notifications/seen`: marks every current notification seen.
pub async fn seen(State(state): State<AppState>, caller: Caller) -> Result<StatusCode, AppError> {
    let (_, shown) = of_caller(&state, &caller).await?;
    mark_seen(&state.db, caller.user_id, &shown, state.clock.now()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `GET /notifications`: the list, new ones marked; viewing it marks them seen.
pub async fn page(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
) -> Result<Response, PageError> {
    let (list, shown) = of_caller(&state, &caller).await?;
    audit(
        &state,
        &caller,
        &address,
        "notification.list",
        "caseload",
        Outcome::Ok,
    )
    .await?;
    let response = render(
        StatusCode::OK,
        "server/notifications.html",
        Some(&caller),
        context! { notifications => minijinja::value::Serde(&list) },
    )?;
    mark_seen(&state.db, caller.user_id, &shown, state.clock.now()).await?;
    Ok(response)
}

/// Where e-mail goes: an SMTP server, or (in tests) a log of what would have been sent.
#[derive(Clone)]
pub enum Mailer {
    /// The clinic's SMTP server.
    Smtp(AsyncSmtpTransport<Tokio1Executor>),
    /// Kept in memory, never sent.
    Log(AsyncStubTransport),
}

/// E-mail settings that could not be used.
#[derive(Debug, thiserror::Error)]
pub enum MailError {
    /// The SMTP URL is not one lettre reads.
    #[error(
        "the SMTP URL cannot be used ({0}); give smtps://USER:PASSWORD@HOST:465 or smtp://HOST:25?tls=required"
    )]
    Url(String),
    /// The sender is not an address.
    #[error("{0:?} is not an e-mail address to send from")]
    From(String),
}

/// E-mail notifications: the transport, the sender, and where users sign in.
#[derive(Clone)]
pub struct Mail {
    mailer: Mailer,
    from: Mailbox,
    sign_in: String,
}

impl Mail {
    /// Mail through the SMTP server at `url` (lettre's URL form) from `from`.
    pub fn smtp(url: &str, from: &str, public_url: Option<&str>) -> Result<Mail, MailError> {
        let transport = AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
            .map_err(|e| MailError::Url(e.to_string()))?
            .build();
        Mail::with(Mailer::Smtp(transport), from, public_url)
    }

    /// Mail through `mailer`.
    pub fn with(mailer: Mailer, from: &str, public_url: Option<&str>) -> Result<Mail, MailError> {
        let from = from
            .parse::<Mailbox>()
            .map_err(|_| MailError::From(from.to_string()))?;
        Ok(Mail {
            mailer,
            from,
            sign_in: public_url.map_or_else(String::new, |u| {
                format!("{}/notifications", u.trim_end_matches('/'))
            }),
        })
    }

    /// What the log holds (tests): (recipients, message).
    pub async fn logged(&self) -> Vec<(Vec<String>, String)> {
        match &self.mailer {
            Mailer::Log(stub) => stub
                .messages()
                .await
                .into_iter()
                .map(|(envelope, text)| {
                    (
                        envelope.to().iter().map(ToString::to_string).collect(),
                        text,
                    )
                })
                .collect(),
            Mailer::Smtp(_) => Vec::new(),
        }
    }

    /// Sends "you have a new `what` in Rapport" to `to`, in the background; a failure is
    /// logged (without the address), never the request's.
    pub fn send(&self, to: &str, what: &'static str) {
        let Ok(to) = to.parse::<Mailbox>() else {
            tracing::warn!("a user's e-mail address cannot be mailed");
            return;
        };
        let mut body = format!("You have a new {what} in Rapport.\n");
        if !self.sign_in.is_empty() {
            body.push_str(&format!("Sign in to see it: {}\n", self.sign_in));
        }
        body.push_str("\nThis message carries no client information by design.\n");
        let message = Message::builder()
            .from(self.from.clone())
            .to(to)
            .subject(format!("New {what} in Rapport"))
            .body(body);
        let Ok(message) = message else {
            tracing::warn!("a notification e-mail could not be built");
            return;
        };
        let mailer = self.mailer.clone();
        tokio::spawn(async move {
            let sent = match &mailer {
                Mailer::Smtp(smtp) => smtp
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
                Mailer::Log(stub) => stub
                    .send(message)
                    .await
                    .map(drop)
                    .map_err(|e| e.to_string()),
            };
            if let Err(error) = sent {
                tracing::warn!(%error, "a notification e-mail was not sent");
            }
        });
    }
}

/// E-mails the client's counsellor and their supervisor (except `author`) that a
/// comment was left, where mail is configured.
pub async fn comment_left(state: &AppState, client: i64, author: i64) -> Result<(), AppError> {
    let Some(mail) = &state.mail else {
        return Ok(());
    };
    let to = run!(
        &state.db,
        fetch_all,
        sqlx::query_scalar::<_, String>(
            "SELECT u.email FROM clients c JOIN users u \
             ON u.id = c.counsellor_id OR u.id = (SELECT supervisor_id FROM users WHERE id = c.counsellor_id) \
             WHERE c.id = $1 AND u.id <> $2 AND u.active = 1"
        )
        .bind(client)
        .bind(author)
    )?;
    for address in to {
        mail.send(&address, "comment");
    }
    Ok(())
}

/// E-mails a client's counsellor that an answer raised an alert, where mail is
/// configured: checked in the background after the answer is stored.
pub fn answer_stored(state: &AppState, client: i64, session: u32) {
    if state.mail.is_none() {
        return;
    }
    let state = state.clone();
    tokio::spawn(async move {
        if let Err(e) = alert_after_answer(&state, client, session).await {
            tracing::warn!(error = %e.public_message(), "checking an answer for alerts to mail");
        }
    });
}

async fn alert_after_answer(state: &AppState, client: i64, session: u32) -> Result<(), AppError> {
    let Some(mail) = &state.mail else {
        return Ok(());
    };
    let row = run!(
        &state.db,
        fetch_optional,
        sqlx::query_as::<_, (i64, String, String)>(
            "SELECT c.clinic_id, c.code, u.email FROM clients c JOIN users u ON u.id = c.counsellor_id \
             WHERE c.id = $1 AND u.active = 1"
        )
        .bind(client)
    )?;
    let Some((clinic, code, email)) = row else {
        return Ok(());
    };
    let (_, caseload) = api::scored_caseload(state, clinic).await?;
    let raised = caseload
        .derived
        .iter()
        .any(|f| f.client_code == code && f.session == session);
    if raised {
        mail.send(&email, "alert");
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_mail_settings_are_refused_clearly() {
        assert!(matches!(
            Mail::with(
                Mailer::Log(AsyncStubTransport::new_ok()),
                "not an address",
                None
            ),
            Err(MailError::From(_))
        ));
        assert!(matches!(
            Mail::smtp("ftp://example", "rapport@clinic.test", None),
            Err(MailError::Url(_))
        ));
    }
}
