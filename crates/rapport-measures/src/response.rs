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

/// Responses read from a file, with notices about what the reader inferred (a FHIR
/// Bundle without session numbers, say) for the caller to show the user.
#[derive(Debug, Clone, PartialEq)]
pub struct Loaded {
    /// The responses, in file order.
    pub responses: Vec<Response>,
    /// One line each, naming the file; empty when nothing was inferred.
    pub notices: Vec<String>,
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

/// An answer set that does not fit its instrument: which item, and what is wrong.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{item}: {message}")]
pub struct AnswerProblem {
    /// The item's `linkId`.
    pub item: String,
    /// What is wrong and what to give instead.
    pub message: String,
}

/// Checks a whole set of answers to one instrument, as a form or an API sends them:
/// every required item answered, every answer in range, no item the instrument lacks.
/// Returns the answers with choice values snapped to their option's weight. Problems
/// are listed in the instrument's item order (an unknown item last), so the first is
/// the first a person would meet.
pub fn check_answers(
    instrument: &Instrument,
    answers: &BTreeMap<String, f64>,
) -> Result<BTreeMap<String, f64>, Vec<AnswerProblem>> {
    let mut problems = Vec::new();
    let mut checked = BTreeMap::new();
    for item in &instrument.items {
        match answers.get(&item.link_id) {
            Some(&value) => {
                match check_value(instrument, &item.link_id, value, &fmt_answer(value)) {
                    Ok(value) => {
                        checked.insert(item.link_id.clone(), value);
                    }
                    Err(message) => problems.push(AnswerProblem {
                        item: item.link_id.clone(),
                        message,
                    }),
                }
            }
            None if item.required => problems.push(AnswerProblem {
                item: item.link_id.clone(),
                message: format!("{} item {} has no answer", instrument.id, item.link_id),
            }),
            None => {}
        }
    }
    for unknown in answers.keys().filter(|k| instrument.item(k).is_none()) {
        problems.push(AnswerProblem {
            item: unknown.clone(),
            message: format!("{unknown} is not an item of {}", instrument.id),
        });
    }
    if problems.is_empty() {
        Ok(checked)
    } else {
        Err(problems)
    }
}

fn fmt_answer(value: f64) -> String {
    if value.is_finite() {
        crate::instrument::fmt_num(value)
    } else {
        "a value that is not a number".to_string()
    }
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
