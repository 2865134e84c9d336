//! The harness every server test runs on: a fresh database per test (SQLite in a
//! temporary directory; PostgreSQL in a fresh schema of the database named by
//! `RAPPORT_TEST_POSTGRES`, dropped afterwards), a clock the test moves, requests sent
//! through `app(state).oneshot(...)` with no socket, and a small clinic of users.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicU64, Ordering};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::ConnectInfo;
use axum::http::{HeaderMap, Method, Request, StatusCode, header};
use rapport_server::clock::Clock;
use rapport_server::coding::Mode;
use rapport_server::db::Db;
use rapport_server::users::{self, NewUser, Role};
use rapport_server::{AppState, Exposure, app};
use serde_json::Value;
use tower::ServiceExt;

/// The environment variable naming a PostgreSQL database to run the suite on too.
pub const POSTGRES_ENV: &str = "RAPPORT_TEST_POSTGRES";

/// Where every test's clock starts: 2026-12-01T09:00:00Z.
pub const START: i64 = 1_796_115_600;

/// Which backend a test runs on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Backend {
    /// SQLite in a temporary directory.
    Sqlite,
    /// PostgreSQL, a fresh schema in the given database.
    Postgres(String),
}

/// One test's server: its state, clock, data directory and database.
pub struct Server {
    /// The state the app runs over.
    pub state: AppState,
    /// The clock the test moves.
    pub clock: Clock,
    /// The data directory (SQLite's `rapport.db` lives here).
    pub dir: tempfile::TempDir,
    /// The backend.
    pub backend: Backend,
    /// PostgreSQL: the schema to drop afterwards.
    schema: Option<String>,
}

static COUNTER: AtomicU64 = AtomicU64::new(0);

/// A name no other test (in this or another run) uses.
pub fn unique(prefix: &str) -> String {
    let n = COUNTER.fetch_add(1, Ordering::SeqCst);
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.subsec_nanos());
    format!("{prefix}_{}_{n}_{nanos}", std::process::id())
}

/// The URL `base` with a search path of `schema`.
fn with_schema(base: &str, schema: &str) -> String {
    let sep = if base.contains('?') { '&' } else { '?' };
    format!("{base}{sep}options=-c%20search_path%3D{schema}")
}

/// An admin connection to the PostgreSQL test database.
pub async fn pg_admin(base: &str) -> sqlx::PgPool {
    sqlx::postgres::PgPoolOptions::new()
        .max_connections(1)
        .connect(base)
        .await
        .unwrap_or_else(|e| panic!("{POSTGRES_ENV}={base}: cannot connect: {e}"))
}

impl Server {
    /// A fresh server on `backend`.
    pub async fn start(backend: Backend) -> Server {
        Server::start_with(backend, None).await
    }

    /// A fresh server on `backend` that mails notifications through `mail`.
    pub async fn start_with(
        backend: Backend,
        mail: Option<rapport_server::notify::Mail>,
    ) -> Server {
        let dir = tempfile::tempdir().expect("a temporary directory");
        let (url, schema) = match &backend {
            Backend::Sqlite => (rapport_server::serve::database_url(dir.path(), None), None),
            Backend::Postgres(base) => {
                let schema = unique("rt");
                let admin = pg_admin(base).await;
                sqlx::query(sqlx::AssertSqlSafe(format!("CREATE SCHEMA {schema}")))
                    .execute(&admin)
                    .await
                    .expect("create a test schema");
                admin.close().await;
                (with_schema(base, &schema), Some(schema))
            }
        };
        let db = Db::open(&url).await.expect("open the test database");
        let clock = Clock::fixed(START);
        // The fast model codes uploaded transcripts: no encoder to load in every test.
        let state = AppState::with_mail(db, clock.clone(), Exposure::default(), Mode::Fast, mail);
        rapport_server::coding::start(&state);
        Server {
            state,
            clock,
            dir,
            backend,
            schema,
        }
    }

