//! Rapport's own JSON output (`rapport analyze --format json`, see
//! [`Report`](crate::session::Report)), read back so that a coded session can be re-coded.
//!
//! Reading is lenient: per utterance only `speaker` and `text` are required; `name`,
//! `start` and `end` are kept when present, and codes, confidences and the summary are
//! dropped. The document is walked as a [`serde_json::Value`] rather than deserialised
//! into types, because serde's messages quote the offending value, which may be what a
//! client said; these messages name the path instead (`sessions[0].utterances[3]`).

use serde_json::{Map, Value};

use super::error::ReadErrorKind;
use super::labels::role_of;
use super::{ReadError, Source, append_words};
use crate::transcript::{Transcript, Utterance};

const SHAPE: &str = "expected Rapport's report, {\"sessions\": [{\"id\": ..., \"utterances\": \
                     [{\"speaker\": \"counselor\", \"text\": ...}]}]}, as written by \
                     rapport analyze --format json";

/// Reads every session in a Rapport report.
pub(crate) fn read(src: &Source<'_>, text: &str) -> Result<Vec<Transcript>, ReadError> {
    let document: Value = serde_json::from_str(text).map_err(|e| not_json(src, &e))?;
    let shape = |path: &str, problem: String| {
        src.err(
            None,
            ReadErrorKind::JsonShape {
                path: path.to_string(),
                problem,
            },
        )
    };
    let sessions = document
        .as_object()
        .and_then(|o| o.get("sessions"))
        .and_then(Value::as_array)
        .ok_or_else(|| shape("top level", format!("not a Rapport report; {SHAPE}")))?;
    if sessions.is_empty() {
        return Err(shape(
            "sessions",
            "is empty; expected at least one session".into(),
        ));
    }
    let mut transcripts = Vec::new();
    for (s, session) in sessions.iter().enumerate() {
        let path = format!("sessions[{s}]");
        let session = session
            .as_object()
            .ok_or_else(|| shape(&path, format!("is not an object; {SHAPE}")))?;
        let id = match session.get("id") {
            Some(Value::String(id)) if !id.trim().is_empty() => id.clone(),
            Some(Value::Number(id)) => id.to_string(),
            _ if sessions.len() == 1 => src.stem(),
            _ => format!("{}-{}", src.stem(), s + 1),
        };
        let utterances = session
            .get("utterances")
            .and_then(Value::as_array)
            .ok_or_else(|| shape(&path, "has no \"utterances\" list".into()))?;
        let mut read = Vec::new();
        for (u, utterance) in utterances.iter().enumerate() {
            let path = format!("{path}.utterances[{u}]");
            let utterance = utterance
                .as_object()
                .ok_or_else(|| shape(&path, "is not an object".into()))?;
            if let Some(utterance) = read_utterance(utterance).map_err(|p| shape(&path, p))? {
                read.push(utterance);
            }
        }
        if read.is_empty() {
            return Err(shape(&path, "has no utterance with any text".into()));
        }
        transcripts.push(Transcript {
            id,
            source: src.name.to_string(),
            utterances: read,
        });
    }
    Ok(transcripts)
}

/// One utterance; `None` when its text is blank. The error is the problem, for a path.
fn read_utterance(utterance: &Map<String, Value>) -> Result<Option<Utterance>, String> {
    let speaker = match utterance.get("speaker") {
        Some(Value::String(s)) => {
            role_of(s).ok_or("\"speaker\" is not \"counselor\" or \"client\"".to_string())?
        }
        Some(_) => return Err("\"speaker\" is not a string".into()),
        None => return Err("has no \"speaker\"; expected \"counselor\" or \"client\"".into()),
    };
    let said = match utterance.get("text") {
        Some(Value::String(text)) => text,
        Some(_) => return Err("\"text\" is not a string".into()),
        None => return Err("has no \"text\"".into()),
    };
    let mut text = String::new();
    append_words(&mut text, said);
    if text.is_empty() {
        return Ok(None);
    }
    let name = match utterance.get("name") {
        Some(Value::String(name)) => Some(name.clone()),
        Some(Value::Null) | None => None,
        Some(_) => return Err("\"name\" is not a string".into()),
    };
    let time = |key: &str| match utterance.get(key) {
        Some(Value::Number(n)) => n
            .as_f64()
            .filter(|t| t.is_finite() && *t >= 0.0)
            .map(Some)
            .ok_or(format!("\"{key}\" is not a time in seconds")),
        Some(Value::Null) | None => Ok(None),
        Some(_) => Err(format!("\"{key}\" is not a number of seconds")),
    };
    let (start, end) = (time("start")?, time("end")?);
    if let (Some(start), Some(end)) = (start, end)
        && end < start
    {
        return Err(format!("ends ({end} s) before it starts ({start} s)"));
    }
    Ok(Some(Utterance {
        speaker,
        name,
        text,
        start,
        end,
    }))
}

/// A syntax error with its line in front. serde_json's syntax messages ("expected `,`
/// or `}`") quote no input; the position suffix is dropped as the line leads instead.
fn not_json(src: &Source<'_>, error: &serde_json::Error) -> ReadError {
    let full = error.to_string();
    let suffix = format!(" at line {} column {}", error.line(), error.column());
    let message = full.strip_suffix(&suffix).unwrap_or(&full);
    src.err(
        (error.line() > 0).then_some(error.line()),
        ReadErrorKind::NotJson {
            message: format!("{message} (column {})", error.column()),
        },
    )
}
