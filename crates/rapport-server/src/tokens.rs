//! API tokens for integrations (an EHR pulling scores): made and revoked by an admin,
//! read-only (`GET` only) or read-write, stored as the SHA-256 of the secret (shown
//! once), and sent as `Authorization: Bearer rpt_...` on `/api/v1` routes.
//!
//! A token acts for its clinic as the admin who made it, on a few routes only
//! ([`TOKEN_ROUTES`]): the clinic's exports, and (read-write) the import of answers for
//! clients the clinic already has. It stops working when it is revoked or that admin is
//! deactivated. It manages no users, settings, passwords or tokens, never reaches the
//! pages, and needs no CSRF token (it is not a cookie a browser sends by itself). Every
//! call made with it is audited as `token:ID`.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::Response;
use minijinja::context;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::access::{Address, Route};
use crate::api::audit;
use crate::audit::Outcome;
use crate::db::{Db, DbError, exec, from_row, run};
use crate::error::AppError;
use crate::secrets::{self, hash_token};
use crate::sessions::Caller;
use crate::state::AppState;
use crate::view::{PageError, render};

/// What a token may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Scope {
    /// `GET` routes only.
    Read,
    /// Every API route its admin may call.
    Write,
}

impl Scope {
    fn as_str(self) -> &'static str {
        match self {
            Scope::Read => "read",
            Scope::Write => "write",
        }
    }
}

/// The prefix every token's secret starts with (so leaked ones are easy to find).
pub const PREFIX: &str = "rpt_";

/// A token as the admin's list shows it (never its secret).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TokenInfo {
    /// Id.
    pub id: i64,
    /// What it is for.
    pub name: String,
    /// `read` or `write`.
    pub scope: String,
    /// Who made it.
    pub created_by: String,
    /// When (seconds since the epoch).
    pub created_at: i64,
    /// When it was revoked.
    pub revoked_at: Option<i64>,
    /// When it was last used (to the minute).
    pub last_used_at: Option<i64>,
}

from_row!(TokenInfo {
    id,
    name,
    scope,
    created_by,
    created_at,
    revoked_at,
    last_used_at
});

/// The routes a token may call: the exports (read) and the import of answers for the
/// clinic's existing clients (read-write). Nothing else: a token manages no users,
/// settings, tokens or passwords, so it cannot make itself more than it is.
pub const TOKEN_ROUTES: [&str; 4] = [
    "/api/v1/me",
    "/api/v1/export",
    "/api/v1/export/research",
    "/api/v1/import",
];

/// Whether a token may call `route` at all (its scope aside).
pub fn may_call(route: &Route) -> bool {
    route.api && TOKEN_ROUTES.contains(&route.path)
}

/// Whether `scope` allows `route`'s method.
pub fn scope_allows(scope: &str, route: &Route) -> bool {
    scope == Scope::Write.as_str() || route.method == axum::http::Method::GET
}

/// The bearer token an `Authorization` header carries.
pub fn bearer(header: &str) -> Option<&str> {
    let (kind, secret) = header.trim().split_once(' ')?;
    kind.eq_ignore_ascii_case("bearer")
        .then(|| secret.trim())
        .filter(|s| s.starts_with(PREFIX))
}

/// The caller a token stands for, and its scope: `None` when it is unknown, revoked,
/// or its admin is inactive or no longer an admin.
pub async fn resolve(db: &Db, secret: &str, now: i64) -> Result<Option<(Caller, String)>, DbError> {
    let hash = hash_token(secret);
    let found = run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, (i64, String, i64, i64, String, String, String, Option<i64>)>(
            "SELECT t.id, t.scope, u.id, u.clinic_id, u.name, u.email, u.role, t.last_used_at \
             FROM api_tokens t JOIN users u ON u.id = t.created_by \
             WHERE t.token_hash = $1 AND t.revoked_at IS NULL AND u.active = 1 \
             AND u.role = 'admin' AND u.clinic_id = t.clinic_id"
        )
        .bind(&hash)
    )?;
    let Some((id, scope, user, clinic, name, email, role, last_used)) = found else {
        return Ok(None);
    };
    if last_used.is_none_or(|t| now - t >= 60) {
        exec!(
            db,
            sqlx::query("UPDATE api_tokens SET last_used_at = $1 WHERE id = $2")
                .bind(now)
                .bind(id)
        )?;
    }
    Ok(Some((
        Caller {
            user_id: user,
            clinic_id: clinic,
            name,
            email,
            role,
            csrf_token: String::new(),
            session: String::new(),
            created_at: now,
            last_seen_at: now,
            token: Some(id),
        },
        scope,
    )))
}

/// A new token.
#[derive(Debug, Deserialize)]
pub struct NewToken {
    /// What it is for (`EHR nightly pull`).
    pub name: String,
    /// `read` or `write`.
    pub scope: Scope,
}