    /// What to drop afterwards: PostgreSQL's (database URL, schema).
    pub fn cleanup(&self) -> Option<(String, String)> {
        match (&self.backend, &self.schema) {
            (Backend::Postgres(base), Some(schema)) => Some((base.clone(), schema.clone())),
            _ => None,
        }
    }

    /// A request to the app.
    pub fn req(&self, method: Method, path: &str) -> Req {
        Req {
            state: self.state.clone(),
            method,
            path: path.to_string(),
            headers: Vec::new(),
            body: Body::empty(),
            address: None,
        }
    }

    /// `GET path` as `who` (or nobody).
    pub async fn get(&self, who: Option<&Agent>, path: &str) -> Resp {
        self.req(Method::GET, path).by(who).send().await
    }

    /// A JSON `POST` as `who`, with their CSRF token.
    pub async fn post_json(&self, who: &Agent, path: &str, body: Value) -> Resp {
        self.req(Method::POST, path)
            .by(Some(who))
            .csrf(who)
            .json(&body)
            .send()
            .await
    }

    /// A JSON `PUT` as `who`, with their CSRF token.
    pub async fn put_json(&self, who: &Agent, path: &str, body: Value) -> Resp {
        self.req(Method::PUT, path)
            .by(Some(who))
            .csrf(who)
            .json(&body)
            .send()
            .await
    }

    /// A form `POST` as `who`, the CSRF token in the form.
    pub async fn post_form(&self, who: &Agent, path: &str, fields: &[(&str, &str)]) -> Resp {
        let mut all = vec![("csrf", who.csrf.as_str())];
        all.extend_from_slice(fields);
        self.req(Method::POST, path)
            .by(Some(who))
            .form(&all)
            .send()
            .await
    }

    /// Signs in by the API; panics unless it works.
    pub async fn login(&self, email: &str, password: &str) -> Agent {
        let r = self
            .req(Method::POST, "/api/v1/login")
            .json(&serde_json::json!({"email": email, "password": password}))
            .send()
            .await;
        assert_eq!(r.status, StatusCode::OK, "login {email}: {}", r.text());
        let cookie = r.session_cookie().expect("a session cookie");
        let body = r.json();
        Agent {
            id: body["user"].as_i64().expect("user id"),
            email: email.to_string(),
            cookie,
            csrf: body["csrf_token"].as_str().expect("csrf").to_string(),
        }
    }

    /// Creates a user directly.
    pub async fn user(&self, clinic: i64, email: &str, role: Role, supervisor: Option<i64>) -> i64 {
        let new = NewUser {
            email: email.to_string(),
            name: email.split('@').next().unwrap_or(email).to_string(),
            role,
            password: PASSWORD.to_string(),
            supervisor,
        };
        users::create(&self.state.db, clinic, &new, self.clock.now())
            .await
            .expect("create a user")
            .id
    }

    /// A clinic by name.
    pub async fn clinic(&self, name: &str) -> i64 {
        users::clinic_named(&self.state.db, name, self.clock.now())
            .await
            .expect("create a clinic")
    }

    /// Two clinics: A with an admin, a supervisor, a counsellor they supervise and one
    /// they do not; B with an admin and a counsellor; each counsellor (and the
    /// supervisor) with one client.
    pub async fn world(&self) -> World {
        let a = self.clinic("Clinic A").await;
        let b = self.clinic("Clinic B").await;
        self.user(a, "admin@a.org", Role::Admin, None).await;
        let sup = self.user(a, "sup@a.org", Role::Supervisor, None).await;
        self.user(a, "c1@a.org", Role::Counsellor, Some(sup)).await;
        self.user(a, "c2@a.org", Role::Counsellor, None).await;
        self.user(b, "admin@b.org", Role::Admin, None).await;
        self.user(b, "d@b.org", Role::Counsellor, None).await;
        let admin = self.login("admin@a.org", PASSWORD).await;
        let sup = self.login("sup@a.org", PASSWORD).await;
        let c1 = self.login("c1@a.org", PASSWORD).await;
        let c2 = self.login("c2@a.org", PASSWORD).await;
        let admin_b = self.login("admin@b.org", PASSWORD).await;
        let d = self.login("d@b.org", PASSWORD).await;
        let client_c1 = self.new_client(&c1, "C1-001").await;
        let client_c2 = self.new_client(&c2, "C2-001").await;
        let client_sup = self.new_client(&sup, "S-001").await;
        let client_d = self.new_client(&d, "D-001").await;
        World {
            clinic_a: a,
            clinic_b: b,
            admin,
            sup,
            c1,
            c2,
            admin_b,
            d,
            client_c1,
            client_c2,
            client_sup,
            client_d,
        }
    }

