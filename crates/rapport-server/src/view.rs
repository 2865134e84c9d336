//! The page machinery every HTML route shares: one template environment (the report's
//! templates and the server's, built once), rendering with a fresh CSP nonce per
//! response, redirects, and errors shown as pages ([`PageError`]).

use std::sync::LazyLock;

use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Environment, Value, context};

use crate::error::AppError;
use crate::secrets;
use crate::sessions::Caller;
use crate::users::Role;

/// An error on a page: the same statuses, as HTML (and a sign-in redirect where the
/// session is missing).
#[derive(Debug)]
pub struct PageError(pub AppError);

impl<E: Into<AppError>> From<E> for PageError {
    fn from(e: E) -> PageError {
        PageError(e.into())
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, AppError::Unauthenticated) {
            return redirect("/login");
        }
        error_page(&self.0)
    }
}

/// The server's templates, by name (`server/...`).
const TEMPLATES: [(&str, &str); 25] = [
    (
        "server/layout.html",
        include_str!("../templates/layout.html"),
    ),
    ("server/page.html", include_str!("../templates/page.html")),
    ("server/error.html", include_str!("../templates/error.html")),
    ("server/login.html", include_str!("../templates/login.html")),
    (
        "server/dashboard.html",
        include_str!("../templates/dashboard.html"),
    ),
    (
        "server/client.html",
        include_str!("../templates/client.html"),
    ),
    ("server/link.html", include_str!("../templates/link.html")),
    (
        "server/answer.html",
        include_str!("../templates/answer.html"),
    ),
    (
        "server/thanks.html",
        include_str!("../templates/thanks.html"),
    ),
    ("server/gone.html", include_str!("../templates/gone.html")),
    ("server/kiosk.html", include_str!("../templates/kiosk.html")),
    (
        "server/password.html",
        include_str!("../templates/password.html"),
    ),
    ("server/users.html", include_str!("../templates/users.html")),
    (
        "server/settings.html",
        include_str!("../templates/settings.html"),
    ),
    ("server/audit.html", include_str!("../templates/audit.html")),
    ("server/bare.html", include_str!("../templates/bare.html")),
    (
        "server/session-trends.html",
        include_str!("../templates/session-trends.html"),
    ),
    (
        "server/session-side.html",
        include_str!("../templates/session-side.html"),
    ),
    (
        "server/session.html",
        include_str!("../templates/session.html"),
    ),
    (
        "server/session-pending.html",
        include_str!("../templates/session-pending.html"),
    ),
    (
        "server/supervision.html",
        include_str!("../templates/supervision.html"),
    ),
    (
        "server/practice.html",
        include_str!("../templates/practice.html"),
    ),
    (
        "server/notifications.html",
        include_str!("../templates/notifications.html"),
    ),
    ("server/data.html", include_str!("../templates/data.html")),
    (
        "server/import.html",
        include_str!("../templates/import.html"),
    ),
];

/// The stylesheet every page links.
pub const STYLESHEET: &str = include_str!("../static/app.css");

/// The layout the report's pages are rendered in on the server.
pub const LAYOUT: &str = "server/layout.html";

/// The layout of a fragment: the body block alone, to be placed inside another page.
pub const FRAGMENT_LAYOUT: &str = "server/bare.html";

/// The report crate's templates and the server's, in one environment.
pub fn environment() -> Result<Environment<'static>, minijinja::Error> {
    let mut env = Environment::new();
    rapport_report::templates::register(&mut env)?;
    for (name, source) in TEMPLATES {
        env.add_template(name, source)?;
    }
    env.add_filter("iso", crate::clock::iso);
    Ok(env)
}

static ENVIRONMENT: LazyLock<Result<Environment<'static>, String>> =
    LazyLock::new(|| environment().map_err(|e| format!("{e:#}")));

fn templates() -> Result<&'static Environment<'static>, AppError> {
    ENVIRONMENT
        .as_ref()
        .map_err(|e| AppError::Internal(format!("loading the page templates: {e}")))
}

/// What the layout shows of the signed-in user.
fn user_view(caller: Option<&Caller>) -> Value {
    match caller {
        Some(c) => context! {
            id => c.user_id,
            name => c.name.clone(),
            csrf => c.csrf_token.clone(),
            counsels => c.role().counsels(),
            admin => c.role() == Role::Admin,
        },
        None => Value::from(()),
    }
}

/// Renders a page with `status`: the layout's variables (nonce, language, user) added,
/// the CSP header carrying the nonce.
pub fn render(
    status: StatusCode,
    name: &str,
    caller: Option<&Caller>,
    page: Value,
) -> Result<Response, AppError> {
    let nonce = secrets::token()?;
    let html = templates()?.get_template(name)?.render(context! {
        nonce => nonce.clone(),
        lang => "en",
        user => user_view(caller),
        layout => LAYOUT,
        ..page
    })?;
    let policy = format!(
        "default-src 'none'; style-src 'self' 'nonce-{nonce}'; img-src 'self' data:; \
         form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    );
    let mut response = (status, axum::response::Html(html)).into_response();
    if let Ok(value) = HeaderValue::from_str(&policy) {
        response
            .headers_mut()
            .insert(header::CONTENT_SECURITY_POLICY, value);
    }
    Ok(response)
}

/// Renders a fragment (a template whose layout is [`FRAGMENT_LAYOUT`]) to be placed,
/// marked safe, inside a page. The fragment's values are escaped by its own template.
pub fn fragment(name: &str, page: Value) -> Result<String, AppError> {
    Ok(templates()?.get_template(name)?.render(page)?)
}

/// A 303 to `to`.
pub fn redirect(to: &str) -> Response {
    let mut response = StatusCode::SEE_OTHER.into_response();
    if let Ok(value) = HeaderValue::from_str(to) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

/// An error as a page.
pub fn error_page(error: &AppError) -> Response {
    let heading = match error.status() {
        StatusCode::NOT_FOUND => "Not found",
        StatusCode::FORBIDDEN => "Not allowed",
        StatusCode::TOO_MANY_REQUESTS => "Please wait",
        StatusCode::INTERNAL_SERVER_ERROR => "Something went wrong",
        _ => "That did not work",
    };
    let message = error.public_message();
    render(
        error.status(),
        "server/error.html",
        None,
        context! { heading => heading, message => message.clone() },
    )
    .unwrap_or_else(|_| (error.status(), message).into_response())
}
