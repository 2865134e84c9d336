//! Session transcripts as stored: the upload as written, its coding job's state, the
//! coded session and its summary figures. One row per client and session number; the
//! row is also the coding job ([`crate::coding`] claims and finishes it).
//!
//! Deleting a transcript removes its text and its codes and keeps the session's summary
//! figures (a supervisor's trends keep their points); a transcript deleted before it was
//! coded leaves nothing.

use serde::Serialize;

use crate::db::{Db, DbError, Tx, exec, from_row, run};

/// A transcript's coding state.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum JobState {
    /// Waiting for the coder.
    Queued,
    /// Being coded.
    Running,
    /// Coded.
    Done,
    /// Could not be coded (`error` says why).
    Failed,
}

impl TranscriptRecord {
    /// What reading the file noticed.
    pub fn notices(&self) -> Vec<String> {
        serde_json::from_str(&self.notices).unwrap_or_default()
    }
}

impl JobState {
    /// As stored.
    pub fn as_str(self) -> &'static str {
        match self {
            JobState::Queued => "queued",
            JobState::Running => "running",
            JobState::Done => "done",
            JobState::Failed => "failed",
        }
    }

    /// As stored, read back.
    pub fn parse(text: &str) -> Option<JobState> {
        Some(match text {
            "queued" => JobState::Queued,
            "running" => JobState::Running,
            "done" => JobState::Done,
            "failed" => JobState::Failed,
            _ => return None,
        })
    }
}

/// A transcript's record, without its text or codes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TranscriptRecord {
    /// The id, which is also its coding job's id.
    pub id: i64,
    /// The client.
    pub client_id: i64,
    /// The session number.
    pub session_number: i64,
    /// `vtt`, `srt`, `txt`, `csv` or `json`.
    pub format: String,
    /// The uploaded file's name.
    pub file_name: String,
    /// `queued`, `running`, `done` or `failed`.
    pub state: String,
    /// Why coding failed.
    pub error: Option<String>,
    /// What reading the file noticed (JSON list of strings).
    #[serde(skip)]
    pub notices: String,
    /// Utterances coded.
    pub utterances: Option<i64>,
    /// When uploaded (seconds since the epoch).
    pub uploaded_at: i64,
    /// When coded.
    pub coded_at: Option<i64>,
    /// When its text and codes were deleted.
    pub deleted_at: Option<i64>,
}

from_row!(TranscriptRecord {
    id,
    client_id,
    session_number,
    format,
    file_name,
    state,
    error,
    notices,
    utterances,
    uploaded_at,
    coded_at,
    deleted_at
});

/// An upload to store.
#[derive(Debug, Clone)]
pub struct Upload<'a> {
    /// The client.
    pub client: i64,
    /// The session number.
    pub session: u32,
    /// The format's short name (`vtt`, ...).
    pub format: &'a str,
    /// The file's name.
    pub file_name: &'a str,
    /// The counsellor's names in the transcript, if given.
    pub counselors: &'a [String],
    /// What reading the file noticed (a damaged cue skipped, who was taken as the
    /// counsellor), each naming its line.
    pub notices: &'a [String],
    /// The bytes as uploaded.
    pub bytes: &'a [u8],
    /// Who uploaded it.
    pub by: i64,
}

/// Stores an upload, queued for coding; `None` when the session already has a
/// transcript (one deleted earlier is replaced).
pub async fn insert(tx: &mut Tx, upload: &Upload<'_>, now: i64) -> Result<Option<i64>, DbError> {
    use base64::Engine as _;
    let existing = run!(
        &mut *tx,
        fetch_optional,
        sqlx::query_as::<_, (i64, Option<i64>)>(
            "SELECT id, deleted_at FROM transcripts WHERE client_id = $1 AND session_number = $2"
        )
        .bind(upload.client)
        .bind(i64::from(upload.session))
    )?;
    match existing {
        Some((_, None)) => return Ok(None),
        Some((id, Some(_))) => {
            exec!(
                &mut *tx,
                sqlx::query("DELETE FROM transcripts WHERE id = $1").bind(id)
            )?;
        }
        None => {}
    }
    let counselors = serde_json::to_string(upload.counselors).unwrap_or_else(|_| "[]".into());
    let notices = serde_json::to_string(upload.notices).unwrap_or_else(|_| "[]".into());
    let body = base64::engine::general_purpose::STANDARD.encode(upload.bytes);
    let inserted = run!(
        &mut *tx,
        fetch_one,
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO transcripts (client_id, session_number, format, file_name, counselors, \
             notices, body, state, uploaded_by, uploaded_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'queued', $8, $9) RETURNING id"
        )
        .bind(upload.client)
        .bind(i64::from(upload.session))
        .bind(upload.format)
        .bind(upload.file_name)
        .bind(counselors)
        .bind(notices)
        .bind(body)
        .bind(upload.by)
        .bind(now)
    );
    match inserted {
        Ok(id) => Ok(Some(id)),
        // Another upload to the same session committed first (PostgreSQL).
        Err(e) if e.is_duplicate() => Ok(None),
        Err(e) => Err(e),
    }
}

