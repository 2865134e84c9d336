//! The coding queue: uploaded transcripts coded in the background by the analysis
//! library, exactly as `rapport analyze` codes them, never on a request's thread.
//!
//! The queue is the `transcripts` table itself ([`crate::transcripts`]): an upload is
//! acknowledged only once its row is committed, queued. One worker per server process
//! claims the oldest queued row, codes it on a blocking thread (the model is loaded
//! once, on the first job) and stores the coded session. A row a crash left `running`
//! is queued again when the server starts, so every acknowledged upload is coded. The
//! worker sleeps until an upload wakes it, and looks at the table every half minute
//! anyway (another process sharing a PostgreSQL database may have queued work). Two
//! processes never claim the same row; a process that starts while another is coding
//! queues that row again, and it is then coded twice, to the same result.
//!
//! Progress (stage and steps) is kept in memory per job for the job's page and
//! `GET /api/v1/jobs/{id}`. Logs name jobs by id, never their text.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use rapport_analysis::{Analyzer, Progress, Stage};
use rapport_core::{CodedSession, InputFormat, ModelAccuracy, ReadOptions, read_transcripts};
use serde::Serialize;
use tokio::sync::Notify;

use crate::state::AppState;
use crate::transcripts::{self, Claimed, Coded};

/// Which shipped model codes (re-exported for those who start a server).
pub use rapport_analysis::Mode;

/// How often an idle worker looks at the queue without being woken.
const POLL: Duration = Duration::from_secs(30);

/// Where a job has got to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct JobProgress {
    /// `loading the model`, `embedding utterances` or `coding sessions`.
    pub stage: &'static str,
    /// Steps done in this stage.
    pub done: u64,
    /// Steps in this stage, where known.
    pub total: Option<u64>,
}

/// A job's progress before the coder reports any.
const LOADING: JobProgress = JobProgress {
    stage: "loading the model",
    done: 0,
    total: None,
};

/// The coder the server uses and its queue's signals.
pub struct Coding {
    mode: Mode,
    analyzer: OnceLock<Result<Arc<Analyzer>, String>>,
    wake: Notify,
    progress: Mutex<HashMap<i64, JobProgress>>,
}

impl Coding {
    /// A queue coding with the shipped model of `mode` (loaded on the first job).
    pub fn new(mode: Mode) -> Coding {
        Coding {
            mode,
            analyzer: OnceLock::new(),
            wake: Notify::new(),
            progress: Mutex::new(HashMap::new()),
        }
    }

    /// Tells the worker there is work.
    pub fn wake(&self) {
        self.wake.notify_one();
    }

    /// A running job's progress.
    pub fn progress(&self, job: i64) -> Option<JobProgress> {
        self.lock().get(&job).copied()
    }

    fn set(&self, job: i64, progress: JobProgress) {
        self.lock().insert(job, progress);
    }

    fn clear(&self, job: i64) {
        self.lock().remove(&job);
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<i64, JobProgress>> {
        // The map holds plain values, whole even if a thread panicked holding it.
        self.progress.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The analyzer, loaded on first use; a model or encoder that cannot be loaded fails
    /// each job with the reason (and the fix, such as fetching the encoder).
    fn analyzer(&self) -> Result<Arc<Analyzer>, String> {
        self.analyzer
            .get_or_init(|| {
                Analyzer::load(self.mode, None)
                    .map(Arc::new)
                    .map_err(|e| format!("the coder could not be loaded: {e}"))
            })
            .clone()
    }
}

/// Reports a job's progress into [`Coding`].
struct JobReporter<'a> {
    coding: &'a Coding,
    job: i64,
    current: Mutex<JobProgress>,
}

impl Progress for JobReporter<'_> {
    fn start(&self, stage: Stage, steps: Option<u64>) {
        let progress = JobProgress {
            stage: stage.describe(),
            done: 0,
            total: steps,
        };
        *self.current.lock().unwrap_or_else(PoisonError::into_inner) = progress;
        self.coding.set(self.job, progress);
    }