    /// Creates a client of `who` by the API; its id.
    pub async fn new_client(&self, who: &Agent, code: &str) -> i64 {
        let r = self
            .post_json(who, "/api/v1/clients", serde_json::json!({"code": code}))
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        r.json()["id"].as_i64().expect("client id")
    }

    /// Makes a link by the API: (`/a/<token>`, kiosk code).
    pub async fn new_link(
        &self,
        who: &Agent,
        client: i64,
        session: u32,
        instruments: &[&str],
    ) -> (String, String) {
        let r = self
            .post_json(
                who,
                &format!("/api/v1/clients/{client}/links"),
                serde_json::json!({"instruments": instruments, "session": session}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
        let body = r.json();
        (
            body["url"].as_str().expect("url").to_string(),
            body["kiosk_code"].as_str().expect("code").to_string(),
        )
    }

    /// Enters scores from paper by the API.
    pub async fn paper(
        &self,
        who: &Agent,
        client: i64,
        session: u32,
        date: &str,
        instrument: &str,
        answers: Value,
    ) -> Resp {
        self.post_json(
            who,
            &format!("/api/v1/clients/{client}/responses"),
            serde_json::json!({"session": session, "date": date, "instrument": instrument, "answers": answers}),
        )
        .await
    }

    /// Records a client's consent to `scope` (`measures` or `transcripts`) by the API.
    pub async fn consent(&self, who: &Agent, client: i64, scope: &str) {
        let r = self
            .post_json(
                who,
                &format!("/api/v1/clients/{client}/consents"),
                serde_json::json!({"scope": scope, "given": true}),
            )
            .await;
        assert_eq!(r.status, StatusCode::CREATED, "{}", r.text());
    }

    /// Uploads a transcript as a raw body, `query` being `format=vtt` and the like.
    pub async fn upload(
        &self,
        who: &Agent,
        client: i64,
        session: u32,
        query: &str,
        transcript: &str,
    ) -> Resp {
        let mut req = self
            .req(
                Method::POST,
                &format!("/api/v1/clients/{client}/sessions/{session}/transcript?{query}"),
            )
            .by(Some(who))
            .csrf(who)
            .header("content-type", "text/plain; charset=utf-8");
        req.body = Body::from(transcript.to_string());
        req.send().await
    }

    /// Polls a coding job until it is done or failed (a minute at most); its JSON.
    pub async fn finished_job(&self, who: &Agent, job: i64) -> Value {
        for _ in 0..1200 {
            let r = self.get(Some(who), &format!("/api/v1/jobs/{job}")).await;
            assert_eq!(r.status, StatusCode::OK, "{}", r.text());
            let body = r.json();
            if body["state"] == "done" || body["state"] == "failed" {
                return body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("job {job} was not coded within a minute");
    }

    /// One integer the database answers (`SELECT COUNT(*) ...`).
    pub async fn count(&self, text: &str) -> i64 {
        let sql = sqlx::AssertSqlSafe(text.to_string());
        match &self.state.db {
            Db::Sqlite(pool, _) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
            Db::Postgres(pool) => sqlx::query_scalar::<_, i64>(sql).fetch_one(pool).await,
        }
        .unwrap_or_else(|e| panic!("{text}: {e}"))
    }

    /// Text rows the database answers (each row's columns joined by `|`).
    pub async fn rows(&self, sql: &str) -> Vec<String> {
        use sqlx::Row;
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        let join =
            |n: usize, get: &dyn Fn(usize) -> String| (0..n).map(get).collect::<Vec<_>>().join("|");
        match &self.state.db {
            Db::Sqlite(pool, _) => sqlx::query(sql)
                .fetch_all(pool)
                .await
                .expect("rows")
                .iter()
                .map(|r| {
                    join(r.len(), &|i| {
                        r.try_get::<Option<String>, _>(i)
                            .or_else(|_| {
                                r.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|v| v.to_string()))
                            })
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| "NULL".into())
                    })
                })
                .collect(),
            Db::Postgres(pool) => sqlx::query(sql)
                .fetch_all(pool)
                .await
                .expect("rows")
                .iter()
                .map(|r| {
                    join(r.len(), &|i| {
                        r.try_get::<Option<String>, _>(i)
                            .or_else(|_| {
                                r.try_get::<Option<i64>, _>(i)
                                    .map(|v| v.map(|v| v.to_string()))
                            })
                            .ok()
                            .flatten()
                            .unwrap_or_else(|| "NULL".into())
                    })
                })
                .collect(),
        }
    }

    /// Runs a statement; the driver's error if it fails.
    pub async fn execute(&self, sql: &str) -> Result<u64, sqlx::Error> {
        let sql = sqlx::AssertSqlSafe(sql.to_string());
        match &self.state.db {
            Db::Sqlite(pool, _) => sqlx::query(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
            Db::Postgres(pool) => sqlx::query(sql)
                .execute(pool)
                .await
                .map(|r| r.rows_affected()),
        }
    }

    /// The data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().to_path_buf()
    }
}

/// Drops a test schema.
pub async fn drop_schema(base: &str, schema: &str) {
    let admin = pg_admin(base).await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP SCHEMA IF EXISTS {schema} CASCADE"
    )))
    .execute(&admin)
    .await;
    admin.close().await;
}

