//! A counselling session in the server: its transcript (uploaded, coded in the
//! background, deleted), its coded report beside the client's ratings of that session
//! and their outcome trend, and comments between supervisor and counsellor. The JSON
//! routes and the pages share the checks here.
//!
//! Who may do what (object level; the route table says which roles may call at all):
//! - upload or delete a transcript: the client's counsellor, and only where the
//!   client's consent to transcript analysis is recorded (409 otherwise; withdrawing it
//!   removes the transcripts not yet coded, `clients::record_consent`);
//! - read the session, follow a coding job, comment: the counsellor and their
//!   supervisor;
//! - anyone else: 404, as for every other record of a client.
//!
//! Every view, upload, deletion and comment is audited (ids only).

use axum::Json;
use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{DefaultBodyLimit, FromRequest, Multipart, Path, Query, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use minijinja::{Value as Ctx, context};
use rapport_core::{CodedSession, ModelAccuracy, ReadOptions, read_transcripts};
use serde::Deserialize;
use serde_json::{Value, json};
use tower::{Layer as _, ServiceExt as _};

use crate::access::Address;
use crate::api::{self, audit, client_for, refused};
use crate::audit::Outcome;
use crate::caseload::Caseload;
use crate::clients::{self, Client, ConsentScope, Intent};
use crate::comments;
use crate::error::AppError;
use crate::sessions::Caller;
use crate::state::AppState;
use crate::transcripts::{self, JobState, TranscriptRecord, Upload};
use crate::view::{self, PageError, render};

/// The largest transcript upload (an hour's Zoom transcript is about 100 KB).
pub const UPLOAD_LIMIT: usize = 10 << 20;

/// The body limit of the upload routes.
pub fn upload_limit() -> DefaultBodyLimit {
    DefaultBodyLimit::max(UPLOAD_LIMIT)
}

/// An upload as it arrived: the file and what the request says about it.
#[derive(Debug, Default, Clone)]
pub struct Uploaded {
    /// The file's name, where given.
    pub file_name: Option<String>,
    /// `vtt`, `srt`, `txt`, `csv` or `json`, where given.
    pub format: Option<String>,
    /// The counsellor's name as the transcript writes it, where given.
    pub counselor: Option<String>,
    /// The session number (the page's form gives it in the body).
    pub session: Option<String>,
    /// The file.
    pub bytes: Bytes,
}

/// `?format=...&counselor=...&name=...` on a raw upload.
#[derive(Debug, Default, Deserialize)]
pub struct UploadQuery {
    /// The format.
    pub format: Option<String>,
    /// The counsellor's name in the transcript.
    pub counselor: Option<String>,
    /// The file's name.
    pub name: Option<String>,
}

fn is_multipart(request: &Request) -> bool {
    request
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("multipart/form-data"))
}

/// Reads an upload: a `multipart/form-data` body (fields `file`, and optionally
/// `format`, `counselor`, `session`) or the raw file.
pub async fn read_upload(request: Request, query: UploadQuery) -> Result<Uploaded, AppError> {
    let mut upload = Uploaded {
        file_name: query.name,
        format: query.format,
        counselor: query.counselor,
        ..Uploaded::default()
    };
    if !is_multipart(&request) {
        upload.bytes = to_bytes(request.into_body(), UPLOAD_LIMIT)
            .await
            .map_err(|_| too_large())?;
        return Ok(upload);
    }
    let bad = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            too_large()
        } else {
            AppError::BadRequest(format!("the upload form could not be read: {e}"))
        }
    };
    let mut form = Multipart::from_request(request, &())
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload form could not be read: {e}")))?;
    while let Some(field) = form.next_field().await.map_err(bad)? {
        match field.name().unwrap_or_default() {
            "file" => {
                upload.file_name = field
                    .file_name()
                    .map(str::to_string)
                    .or(upload.file_name.take());
                upload.bytes = field.bytes().await.map_err(bad)?;
            }
            name @ ("format" | "counselor" | "session") => {
                let name = name.to_string();
                let text = field.text().await.map_err(bad)?;
                let text = Some(text.trim().to_string()).filter(|t| !t.is_empty());
                match name.as_str() {
                    "format" => upload.format = text.or(upload.format.take()),
                    "counselor" => upload.counselor = text.or(upload.counselor.take()),
                    _ => upload.session = text,
                }
            }
            _ => {}
        }
    }
    Ok(upload)
}

