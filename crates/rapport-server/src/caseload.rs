//! A clinic's caseload scored and tracked, kept in memory between requests.
//!
//! Alerts, the dashboard and a client's trends all read the whole clinic's scores: the
//! statistical rupture rule pools every client's session-to-session differences, as
//! `rapport measures track` does over a file. Scoring 20,000 administrations on every
//! page view would make each one wait for it, so the result is kept per clinic and
//! reused while it is still right.
//!
//! It is right while neither the answers nor the scoring settings have changed. Answers
//! are append-only (nothing updates or deletes a stored response), so a clinic whose
//! response count is unchanged holds exactly the answers it held: one `COUNT(*)` per
//! request tells whether the kept caseload may be served, and it holds across several
//! server processes sharing one PostgreSQL database, where an in-process signal would
//! not. A caseload is never served for a count other than the one read before it was
//! computed, so an answer that arrives while it is being computed is picked up by the
//! next request.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use rapport_measures::{Registry, ScoreReport, Settings, TrackReport, score_all, track};

use crate::alerts::{self, Answered, Finding};
use crate::db::Db;
use crate::error::AppError;
use crate::responses;

/// A clinic's scores and tracks, computed together, and the alerts they imply.
pub struct Caseload {
    /// Every response scored.
    pub scored: ScoreReport,
    /// Every client tracked (by code).
    pub tracked: TrackReport,
    /// The alerts the scores imply, for every client of the clinic.
    pub derived: Vec<Finding>,
    /// What each client answered (client code, session, instrument).
    pub answered: Answered,
}

impl Caseload {
    /// One client's tracks (by code), as a report of its own.
    pub fn track_of(&self, code: &str) -> TrackReport {
        TrackReport {
            clients: self
                .tracked
                .clients
                .iter()
                .filter(|c| c.client == code)
                .cloned()
                .collect(),
        }
    }
}

/// The kept caseload of each clinic, with what it was computed from.
#[derive(Default)]
pub struct CaseloadCache {
    clinics: Mutex<HashMap<i64, Kept>>,
}

struct Kept {
    responses: i64,
    settings: Settings,
    caseload: Arc<Caseload>,
}

impl CaseloadCache {
    /// The clinic's caseload scored with `settings`: the kept one while the clinic's
    /// answers and these settings are those it was computed from, else computed afresh
    /// (off the request threads) and kept.
    pub async fn get(
        &self,
        db: &Db,
        registry: &Registry,
        clinic: i64,
        settings: &Settings,
    ) -> Result<Arc<Caseload>, AppError> {
        let count = responses::count_of_clinic(db, clinic).await?;
        if let Some(kept) = self.lock().get(&clinic)
            && kept.responses == count
            && kept.settings == *settings
        {
            return Ok(Arc::clone(&kept.caseload));
        }
        let responses = responses::of_clinic(db, clinic).await?;
        let registry = registry.clone();
        let scoring = settings.clone();
        let caseload = tokio::task::spawn_blocking(move || {
            let scored = score_all(&registry, &responses, &scoring)
                .map_err(|e| AppError::Internal(format!("scoring stored responses: {e}")))?;
            let tracked = track(&registry, &scored, &scoring);
            let derived = alerts::derive(&scored, &tracked, &registry);
            let answered = alerts::answered(&scored);
            Ok::<_, AppError>(Arc::new(Caseload {
                scored,
                tracked,
                derived,
                answered,
            }))
        })
        .await
        .map_err(|e| AppError::Internal(format!("scoring the caseload stopped: {e}")))??;
        self.lock().insert(
            clinic,
            Kept {
                responses: count,
                settings: settings.clone(),
                caseload: Arc::clone(&caseload),
            },
        );
        Ok(caseload)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, Kept>> {
        // The map holds only finished values, so one left by a panicking thread is whole.
        self.clinics.lock().unwrap_or_else(PoisonError::into_inner)
    }
}