/// The transcript of a client's session.
pub async fn of_session(
    db: &Db,
    client: i64,
    session: u32,
) -> Result<Option<TranscriptRecord>, DbError> {
    run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, TranscriptRecord>(
            "SELECT id, client_id, session_number, format, file_name, state, error, notices, utterances, \
             uploaded_at, coded_at, deleted_at FROM transcripts \
             WHERE client_id = $1 AND session_number = $2"
        )
        .bind(client)
        .bind(i64::from(session))
    )
}

/// A transcript by id (its job id).
pub async fn by_id(db: &Db, id: i64) -> Result<Option<TranscriptRecord>, DbError> {
    run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, TranscriptRecord>(
            "SELECT id, client_id, session_number, format, file_name, state, error, notices, utterances, \
             uploaded_at, coded_at, deleted_at FROM transcripts WHERE id = $1"
        )
        .bind(id)
    )
}

/// A client's transcripts, by session.
pub async fn of_client(db: &Db, client: i64) -> Result<Vec<TranscriptRecord>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, TranscriptRecord>(
            "SELECT id, client_id, session_number, format, file_name, state, error, notices, utterances, \
             uploaded_at, coded_at, deleted_at FROM transcripts \
             WHERE client_id = $1 ORDER BY session_number"
        )
        .bind(client)
    )
}

/// What coding a transcript stored: the coded session (the JSON of `rapport
/// analyze`'s one session, gone once deleted), the summary figures (kept), and the
/// coding model's accuracy (JSON of `rapport_core::ModelAccuracy`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Coded {
    /// The coded session.
    pub coded: Option<String>,
    /// Its summary.
    pub summary: Option<String>,
    /// The model's accuracy.
    pub accuracy: Option<String>,
}

from_row!(Coded {
    coded,
    summary,
    accuracy
});

/// What coding transcript `id` stored.
pub async fn coded(db: &Db, id: i64) -> Result<Coded, DbError> {
    Ok(run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, Coded>(
            "SELECT coded, summary, accuracy FROM transcripts WHERE id = $1"
        )
        .bind(id)
    )?
    .unwrap_or_default())
}

/// A coded session's summary, with whose session it was.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SummaryRow {
    /// The client.
    pub client_id: i64,
    /// The client's code.
    pub code: String,
    /// The session number.
    pub session_number: i64,
    /// The summary (JSON of `rapport_core::Summary`).
    pub summary: String,
    /// When it was coded.
    pub coded_at: i64,
}

from_row!(SummaryRow {
    client_id,
    code,
    session_number,
    summary,
    coded_at
});

/// The summaries of every coded session of a counsellor's clients, in the order they
/// were coded.
pub async fn summaries_of_counsellor(
    db: &Db,
    clinic: i64,
    counsellor: i64,
) -> Result<Vec<SummaryRow>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, SummaryRow>(
            "SELECT t.client_id, c.code, t.session_number, t.summary, t.coded_at \
             FROM transcripts t JOIN clients c ON c.id = t.client_id \
             WHERE c.clinic_id = $1 AND c.counsellor_id = $2 AND t.summary IS NOT NULL \
             AND t.coded_at IS NOT NULL \
             ORDER BY t.coded_at, t.id"
        )
        .bind(clinic)
        .bind(counsellor)
    )
}

