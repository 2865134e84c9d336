//! The router: every route in one table with who may call it, each behind the
//! [`guard`], and headers every response carries.

use axum::extract::Request;
use axum::http::{HeaderValue, Method, header};
use axum::middleware::{self, Next};
use axum::response::Response;
use axum::routing::{MethodRouter, delete, get, post, put};
use axum::{Json, Router};
use serde_json::Value;

use crate::access::{Access, Route, guard};
use crate::state::AppState;
use crate::{
    answer, api, counselling, exchange, notify, openapi, pages, supervision, tokens, view,
};

/// Every route: (declaration, handler).
fn table() -> Vec<(Route, MethodRouter<AppState>)> {
    use Access::{Admin, Clinician, Public, Signed};
    let r =
        |method: Method, path: &'static str, access: Access, api: bool, summary: &'static str| {
            Route {
                method,
                path,
                access,
                api,
                summary,
            }
        };
    vec![
        // Health, description, assets.
        (
            r(
                Method::GET,
                "/healthz",
                Public,
                true,
                "200 when the database answers",
            ),
            get(api::healthz),
        ),
        (
            r(
                Method::GET,
                "/api/v1/openapi.json",
                Public,
                true,
                "This API's OpenAPI 3 description",
            ),
            get(openapi_document),
        ),
        (
            r(
                Method::GET,
                "/static/app.css",
                Public,
                false,
                "The stylesheet",
            ),
            get(pages::stylesheet),
        ),
        // Signing in and out.
        (
            r(
                Method::POST,
                "/api/v1/login",
                Public,
                true,
                "Sign in: {email, password} -> {csrf_token} and the session cookie",
            ),
            post(api::login),
        ),
        (
            r(Method::POST, "/api/v1/logout", Signed, true, "Sign out"),
            post(api::logout),
        ),
        (
            r(
                Method::GET,
                "/api/v1/me",
                Signed,
                true,
                "The signed-in user and the session's CSRF token",
            ),
            get(api::me),
        ),
        (
            r(
                Method::POST,
                "/api/v1/password",
                Signed,
                true,
                "Change one's password {current, new}; ends other sessions",
            ),
            post(api::password),
        ),
        (
            r(Method::GET, "/login", Public, false, "The sign-in page"),
            get(pages::login_page),
        ),
        (
            r(
                Method::POST,
                "/login",
                Public,
                false,
                "Sign in from the page",
            ),
            post(pages::login_form),
        ),
        (
            r(
                Method::POST,
                "/logout",
                Signed,
                false,
                "Sign out from the page",
            ),
            post(pages::logout_form),
        ),
        (
            r(Method::GET, "/password", Signed, false, "The password page"),
            get(pages::password_page),
        ),
        (
            r(
                Method::POST,
                "/password",
                Signed,
                false,
                "Change one's password from the page",
            ),
            post(pages::password_form),
        ),
        // Users and settings (admins).
        (
            r(
                Method::GET,
                "/api/v1/users",
                Admin,
                true,
                "The clinic's users",
            ),
            get(api::list_users),
        ),
        (
            r(
                Method::POST,
                "/api/v1/users",
                Admin,
                true,
                "Create a user {email, name, role, password, supervisor}",
            ),
            post(api::create_user),
        ),
        (
            r(
                Method::PUT,
                "/api/v1/users/{id}/supervisor",
                Admin,
                true,
                "Set who supervises a user {supervisor}",
            ),
            put(api::set_supervisor),
        ),
        (
            r(
                Method::GET,
                "/api/v1/settings",
                Admin,
                true,
                "The clinic's settings",
            ),
            get(api::get_settings),
        ),
        (
            r(
                Method::PUT,
                "/api/v1/settings",
                Admin,
                true,
                "Change the clinic's settings",
            ),
            put(api::put_settings),
        ),
        (
            r(
                Method::GET,
                "/api/v1/tokens",
                Admin,
                true,
                "The clinic's API tokens (never their secrets)",
            ),
            get(tokens::list),
        ),
        (
            r(
                Method::POST,
                "/api/v1/tokens",
                Admin,
                true,
                "Make an API token {name, scope: read|write} -> {id, token} (the secret, shown once)",
            ),
            post(tokens::create),
        ),
        (
            r(
                Method::DELETE,
                "/api/v1/tokens/{id}",
                Admin,
                true,
                "Revoke an API token",
            ),
            delete(tokens::revoke),
        ),
        (
            r(
                Method::GET,
                "/api/v1/audit",
                Admin,
                true,
                "The clinic's latest audit entries",
            ),
            get(api::list_audit),
        ),
        (
            r(Method::GET, "/admin/users", Admin, false, "The users page"),
            get(pages::users_page),
        ),
        (
            r(
                Method::POST,
                "/admin/users",
                Admin,
                false,
                "Create a user from the page",
            ),
            post(pages::create_user),
        ),
        (
            r(
                Method::POST,
                "/admin/users/{id}/supervisor",
                Admin,
                false,
                "Set a supervisor from the page",
            ),
            post(pages::set_supervisor),
        ),
        (
            r(
                Method::GET,
                "/admin/settings",
                Admin,
                false,
                "The settings page",
            ),
            get(pages::settings_page),
        ),
        (
            r(
                Method::POST,
                "/admin/settings",
                Admin,
                false,
                "Change settings from the page",
            ),
            post(pages::save_settings),
        ),
        (
            r(
                Method::GET,
                "/admin/audit",
                Admin,
                false,
                "The audit log page",
            ),
            get(pages::audit_page),
        ),
        // Clients, links, scores, alerts.
        (
            r(
                Method::GET,
                "/api/v1/clients",
                Signed,
                true,
                "The clients the caller may see",
            ),
            get(api::list_clients),
        ),
        (
            r(
                Method::POST,
                "/api/v1/clients",
                Clinician,
                true,
                "Create a client {code}",
            ),
            post(api::create_client),
        ),
        (
            r(
                Method::GET,
                "/api/v1/clients/{id}",
                Signed,
                true,
                "A client's record and tracked measures",
            ),
            get(api::get_client),
        ),
        (
            r(
                Method::POST,
                "/api/v1/clients/{id}/links",
                Clinician,
                true,
                "Make a one-time link {instruments, session}",
            ),
            post(api::create_link),
        ),
        (
            r(
                Method::POST,
                "/api/v1/clients/{id}/responses",
                Clinician,
                true,
                "Enter scores from paper {session, date, instrument, answers}",
            ),
            post(api::create_response),
        ),
        (
            r(
                Method::POST,
                "/api/v1/clients/{id}/consents",
                Clinician,
                true,
                "Record consent given or withdrawn {scope, given}",
            ),
            post(api::record_consent),
        ),
        (
            r(
                Method::GET,
                "/api/v1/alerts",
                Signed,
                true,
                "The caller's open alerts, most urgent first",
            ),
            get(api::list_alerts),
        ),
        (
            r(
                Method::POST,
                "/api/v1/alerts/acknowledge",
                Clinician,
                true,
                "Acknowledge an alert with a note {client, kind, instrument, session, note}",
            ),
            post(api::acknowledge),
        ),
        (
            r(
                Method::GET,
                "/",
                Signed,
                false,
                "The caseload, sorted by what needs attention",
            ),
            get(pages::dashboard),
        ),
        (
            r(
                Method::POST,
                "/clients",
                Clinician,
                false,
                "Create a client from the page",
            ),
            post(pages::create_client),
        ),
        (
            r(
                Method::GET,
                "/clients/{id}",
                Signed,
                false,
                "A client's page",
            ),
            get(pages::client_page),
        ),
        (
            r(
                Method::POST,
                "/clients/{id}/links",
                Clinician,
                false,
                "Make a link from the page",
            ),
            post(pages::create_link),
        ),
        (
            r(
                Method::POST,
                "/clients/{id}/responses",
                Clinician,
                false,
                "Enter scores from paper on the page",
            ),
            post(pages::enter_paper),
        ),
        (
            r(
                Method::POST,
                "/clients/{id}/consents",
                Clinician,
                false,
                "Record consent on the page",
            ),
            post(pages::record_consent),
        ),
        (
            r(
                Method::POST,
                "/alerts/acknowledge",
                Clinician,
                false,
                "Acknowledge an alert on the page",
            ),
            post(pages::acknowledge),
        ),
        // Sessions: transcripts, coded reports, comments.
        (
            r(
                Method::POST,
                "/api/v1/clients/{id}/sessions/{n}/transcript",
                Clinician,
                true,
                "Upload session n's transcript (raw body with ?format=vtt|srt|txt|csv|json, or multipart field file) -> 202 {job}; 409 without the client's transcript consent",
            ),
            post(counselling::upload).layer(counselling::upload_limit()),
        ),
        (
            r(
                Method::DELETE,
                "/api/v1/clients/{id}/sessions/{n}/transcript",
                Clinician,
                true,
                "Delete session n's transcript text and codes (its summary figures are kept)",
            ),
            delete(counselling::delete_transcript),
        ),
        (
            r(
                Method::GET,
                "/api/v1/clients/{id}/sessions/{n}",
                Signed,
                true,
                "Session n: {coded, summary, transcript, measures, comments}",
            ),
            get(counselling::get_session),
        ),
        (
            r(
                Method::POST,
                "/api/v1/clients/{id}/sessions/{n}/comments",
                Clinician,
                true,
                "Comment on session n {body} (the counsellor and their supervisor)",
            ),
            post(counselling::create_comment),
        ),
        (
            r(
                Method::GET,
                "/api/v1/jobs/{id}",
                Signed,
                true,
                "A coding job: {state: queued|running|done|failed, error?, progress?}",
            ),
            get(counselling::job),
        ),
        (
            r(
                Method::POST,
                "/clients/{id}/transcripts",
                Clinician,
                false,
                "Upload a transcript from the page (multipart: session, file)",
            ),
            post(counselling::upload_form).layer(counselling::upload_limit()),
        ),
        (
            r(
                Method::GET,
                "/clients/{id}/sessions/{n}",
                Signed,
                false,
                "A session's page: the coded report beside the client's ratings and trends",
            ),
            get(counselling::session_page),
        ),
        (
            r(
                Method::POST,
                "/clients/{id}/sessions/{n}/transcript/delete",
                Clinician,
                false,
                "Delete a transcript's text and codes from the page",
            ),
            post(counselling::delete_form),
        ),
        (
            r(
                Method::POST,
                "/clients/{id}/sessions/{n}/comments",
                Clinician,
                false,
                "Comment on a session from the page",
            ),
            post(counselling::comment_form),
        ),
        // Data in and out.
        (
            r(
                Method::GET,
                "/api/v1/export",
                Signed,
                true,
                "Export ?format=csv|fhir|json&client=ID: a client's answers (CSV or FHIR Bundle) or coded transcripts (JSON); without client, the whole clinic (admins)",
            ),
            get(exchange::export),
        ),
        (
            r(
                Method::GET,
                "/api/v1/export/research",
                Admin,
                true,
                "De-identified export of the clinic ?format=csv|fhir|json&text=false: random codes per export, dates shifted per client, no free text",
            ),
            get(exchange::research_export),
        ),
        (
            r(
                Method::POST,
                "/api/v1/import",
                Signed,
                true,
                "Import answers ?format=csv|fhir (the body is the file): a counsellor's own clients (new codes become theirs), or an admin's or token's for clients the clinic has; any bad row and nothing is imported",
            ),
            post(exchange::import).layer(counselling::upload_limit()),
        ),
        (
            r(Method::GET, "/import", Clinician, false, "The import page"),
            get(exchange::import_page),
        ),
        (
            r(
                Method::POST,
                "/import",
                Clinician,
                false,
                "Import answers from the page (multipart: file, format)",
            ),
            post(exchange::import_form).layer(counselling::upload_limit()),
        ),
        (
            r(
                Method::GET,
                "/admin/data",
                Admin,
                false,
                "Exports, the research export and API tokens",
            ),
            get(tokens::data_page),
        ),
        (
            r(
                Method::POST,
                "/admin/tokens",
                Admin,
                false,
                "Make an API token from the page",
            ),
            post(tokens::create_form),
        ),
        (
            r(
                Method::POST,
                "/admin/tokens/{id}/revoke",
                Admin,
                false,
                "Revoke an API token from the page",
            ),
            post(tokens::revoke_form),
        ),
        // Notifications.
        (
            r(
                Method::GET,
                "/api/v1/notifications",
                Signed,
                true,
                "New alerts and comments for the caller: {new, notifications}",
            ),
            get(notify::list),
        ),
        (
            r(
                Method::POST,
                "/api/v1/notifications/seen",
                Signed,
                true,
                "Mark every current notification seen",
            ),
            post(notify::seen),
        ),
        (
            r(
                Method::GET,
                "/notifications",
                Signed,
                false,
                "The caller's notifications (viewing marks them seen)",
            ),
            get(notify::page),
        ),
        // Supervision.
        (
            r(
                Method::GET,
                "/api/v1/supervision",
                Clinician,
                true,
                "The practice of the caller's supervisees (and their own)",
            ),
            get(supervision::list),
        ),
        (
            r(
                Method::GET,
                "/api/v1/counsellors/{id}/practice",
                Clinician,
                true,
                "A counsellor's practice: coded sessions' figures, alliance, outcomes (themselves or their supervisor)",
            ),
            get(supervision::get_practice),
        ),
        (
            r(
                Method::GET,
                "/supervision",
                Clinician,
                false,
                "Supervision: supervisees' practice at a glance",
            ),
            get(supervision::list_page),
        ),
        (
            r(
                Method::GET,
                "/supervision/{id}",
                Clinician,
                false,
                "A counsellor's practice over time",
            ),
            get(supervision::practice_page),
        ),
        // The client's side.
        (
            r(
                Method::GET,
                "/a/{token}",
                Public,
                false,
                "A client's questionnaire",
            ),
            get(answer::show),
        ),
        (
            r(
                Method::POST,
                "/a/{token}",
                Public,
                false,
                "A client's answers, as a form or JSON {answers}",
            ),
            post(answer::answer),
        ),
        (
            r(
                Method::GET,
                "/kiosk",
                Public,
                false,
                "The kiosk's code page",
            ),
            get(answer::kiosk_page),
        ),
        (
            r(
                Method::POST,
                "/kiosk",
                Public,
                false,
                "Open a questionnaire by kiosk code",
            ),
            post(answer::kiosk_code),
        ),
        (
            r(
                Method::POST,
                "/kiosk/answer",
                Public,
                false,
                "Answers to a questionnaire opened by kiosk code",
            ),
            post(answer::kiosk_answer),
        ),
        (
            r(Method::GET, "/thanks", Public, false, "Thank you"),
            get(answer::thanks),
        ),
    ]
}

