//! Time as the server reads it: seconds since 1970-01-01 UTC, from the system clock or,
//! in tests, from a clock the test moves (so expiry and time-outs are tested without
//! waiting).

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, NaiveDate};

/// Seconds since the epoch, now.
pub fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// The server's clock.
#[derive(Debug, Clone, Default)]
pub struct Clock {
    fixed: Option<Arc<AtomicI64>>,
}

impl Clock {
    /// The system clock.
    pub fn system() -> Clock {
        Clock { fixed: None }
    }

    /// A clock that stands at `at` until moved.
    pub fn fixed(at: i64) -> Clock {
        Clock {
            fixed: Some(Arc::new(AtomicI64::new(at))),
        }
    }

    /// Moves a fixed clock forward; the system clock cannot be moved.
    pub fn advance(&self, seconds: i64) {
        if let Some(at) = &self.fixed {
            at.fetch_add(seconds, Ordering::SeqCst);
        }
    }

    /// Seconds since the epoch.
    pub fn now(&self) -> i64 {
        match &self.fixed {
            Some(at) => at.load(Ordering::SeqCst),
            None => now(),
        }
    }

    /// Today's date in UTC.
    pub fn today(&self) -> NaiveDate {
        date_of(self.now())
    }
}

/// The UTC date of a time.
pub fn date_of(seconds: i64) -> NaiveDate {
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .date_naive()
}

/// A time as an ISO 8601 UTC string (`2026-12-02T10:15:00Z`), for JSON and pages.
pub fn iso(seconds: i64) -> String {
    DateTime::from_timestamp(seconds, 0)
        .unwrap_or_default()
        .format("%Y-%m-%dT%H:%M:%SZ")
        .to_string()
}
