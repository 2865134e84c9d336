//! Clinics and the people who sign in to them: roles, supervision, and their rows.
//!
//! Every user belongs to one clinic and has one role. A counsellor sees their own
//! clients; a supervisor also counsels, and sees the clients of the counsellors they
//! supervise, read-only; an admin manages the clinic's users, settings and audit log
//! and sees no client's record.

use serde::{Deserialize, Serialize};

use crate::db::{Db, DbError, Tx, exec, from_row, run};
use crate::secrets;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Manages users, supervision, clinic settings; reads the audit log.
    Admin,
    /// Counsels, and reads their supervisees' clients.
    Supervisor,
    /// Counsels: creates clients, sessions and links, enters scores, acknowledges
    /// alerts.
    Counsellor,
}

impl Role {
    /// Every role.
    pub const ALL: [Role; 3] = [Role::Admin, Role::Supervisor, Role::Counsellor];

    /// The role as stored and written in JSON.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Supervisor => "supervisor",
            Role::Counsellor => "counsellor",
        }
    }

    /// The role with this name (any case; `counselor` too).
    pub fn parse(text: &str) -> Option<Role> {
        match text.trim().to_ascii_lowercase().as_str() {
            "admin" => Some(Role::Admin),
            "supervisor" => Some(Role::Supervisor),
            "counsellor" | "counselor" => Some(Role::Counsellor),
            _ => None,
        }
    }

    /// Whether the role has a caseload of its own.
    pub fn counsels(self) -> bool {
        matches!(self, Role::Supervisor | Role::Counsellor)
    }
}

/// A user as the clinic's pages and API show them (no password hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct User {
    /// Id.
    pub id: i64,
    /// Sign-in e-mail, lower-cased.
    pub email: String,
    /// Name shown to colleagues.
    pub name: String,
    /// Role, as stored.
    pub role: String,
    /// Who supervises this user, if anyone.
    pub supervisor: Option<i64>,
    /// Whether the user may sign in.
    #[serde(serialize_with = "as_bool")]
    pub active: i64,
}

from_row!(User {
    id,
    email,
    name,
    role,
    supervisor,
    active
});

fn as_bool<S: serde::Serializer>(v: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_bool(*v != 0)
}

impl User {
    /// The user's role (a stored role is always one of [`Role::ALL`]; the schema checks).
    pub fn role(&self) -> Role {
        Role::parse(&self.role).unwrap_or(Role::Counsellor)
    }
}

/// What a user needs to sign in: their row, clinic and password hash.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// Id.
    pub id: i64,
    /// Their clinic.
    pub clinic_id: i64,
    /// The argon2id PHC string.
    pub password_hash: String,
    /// Whether they may sign in.
    pub active: i64,
}

from_row!(Credentials {
    id,
    clinic_id,
    password_hash,
    active
});

/// A new user, as an admin (or `rapport admin create-user`) describes them.
#[derive(Debug, Clone, Deserialize)]
pub struct NewUser {
    /// Sign-in e-mail.
    pub email: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: Role,
    /// Initial password.
    pub password: String,
    /// Supervisor's user id, if any (must be a supervisor of the same clinic).
    #[serde(default)]
    pub supervisor: Option<i64>,
}