    fn advance(&self, steps: u64) {
        let mut current = self.current.lock().unwrap_or_else(PoisonError::into_inner);
        current.done += steps;
        self.coding.set(self.job, *current);
    }
}

/// Starts the worker on the current runtime: queues again what a stopped server left
/// running, then codes queued transcripts one after another until the runtime stops.
pub fn start(state: &AppState) -> tokio::task::JoinHandle<()> {
    let state = state.clone();
    tokio::spawn(async move {
        match transcripts::requeue_running(&state.db).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(jobs = n, "coding jobs left running were queued again"),
            Err(e) => tracing::error!(error = %e, "queueing interrupted coding jobs again"),
        }
        loop {
            match transcripts::claim_next(&state.db).await {
                Ok(Some(job)) => run_job(&state, job).await,
                Ok(None) => {
                    tokio::select! {
                        () = state.coding.wake.notified() => {}
                        () = tokio::time::sleep(POLL) => {}
                    }
                }
                Err(e) => {
                    tracing::error!(error = %e, "reading the coding queue");
                    tokio::time::sleep(Duration::from_secs(5)).await;
                }
            }
        }
    })
}

/// Codes one claimed job and stores the result or the failure.
async fn run_job(state: &AppState, job: Claimed) {
    let id = job.id;
    tracing::info!(job = id, "coding a transcript");
    state.coding.set(id, LOADING);
    let worker = state.clone();
    let coded = tokio::task::spawn_blocking(move || code(&worker.coding, &job))
        .await
        .unwrap_or_else(|e| Err(format!("coding stopped unexpectedly: {e}")));
    let stored = match coded {
        Ok((session, accuracy)) => match (
            serde_json::to_string(&session),
            serde_json::to_string(&session.summary),
            serde_json::to_string(&accuracy),
        ) {
            (Ok(coded), Ok(summary), Ok(accuracy)) => {
                let n = i64::try_from(session.utterances.len()).unwrap_or(i64::MAX);
                let result = Coded {
                    coded: Some(coded),
                    summary: Some(summary),
                    accuracy: Some(accuracy),
                };
                transcripts::finish(&state.db, id, &result, n, state.clock.now()).await
            }
            (Err(e), _, _) | (_, Err(e), _) | (_, _, Err(e)) => {
                transcripts::fail(&state.db, id, &format!("storing the codes: {e}")).await
            }
        },
        Err(message) => {
            tracing::warn!(job = id, "a transcript could not be coded");
            transcripts::fail(&state.db, id, &message).await
        }
    };
    state.coding.clear(id);
    if let Err(e) = stored {
        // The row stays `running` and is queued again at the next start.
        tracing::error!(job = id, error = %e, "storing a coding job's result");
    } else {
        tracing::info!(job = id, "transcript coded");
    }
}

/// Reads and codes a claimed job's upload (on a blocking thread): the coded session and
/// the model's accuracy.
fn code(coding: &Coding, job: &Claimed) -> Result<(CodedSession, ModelAccuracy), String> {
    use base64::Engine as _;
    let bytes = base64::engine::general_purpose::STANDARD
        .decode(&job.body)
        .map_err(|e| format!("the stored upload is damaged: {e}"))?;
    let format = InputFormat::named(&job.format)
        .ok_or_else(|| format!("the stored format {:?} is unknown", job.format))?;
    let options = ReadOptions {
        counselor_names: serde_json::from_str(&job.counselors).unwrap_or_default(),
    };
    let read =
        read_transcripts(&job.file_name, &bytes, format, &options).map_err(|e| e.to_string())?;
    let [transcript] = read.transcripts.as_slice() else {
        return Err(format!(
            "the upload holds {} sessions, not one",
            read.transcripts.len()
        ));
    };
    let analyzer = coding.analyzer()?;
    let reporter = JobReporter {
        coding,
        job: job.id,
        current: Mutex::new(LOADING),
    };
    let mut sessions = analyzer
        .code(std::slice::from_ref(transcript), &reporter)
        .map_err(|e| e.to_string())?;
    let session = sessions
        .pop()
        .ok_or_else(|| "the coder returned no session".to_string())?;
    Ok((session, analyzer.accuracy()))
}
