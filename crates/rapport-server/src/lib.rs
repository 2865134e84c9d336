//! Rapport's clinic server: clients answer alliance and outcome measures on their phone
//! through one-time links; counsellors and supervisors see alerts (ruptures, cut-offs,
//! self-harm items, deterioration, unanswered links) and trends; admins manage users,
//! settings and the audit log. One binary, SQLite embedded by default, PostgreSQL for a
//! larger clinic.
//!
//! The crate, from the wire inwards:
//! - [`app`](mod@app): the router, every route declared once with who may call it;
//! - [`access`]: the guard in front of each route (session, role, CSRF);
//! - [`api`] (JSON under `/api/v1`), [`pages`] (server-rendered HTML, no script, through
//!   [`view`]: the templates, rendering and error pages),
//!   [`answer`] (the client's questionnaire), [`openapi`] (the API's description);
//! - [`counselling`] (a session's transcript, coded report, ratings and comments, as
//!   JSON and pages), [`supervision`] (each counsellor's practice over time) and
//!   [`exchange`] (export, de-identified research export, import);
//! - [`error`]: one error type and how it is shown;
//! - the records: [`users`], [`sessions`], [`clients`] (and consent), [`links`],
//!   [`responses`], [`alerts`], [`clinic`] (settings), [`audit`], [`transcripts`],
//!   [`comments`];
//! - [`coding`]: the queue that codes uploaded transcripts in the background, through
//!   the analysis library;
//! - [`caseload`]: the clinic's scores and tracks, kept between requests;
//! - [`db`]: SQLite or PostgreSQL through one query text, migrations per backend;
//! - [`secrets`] (argon2id, tokens), [`throttle`] (sign-in limits), [`clock`];
//! - [`tokens`]: API tokens for integrations; [`notify`]: notifications, in the app and
//!   (optionally) by e-mail;
//! - [`serve`] and [`admin`]: running it, the first admin, backup and restore.
//!
//! Scoring, tracking and rendering are `rapport-measures` and `rapport-report`, exactly
//! as the command line uses them.

pub mod access;
pub mod admin;
pub mod alerts;
pub mod answer;
pub mod api;
pub mod app;
pub mod audit;
pub mod caseload;
pub mod clients;
pub mod clinic;
pub mod clock;
pub mod coding;
pub mod comments;
pub mod counselling;
pub mod db;
pub mod error;
pub mod exchange;
pub mod links;
pub mod notify;
pub mod openapi;
pub mod pages;
pub mod responses;
pub mod secrets;
pub mod serve;
pub mod sessions;
pub mod state;
pub mod supervision;
pub mod throttle;
pub mod tokens;
pub mod transcripts;
pub mod users;
pub mod view;

pub use app::{app, routes};
pub use error::AppError;
pub use state::{AppState, Exposure};