/// A user that cannot be created as asked.
#[derive(Debug, thiserror::Error)]
pub enum UserError {
    /// Not an e-mail address.
    #[error("{0:?} is not an e-mail address")]
    Email(String),
    /// Empty name.
    #[error("the name is empty; give the name colleagues know the user by")]
    Name,
    /// Too short or too long a password.
    #[error("{0}")]
    Password(String),
    /// The e-mail is taken.
    #[error("a user with the e-mail {0} already exists")]
    Taken(String),
    /// The supervisor is not a supervisor of this clinic.
    #[error("user {0} is not a supervisor in this clinic")]
    Supervisor(i64),
    /// The random source failed.
    #[error(transparent)]
    Random(#[from] secrets::RandomError),
    /// The database failed.
    #[error(transparent)]
    Db(#[from] DbError),
}

/// The columns of a [`User`], for `concat!` into queries (which must be literals).
macro_rules! user_columns {
    () => {
        "id, email, name, role, supervisor_id AS supervisor, active"
    };
}

/// The clinic named `name`, created with the default settings if there is none; its id.
pub async fn clinic_named(db: &Db, name: &str, now: i64) -> Result<i64, DbError> {
    let mut tx = db.write().await?;
    let found = run!(
        &mut tx,
        fetch_optional,
        sqlx::query_scalar::<_, i64>("SELECT id FROM clinics WHERE name = $1").bind(name)
    )?;
    let id = match found {
        Some(id) => id,
        None => {
            run!(
                &mut tx,
                fetch_one,
                sqlx::query_scalar::<_, i64>(
                    "INSERT INTO clinics (name, instruments, created_at) VALUES ($1, $2, $3) RETURNING id"
                )
                .bind(name)
                .bind(crate::clinic::DEFAULT_INSTRUMENTS)
                .bind(now)
            )?
        }
    };
    tx.commit().await?;
    Ok(id)
}

/// Creates a user in a clinic; returns it.
pub async fn create(db: &Db, clinic: i64, new: &NewUser, now: i64) -> Result<User, UserError> {
    let email = new.email.trim().to_lowercase();
    let plausible = email.len() <= 254
        && email
            .split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !email.chars().any(|c| c.is_whitespace() || c.is_control());
    if !plausible {
        return Err(UserError::Email(new.email.chars().take(80).collect()));
    }
    let name = new.name.trim();
    if name.is_empty() || name.chars().any(char::is_control) {
        return Err(UserError::Name);
    }
    secrets::check_new_password(&new.password).map_err(UserError::Password)?;
    // Hashed before the write transaction, which would otherwise hold every other
    // writer back for the hash's deliberate slowness.
    let hash = secrets::hash_password(&new.password)?;
    let mut tx = db.write().await?;
    if let Some(supervisor) = new.supervisor {
        let role = run!(
            &mut tx,
            fetch_optional,
            sqlx::query_scalar::<_, String>(
                "SELECT role FROM users WHERE id = $1 AND clinic_id = $2"
            )
            .bind(supervisor)
            .bind(clinic)
        )?;
        if role.as_deref() != Some("supervisor") {
            return Err(UserError::Supervisor(supervisor));
        }
    }
    let inserted = run!(
        &mut tx,
        fetch_one,
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO users (clinic_id, email, name, role, password_hash, supervisor_id, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id"
        )
        .bind(clinic)
        .bind(&email)
        .bind(name)
        .bind(new.role.as_str())
        .bind(&hash)
        .bind(new.supervisor)
        .bind(now)
    );
    let id = match inserted {
        Ok(id) => id,
        Err(e) if e.is_duplicate() => return Err(UserError::Taken(email)),
        Err(e) => return Err(e.into()),
    };
    tx.commit().await?;
    Ok(User {
        id,
        email,
        name: name.to_string(),
        role: new.role.as_str().to_string(),
        supervisor: new.supervisor,
        active: 1,
    })
}

/// The clinic's users, by name.
pub async fn list(db: &Db, clinic: i64) -> Result<Vec<User>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, User>(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users \
             WHERE clinic_id = $1 ORDER BY name, id"
        ))
        .bind(clinic)
    )
}

/// One user of the clinic.
pub async fn get(db: &Db, clinic: i64, id: i64) -> Result<Option<User>, DbError> {
    run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, User>(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users \
             WHERE clinic_id = $1 AND id = $2"
        ))
        .bind(clinic)
        .bind(id)
    )
}

/// The users a supervisor supervises.
pub async fn supervisees(db: &Db, supervisor: i64) -> Result<Vec<User>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, User>(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users \
             WHERE supervisor_id = $1 ORDER BY name, id"
        ))
        .bind(supervisor)
    )
}

/// A user's sign-in details, by e-mail (any case).
pub async fn credentials(db: &Db, email: &str) -> Result<Option<Credentials>, DbError> {
    run!(
        db,
        fetch_optional,
        sqlx::query_as::<_, Credentials>(
            "SELECT id, clinic_id, password_hash, active FROM users WHERE email = $1"
        )
        .bind(email.trim().to_lowercase())
    )
}

/// Sets a user's password hash.
pub async fn set_password(tx: &mut Tx, user: i64, hash: &str) -> Result<(), DbError> {
    exec!(
        tx,
        sqlx::query("UPDATE users SET password_hash = $1 WHERE id = $2")
            .bind(hash)
            .bind(user)
    )?;
    Ok(())
}

/// A user's password hash.
pub async fn password_hash(db: &Db, user: i64) -> Result<Option<String>, DbError> {
    run!(
        db,
        fetch_optional,
        sqlx::query_scalar::<_, String>("SELECT password_hash FROM users WHERE id = $1").bind(user)
    )
}

/// Sets who supervises a user (both of the clinic; checked by the caller).
pub async fn set_supervisor(
    db: &Db,
    clinic: i64,
    user: i64,
    supervisor: Option<i64>,
) -> Result<bool, DbError> {
    let changed = exec!(
        db,
        sqlx::query("UPDATE users SET supervisor_id = $1 WHERE id = $2 AND clinic_id = $3")
            .bind(supervisor)
            .bind(user)
            .bind(clinic)
    )?;
    Ok(changed == 1)
}
