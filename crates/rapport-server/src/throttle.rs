//! Sign-in throttling, per account and per address (OWASP ASVS 5.0 V6.3.1): after
//! [`PER_ACCOUNT`] failed sign-ins for one e-mail, or [`PER_ADDRESS`] from one address,
//! within [`WINDOW`] seconds, further attempts are refused until the oldest failure
//! leaves the window. A success clears the account's failures (not the address's).
//!
//! Kept in memory: a restart forgets, which costs an attacker nothing they could not
//! get by waiting, and keeps failed attempts from becoming database writes.

use std::collections::HashMap;
use std::sync::Mutex;

/// Failed sign-ins one account may have within the window.
pub const PER_ACCOUNT: usize = 5;
/// Failed sign-ins one address may have within the window.
pub const PER_ADDRESS: usize = 20;
/// The window, in seconds.
pub const WINDOW: i64 = 15 * 60;

/// Recent failures by key (`account:EMAIL`, `address:IP`).
#[derive(Debug, Default)]
pub struct Throttle {
    failures: Mutex<HashMap<String, Vec<i64>>>,
}

impl Throttle {
    /// Seconds until `email` from `address` may try again; `None` when it may now.
    pub fn wait(&self, email: &str, address: &str, now: i64) -> Option<i64> {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        let mut wait = None;
        for (key, limit) in [
            (account(email), PER_ACCOUNT),
            (format!("address:{address}"), PER_ADDRESS),
        ] {
            if let Some(times) = failures.get_mut(&key) {
                times.retain(|t| now - t < WINDOW);
                if times.len() >= limit {
                    let oldest = times.first().copied().unwrap_or(now);
                    let seconds = (oldest + WINDOW - now).max(1);
                    wait = Some(wait.map_or(seconds, |w: i64| w.max(seconds)));
                }
            }
        }
        wait
    }

    /// Records a failed sign-in.
    pub fn failed(&self, email: &str, address: &str, now: i64) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        for key in [account(email), format!("address:{address}")] {
            failures.entry(key).or_default().push(now);
        }
        // Keep memory bounded under a flood of distinct keys.
        if failures.len() > 100_000 {
            failures.retain(|_, times| times.iter().any(|t| now - t < WINDOW));
        }
    }

    /// Records a successful sign-in.
    pub fn succeeded(&self, email: &str) {
        let mut failures = self.failures.lock().unwrap_or_else(|e| e.into_inner());
        failures.remove(&account(email));
    }
}

fn account(email: &str) -> String {
    format!("account:{}", email.trim().to_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_account_is_locked_after_five_failures_until_the_window_passes() {
        let t = Throttle::default();
        for i in 0..PER_ACCOUNT as i64 {
            assert_eq!(t.wait("a@x.org", "1.1.1.1", 100 + i), None);
            t.failed("A@x.org", &format!("10.0.0.{i}"), 100 + i);
        }
        assert_eq!(t.wait("a@x.org", "9.9.9.9", 110), Some(100 + WINDOW - 110));
        assert_eq!(t.wait("b@x.org", "9.9.9.9", 110), None);
        assert_eq!(t.wait("a@x.org", "9.9.9.9", 100 + WINDOW + 5), None);
    }

    #[test]
    fn an_address_is_limited_across_accounts_and_success_clears_the_account() {
        let t = Throttle::default();
        for i in 0..PER_ADDRESS {
            t.failed(&format!("u{i}@x.org"), "6.6.6.6", 50);
        }
        assert!(t.wait("new@x.org", "6.6.6.6", 51).is_some());
        assert!(t.wait("new@x.org", "7.7.7.7", 51).is_none());
        for _ in 0..PER_ACCOUNT {
            t.failed("c@x.org", "8.8.8.8", 60);
        }
        t.succeeded("c@x.org");
        assert!(t.wait("c@x.org", "5.5.5.5", 61).is_none());
    }
}
