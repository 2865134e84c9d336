//! The clinic server's integration suite: every request goes through
//! `app(state).oneshot(...)` (no socket) on a fresh database per test.
//!
//! Every test runs on SQLite (a temporary directory) and, when `RAPPORT_TEST_POSTGRES`
//! names a PostgreSQL database (`postgres://postgres@127.0.0.1:5432/test`), on
//! PostgreSQL too, each test in a schema of its own that is dropped afterwards, so the
//! tests run in parallel and leave nothing behind:
//!
//! ```text
//! cargo test -p rapport-server --test server
//! RAPPORT_TEST_POSTGRES=postgres://postgres@127.0.0.1:5432/test cargo test -p rapport-server --test server
//! ```
//!
//! The modules: [`harness`] (servers, users, requests), [`authz`] (the route table walk,
//! IDOR, CSRF), [`login`] (passwords, throttling, sessions), [`headers`] (CSP, caching), [`health`] (`/healthz`),
//! [`links`] (the client's side), [`alerts`], [`tracking`] (the API against
//! `rapport measures track`), [`audit`] (the log and consent), [`admin`] (backup and
//! restore), [`openapi`], [`transcripts`] (upload, coding queue, session pages,
//! comments), [`supervision`] (a counsellor's practice over time) and [`exchange`]
//! (export, research export, import), [`tokens`] (API tokens) and [`notifications`].

#[path = "server/harness.rs"]
mod harness;

#[path = "server/admin.rs"]
mod admin;
#[path = "server/alerts.rs"]
mod alerts;
#[path = "server/audit.rs"]
mod audit;
#[path = "server/authz.rs"]
mod authz;
#[path = "server/exchange.rs"]
mod exchange;
#[path = "server/headers.rs"]
mod headers;
#[path = "server/health.rs"]
mod health;
#[path = "server/links.rs"]
mod links;
#[path = "server/login.rs"]
mod login;
#[path = "server/notifications.rs"]
mod notifications;
#[path = "server/openapi.rs"]
mod openapi;
#[path = "server/supervision.rs"]
mod supervision;
#[path = "server/tokens.rs"]
mod tokens;
#[path = "server/tracking.rs"]
mod tracking;
#[path = "server/transcripts.rs"]
mod transcripts;
