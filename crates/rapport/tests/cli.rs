//! The binary's tests, end to end through `rapport` itself, in one test binary (one link
//! and one run instead of one per file):
//! - [`analyze`]: the bundled example, every reader, the JSON contract, bad input;
//! - [`report`]: `analyze`'s output options;
//! - [`measures`]: `rapport measures`, exit codes and output;
//! - [`train`]: `rapport train` and `rapport eval`, and on the shared AnnoMI file (when
//!   present) the peer beaten and the shipped models rebuilt;
//! - [`golden`]: the README's examples byte for byte against `testdata/golden/`;
//! - [`server_browser`] and [`server_durability`] (Unix): a phone answering in headless
//!   Chromium, and `kill -9` under load losing no acknowledged answer.
//!
//! ```text
//! cargo test -p rapport --test cli            # all of them
//! cargo test -p rapport --test cli golden     # one module
//! ```

mod common;

#[path = "cli/analyze.rs"]
mod analyze;
#[path = "cli/golden.rs"]
mod golden;
#[path = "cli/measures.rs"]
mod measures;
#[path = "cli/report.rs"]
mod report;
#[cfg(unix)]
#[path = "cli/server_browser.rs"]
mod server_browser;
#[cfg(unix)]
#[path = "cli/server_durability.rs"]
mod server_durability;
#[path = "cli/train.rs"]
mod train;