fn too_large() -> AppError {
    AppError::BadRequest(format!(
        "the upload is larger than {} MB; a session's transcript is far smaller, so check the file",
        UPLOAD_LIMIT >> 20
    ))
}

/// The `csrf` field of a `multipart/form-data` body (the upload page's form), for the
/// guard; read with the upload routes' body limit.
pub async fn multipart_csrf(content_type: &str, bytes: Bytes) -> Option<String> {
    let request = Request::builder()
        .header(header::CONTENT_TYPE, content_type)
        .body(Body::from(bytes))
        .ok()?;
    let find = tower::service_fn(|request: Request| async move {
        let Ok(mut form) = Multipart::from_request(request, &()).await else {
            return Ok::<_, std::convert::Infallible>(None);
        };
        while let Ok(Some(field)) = form.next_field().await {
            if field.name() == Some("csrf") {
                return Ok(field.text().await.ok());
            }
        }
        Ok(None)
    });
    upload_limit()
        .layer(find)
        .oneshot(request)
        .await
        .ok()
        .flatten()
}

/// A file name safe to keep and show: its last path component, at most 100
/// characters, or `session-N.FORMAT`.
fn file_name(given: Option<&str>, session: u32, format: &str) -> String {
    given
        .and_then(|n| n.rsplit(['/', '\\']).next())
        .map(|n| {
            n.chars()
                .filter(|c| !c.is_control())
                .take(100)
                .collect::<String>()
        })
        .filter(|n| !n.trim().is_empty())
        .unwrap_or_else(|| format!("session-{session}.{format}"))
}