/// The password every test user has.
pub const PASSWORD: &str = "correct horse battery staple";

/// A signed-in user: their id, session cookie and CSRF token.
#[derive(Debug, Clone)]
pub struct Agent {
    /// Their user id.
    pub id: i64,
    /// Their e-mail.
    pub email: String,
    /// `rapport_session=...`.
    pub cookie: String,
    /// The session's CSRF token.
    pub csrf: String,
}

/// The users and clients of [`Server::world`].
#[derive(Debug, Clone)]
pub struct World {
    pub clinic_a: i64,
    pub clinic_b: i64,
    pub admin: Agent,
    pub sup: Agent,
    pub c1: Agent,
    pub c2: Agent,
    pub admin_b: Agent,
    pub d: Agent,
    pub client_c1: i64,
    pub client_c2: i64,
    pub client_sup: i64,
    pub client_d: i64,
}

/// A request being built.
pub struct Req {
    state: AppState,
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Body,
    address: Option<SocketAddr>,
}

impl Req {
    /// Adds a header.
    pub fn header(mut self, name: &str, value: &str) -> Req {
        self.headers.push((name.to_string(), value.to_string()));
        self
    }

    /// Sends `who`'s session cookie.
    pub fn by(self, who: Option<&Agent>) -> Req {
        match who {
            Some(a) => {
                let cookie = a.cookie.clone();
                self.header("cookie", &cookie)
            }
            None => self,
        }
    }

    /// Sends `who`'s CSRF token in the header.
    pub fn csrf(self, who: &Agent) -> Req {
        let token = who.csrf.clone();
        self.header("x-csrf-token", &token)
    }

    /// A JSON body.
    pub fn json(mut self, body: &Value) -> Req {
        self.body = Body::from(body.to_string());
        self.header("content-type", "application/json")
    }