/// Every route's declaration (for the API description and the authorisation tests).
pub fn routes() -> Vec<Route> {
    table().into_iter().map(|(route, _)| route).collect()
}

/// `GET /api/v1/openapi.json`: the description of this router's own table.
async fn openapi_document() -> Json<Value> {
    Json(openapi::describe(&routes()))
}

/// The whole application over `state`.
pub fn app(state: AppState) -> Router {
    let mut router = Router::new();
    for (route, handler) in table() {
        let path = route.path;
        let guarded = handler.route_layer(middleware::from_fn_with_state(
            (state.clone(), route),
            guard,
        ));
        router = router.route(path, guarded);
    }
    router
        .fallback(not_found)
        .layer(middleware::from_fn(headers))
        .with_state(state)
}

async fn not_found(request: Request) -> Response {
    let error = crate::AppError::NotFound;
    if request.uri().path().starts_with("/api/") {
        axum::response::IntoResponse::into_response(error)
    } else {
        view::error_page(&error)
    }
}

/// Headers on every response: no caching of anything but the stylesheet (pages and
/// API answers carry client data), no sniffing, no framing, no referrer, and a strict
/// Content-Security-Policy where a page has not set its own.
async fn headers(request: Request, next: Next) -> Response {
    let mut response = next.run(request).await;
    let h = response.headers_mut();
    h.entry(header::CACHE_CONTROL)
        .or_insert(HeaderValue::from_static("no-store"));
    h.entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static(
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), geolocation=()"),
    );
    response
}