/// A job claimed for coding: what the coder reads.
#[derive(Debug, Clone)]
pub struct Claimed {
    /// The transcript's id.
    pub id: i64,
    /// The format's short name.
    pub format: String,
    /// The file's name.
    pub file_name: String,
    /// The counsellor's names (JSON list).
    pub counselors: String,
    /// The upload, base64.
    pub body: String,
}

from_row!(Claimed {
    id,
    format,
    file_name,
    counselors,
    body
});

/// Puts back in the queue every job a stopped server left running.
pub async fn requeue_running(db: &Db) -> Result<u64, DbError> {
    let mut tx = db.write().await?;
    let n = exec!(
        &mut tx,
        sqlx::query("UPDATE transcripts SET state = 'queued' WHERE state = 'running'")
    )?;
    tx.commit().await?;
    Ok(n)
}

/// Claims the oldest queued job, marking it running.
pub async fn claim_next(db: &Db) -> Result<Option<Claimed>, DbError> {
    // Another server process sharing a PostgreSQL database may claim the same row
    // between the two statements: then it is theirs, and this worker takes the next.
    loop {
        let mut tx = db.write().await?;
        let Some(job) = run!(
            &mut tx,
            fetch_optional,
            sqlx::query_as::<_, Claimed>(
                "SELECT id, format, file_name, counselors, body FROM transcripts \
                 WHERE state = 'queued' AND body IS NOT NULL ORDER BY id LIMIT 1"
            )
        )?
        else {
            return Ok(None);
        };
        let claimed = exec!(
            &mut tx,
            sqlx::query(
                "UPDATE transcripts SET state = 'running' WHERE id = $1 AND state = 'queued'"
            )
            .bind(job.id)
        )?;
        if claimed == 1 {
            tx.commit().await?;
            return Ok(Some(job));
        }
    }
}

/// Stores a job's result (unless the transcript was deleted meanwhile, or another
/// worker finished it first).
pub async fn finish(
    db: &Db,
    id: i64,
    result: &Coded,
    utterances: i64,
    now: i64,
) -> Result<(), DbError> {
    let mut tx = db.write().await?;
    exec!(
        &mut tx,
        sqlx::query(
            "UPDATE transcripts SET state = 'done', error = NULL, coded = $2, summary = $3, \
             accuracy = $4, utterances = $5, coded_at = $6 \
             WHERE id = $1 AND deleted_at IS NULL AND state = 'running'"
        )
        .bind(id)
        .bind(result.coded.as_deref())
        .bind(result.summary.as_deref())
        .bind(result.accuracy.as_deref())
        .bind(utterances)
        .bind(now)
    )?;
    tx.commit().await
}

/// Marks a job failed, with why (unless it was finished meanwhile).
pub async fn fail(db: &Db, id: i64, error: &str) -> Result<(), DbError> {
    let mut tx = db.write().await?;
    exec!(
        &mut tx,
        sqlx::query(
            "UPDATE transcripts SET state = 'failed', error = $2, coded = NULL \
             WHERE id = $1 AND state = 'running'"
        )
        .bind(id)
        .bind(error)
    )?;
    tx.commit().await
}

/// Deletes a transcript's text and codes, keeping its summary figures (a transcript not
/// yet coded is removed whole). Whether there was one to delete.
pub async fn delete(tx: &mut Tx, id: i64, now: i64) -> Result<bool, DbError> {
    let removed = exec!(
        &mut *tx,
        sqlx::query("DELETE FROM transcripts WHERE id = $1 AND summary IS NULL").bind(id)
    )?;
    if removed > 0 {
        return Ok(true);
    }
    let cleared = exec!(
        &mut *tx,
        sqlx::query(
            "UPDATE transcripts SET body = NULL, coded = NULL, notices = '[]', counselors = '[]', \
             file_name = 'deleted', error = NULL, deleted_at = $2 \
             WHERE id = $1 AND deleted_at IS NULL"
        )
        .bind(id)
        .bind(now)
    )?;
    Ok(cleared > 0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn states_read_back_as_written() {
        for state in [
            JobState::Queued,
            JobState::Running,
            JobState::Done,
            JobState::Failed,
        ] {
            assert_eq!(JobState::parse(state.as_str()), Some(state));
        }
        assert_eq!(JobState::parse("paused"), None);
    }
}