    /// A multipart body: text fields, then a file field `file` named `file_name`.
    pub fn multipart(mut self, fields: &[(&str, &str)], file_name: &str, file: &str) -> Req {
        let boundary = "rapport-test-boundary-7d1f";
        let mut body = String::new();
        for (name, value) in fields {
            body.push_str(&format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n"
            ));
        }
        body.push_str(&format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{file_name}\"\r\n\
             Content-Type: text/vtt\r\n\r\n{file}\r\n--{boundary}--\r\n"
        ));
        self.body = Body::from(body);
        self.header(
            "content-type",
            &format!("multipart/form-data; boundary={boundary}"),
        )
    }

    /// A raw body of bytes (the content type set separately).
    pub fn raw_bytes(mut self, body: Vec<u8>) -> Req {
        self.body = Body::from(body);
        self
    }

    /// A raw body (the content type set separately).
    pub fn raw(mut self, body: &str) -> Req {
        self.body = Body::from(body.to_string());
        self
    }

    /// A form body.
    pub fn form(mut self, fields: &[(&str, &str)]) -> Req {
        let encoded = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        self.body = Body::from(encoded);
        self.header("content-type", "application/x-www-form-urlencoded")
    }

    /// The peer address the request comes from.
    pub fn peer(mut self, ip: &str) -> Req {
        self.address = Some(SocketAddr::new(ip.parse().expect("an IP"), 40_000));
        self
    }

    /// Sends it through the app.
    pub async fn send(self) -> Resp {
        let mut builder = Request::builder().method(self.method).uri(&self.path);
        for (name, value) in &self.headers {
            builder = builder.header(name, value);
        }
        let mut request = builder.body(self.body).expect("a request");
        if let Some(address) = self.address {
            request.extensions_mut().insert(ConnectInfo(address));
        }
        let response = app(self.state).oneshot(request).await.expect("infallible");
        let status = response.status();
        let headers = response.headers().clone();
        let body = to_bytes(response.into_body(), 16 << 20)
            .await
            .expect("the body");
        Resp {
            status,
            headers,
            body,
        }
    }
}

/// A response, read whole.
#[derive(Debug)]
pub struct Resp {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Bytes,
}

impl Resp {
    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body as text with the `/` HTML-escaping turned back (`&#x2f;`), to look
    /// for paths in pages.
    pub fn html(&self) -> String {
        self.text().replace("&#x2f;", "/")
    }

    /// The body as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {}", self.text()))
    }

    /// A header's value.
    pub fn header(&self, name: &str) -> Option<String> {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_string)
    }

    /// The `rapport_session=...` pair a `Set-Cookie` hands out, if any.
    pub fn session_cookie(&self) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|v| v.to_str().ok())
            .filter_map(|v| v.split(';').next())
            .find(|pair| pair.starts_with("rapport_session=") && pair.len() > 16)
            .map(str::to_string)
    }

    /// Where a redirect goes.
    pub fn location(&self) -> Option<String> {
        self.header("location")
    }
}

/// Runs `body` on SQLite and, when [`POSTGRES_ENV`] is set, on PostgreSQL: each on a
/// fresh database, cleaned up even when the test fails.
macro_rules! on_both {
    ($(fn $name:ident($s:ident) $body:block)*) => {$(
        mod $name {
            #[allow(unused_imports)]
            use super::*;

            async fn body($s: &$crate::harness::Server) $body

            async fn run(backend: $crate::harness::Backend) {
                let server = $crate::harness::Server::start(backend).await;
                let cleanup = server.cleanup();
                let outcome = tokio::spawn(async move {
                    body(&server).await;
                    server.state.db.close().await;
                })
                .await;
                if let Some((base, schema)) = cleanup {
                    $crate::harness::drop_schema(&base, &schema).await;
                }
                if let Err(e) = outcome {
                    std::panic::resume_unwind(e.into_panic());
                }
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn sqlite() {
                run($crate::harness::Backend::Sqlite).await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
            async fn postgres() {
                let Ok(base) = std::env::var($crate::harness::POSTGRES_ENV) else {
                    return;
                };
                run($crate::harness::Backend::Postgres(base)).await;
            }
        }
    )*};
}
pub(crate) use on_both;
