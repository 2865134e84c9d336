//! Comments on a counselling session: a supervisor's note on a trainee's session (and
//! the trainee's reply), shown on the session's page to both. Comments are kept as
//! written; the audit log records who commented on which client, never the text.

use serde::Serialize;

use crate::db::{Db, DbError, from_row, run};

/// The longest comment, in characters.
pub const MAX_CHARS: usize = 4000;

/// One comment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Comment {
    /// Id.
    pub id: i64,
    /// The author's user id.
    pub author_id: i64,
    /// The author's name.
    pub author: String,
    /// The text.
    pub body: String,
    /// When (seconds since the epoch).
    pub created_at: i64,
}

from_row!(Comment {
    id,
    author_id,
    author,
    body,
    created_at
});

/// Checks a comment's text: trimmed, not empty, not too long.
pub fn check(body: &str) -> Result<&str, String> {
    let body = body.trim();
    if body.is_empty() {
        return Err("write the comment first".into());
    }
    if body.chars().count() > MAX_CHARS {
        return Err(format!(
            "a comment is at most {MAX_CHARS} characters; split it in two"
        ));
    }
    Ok(body)
}

/// Adds a comment to a client's session; its id.
pub async fn add(
    db: &Db,
    client: i64,
    session: u32,
    author: i64,
    body: &str,
    now: i64,
) -> Result<i64, DbError> {
    let mut tx = db.write().await?;
    let id = run!(
        &mut tx,
        fetch_one,
        sqlx::query_scalar::<_, i64>(
            "INSERT INTO comments (client_id, session_number, author_id, body, created_at) \
             VALUES ($1, $2, $3, $4, $5) RETURNING id"
        )
        .bind(client)
        .bind(i64::from(session))
        .bind(author)
        .bind(body)
        .bind(now)
    )?;
    tx.commit().await?;
    Ok(id)
}

/// A session's comments, oldest first.
pub async fn of_session(db: &Db, client: i64, session: u32) -> Result<Vec<Comment>, DbError> {
    run!(
        db,
        fetch_all,
        sqlx::query_as::<_, Comment>(
            "SELECT k.id, k.author_id, u.name AS author, k.body, k.created_at \
             FROM comments k JOIN users u ON u.id = k.author_id \
             WHERE k.client_id = $1 AND k.session_number = $2 ORDER BY k.created_at, k.id"
        )
        .bind(client)
        .bind(i64::from(session))
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_comment_is_trimmed_and_bounded() {
        assert_eq!(check("  Good reflections.  "), Ok("Good reflections."));
        assert!(check("   ").is_err());
        assert!(check(&"x".repeat(MAX_CHARS)).is_ok());
        assert!(check(&"x".repeat(MAX_CHARS + 1)).is_err());
    }
}