/// Makes a token for the caller's clinic: (id, secret). The secret is shown once.
pub async fn make(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    name: &str,
    scope: Scope,
) -> Result<(i64, String), AppError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::item(
            "name",
            "name the token (1 to 100 characters), for instance after the system that uses it",
        ));
    }
    let secret = format!("{PREFIX}{}", secrets::token()?);
    let now = state.clock.now();
    let mut tx = state.db.write().await?;
    let id = run!(
        &mut tx,
        fetch_one,
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO api_tokens (clinic_id, name, token_hash, scope, created_by, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id"
        )
        .bind(caller.clinic_id)
        .bind(name)
        .bind(hash_token(&secret))
        .bind(scope.as_str())
        .bind(caller.user_id)
        .bind(now)
    )?;
    crate::audit::record(
        &mut tx,
        now,
        crate::api::actor(caller),
        "token.create",
        &format!("token:{id}"),
        &address.0,
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// The clinic's tokens, without secrets.
pub async fn of_clinic(db: &Db, clinic: i64) -> Result<Vec<TokenInfo>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, TokenInfo>(
            "SELECT t.id, t.name, t.scope, u.name AS created_by, t.created_at, t.revoked_at, \
             t.last_used_at FROM api_tokens t JOIN users u ON u.id = t.created_by \
             WHERE t.clinic_id = $1 ORDER BY t.id"
        )
        .bind(clinic)
    )
}

/// Revokes a token of the caller's clinic (404 when there is none to revoke).
pub async fn revoke_for(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    id: i64,
) -> Result<(), AppError> {
    let object = format!("token:{id}");
    let revoked = exec!(
        &state.db,
        sqlx::query(
            "UPDATE api_tokens SET revoked_at = $1 WHERE id = $2 AND clinic_id = $3 \
             AND revoked_at IS NULL"
        )
        .bind(state.clock.now())
        .bind(id)
        .bind(caller.clinic_id)
    )?;
    if revoked == 0 {
        audit(
            state,
            caller,
            address,
            "token.revoke",
            &object,
            Outcome::NotFound,
        )
        .await?;
        return Err(AppError::NotFound);
    }
    audit(state, caller, address, "token.revoke", &object, Outcome::Ok).await
}

/// `POST /api/v1/tokens` (signed-in admins): `{"name", "scope"}` -> 201 `{"id",
/// "token", "scope"}`; the secret is shown this once.
pub async fn create(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Json(body): Json<NewToken>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let (id, secret) = make(&state, &caller, &address, &body.name, body.scope).await?;
    Ok((
        StatusCode::CREATED,
        Json(json!({ "id": id, "token": secret, "scope": body.scope })),
    ))
}

/// `GET /api/v1/tokens` (signed-in admins): the clinic's tokens, without secrets.
pub async fn list(State(state): State<AppState>, caller: Caller) -> Result<Json<Value>, AppError> {
    let tokens = of_clinic(&state.db, caller.clinic_id).await?;
    Ok(Json(json!({ "tokens": tokens })))
}

/// `DELETE /api/v1/tokens/{id}` (signed-in admins): revokes a token of the clinic.
pub async fn revoke(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<StatusCode, AppError> {
    revoke_for(&state, &caller, &address, id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A token made from the page.
#[derive(Debug, Deserialize)]
pub struct TokenForm {
    /// What it is for.
    pub name: String,
    /// `read` or `write`.
    pub scope: Scope,
}

/// `GET /admin/data`: exports, the research export and API tokens.
pub async fn data_page(
    State(state): State<AppState>,
    caller: Caller,
) -> Result<Response, PageError> {
    data_page_with(&state, &caller, None).await
}

async fn data_page_with(
    state: &AppState,
    caller: &Caller,
    made: Option<(String, String)>,
) -> Result<Response, PageError> {
    let tokens = of_clinic(&state.db, caller.clinic_id).await?;
    let tokens: Vec<minijinja::Value> = tokens
        .iter()
        .map(|t| {
            context! {
                id => t.id,
                name => t.name.clone(),
                scope => t.scope.clone(),
                created_by => t.created_by.clone(),
                created_at => crate::clock::iso(t.created_at),
                last_used_at => t.last_used_at.map(crate::clock::iso),
                revoked_at => t.revoked_at.map(crate::clock::iso),
            }
        })
        .collect();
    Ok(render(
        StatusCode::OK,
        "server/data.html",
        Some(caller),
        context! {
            tokens => tokens,
            made => made.map(|(name, secret)| context! { name => name, secret => secret }),
        },
    )?)
}

/// `POST /admin/tokens`: makes a token and shows its secret once.
pub async fn create_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    axum::Form(form): axum::Form<TokenForm>,
) -> Result<Response, PageError> {
    let (_, secret) = make(&state, &caller, &address, &form.name, form.scope).await?;
    data_page_with(
        &state,
        &caller,
        Some((form.name.trim().to_string(), secret)),
    )
    .await
}

/// `POST /admin/tokens/{id}/revoke`.
pub async fn revoke_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    revoke_for(&state, &caller, &address, id).await?;
    Ok(crate::view::redirect("/admin/data"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bearer_header_carries_a_rapport_token() {
        assert_eq!(bearer("Bearer rpt_abc"), Some("rpt_abc"));
        assert_eq!(bearer("bearer   rpt_abc "), Some("rpt_abc"));
        assert_eq!(bearer("Basic rpt_abc"), None);
        assert_eq!(bearer("Bearer abc"), None);
        assert_eq!(bearer("rpt_abc"), None);
    }
}