/// Checks an upload and stores it, queued: the job's id and what reading the file
/// noticed (as `rapport analyze` prints them: a damaged cue skipped, naming its line).
/// Nothing is stored unless every check passes.
async fn accept(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    client: &Client,
    session: u32,
    upload: &Uploaded,
) -> Result<(i64, Vec<String>), AppError> {
    let consents = clients::consents(&state.db, client.id).await?;
    if !clients::consented(&consents, ConsentScope::Transcripts) {
        return Err(AppError::Conflict(format!(
            "client {} has no recorded consent to transcript analysis (consent scope \
             \"transcripts\"); record it on the client's page before uploading",
            client.code
        )));
    }
    let format = match (&upload.format, &upload.file_name) {
        (Some(name), _) => rapport_core::InputFormat::named(name).ok_or_else(|| {
            AppError::item(
                "format",
                format!("{name:?} is not a transcript format; use vtt, srt, txt, csv or json"),
            )
        })?,
        (None, Some(file)) => rapport_core::InputFormat::from_extension(std::path::Path::new(file))
            .ok_or_else(|| {
                AppError::item(
                    "format",
                    format!(
                        "{file}: cannot tell the format from the extension; name it with \
                         format=vtt|srt|txt|csv|json"
                    ),
                )
            })?,
        (None, None) => {
            return Err(AppError::item(
                "format",
                "name the transcript's format with ?format=vtt|srt|txt|csv|json",
            ));
        }
    };
    let short = format.name();
    let name = file_name(upload.file_name.as_deref(), session, short);
    if upload.bytes.is_empty() {
        return Err(AppError::item("file", format!("{name} is empty")));
    }
    if upload
        .counselor
        .as_ref()
        .is_some_and(|c| c.chars().count() > 100)
    {
        return Err(AppError::item(
            "counselor",
            "the counsellor's name is at most 100 characters",
        ));
    }
    let counselors: Vec<String> = upload.counselor.iter().cloned().collect();
    let options = ReadOptions {
        counselor_names: counselors.clone(),
    };
    let read = read_transcripts(&name, &upload.bytes, format, &options)
        .map_err(|e| AppError::item("file", e.to_string()))?;
    if read.transcripts.len() != 1 {
        return Err(AppError::item(
            "file",
            format!(
                "{name} holds {} sessions; upload one session's transcript to each session",
                read.transcripts.len()
            ),
        ));
    }
    let notices: Vec<String> = read.notices.iter().map(ToString::to_string).collect();
    let mut tx = state.db.write().await?;
    let stored = transcripts::insert(
        &mut tx,
        &Upload {
            client: client.id,
            session,
            format: short,
            file_name: &name,
            counselors: &counselors,
            notices: &notices,
            bytes: &upload.bytes,
            by: caller.user_id,
        },
        state.clock.now(),
    )
    .await?;
    let Some(job) = stored else {
        return Err(AppError::Conflict(format!(
            "session {session} already has a transcript; delete it first to upload another"
        )));
    };
    crate::audit::record(
        &mut tx,
        state.clock.now(),
        api::actor(caller),
        UPLOAD,
        &format!("client:{}", client.id),
        &address.0,
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    state.coding.wake();
    Ok((job, notices))
}

/// Uploads for the caller to their client (found, for writing, before the body was
/// read): consent, reading, storing, auditing.
async fn upload_for(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    client: &Client,
    session: u32,
    upload: &Uploaded,
) -> Result<(i64, Vec<String>), AppError> {
    match accept(state, caller, address, client, session, upload).await {
        Ok(accepted) => Ok(accepted),
        Err(e) => {
            let object = format!("client:{}", client.id);
            Err(refused(state, caller, address, UPLOAD, &object, e).await)
        }
    }
}

/// The audit action of an upload.
const UPLOAD: &str = "transcript.upload";

/// `POST /api/v1/clients/{id}/sessions/{n}/transcript`: the transcript as a raw body
/// (`?format=vtt|srt|txt|csv|json`, optional `&counselor=NAME&name=FILE`) or a
/// multipart form (field `file`) -> 202 `{"job": id, "notices": [...]}`.
pub async fn upload(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
    Query(query): Query<UploadQuery>,
    request: Request,
) -> Result<Response, AppError> {
    // Whose client it is is settled before the body is read.
    let client = client_for(&state, &caller, &address, id, Intent::Write, UPLOAD).await?;
    let upload = read_upload(request, query).await?;
    let (job, notices) = upload_for(&state, &caller, &address, &client, session, &upload).await?;
    Ok((
        StatusCode::ACCEPTED,
        Json(json!({ "job": job, "notices": notices })),
    )
        .into_response())
}

/// A job as `GET /api/v1/jobs/{id}` shows it.
fn job_json(state: &AppState, t: &TranscriptRecord) -> Value {
    let mut job = json!({
        "job": t.id,
        "client": t.client_id,
        "session": t.session_number,
        "state": t.state,
    });
    if let Some(error) = &t.error {
        job["error"] = json!(error);
    }
    let notices = t.notices();
    if !notices.is_empty() {
        job["notices"] = json!(notices);
    }
    if let Some(progress) = state.coding.progress(t.id) {
        job["progress"] = json!(progress);
    }
    job
}

/// `GET /api/v1/jobs/{id}`: `{"state": "queued|running|done|failed", "error"?,
/// "progress"?}`; 404 unless the caller may read the job's client.
pub async fn job(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
) -> Result<Json<Value>, AppError> {
    let Some(transcript) = transcripts::by_id(&state.db, id).await? else {
        audit(
            &state,
            &caller,
            &address,
            "job.view",
            &format!("job:{id}"),
            Outcome::NotFound,
        )
        .await?;
        return Err(AppError::NotFound);
    };
    client_for(
        &state,
        &caller,
        &address,
        transcript.client_id,
        Intent::Read,
        "job.view",
    )
    .await?;
    audit(
        &state,
        &caller,
        &address,
        "job.view",
        &format!("client:{}", transcript.client_id),
        Outcome::Ok,
    )
    .await?;
    Ok(Json(job_json(&state, &transcript)))
}

/// A session's stored parts: its transcript record, coded session and summary, the
/// model's accuracy.
struct SessionParts {
    transcript: Option<TranscriptRecord>,
    coded: Option<CodedSession>,
    summary: Option<rapport_core::Summary>,
    accuracy: Option<ModelAccuracy>,
}

async fn session_parts(
    state: &AppState,
    client: &Client,
    session: u32,
) -> Result<SessionParts, AppError> {
    let transcript = transcripts::of_session(&state.db, client.id, session).await?;
    let stored = match &transcript {
        Some(t) => transcripts::coded(&state.db, t.id).await?,
        None => transcripts::Coded::default(),
    };
    Ok(SessionParts {
        coded: parse_stored("coded session", &stored.coded)?,
        summary: parse_stored("summary", &stored.summary)?,
        accuracy: parse_stored("model accuracy", &stored.accuracy)?,
        transcript,
    })
}

/// A stored JSON column read back.
fn parse_stored<T: serde::de::DeserializeOwned>(
    what: &str,
    text: &Option<String>,
) -> Result<Option<T>, AppError> {
    text.as_deref()
        .map(serde_json::from_str)
        .transpose()
        .map_err(|e| stored_json_error(what, &e))
}

/// A stored JSON column that cannot be read back: said by kind and position only, as
/// serde's own message may quote the stored value (an utterance's text) and this goes to
/// the log.
pub fn stored_json_error(what: &str, e: &serde_json::Error) -> AppError {
    AppError::Internal(format!(
        "reading a stored {what}: {:?} error at line {} column {}",
        e.classify(),
        e.line(),
        e.column()
    ))
}

/// The client's scored answers of one session, from their clinic's caseload.
fn session_measures(
    caseload: &Caseload,
    client: &Client,
    session: u32,
) -> Vec<rapport_measures::ScoredResponse> {
    caseload
        .scored
        .responses
        .iter()
        .filter(|r| r.client == client.code && r.session == session)
        .cloned()
        .collect()
}

/// `GET /api/v1/clients/{id}/sessions/{n}`: `{"coded": <the analyze JSON session> or
/// null, "summary", "transcript", "measures": [...], "comments": [...]}`.
pub async fn get_session(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
) -> Result<Json<Value>, AppError> {
    let client = client_for(&state, &caller, &address, id, Intent::Read, "session.view").await?;
    let parts = session_parts(&state, &client, session).await?;
    let (_, caseload) = api::scored_caseload(&state, caller.clinic_id).await?;
    let measures = session_measures(&caseload, &client, session);
    let comments = comments::of_session(&state.db, client.id, session).await?;
    audit(
        &state,
        &caller,
        &address,
        "session.view",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    Ok(Json(json!({
        "client": client.id,
        "code": client.code,
        "session": session,
        "transcript": parts.transcript.as_ref().map(|t| job_json(&state, t)),
        "coded": parts.coded,
        "summary": parts.summary,
        "accuracy": parts.accuracy,
        "measures": measures,
        "comments": comments,
    })))
}

/// Deletes a session's transcript text and codes for the caller (the counsellor).
async fn delete_for(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    id: i64,
    session: u32,
) -> Result<(), AppError> {
    let action = "transcript.delete";
    let client = client_for(state, caller, address, id, Intent::Write, action).await?;
    let object = format!("client:{id}");
    let Some(transcript) = transcripts::of_session(&state.db, client.id, session).await? else {
        return Err(refused(state, caller, address, action, &object, AppError::NotFound).await);
    };
    let mut tx = state.db.write().await?;
    if !transcripts::delete(&mut tx, transcript.id, state.clock.now()).await? {
        drop(tx);
        return Err(refused(state, caller, address, action, &object, AppError::NotFound).await);
    }
    crate::audit::record(
        &mut tx,
        state.clock.now(),
        api::actor(caller),
        action,
        &object,
        &address.0,
        Outcome::Ok,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// `DELETE /api/v1/clients/{id}/sessions/{n}/transcript`: deletes the transcript's
/// text and codes (the session's summary figures are kept) -> 204.
pub async fn delete_transcript(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
) -> Result<StatusCode, AppError> {
    delete_for(&state, &caller, &address, id, session).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// A new comment.
#[derive(Debug, Deserialize)]
pub struct NewComment {
    /// The text.
    pub body: String,
}

async fn comment_for(
    state: &AppState,
    caller: &Caller,
    address: &Address,
    id: i64,
    session: u32,
    body: &str,
) -> Result<i64, AppError> {
    let action = "comment.create";
    let client = client_for(state, caller, address, id, Intent::Read, action).await?;
    let text = match comments::check(body) {
        Ok(text) => text,
        Err(message) => {
            let e = AppError::item("body", message);
            return Err(refused(state, caller, address, action, &format!("client:{id}"), e).await);
        }
    };
    let comment = comments::add(
        &state.db,
        client.id,
        session,
        caller.user_id,
        text,
        state.clock.now(),
    )
    .await?;
    audit(
        state,
        caller,
        address,
        action,
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    // The comment is stored: a mail that cannot be sent is logged, not the caller's error.
    if let Err(e) = crate::notify::comment_left(state, client.id, caller.user_id).await {
        tracing::warn!(error = %e.public_message(), "mailing a comment's notification");
    }
    Ok(comment)
}

/// `POST /api/v1/clients/{id}/sessions/{n}/comments`: `{"body"}` -> 201 `{"id"}`.
pub async fn create_comment(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
    Json(body): Json<NewComment>,
) -> Result<(StatusCode, Json<Value>), AppError> {
    let comment = comment_for(&state, &caller, &address, id, session, &body.body).await?;
    Ok((StatusCode::CREATED, Json(json!({ "id": comment }))))
}

// Pages.

/// `POST /clients/{id}/transcripts`: the upload form (multipart: `session`, `file`,
/// optional `format` and `counselor`) -> the session's page.
pub async fn upload_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path(id): Path<i64>,
    request: Request,
) -> Result<Response, PageError> {
    let client = client_for(&state, &caller, &address, id, Intent::Write, UPLOAD).await?;
    let upload = read_upload(request, UploadQuery::default()).await?;
    let session = upload
        .session
        .as_deref()
        .and_then(|s| s.parse::<u32>().ok())
        .ok_or_else(|| {
            AppError::item(
                "session",
                "the session number must be a whole number, 0 or more",
            )
        })?;
    upload_for(&state, &caller, &address, &client, session, &upload).await?;
    Ok(view::redirect(&format!("/clients/{id}/sessions/{session}")))
}

/// `POST /clients/{id}/sessions/{n}/transcript/delete`: deletes from the page.
pub async fn delete_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
) -> Result<Response, PageError> {
    delete_for(&state, &caller, &address, id, session).await?;
    Ok(view::redirect(&format!("/clients/{id}/sessions/{session}")))
}

/// A comment from the page's form.
#[derive(Debug, Deserialize)]
pub struct CommentForm {
    /// The text.
    pub body: String,
}

/// `POST /clients/{id}/sessions/{n}/comments`: comments from the page.
pub async fn comment_form(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
    axum::Form(form): axum::Form<CommentForm>,
) -> Result<Response, PageError> {
    comment_for(&state, &caller, &address, id, session, &form.body).await?;
    Ok(view::redirect(&format!(
        "/clients/{id}/sessions/{session}#comments"
    )))
}

/// `GET /clients/{id}/sessions/{n}`: the session's report (as `rapport analyze
/// --format html` renders it) beside the client's ratings of the session and their
/// trends, the transcript's state, and comments.
pub async fn session_page(
    State(state): State<AppState>,
    caller: Caller,
    address: Address,
    Path((id, session)): Path<(i64, u32)>,
) -> Result<Response, PageError> {
    let client = client_for(&state, &caller, &address, id, Intent::Read, "session.view").await?;
    let parts = session_parts(&state, &client, session).await?;
    let comments = comments::of_session(&state.db, client.id, session).await?;
    let (settings, caseload) = api::scored_caseload(&state, caller.clinic_id).await?;
    let measures = session_measures(&caseload, &client, session);
    let own = caseload.track_of(&client.code);
    let trends = rapport_report::trends::trends_context(
        &own,
        &state.registry,
        &settings.scoring,
        view::FRAGMENT_LAYOUT,
    )?;
    let trends_html = view::fragment("server/session-trends.html", trends)?;
    let measures: Vec<Ctx> = measures
        .iter()
        .map(|r| {
            let instrument = state.registry.get(&r.instrument);
            context! {
                instrument => r.instrument.clone(),
                title => instrument.map_or_else(|| r.instrument.clone(), |i| i.title.clone()),
                alliance => api::is_alliance(&state, &r.instrument),
                total => rapport_measures::fmt_num(r.total),
                band => r.band.clone(),
                flags => r.flags.join(", "),
                date => r.date.format("%Y-%m-%d").to_string(),
            }
        })
        .collect();
    let state_name = parts.transcript.as_ref().map(|t| t.state.clone());
    let pending = state_name
        .as_deref()
        .and_then(JobState::parse)
        .is_some_and(|s| matches!(s, JobState::Queued | JobState::Running));
    let progress = parts
        .transcript
        .as_ref()
        .and_then(|t| state.coding.progress(t.id));
    let consented = clients::consented(
        &clients::consents(&state.db, client.id).await?,
        ConsentScope::Transcripts,
    );
    let side = context! {
        client => Ctx::from(minijinja::value::Serde(&client)),
        session => session,
        writable => client.counsellor == caller.user_id,
        consented => consented,
        transcript => Ctx::from(minijinja::value::Serde(&parts.transcript)),
        deleted => parts.transcript.as_ref().is_some_and(|t| t.deleted_at.is_some()),
        notices => parts.transcript.as_ref().map(TranscriptRecord::notices).unwrap_or_default(),
        pending => pending,
        progress => Ctx::from(minijinja::value::Serde(&progress)),
        measures => measures,
        trends_html => trends_html,
        comments => Ctx::from(minijinja::value::Serde(&comments)),
        kept_summary => Ctx::from(minijinja::value::Serde(&parts.summary.as_ref().map(kept_figures))),
    };
    api::audit(
        &state,
        &caller,
        &address,
        "session.view",
        &format!("client:{id}"),
        Outcome::Ok,
    )
    .await?;
    let page = match &parts.coded {
        Some(coded) => {
            let accuracy = parts
                .accuracy
                .clone()
                .unwrap_or_else(ModelAccuracy::unknown);
            let report = rapport_report::html::session_context(coded, &accuracy, view::LAYOUT)?;
            render(
                StatusCode::OK,
                "server/session.html",
                Some(&caller),
                context! { ..side, ..report },
            )?
        }
        None => render(
            StatusCode::OK,
            "server/session-pending.html",
            Some(&caller),
            side,
        )?,
    };
    let mut page = page;
    page.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(page)
}

/// The kept figures of a session whose transcript was deleted, as `[name, value]`.
fn kept_figures(summary: &rapport_core::Summary) -> Vec<(String, String)> {
    let show = |v: Option<f64>, percent: bool| match v {
        Some(v) if percent => format!("{v:.0} %"),
        Some(v) => format!("{v:.2}"),
        None => "n/a".to_string(),
    };
    vec![
        (
            "R:Q".to_string(),
            show(summary.reflection_to_question_ratio, false),
        ),
        (
            "%CR".to_string(),
            show(summary.percent_complex_reflections, true),
        ),
        (
            "% open questions".to_string(),
            show(summary.percent_open_questions, true),
        ),
        (
            "Change talk".to_string(),
            show(summary.change_talk_percent, true),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_name_is_its_last_component_or_made_up() {
        assert_eq!(
            file_name(Some("C:\\zoom\\week 3.vtt"), 3, "vtt"),
            "week 3.vtt"
        );
        assert_eq!(file_name(Some("../../etc/passwd"), 1, "txt"), "passwd");
        assert_eq!(file_name(Some("  "), 4, "srt"), "session-4.srt");
        assert_eq!(file_name(None, 2, "csv"), "session-2.csv");
        assert_eq!(file_name(Some(&"a".repeat(300)), 1, "txt").len(), 100);
    }
}
