//! A completed questionnaire ([`Response`]) and the checks every reader applies to one:
//! dates, answer values against the item, and one response per client, session and
//! instrument. The CSV and FHIR readers both build on this module.

use std::collections::{BTreeMap, HashMap};

use chrono::NaiveDate;

use crate::instrument::{Instrument, ItemKind};

/// One completed questionnaire.
#[derive(Debug, Clone, PartialEq)]
pub struct Response {
    /// The client's identifier (a clinic-local pseudonym).
    pub client: String,
    /// The session number.
    pub session: u32,
    /// The date it was completed.
    pub date: NaiveDate,
    /// The instrument's id, as the registry spells it.
    pub instrument: String,
    /// Item scores by `linkId` (for choice items, the answer's weight).
    pub answers: BTreeMap<String, f64>,
}

/// Parses a date strictly as `YYYY-MM-DD` (so `2026-1-5` and `2026-02-30` fail).
pub fn parse_date(text: &str) -> Option<NaiveDate> {
    let b = text.as_bytes();
    let shape = b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        });
    if !shape {
        return None;
    }
    NaiveDate::parse_from_str(text, "%Y-%m-%d").ok()
}

/// Checks one answer against its item; the error says what to write instead.
pub(crate) fn check_value(
    instrument: &Instrument,
    link_id: &str,
    value: f64,
    shown: &str,
) -> Result<f64, String> {
    let Some(item) = instrument.item(link_id) else {
        return Err(format!(
            "{link_id} is not an item of {}; leave it blank",
            instrument.id
        ));
    };
    let ok = value.is_finite()
        && match &item.kind {
            ItemKind::Choice(options) => options.iter().any(|o| (o.weight - value).abs() < 1e-9),
            ItemKind::Numeric { min, max, integer } => {
                value >= *min && value <= *max && (!integer || value.fract() == 0.0)
            }
        };
    if ok {
        // Snap to the option's own weight so 2.0000000001 scores as 2.
        if let ItemKind::Choice(options) = &item.kind
            && let Some(o) = options.iter().find(|o| (o.weight - value).abs() < 1e-9)
        {
            return Ok(o.weight);
        }
        Ok(value)
    } else {
        Err(format!(
            "{shown} is out of range for {} {link_id}; use {}",
            instrument.id,
            item.describe_answers()
        ))
    }
}

/// The duplicate check shared by the CSV and Bundle readers: one response per client,
/// session and instrument.
#[derive(Default)]
pub(crate) struct SeenKeys(HashMap<(String, u32, String), String>);

impl SeenKeys {
    /// Records a key; returns where it was first seen if it is a duplicate.
    pub(crate) fn check(&mut self, response: &Response, here: String) -> Option<String> {
        let key = (
            response.client.clone(),
            response.session,
            response.instrument.clone(),
        );
        match self.0.get(&key) {
            Some(first) => Some(first.clone()),
            None => {
                self.0.insert(key, here);
                None
            }
        }
    }
}
