//! The database: SQLite (embedded, the default) or PostgreSQL, chosen by the URL's
//! scheme, each opened with its own settings and migrated with its own schema files
//! (`migrations/sqlite`, `migrations/postgres`).
//!
//! # One query text, two native drivers
//! Every query is written once and run through the backend's own sqlx driver, not
//! sqlx's `Any` driver, whose pass-through placeholders and missing types make one text
//! for both backends a trap. Here the text works on both by construction:
//! - placeholders are numbered, `$1`, `$2`, ...: PostgreSQL's own form, which
//!   sqlx's SQLite driver binds by number as well;
//! - columns are only `TEXT` and 64-bit integers: times are seconds since the epoch,
//!   flags 0 or 1, answers JSON text, so no type differs between the two;
//! - statements are string literals (sqlx 0.9 accepts no other text without an
//!   explicit assertion), so no query is ever built from input.
//!
//! The `run!` macro sends one query to whichever backend a [`Db`] or [`Tx`] holds.
//!
//! # Durability (SQLite)
//! WAL with `synchronous=FULL` (a commit is on disk before it returns, so an answer
//! acknowledged to a client survives a crash or power cut), a busy timeout, foreign
//! keys on, and writes in `BEGIN IMMEDIATE` transactions, which take the write lock at
//! the start and so wait for it instead of failing mid-way with `SQLITE_BUSY`.
//!
//! SQLite lets one writer in at a time. Left to itself, a connection that finds the
//! write lock taken sleeps and retries, backing off up to 100 ms a try, so under a burst
//! of answers a few unlucky ones lose every race and wait a second or more. The
//! server's own write transactions therefore queue for a [`WriteGate`] first, first come
//! first served, and reach SQLite one after another without sleeping.

use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use sqlx::postgres::{PgPool, PgPoolOptions};
use sqlx::sqlite::{
    SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous,
};
use sqlx::{Postgres, Sqlite, Transaction};
use tokio::sync::OwnedMutexGuard;

/// How long a SQLite connection waits for another's write lock before giving up.
const BUSY_TIMEOUT: Duration = Duration::from_secs(10);

/// The migrations of each backend, in order: (version, SQL).
const SQLITE_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/sqlite/0001_clinic.sql")),
    (2, include_str!("../migrations/sqlite/0002_open_links.sql")),
    (3, include_str!("../migrations/sqlite/0003_transcripts.sql")),
    (
        4,
        include_str!("../migrations/sqlite/0004_tokens_notifications.sql"),
    ),
];
const POSTGRES_MIGRATIONS: &[(i64, &str)] = &[
    (1, include_str!("../migrations/postgres/0001_clinic.sql")),
    (
        2,
        include_str!("../migrations/postgres/0002_open_links.sql"),
    ),
    (
        3,
        include_str!("../migrations/postgres/0003_transcripts.sql"),
    ),
    (
        4,
        include_str!("../migrations/postgres/0004_tokens_notifications.sql"),
    ),
];

/// A database that could not be opened, migrated or queried.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The `--db` URL names no backend Rapport has.
    #[error(
        "{0:?} is not a database URL Rapport can use; give sqlite://PATH or postgres://USER@HOST/DB"
    )]
    Url(String),
    /// The driver failed (connection, statement, constraint).
    #[error("database: {0}")]
    Sqlx(#[from] sqlx::Error),
    /// A migration failed.
    #[error("migrating the database to schema {version}: {source}")]
    Migration {
        /// The schema version being applied.
        version: i64,
        /// What failed.
        source: sqlx::Error,
    },
    /// The database holds a newer schema than this build knows.
    #[error(
        "the database has schema {found}, newer than this Rapport knows ({known}); run a newer Rapport"
    )]
    TooNew {
        /// The schema found.
        found: i64,
        /// The newest this build has.
        known: i64,
    },
}

impl DbError {
    /// Whether a unique constraint refused the write (a duplicate email, client code or
    /// answer).
    pub fn is_duplicate(&self) -> bool {
        matches!(self, DbError::Sqlx(sqlx::Error::Database(e)) if e.is_unique_violation())
    }
}

/// The queue a SQLite database's write transactions take their turn in (see the module
/// documentation): one at a time, in the order they asked.
#[derive(Debug, Clone, Default)]
pub struct WriteGate(Arc<tokio::sync::Mutex<()>>);

