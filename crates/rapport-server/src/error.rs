//! One error type for every handler, and how it becomes a response: a specific message
//! for what the caller can fix, a generic one (and a log line) for what they cannot.
//! The database's own text never reaches a response.
//!
//! API routes answer JSON `{"error": "...", "item"?: "..."}`; pages answer an HTML
//! page through [`PageError`](crate::view::PageError).

use axum::Json;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::db::DbError;
use crate::secrets::RandomError;

/// Why a request failed.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    /// Not signed in (or the session ended).
    #[error("sign in first")]
    Unauthenticated,
    /// Signed in, but the role does not allow this.
    #[error("your role does not allow this")]
    Forbidden,
    /// A state-changing request without the session's CSRF token.
    #[error("the request lacks this session's CSRF token; reload the page and try again")]
    Csrf,
    /// No such record, or not the caller's to see (the two are not told apart).
    #[error("not found")]
    NotFound,
    /// The request is malformed.
    #[error("{0}")]
    BadRequest(String),
    /// Well-formed, but an answer or value is not acceptable; `item` names it.
    #[error("{message}")]
    Unprocessable {
        /// What is wrong and what to do.
        message: String,
        /// The item or field at fault.
        item: Option<String>,
    },
    /// Conflicts with what is stored (a duplicate).
    #[error("{0}")]
    Conflict(String),
    /// A link that has been used or has expired.
    #[error("{0}")]
    Gone(String),
    /// Too many failed sign-ins.
    #[error("too many failed sign-ins; try again in {0} seconds")]
    TooMany(i64),
    /// Ours, not the caller's.
    #[error("internal error: {0}")]
    Internal(String),
}

impl From<DbError> for AppError {
    fn from(e: DbError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<RandomError> for AppError {
    fn from(e: RandomError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<rapport_report::RenderError> for AppError {
    fn from(e: rapport_report::RenderError) -> AppError {
        AppError::Internal(e.to_string())
    }
}

impl From<minijinja::Error> for AppError {
    fn from(e: minijinja::Error) -> AppError {
        AppError::Internal(format!("rendering a page: {e:#}"))
    }
}

impl AppError {
    /// The HTTP status.
    pub fn status(&self) -> StatusCode {
        match self {
            AppError::Unauthenticated => StatusCode::UNAUTHORIZED,
            AppError::Forbidden | AppError::Csrf => StatusCode::FORBIDDEN,
            AppError::NotFound => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unprocessable { .. } => StatusCode::UNPROCESSABLE_ENTITY,
            AppError::Conflict(_) => StatusCode::CONFLICT,
            AppError::Gone(_) => StatusCode::GONE,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// What the caller is told: the message, or a generic one for our failures (whose
    /// detail goes to the log, which never carries answers).
    pub fn public_message(&self) -> String {
        match self {
            AppError::Internal(detail) => {
                tracing::error!(%detail, "request failed");
                "something went wrong on the server; the administrator can find the details in its log".to_string()
            }
            other => other.to_string(),
        }
    }

    /// An unprocessable value, naming the item.
    pub fn item(item: impl Into<String>, message: impl Into<String>) -> AppError {
        AppError::Unprocessable {
            message: message.into(),
            item: Some(item.into()),
        }
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = self.status();
        let mut body = json!({ "error": self.public_message() });
        if let AppError::Unprocessable {
            item: Some(item), ..
        } = &self
        {
            body["item"] = json!(item);
        }
        let mut response = (status, Json(body)).into_response();
        if let AppError::TooMany(seconds) = self
            && let Ok(value) = HeaderValue::from_str(&seconds.to_string())
        {
            response.headers_mut().insert(header::RETRY_AFTER, value);
        }
        response
    }
}
