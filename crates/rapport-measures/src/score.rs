//! Scoring one response: total, subscales, band and flags. Pure functions.

use std::fmt;

use chrono::NaiveDate;
use serde::de::{MapAccess, Visitor};
use serde::ser::SerializeMap;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::instrument::{Instrument, Registry};
use crate::response::Response;
use crate::settings::Settings;

/// A response that the loaders would have refused; only reachable by building a
/// [`Response`] by hand.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ScoreError {
    /// The response names an instrument the registry lacks.
    #[error("client {client}, session {session}: unknown instrument {instrument:?}")]
    UnknownInstrument {
        /// The client.
        client: String,
        /// The session.
        session: u32,
        /// The instrument named.
        instrument: String,
    },
    /// A scored item has no answer.
    #[error("client {client}, session {session}: {instrument} item {item} has no answer")]
    MissingAnswer {
        /// The client.
        client: String,
        /// The session.
        session: u32,
        /// The instrument.
        instrument: String,
        /// The item's `linkId`.
        item: String,
    },
}

/// Subscale totals by name, kept in the instrument's order (serialised as a JSON object).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Subscales(pub Vec<(String, f64)>);

impl Subscales {
    /// The total of one subscale.
    pub fn get(&self, name: &str) -> Option<f64> {
        self.0.iter().find(|(n, _)| n == name).map(|(_, v)| *v)
    }
}

impl Serialize for Subscales {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let mut map = serializer.serialize_map(Some(self.0.len()))?;
        for (name, value) in &self.0 {
            map.serialize_entry(name, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for Subscales {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Subscales;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an object of subscale totals")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Subscales, A::Error> {
                let mut out = Vec::new();
                while let Some((k, v)) = map.next_entry::<String, f64>()? {
                    out.push((k, v));
                }
                Ok(Subscales(out))
            }
        }
        deserializer.deserialize_map(V)
    }
}

/// A scored response, as `rapport measures score` prints it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScoredResponse {
    /// The client.
    pub client: String,
    /// The session number.
    pub session: u32,
    /// The date completed.
    pub date: NaiveDate,
    /// The instrument's id.
    pub instrument: String,
    /// The total.
    pub total: f64,
    /// Subscale totals (empty for instruments without subscales).
    pub subscales: Subscales,
    /// The severity band, for instruments that have bands.
    pub band: Option<String>,
    /// Flags raised: the cut-off flag (`below_cutoff`) and item flags (`self_harm_item`).
    pub flags: Vec<String>,
}

/// The output of `rapport measures score`: `{"responses": [...]}`.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ScoreReport {
    /// One entry per response, in input order.
    pub responses: Vec<ScoredResponse>,
}

/// Rounds away floating-point noise: answers come in steps no finer than 0.1, so a total
/// of 35.99999999 is 36 and must sit on the right side of a cut-off of 36.
pub(crate) fn clean(x: f64) -> f64 {
    let r = (x * 1e6).round() / 1e6;
    if r == 0.0 { 0.0 } else { r }
}

fn sum(instrument: &Instrument, response: &Response, items: &[String]) -> Result<f64, ScoreError> {
    let mut total = 0.0;
    for link in items {
        let value = response
            .answers
            .get(link)
            .ok_or_else(|| ScoreError::MissingAnswer {
                client: response.client.clone(),
                session: response.session,
                instrument: instrument.id.clone(),
                item: link.clone(),
            })?;
        total += value;
    }
    Ok(clean(total))
}

/// Scores one response with its instrument.
pub fn score(
    instrument: &Instrument,
    response: &Response,
    settings: &Settings,
) -> Result<ScoredResponse, ScoreError> {
    let total = sum(instrument, response, &instrument.total_items)?;
    let mut subscales = Vec::new();
    for sub in &instrument.scoring.subscales {
        subscales.push((sub.name.clone(), sum(instrument, response, &sub.items)?));
    }
    let band = instrument
        .scoring
        .bands
        .iter()
        .rev()
        .find(|b| total >= b.min)
        .map(|b| b.label.clone());
    let mut flags = Vec::new();
    if let (Some(cutoff), Some(flag)) = (
        settings.cutoff(instrument),
        instrument
            .scoring
            .cutoff
            .as_ref()
            .and_then(|c| c.flag.as_ref()),
    ) && instrument.clinical(total, cutoff)
    {
        flags.push(flag.clone());
    }
    for item_flag in &instrument.scoring.item_flags {
        if response
            .answers
            .get(&item_flag.item)
            .is_some_and(|v| *v > item_flag.above)
        {
            flags.push(item_flag.flag.clone());
        }
    }
    Ok(ScoredResponse {
        client: response.client.clone(),
        session: response.session,
        date: response.date,
        instrument: instrument.id.clone(),
        total,
        subscales: Subscales(subscales),
        band,
        flags,
    })
}

/// Scores every response, in order.
pub fn score_all(
    registry: &Registry,
    responses: &[Response],
    settings: &Settings,
) -> Result<ScoreReport, ScoreError> {
    let mut out = Vec::with_capacity(responses.len());
    for response in responses {
        let instrument =
            registry
                .get(&response.instrument)
                .ok_or_else(|| ScoreError::UnknownInstrument {
                    client: response.client.clone(),
                    session: response.session,
                    instrument: response.instrument.clone(),
                })?;
        out.push(score(instrument, response, settings)?);
    }
    Ok(ScoreReport { responses: out })
}
