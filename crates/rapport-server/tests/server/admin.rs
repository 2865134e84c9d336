//! Backup and restore (`rapport admin backup|restore`): a backup of a live SQLite
//! database (its last commits still in the WAL) is a consistent copy; a restore brings
//! it back and moves the replaced database aside, never deleting it. On PostgreSQL the
//! same through `pg_dump`/`pg_restore` where they are installed, and a message naming
//! the missing tools where they are not.

use rapport_server::admin::{self, AdminError};
use rapport_server::db::Db;
use rapport_server::users::Role;

use crate::harness::{Backend, POSTGRES_ENV, Server, pg_admin, unique};

async fn clients(url: &str) -> Vec<String> {
    let db = Db::open(url).await.expect("open");
    let rows = match &db {
        Db::Sqlite(pool, _) => {
            sqlx::query_scalar::<_, String>("SELECT code FROM clients ORDER BY code")
                .fetch_all(pool)
                .await
        }
        Db::Postgres(pool) => {
            sqlx::query_scalar::<_, String>("SELECT code FROM clients ORDER BY code")
                .fetch_all(pool)
                .await
        }
    }
    .expect("clients");
    db.close().await;
    rows
}

/// The client codes in a SQLite file, read without changing it.
async fn sqlite_codes(path: &std::path::Path) -> (Vec<String>, String) {
    use sqlx::Connection;
    let options = sqlx::sqlite::SqliteConnectOptions::new()
        .filename(path)
        .read_only(true);
    let mut conn = sqlx::SqliteConnection::connect_with(&options)
        .await
        .expect("open read-only");
    let codes = sqlx::query_scalar::<_, String>("SELECT code FROM clients ORDER BY code")
        .fetch_all(&mut conn)
        .await
        .expect("clients");
    let verdict = sqlx::query_scalar::<_, String>("PRAGMA integrity_check")
        .fetch_one(&mut conn)
        .await
        .expect("integrity_check");
    conn.close().await.expect("close");
    (codes, verdict)
}

/// A counsellor with one client, `BEFORE`, in a fresh server.
async fn seeded(s: &Server) -> crate::harness::Agent {
    let clinic = s.clinic("A").await;
    s.user(clinic, "c@a.org", Role::Counsellor, None).await;
    let c = s.login("c@a.org", crate::harness::PASSWORD).await;
    s.new_client(&c, "BEFORE").await;
    c
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_live_sqlite_database_is_backed_up_and_restored_with_the_old_one_kept() {
    let s = Server::start(Backend::Sqlite).await;
    let c = seeded(&s).await;
    let dir = s.data_dir();
    // The server is running and its last commits are in the WAL.
    assert!(dir.join("rapport.db-wal").exists());
    let out = dir.join("backup.db");
    admin::backup(&dir, None, &out).await.expect("backup");
    assert_eq!(
        sqlite_codes(&out).await,
        (vec!["BEFORE".to_string()], "ok".to_string())
    );
    // A backup never overwrites.
    let again = admin::backup(&dir, None, &out).await;
    assert!(matches!(again, Err(AdminError::Usage(_))), "{again:?}");
    // Work goes on after the backup, then the server stops and the backup is restored.
    s.new_client(&c, "AFTER").await;
    s.state.db.close().await;
    let live = admin::restore(&dir, None, &out).await.expect("restore");
    assert_eq!(live, dir.join("rapport.db"));
    let live_url = rapport_server::serve::database_url(&dir, None);
    assert_eq!(clients(&live_url).await, ["BEFORE"]);
    let aside: Vec<_> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok())
        .map(|e| e.path())
        .filter(|p| {
            p.file_name()
                .unwrap()
                .to_string_lossy()
                .starts_with("rapport.db.before-restore-")
        })
        .filter(|p| {
            !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")
        })
        .collect();
    assert_eq!(aside.len(), 1, "{aside:?}");
    assert_eq!(
        clients(&format!("sqlite://{}", aside[0].display())).await,
        ["AFTER", "BEFORE"]
    );
    // A file that is not a backup is refused before anything is touched.
    let junk = dir.join("junk.db");
    std::fs::write(&junk, b"not a database").unwrap();
    assert!(matches!(
        admin::restore(&dir, None, &junk).await,
        Err(AdminError::Usage(_))
    ));
    assert!(matches!(
        admin::restore(&dir, None, &dir.join("missing.db")).await,
        Err(AdminError::Usage(_))
    ));
    assert_eq!(clients(&live_url).await, ["BEFORE"]);
}

/// The URL `base` pointing at database `name` instead.
fn with_database(base: &str, name: &str) -> String {
    let (head, query) = base
        .split_once('?')
        .map_or((base, None), |(h, q)| (h, Some(q)));
    let head = match head.rfind('/') {
        Some(i) if i > "postgres://".len() => &head[..i],
        _ => head,
    };
    match query {
        Some(q) => format!("{head}/{name}?{q}"),
        None => format!("{head}/{name}"),
    }
}

fn have(tool: &str) -> bool {
    std::process::Command::new(tool)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_postgres_database_is_backed_up_with_pg_dump_or_a_clear_message() {
    let Ok(base) = std::env::var(POSTGRES_ENV) else {
        return;
    };
    // A database of its own: pg_restore --clean works on a whole database.
    let name = unique("rapport_backup");
    let admin_pool = pg_admin(&base).await;
    sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
        .execute(&admin_pool)
        .await
        .expect("create a test database");
    let url = with_database(&base, &name);
    let outcome = tokio::spawn({
        let url = url.clone();
        async move {
            let db = Db::open(&url).await.expect("open");
            let clock = rapport_server::clock::Clock::fixed(crate::harness::START);
            let dir = tempfile::tempdir().unwrap();
            let out = dir.path().join("backup.pgdump");
            rapport_server::users::clinic_named(&db, "A", clock.now()).await.unwrap();
            let exec = |sql: &'static str| {
                let db = db.clone();
                async move {
                    if let Db::Postgres(pool) = &db {
                        sqlx::query(sql).execute(pool).await.unwrap();
                    }
                }
            };
            exec("INSERT INTO users (clinic_id, email, name, role, password_hash, created_at) VALUES (1, 'c@a.org', 'c', 'counsellor', 'x', 0)").await;
            exec("INSERT INTO clients (clinic_id, counsellor_id, code, created_at) VALUES (1, 1, 'BEFORE', 0)").await;
            let result = admin::backup(dir.path(), Some(&url), &out).await;
            if !(have("pg_dump") && have("pg_restore")) {
                let message = result.expect_err("no pg_dump").to_string();
                assert!(message.contains("postgresql-client") || message.contains("pg_dump"), "{message}");
                db.close().await;
                return;
            }
            result.expect("pg_dump");
            exec("INSERT INTO clients (clinic_id, counsellor_id, code, created_at) VALUES (1, 1, 'AFTER', 0)").await;
            db.close().await;
            admin::restore(dir.path(), Some(&url), &out).await.expect("pg_restore");
            assert_eq!(clients(&url).await, ["BEFORE"]);
        }
    })
    .await;
    let _ = sqlx::query(sqlx::AssertSqlSafe(format!(
        "DROP DATABASE IF EXISTS {name} WITH (FORCE)"
    )))
    .execute(&admin_pool)
    .await;
    admin_pool.close().await;
    if let Err(e) = outcome {
        std::panic::resume_unwind(e.into_panic());
    }
}
