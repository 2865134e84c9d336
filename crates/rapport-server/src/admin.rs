//! `rapport admin`: what is done on the server's own machine rather than through the
//! web: the first admin, backups and restores.
//!
//! A SQLite backup is `VACUUM INTO` a new file (a consistent copy taken while the server
//! runs), then flushed to disk; a PostgreSQL backup is `pg_dump`'s custom format. A
//! restore never deletes: the database it replaces is moved aside first.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::db::{Db, DbError, run};
use crate::serve::{ServeError, database_url, open_database};
use crate::users::{self, NewUser, User, UserError};

/// The clinic a user goes to when no `--clinic` is given and there is none yet.
pub const DEFAULT_CLINIC: &str = "Clinic";

/// What the admin commands can fail with.
#[derive(Debug, thiserror::Error)]
pub enum AdminError {
    /// The database could not be opened.
    #[error(transparent)]
    Serve(#[from] ServeError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
    /// The user cannot be created as asked (the caller's to fix).
    #[error(transparent)]
    User(UserError),
    /// The request cannot be carried out as asked (the caller's to fix).
    #[error("{0}")]
    Usage(String),
    /// A file could not be written or moved.
    #[error("{what}: {source}")]
    Io {
        /// What was being done.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// A PostgreSQL tool is missing or failed.
    #[error("{0}")]
    Tool(String),
}

impl AdminError {
    /// Whether the user can fix it (exit 2) rather than it being a failure (exit 1).
    pub fn is_usage(&self) -> bool {
        matches!(
            self,
            AdminError::Usage(_) | AdminError::Serve(ServeError::Db(DbError::Url(_)))
        ) || matches!(self, AdminError::User(e) if !matches!(e, UserError::Db(_) | UserError::Random(_)))
    }
}

fn io(what: impl Into<String>) -> impl FnOnce(std::io::Error) -> AdminError {
    let what = what.into();
    move |source| AdminError::Io { what, source }
}

/// Creates a user (`rapport admin create-user`). Without `clinic`, the user joins the
/// only clinic, or a new one named [`DEFAULT_CLINIC`] when there is none.
pub async fn create_user(
    data_dir: &Path,
    db: Option<&str>,
    clinic: Option<&str>,
    new: &NewUser,
) -> Result<User, AdminError> {
    let database = open_database(data_dir, db).await?;
    let now = crate::clock::now();
    let clinic_id = match clinic {
        Some(name) => users::clinic_named(&database, name.trim(), now).await?,
        None => {
            let names = run!(
                &database,
                fetch_all,
                sqlx::query_scalar::<_, String>("SELECT name FROM clinics ORDER BY id")
            )?;
            match names.as_slice() {
                [] => users::clinic_named(&database, DEFAULT_CLINIC, now).await?,
                [only] => users::clinic_named(&database, only, now).await?,
                _ => {
                    return Err(AdminError::Usage(format!(
                        "this server has {} clinics ({}); name one with --clinic",
                        names.len(),
                        names.join(", ")
                    )));
                }
            }
        }
    };
    let user = users::create(&database, clinic_id, new, now)
        .await
        .map_err(AdminError::User)?;
    database.close().await;
    Ok(user)
}

/// Backs the database up into `out`, which must not exist yet.
pub async fn backup(data_dir: &Path, db: Option<&str>, out: &Path) -> Result<(), AdminError> {
    if out.exists() {
        return Err(AdminError::Usage(format!(
            "{} exists already; give a new file name (a backup never overwrites)",
            out.display()
        )));
    }
    let url = database_url(data_dir, db);
    if url.starts_with("sqlite:") {
        let database = open_database(data_dir, db).await?;
        let target = out.to_str().ok_or_else(|| {
            AdminError::Usage(format!("{}: the path is not UTF-8", out.display()))
        })?;
        if let Db::Sqlite(pool, _) = &database {
            sqlx::query("VACUUM INTO $1")
                .bind(target)
                .execute(pool)
                .await
                .map_err(DbError::from)?;
        }
        database.close().await;
        // VACUUM INTO does not flush its output: do it, file and directory.
        sync_file(out)?;
        return Ok(());
    }
    pg_tool(
        "pg_dump",
        &[
            "--format=custom",
            "--no-owner",
            "--file",
            &out.display().to_string(),
            &url,
        ],
    )
}

/// Restores a backup made by [`backup`]. The server must be stopped. The database it
/// replaces is moved aside (`rapport.db.before-restore-TIME`), never deleted.
pub async fn restore(
    data_dir: &Path,
    db: Option<&str>,
    from: &Path,
) -> Result<PathBuf, AdminError> {
    if !from.is_file() {
        return Err(AdminError::Usage(format!(
            "{}: no such backup file",
            from.display()
        )));
    }
    let url = database_url(data_dir, db);
    if !url.starts_with("sqlite:") {
        pg_tool(
            "pg_restore",
            &[
                "--clean",
                "--if-exists",
                "--no-owner",
                "--dbname",
                &url,
                &from.display().to_string(),
            ],
        )?;
        return Ok(PathBuf::from(url));
    }
    if db.is_some() {
        return Err(AdminError::Usage(
            "restore a SQLite backup with --data-dir only: the file goes to DIR/rapport.db".into(),
        ));
    }
    // Check the backup before touching anything.
    let verdict = check_backup(from).await.map_err(|e| {
        AdminError::Usage(format!("{}: not a Rapport backup ({e})", from.display()))
    })?;
    if verdict != "ok" {
        return Err(AdminError::Usage(format!(
            "{}: the backup fails SQLite's integrity check ({verdict}); use another backup",
            from.display()
        )));
    }
    std::fs::create_dir_all(data_dir).map_err(io(format!("creating {}", data_dir.display())))?;
    let live = data_dir.join("rapport.db");
    let staged = data_dir.join("rapport.db.restoring");
    std::fs::copy(from, &staged).map_err(io(format!("copying {}", from.display())))?;
    sync_file(&staged)?;
    if live.exists() {
        let aside = data_dir.join(format!("rapport.db.before-restore-{}", crate::clock::now()));
        // A clean shutdown leaves no WAL; if one is there, its commits belong with the
        // database it came from, so it moves aside with it.
        for suffix in ["", "-wal", "-shm"] {
            let from = PathBuf::from(format!("{}{suffix}", live.display()));
            if from.exists() {
                let to = PathBuf::from(format!("{}{suffix}", aside.display()));
                std::fs::rename(&from, &to)
                    .map_err(io(format!("moving {} aside", from.display())))?;
            }
        }
    }
    std::fs::rename(&staged, &live).map_err(io(format!("putting {} in place", live.display())))?;
    sync_dir(data_dir)?;
    Ok(live)
}

/// SQLite's integrity verdict on a backup, read without writing to it. (The server's
/// own settings would switch it to WAL, a write, which a read-only open refuses: every
/// backup `VACUUM INTO` made was turned away as "not a Rapport backup".) A file without
/// Rapport's schema is refused by the query on `schema_migrations`.
async fn check_backup(from: &Path) -> Result<String, DbError> {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(from)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options).await?;
    sqlx::query_scalar::<_, i64>("SELECT MAX(version) FROM schema_migrations")
        .fetch_one(&mut conn)
        .await?;
    let verdict = sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await?;
    conn.close().await?;
    Ok(verdict)
}

fn sync_file(path: &Path) -> Result<(), AdminError> {
    std::fs::File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("flushing {} to disk", path.display())))?;
    if let Some(dir) = path.parent() {
        sync_dir(if dir.as_os_str().is_empty() {
            Path::new(".")
        } else {
            dir
        })?;
    }
    Ok(())
}

fn sync_dir(dir: &Path) -> Result<(), AdminError> {
    // Directories can be opened and synced on Unix; elsewhere this is a no-op.
    #[cfg(unix)]
    std::fs::File::open(dir)
        .and_then(|f| f.sync_all())
        .map_err(io(format!("flushing {} to disk", dir.display())))?;
    #[cfg(not(unix))]
    let _ = dir;
    Ok(())
}

fn pg_tool(tool: &str, args: &[&str]) -> Result<(), AdminError> {
    let output = Command::new(tool).args(args).output().map_err(|e| {
        AdminError::Tool(format!(
            "{tool} could not be run ({e}); install PostgreSQL's client tools (Debian: postgresql-client) matching the server's version"
        ))
    })?;
    if !output.status.success() {
        return Err(AdminError::Tool(format!(
            "{tool} failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        )));
    }
    Ok(())
}
