//! Alliance and outcome measures for feedback-informed counselling: instruments as FHIR
//! data, scoring, session-by-session tracking, ruptures and repairs, and change.
//!
//! The pieces, in the order data flows through them:
//!
//! - [`instrument`]: an instrument is a FHIR R4 `Questionnaire` plus Rapport's scoring
//!   rules, read from one JSON file. The built-ins (`wai-sr`, `srs`, `ors`, `phq-9`,
//!   `gad-7`) are such files embedded in the crate; a clinic adds its own the same way.
//! - [`response`]: a completed questionnaire ([`Response`]) and the checks every reader
//!   applies to one; [`csv`] reads and writes Rapport's CSV layout ([`load_csv`],
//!   [`write_csv`]), [`fhir`] a FHIR `Bundle` ([`load_bundle`]), and [`input`]'s
//!   [`load`] picks between them by content. Every bad row is reported at once in an
//!   [`InputError`].
//! - [`score`](mod@score): total, subscales, band and flags of one response.
//! - [`track`](mod@track): series per client and instrument, ruptures and repairs (alliance),
//!   reliable and clinically significant change (outcome).
//! - [`fhir`]: responses to a FHIR `Bundle` of `QuestionnaireResponse`s and back.
//! - [`settings`]: cut-offs, reliable-change indices and rupture rules, checked from
//!   what the user wrote ([`Overrides`]).
//!
//! This crate is the domain only: reports are rendered for people by `rapport-report`.
//! Scoring rules, cut-offs and licences follow the project's `docs/domain.md`; each
//! instrument file names its sources. This crate does no I/O beyond what its callers
//! hand it and never logs answers.
//!
//! ```
//! use rapport_measures::{Registry, Settings, load_csv, score_all};
//!
//! let registry = Registry::builtin();
//! let csv = "client,session,date,instrument,relationship,goals,approach,overall\n\
//!            A,1,2026-01-05,srs,9,9,9,8.5\n";
//! let responses = load_csv(csv.as_bytes(), "example.csv", &registry).unwrap();
//! let report = score_all(&registry, &responses, &Settings::default()).unwrap();
//! assert_eq!(report.responses[0].total, 35.5);
//! assert_eq!(report.responses[0].flags, ["below_cutoff"]);
//! ```

pub mod csv;
pub mod error;
pub mod fhir;
pub mod input;
pub mod instrument;
pub mod response;
pub mod score;
pub mod settings;
pub mod track;

pub use csv::{load_csv, write_csv};
pub use error::{InputError, InstrumentError, Location, MAX_PROBLEMS, Problem};
pub use fhir::{
    SESSION_EXTENSION_URL, load_bundle, load_bundle_with_notices, to_bundle, write_bundle,
};
pub use input::{Loaded, load, load_with_notices};
pub use instrument::{
    Code, Construct, Direction, Instrument, Item, ItemKind, Registry, TotalItem, fmt_num, loose_id,
};
pub use response::{AnswerProblem, Response, check_answers, parse_date};
pub use score::{ScoreError, ScoreReport, ScoredResponse, Subscales, score, score_all};
pub use settings::{Overrides, Rule, Settings, SettingsError};
pub use track::{
    Change, ClientTrack, InstrumentTrack, ReliableChange, Rupture, SeriesPoint, TrackReport, track,
};