/// An open database.
#[derive(Debug, Clone)]
pub enum Db {
    /// SQLite, embedded, with its writers' queue.
    Sqlite(SqlitePool, WriteGate),
    /// PostgreSQL.
    Postgres(PgPool),
}

/// A write transaction (SQLite: `BEGIN IMMEDIATE`, holding the writers' turn until it
/// commits or is dropped).
pub enum Tx {
    /// On SQLite. The transaction is declared first, so it ends before the turn passes.
    Sqlite(Transaction<'static, Sqlite>, OwnedMutexGuard<()>),
    /// On PostgreSQL.
    Postgres(Transaction<'static, Postgres>),
}

/// Runs one query on whichever backend `$on` (a [`Db`] or a `&mut` [`Tx`]) holds:
/// `run!(db, fetch_one, sqlx::query_as::<_, Row>("SELECT ... $1").bind(x))`. The query
/// expression is written once and typed for each backend's driver.
macro_rules! run {
    ($on:expr, $method:ident, $query:expr) => {
        match Into::<$crate::db::Handle<'_>>::into($on) {
            $crate::db::Handle::Sqlite(executor) => $query.$method(executor).await,
            $crate::db::Handle::Postgres(executor) => $query.$method(executor).await,
            $crate::db::Handle::SqliteTx(tx) => $query.$method(&mut **tx).await,
            $crate::db::Handle::PostgresTx(tx) => $query.$method(&mut **tx).await,
        }
        .map_err($crate::db::DbError::from)
    };
}
pub(crate) use run;

/// Executes one statement on whichever backend `$on` holds (see [`run!`]) and returns
/// the number of rows it changed.
macro_rules! exec {
    ($on:expr, $query:expr) => {
        match Into::<$crate::db::Handle<'_>>::into($on) {
            $crate::db::Handle::Sqlite(executor) => {
                $query.execute(executor).await.map(|r| r.rows_affected())
            }
            $crate::db::Handle::Postgres(executor) => {
                $query.execute(executor).await.map(|r| r.rows_affected())
            }
            $crate::db::Handle::SqliteTx(tx) => {
                $query.execute(&mut **tx).await.map(|r| r.rows_affected())
            }
            $crate::db::Handle::PostgresTx(tx) => {
                $query.execute(&mut **tx).await.map(|r| r.rows_affected())
            }
        }
        .map_err($crate::db::DbError::from)
    };
}
pub(crate) use exec;

/// Reads a row into a struct by column name, on both backends:
/// `from_row!(Row { code, session_number })` after `struct Row { code: String, ... }`.
/// It does what sqlx's `FromRow` derive does for plain fields, without sqlx's
/// proc-macro crate, whose build compiles both database drivers (SQLite's C source
/// included) a second time.
macro_rules! from_row {
    ($row:ident { $($field:ident),* $(,)? }) => {
        impl<'r> sqlx::FromRow<'r, sqlx::sqlite::SqliteRow> for $row {
            fn from_row(row: &'r sqlx::sqlite::SqliteRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok($row { $($field: row.try_get(stringify!($field))?),* })
            }
        }
        impl<'r> sqlx::FromRow<'r, sqlx::postgres::PgRow> for $row {
            fn from_row(row: &'r sqlx::postgres::PgRow) -> Result<Self, sqlx::Error> {
                use sqlx::Row as _;
                Ok($row { $($field: row.try_get(stringify!($field))?),* })
            }
        }
    };
}
pub(crate) use from_row;

