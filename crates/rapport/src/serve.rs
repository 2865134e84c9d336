//! `rapport serve` and `rapport admin`: hands the clinic server its options and runs it
//! on a tokio runtime; the server itself is `rapport_server`.

use std::io::BufRead;

use anyhow::{Context, Result};
use rapport_server::admin::{self, AdminError};
use rapport_server::serve::{exposure_for, open_database, serve, shutdown_signal};
use rapport_server::users::{NewUser, Role};

use crate::cli::{AdminArgs, AdminCommand, RoleArg, ServeArgs};
use crate::exit::BadInput;

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

/// Runs `rapport serve` until Ctrl-C or SIGTERM.
pub fn run(args: ServeArgs) -> Result<()> {
    runtime()?.block_on(async {
        let db = open_database(&args.data.data_dir, args.data.db.as_deref())
            .await
            .map_err(|e| match e {
                rapport_server::serve::ServeError::Db(rapport_server::db::DbError::Url(_)) => {
                    anyhow::Error::new(BadInput(e.to_string()))
                }
                e => anyhow::Error::new(e),
            })?;
        let listener = tokio::net::TcpListener::bind(args.bind)
            .await
            .with_context(|| format!("binding {}", args.bind))?;
        let bound = listener.local_addr().unwrap_or(args.bind);
        eprintln!(
            "rapport: serving on http://{bound} ({} database{}); Ctrl-C stops",
            db.backend(),
            if args.data.db.is_none() {
                format!(" in {}", args.data.data_dir.display())
            } else {
                String::new()
            }
        );
        let exposure = exposure_for(&bound, args.public_url.clone(), args.trust_proxy);
        let mode = if args.fast {
            rapport_analysis::Mode::Fast
        } else {
            rapport_analysis::Mode::Default
        };
        let mail = match &args.smtp_url {
            Some(url) => Some(
                rapport_server::notify::Mail::smtp(
                    url,
                    &args.smtp_from,
                    args.public_url.as_deref(),
                )
                .map_err(|e| anyhow::Error::new(BadInput(e.to_string())))?,
            ),
            None => None,
        };
        serve(listener, db, exposure, mode, mail, shutdown_signal()).await?;
        eprintln!("rapport: stopped");
        Ok(())
    })
}

fn admin_error(e: AdminError) -> anyhow::Error {
    if e.is_usage() {
        anyhow::Error::new(BadInput(e.to_string()))
    } else {
        anyhow::Error::new(e)
    }
}

/// Runs `rapport admin`.
pub fn admin(args: AdminArgs) -> Result<()> {
    runtime()?.block_on(async {
        match args.command {
            AdminCommand::CreateUser(a) => {
                let mut password = String::new();
                std::io::stdin()
                    .lock()
                    .read_line(&mut password)
                    .context("reading the password from standard input")?;
                let password = password.trim_end_matches(['\n', '\r']).to_string();
                let role = match a.role {
                    RoleArg::Admin => Role::Admin,
                    RoleArg::Supervisor => Role::Supervisor,
                    RoleArg::Counsellor => Role::Counsellor,
                };
                let new = NewUser {
                    email: a.email,
                    name: a.name,
                    role,
                    password,
                    supervisor: None,
                };
                let user = admin::create_user(
                    &a.data.data_dir,
                    a.data.db.as_deref(),
                    a.clinic.as_deref(),
                    &new,
                )
                .await
                .map_err(admin_error)?;
                eprintln!(
                    "rapport: created {} ({}, {})",
                    user.email, user.name, user.role
                );
            }
            AdminCommand::Backup(a) => {
                admin::backup(&a.data.data_dir, a.data.db.as_deref(), &a.out)
                    .await
                    .map_err(admin_error)?;
                eprintln!("rapport: backed up to {}", a.out.display());
            }
            AdminCommand::Restore(a) => {
                let to = admin::restore(&a.data.data_dir, a.data.db.as_deref(), &a.from)
                    .await
                    .map_err(admin_error)?;
                eprintln!("rapport: restored {} to {}", a.from.display(), to.display());
            }
        }
        Ok(())
    })
}
