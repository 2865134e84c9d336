//! Integration tests of rapport-measures, compiled into one test binary.
//!
//! - `helpers`: building responses and reading the fixtures in `testdata/measures/`.
//! - `instruments`: the built-in files load and ship only what their licences allow.
//! - `scoring`: hand-computed totals, subscales, bands and flags, at every band edge and cut-off.
//! - `loading`: bad CSV rows reported with file, line and column; strict dates and sessions.
//! - `tracking`: rupture rules, repair window edges, reliable and clinically significant change.
//! - `custom`: a clinic's own instrument file, end to end.
//! - `fhir`: Bundle export and import, round trip.
//! - `props`: scoring never panics on any CSV.

mod custom;
mod fhir;
mod helpers;
mod instruments;
mod loading;
mod props;
mod scoring;
mod tracking;
