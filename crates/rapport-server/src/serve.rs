//! Running the server: where its data lives, binding, and stopping cleanly (requests in
//! flight finish, then the database closes, checkpointing SQLite's WAL).

use std::future::Future;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use rapport_analysis::Mode;
use tokio::net::TcpListener;

use crate::app::app;
use crate::clock::Clock;
use crate::db::{Db, DbError};
use crate::notify::Mail;
use crate::state::{AppState, Exposure};

/// The data directory's default.
pub const DEFAULT_DATA_DIR: &str = "rapport-data";
/// The address served by default: this machine only.
pub const DEFAULT_BIND: &str = "127.0.0.1:8080";

/// The database URL: `--db` as given, or SQLite in the data directory.
pub fn database_url(data_dir: &Path, db: Option<&str>) -> String {
    match db {
        Some(url) => url.to_string(),
        None => format!("sqlite://{}", data_dir.join("rapport.db").display()),
    }
}

/// A server that could not start.
#[derive(Debug, thiserror::Error)]
pub enum ServeError {
    /// The data directory could not be made.
    #[error("creating the data directory {dir}: {source}")]
    DataDir {
        /// The directory.
        dir: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// The database could not be opened.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The address could not be bound or served.
    #[error("serving on {address}: {source}")]
    Io {
        /// The address.
        address: String,
        /// Why.
        source: std::io::Error,
    },
}

/// Opens (creating the data directory for SQLite) and migrates the database.
pub async fn open_database(data_dir: &Path, db: Option<&str>) -> Result<Db, ServeError> {
    if db.is_none() {
        std::fs::create_dir_all(data_dir).map_err(|source| ServeError::DataDir {
            dir: data_dir.to_path_buf(),
            source,
        })?;
    }
    Ok(Db::open(&database_url(data_dir, db)).await?)
}

/// How a server bound to `address` is exposed: secure cookies unless on loopback.
pub fn exposure_for(
    address: &SocketAddr,
    public_url: Option<String>,
    trust_forwarded: bool,
) -> Exposure {
    Exposure {
        secure_cookies: !address.ip().is_loopback(),
        trust_forwarded,
        public_url,
    }
}

/// Serves `db` on `listener` until `shutdown` resolves, then lets requests in flight
/// finish and closes the database. Uploaded transcripts are coded in the background with
/// the shipped model of `mode`; notifications are mailed through `mail` where given.
pub async fn serve(
    listener: TcpListener,
    db: Db,
    exposure: Exposure,
    mode: Mode,
    mail: Option<Mail>,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<(), ServeError> {
    let address = listener
        .local_addr()
        .map_or_else(|_| "the listener".to_string(), |a| a.to_string());
    let state = AppState::with_mail(db.clone(), Clock::system(), exposure, mode, mail);
    let worker = crate::coding::start(&state);
    axum::serve(
        listener,
        app(state).into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(shutdown)
    .await
    .map_err(|source| ServeError::Io { address, source })?;
    // A job being coded stays `running` in the database and is queued again at the
    // next start.
    worker.abort();
    db.close().await;
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        () = ctrl_c => {},
        () = terminate => {},
    }
}
