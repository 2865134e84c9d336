//! Who may call what. Every route is declared once in [`crate::app`](mod@crate::app)'s table with its
//! [`Access`]; the [`guard`] in front of each route enforces it before the handler runs:
//! it finds the session (or, on API routes, an API token: see [`crate::tokens`]),
//! checks the role, checks the CSRF token of every state-changing request made with a
//! session, and hands the handler the [`Caller`]. A test walks the table and proves
//! each route refuses a caller without the right.
//!
//! Object-level access (is this client the caller's?) is the handlers' job, through
//! [`crate::clients::find`], whose SQL carries the caller's clinic and id.

use axum::body::{Body, to_bytes};
use axum::extract::{ConnectInfo, FromRequestParts, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::secrets::same_secret;
use crate::sessions::{self, Caller};
use crate::state::AppState;
use crate::users::Role;
use crate::view::PageError;

/// The largest form body the guard reads to find its CSRF field.
const MAX_FORM_BYTES: usize = 1 << 20;

/// Who may call a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Access {
    /// Anyone: health, sign-in, the client's answer form (its token is the key), the
    /// API description, static assets.
    Public,
    /// Any signed-in user.
    Signed,
    /// Signed-in counsellors and supervisors (users with a caseload).
    Clinician,
    /// Signed-in admins.
    Admin,
}

impl Access {
    /// Whether a signed-in user of `role` may call.
    pub fn allows(self, role: Role) -> bool {
        match self {
            Access::Public | Access::Signed => true,
            Access::Clinician => role.counsels(),
            Access::Admin => role == Role::Admin,
        }
    }

    /// As the API description and the route list write it.
    pub fn describe(self) -> &'static str {
        match self {
            Access::Public => "anyone",
            Access::Signed => "any signed-in user",
            Access::Clinician => "signed-in counsellors and supervisors",
            Access::Admin => "signed-in admins",
        }
    }
}

/// One route: method, path, who may call it, whether it is JSON API or a page, and
/// what it does.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Route {
    /// The method.
    pub method: Method,
    /// The path, axum style (`/api/v1/clients/{id}`).
    pub path: &'static str,
    /// Who may call it.
    pub access: Access,
    /// JSON API (401 when signed out) or a page (a redirect to sign-in).
    pub api: bool,
    /// What it does, for the API description.
    pub summary: &'static str,
}

/// The address a request came from: the socket's peer, or `X-Forwarded-For`'s first
/// entry when the server trusts its proxy.
#[derive(Debug, Clone)]
pub struct Address(pub String);

fn address_of(request: &Request, trust_forwarded: bool) -> String {
    if trust_forwarded
        && let Some(first) = request
            .headers()
            .get("x-forwarded-for")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(',').next())
            .map(str::trim)
            .filter(|v| !v.is_empty() && v.len() <= 64)
    {
        return first.to_string();
    }
    request
        .extensions()
        .get::<ConnectInfo<std::net::SocketAddr>>()
        .map_or_else(|| "unknown".to_string(), |c| c.0.ip().to_string())
}

/// The guard in front of every route (see the module docs).
pub async fn guard(
    State((state, route)): State<(AppState, Route)>,
    mut request: Request,
    next: Next,
) -> Response {
    let address = address_of(&request, state.exposure.trust_forwarded);
    request.extensions_mut().insert(Address(address));
    if route.access == Access::Public {
        return next.run(request).await;
    }
    let refuse = |error: AppError| {
        if route.api {
            error.into_response()
        } else {
            PageError(error).into_response()
        }
    };
    // An integration's API token, on API routes only.
    if route.api
        && let Some(authorization) = request.headers().get(header::AUTHORIZATION)
    {
        let secret = authorization.to_str().ok().and_then(crate::tokens::bearer);
        let resolved = match secret {
            Some(secret) => crate::tokens::resolve(&state.db, secret, state.clock.now()).await,
            None => Ok(None),
        };
        let (caller, scope) = match resolved {
            Ok(Some(found)) => found,
            Ok(None) => return refuse(AppError::Unauthenticated),
            Err(e) => return refuse(e.into()),
        };
        if !crate::tokens::may_call(&route) || !route.access.allows(caller.role()) {
            return refuse(AppError::Forbidden);
        }
        if !crate::tokens::scope_allows(&scope, &route) {
            return refuse(AppError::Forbidden);
        }
        request.extensions_mut().insert(caller);
        return next.run(request).await;
    }
    let session = request
        .headers()
        .get(header::COOKIE)
        .and_then(|v| v.to_str().ok())
        .and_then(sessions::id_from_cookies)
        .map(str::to_string);
    let caller = match session {
        Some(id) => match sessions::resume(&state.db, &id, state.clock.now()).await {
            Ok(caller) => caller,
            Err(e) => return refuse(e.into()),
        },
        None => None,
    };
    let Some(caller) = caller else {
        return refuse(AppError::Unauthenticated);
    };
    if !route.access.allows(caller.role()) {
        return refuse(AppError::Forbidden);
    }
    let changes_state = !matches!(*request.method(), Method::GET | Method::HEAD);
    if changes_state {
        let (request_back, token) = match csrf_token(request).await {
            Ok(found) => found,
            Err(e) => return refuse(e),
        };
        request = request_back;
        if !token.is_some_and(|t| same_secret(&t, &caller.csrf_token)) {
            return refuse(AppError::Csrf);
        }
    }
    request.extensions_mut().insert(caller);
    next.run(request).await
}

/// The CSRF token a request carries: the `X-CSRF-Token` header, or for an HTML form
/// (URL-encoded, or multipart for the transcript upload) the `csrf` field (the body is
/// read and handed back intact).
async fn csrf_token(request: Request) -> Result<(Request, Option<String>), AppError> {
    if let Some(token) = request
        .headers()
        .get("x-csrf-token")
        .and_then(|v| v.to_str().ok())
    {
        let token = token.to_string();
        return Ok((request, Some(token)));
    }
    let content_type = request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_string();
    if content_type.starts_with("multipart/form-data") {
        // The transcript upload form: its `csrf` field, read with the upload's limit.
        let (parts, body) = request.into_parts();
        let bytes = to_bytes(body, crate::counselling::UPLOAD_LIMIT)
            .await
            .map_err(|_| AppError::BadRequest("the upload is too large".into()))?;
        let token = crate::counselling::multipart_csrf(&content_type, bytes.clone()).await;
        return Ok((Request::from_parts(parts, Body::from(bytes)), token));
    }
    if !content_type.starts_with("application/x-www-form-urlencoded") {
        return Ok((request, None));
    }
    let (parts, body) = request.into_parts();
    let bytes = to_bytes(body, MAX_FORM_BYTES)
        .await
        .map_err(|_| AppError::BadRequest("the form is too large".into()))?;
    let token = form_urlencoded::parse(&bytes)
        .find(|(name, _)| name == "csrf")
        .map(|(_, value)| value.into_owned());
    Ok((Request::from_parts(parts, Body::from(bytes)), token))
}

impl<S: Send + Sync> FromRequestParts<S> for Caller {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Caller, AppError> {
        // Only the guard puts a caller here; a public route asking for one is refused.
        parts
            .extensions
            .get::<Caller>()
            .cloned()
            .ok_or(AppError::Unauthenticated)
    }
}

impl<S: Send + Sync> FromRequestParts<S> for Address {
    type Rejection = AppError;

    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Address, AppError> {
        Ok(parts
            .extensions
            .get::<Address>()
            .cloned()
            .unwrap_or_else(|| Address("unknown".into())))
    }
}
