//! A clinic's settings: how long a client's link stays open, which instruments
//! counsellors may offer, and the cut-offs, reliable-change indices and rupture rules
//! its scores are read by (the same [`Settings`] as `rapport measures`).

use rapport_measures::{Registry, Settings};
use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError, exec, from_row, run};

/// The instruments a new clinic offers.
pub const DEFAULT_INSTRUMENTS: &str = r#"["srs","ors","phq-9","gad-7","wai-sr"]"#;
/// A link's default lifetime: four days, as Greenspace's assessments.
pub const DEFAULT_LINK_EXPIRY_HOURS: i64 = 96;

/// A clinic's settings, as the settings page and `PUT /api/v1/settings` carry them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClinicSettings {
    /// The clinic's name.
    #[serde(default)]
    pub name: String,
    /// Hours a link stays open (1 to 720).
    pub link_expiry_hours: i64,
    /// Instrument ids counsellors may offer.
    pub instruments: Vec<String>,
    /// Cut-offs, reliable-change indices and rupture rules.
    pub scoring: Settings,
}

/// Settings that cannot be used.
#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct SettingsProblem(pub String);

impl ClinicSettings {
    /// Checks every value; the message names the setting and what to use.
    pub fn check(&self, registry: &Registry) -> Result<(), SettingsProblem> {
        if !(1..=720).contains(&self.link_expiry_hours) {
            return Err(SettingsProblem(
                "link_expiry_hours must be from 1 to 720 (30 days)".into(),
            ));
        }
        if self.instruments.is_empty() {
            return Err(SettingsProblem("offer at least one instrument".into()));
        }
        if let Some(unknown) = self.instruments.iter().find(|i| registry.get(i).is_none()) {
            return Err(SettingsProblem(format!(
                "unknown instrument {unknown:?}; use the ids `rapport measures list` shows"
            )));
        }
        self.scoring
            .check(registry)
            .map_err(|e| SettingsProblem(e.to_string()))
    }
}

struct Row {
    name: String,
    link_expiry_hours: i64,
    instruments: String,
    settings: String,
}

from_row!(Row {
    name,
    link_expiry_hours,
    instruments,
    settings
});

/// A clinic's settings. Stored JSON that no longer parses (written by another version)
/// falls back to the defaults rather than locking the clinic out.
pub async fn load(db: &Db, clinic: i64) -> Result<ClinicSettings, DbError> {
    let row = run!(
        db,
        fetch_one,
        sqlx::query_as::<_, Row>(
            "SELECT name, link_expiry_hours, instruments, settings FROM clinics WHERE id = $1"
        )
        .bind(clinic)
    )?;
    Ok(ClinicSettings {
        name: row.name,
        link_expiry_hours: row.link_expiry_hours,
        instruments: serde_json::from_str(&row.instruments).unwrap_or_default(),
        scoring: serde_json::from_str(&row.settings).unwrap_or_default(),
    })
}

/// Saves a clinic's settings (checked by the caller).
pub async fn save(db: &Db, clinic: i64, settings: &ClinicSettings) -> Result<(), DbError> {
    let instruments = serde_json::to_string(&settings.instruments).unwrap_or_default();
    let scoring = serde_json::to_string(&settings.scoring).unwrap_or_default();
    exec!(
        db,
        sqlx::query(
            "UPDATE clinics SET link_expiry_hours = $1, instruments = $2, settings = $3 WHERE id = $4"
        )
        .bind(settings.link_expiry_hours)
        .bind(instruments)
        .bind(scoring)
        .bind(clinic)
    )?;
    Ok(())
}
