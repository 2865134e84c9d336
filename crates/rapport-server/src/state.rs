//! What every handler shares: the database, the instruments, the clock, the sign-in
//! and kiosk throttles, how the server is reached, the clinics' kept caseloads and the
//! transcript coding queue.

use std::sync::Arc;

use rapport_measures::Registry;

use rapport_analysis::Mode;

use crate::caseload::CaseloadCache;
use crate::clock::Clock;
use crate::coding::Coding;
use crate::db::Db;
use crate::notify::Mail;
use crate::throttle::Throttle;

/// How the server is reached, which decides cookie and address handling.
#[derive(Debug, Clone, Default)]
pub struct Exposure {
    /// Send cookies with `Secure` (everywhere but loopback, where browsers talk plain
    /// HTTP to a local server).
    pub secure_cookies: bool,
    /// Read the client's address from `X-Forwarded-For` (only behind a reverse proxy you
    /// run, which sets it; otherwise anyone could claim any address).
    pub trust_forwarded: bool,
    /// The public base URL for links shown as QR codes (`https://rapport.clinic.org`);
    /// without it, pages show the path only.
    pub public_url: Option<String>,
}

/// The shared state, cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

/// What the state holds.
pub struct Inner {
    /// The database.
    pub db: Db,
    /// The instruments clients answer.
    pub registry: Registry,
    /// The clock.
    pub clock: Clock,
    /// Failed sign-ins.
    pub throttle: Throttle,
    /// Wrong kiosk codes, per address.
    pub kiosk_throttle: Throttle,
    /// How the server is reached.
    pub exposure: Exposure,
    /// Each clinic's scored caseload, kept between requests.
    pub caseloads: CaseloadCache,
    /// The coder of uploaded transcripts and its queue's signals.
    pub coding: Coding,
    /// E-mail notifications, where the clinic configured an SMTP server.
    pub mail: Option<Mail>,
}

impl std::ops::Deref for AppState {
    type Target = Inner;
    fn deref(&self) -> &Inner {
        &self.0
    }
}

impl AppState {
    /// State over an open database, coding transcripts with the default model.
    pub fn new(db: Db, clock: Clock, exposure: Exposure) -> AppState {
        AppState::coding_with(db, clock, exposure, Mode::Default)
    }

    /// State over an open database, coding transcripts with the shipped model of `mode`.
    pub fn coding_with(db: Db, clock: Clock, exposure: Exposure, mode: Mode) -> AppState {
        AppState::with_mail(db, clock, exposure, mode, None)
    }

    /// State over an open database, coding with `mode`, mailing notifications through
    /// `mail` where given.
    pub fn with_mail(
        db: Db,
        clock: Clock,
        exposure: Exposure,
        mode: Mode,
        mail: Option<Mail>,
    ) -> AppState {
        AppState(Arc::new(Inner {
            db,
            registry: Registry::builtin(),
            clock,
            throttle: Throttle::default(),
            kiosk_throttle: Throttle::default(),
            exposure,
            caseloads: CaseloadCache::default(),
            coding: Coding::new(mode),
            mail,
        }))
    }
}