/// What `run!` matches on: a pool or an open transaction of either backend.
pub enum Handle<'a> {
    /// A SQLite pool.
    Sqlite(&'a SqlitePool),
    /// A PostgreSQL pool.
    Postgres(&'a PgPool),
    /// A SQLite transaction.
    SqliteTx(&'a mut Transaction<'static, Sqlite>),
    /// A PostgreSQL transaction.
    PostgresTx(&'a mut Transaction<'static, Postgres>),
}

impl<'a> From<&'a Db> for Handle<'a> {
    fn from(db: &'a Db) -> Handle<'a> {
        match db {
            Db::Sqlite(pool, _) => Handle::Sqlite(pool),
            Db::Postgres(pool) => Handle::Postgres(pool),
        }
    }
}

impl<'a> From<&'a mut Tx> for Handle<'a> {
    fn from(tx: &'a mut Tx) -> Handle<'a> {
        match tx {
            Tx::Sqlite(tx, _) => Handle::SqliteTx(tx),
            Tx::Postgres(tx) => Handle::PostgresTx(tx),
        }
    }
}

impl Db {
    /// Opens the database at `url` (`sqlite://PATH`, created if missing, or
    /// `postgres://...`) and brings its schema up to date.
    pub async fn open(url: &str) -> Result<Db, DbError> {
        let db = if url.starts_with("sqlite:") {
            let options = SqliteConnectOptions::from_str(url)?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                .synchronous(SqliteSynchronous::Full)
                .busy_timeout(BUSY_TIMEOUT)
                .foreign_keys(true);
            Db::Sqlite(
                SqlitePoolOptions::new()
                    .max_connections(8)
                    .connect_with(options)
                    .await?,
                WriteGate::default(),
            )
        } else if url.starts_with("postgres:") || url.starts_with("postgresql:") {
            Db::Postgres(
                PgPoolOptions::new()
                    .max_connections(16)
                    .connect(url)
                    .await?,
            )
        } else {
            return Err(DbError::Url(url.to_string()));
        };
        db.migrate().await?;
        Ok(db)
    }

    /// Which backend this is, for messages.
    pub fn backend(&self) -> &'static str {
        match self {
            Db::Sqlite(..) => "SQLite",
            Db::Postgres(_) => "PostgreSQL",
        }
    }

    /// Starts a write transaction.
    pub async fn write(&self) -> Result<Tx, DbError> {
        Ok(match self {
            Db::Sqlite(pool, gate) => {
                let turn = Arc::clone(&gate.0).lock_owned().await;
                Tx::Sqlite(pool.begin_with("BEGIN IMMEDIATE").await?, turn)
            }
            Db::Postgres(pool) => Tx::Postgres(pool.begin().await?),
        })
    }

    /// Whether the database answers.
    pub async fn ping(&self) -> bool {
        run!(
            self,
            fetch_one,
            sqlx::query_scalar::<_, i64>("SELECT CAST(1 AS BIGINT)")
        )
        .is_ok()
    }

    /// Closes every connection (SQLite checkpoints its WAL into the database file).
    pub async fn close(&self) {
        match self {
            Db::Sqlite(pool, _) => pool.close().await,
            Db::Postgres(pool) => pool.close().await,
        }
    }

    async fn migrate(&self) -> Result<(), DbError> {
        exec!(
            self,
            sqlx::query(
                "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, applied_at BIGINT NOT NULL)"
            )
        )?;
        let applied = run!(
            self,
            fetch_one,
            sqlx::query_scalar::<_, i64>("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        )?;
        let migrations = match self {
            Db::Sqlite(..) => SQLITE_MIGRATIONS,
            Db::Postgres(_) => POSTGRES_MIGRATIONS,
        };
        let known = migrations.last().map_or(0, |m| m.0);
        if applied > known {
            return Err(DbError::TooNew {
                found: applied,
                known,
            });
        }
        for &(version, sql) in migrations.iter().filter(|m| m.0 > applied) {
            let failed = |source| DbError::Migration { version, source };
            let mut tx = self.write().await?;
            match &mut tx {
                Tx::Sqlite(tx, _) => sqlx::raw_sql(sql).execute(&mut **tx).await.map(drop),
                Tx::Postgres(tx) => sqlx::raw_sql(sql).execute(&mut **tx).await.map(drop),
            }
            .map_err(failed)?;
            exec!(
                &mut tx,
                sqlx::query("INSERT INTO schema_migrations (version, applied_at) VALUES ($1, $2)")
                    .bind(version)
                    .bind(crate::clock::now())
            )?;
            tx.commit().await?;
            tracing::info!(
                version,
                backend = self.backend(),
                "database schema migrated"
            );
        }
        Ok(())
    }
}

impl Tx {
    /// Commits: on SQLite the data is on disk when this returns.
    pub async fn commit(self) -> Result<(), DbError> {
        match self {
            Tx::Sqlite(tx, _turn) => tx.commit().await?,
            Tx::Postgres(tx) => tx.commit().await?,
        }
        Ok(())
    }
}
