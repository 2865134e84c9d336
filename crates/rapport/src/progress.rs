//! Progress bars on a terminal, silence in pipes (indicatif hides itself when stderr is
//! not a terminal): the analysis library's [`Progress`] shown with indicatif.

use std::sync::Mutex;

use indicatif::{ProgressBar, ProgressStyle};
use rapport_analysis::{Progress, Stage};

/// A bar of `len` steps.
pub fn bar(len: u64, message: &'static str) -> ProgressBar {
    let bar = ProgressBar::new(len).with_message(message);
    if let Ok(style) = ProgressStyle::with_template("{msg} [{bar:30}] {pos}/{len} {elapsed}") {
        bar.set_style(style.progress_chars("=> "));
    }
    bar
}

/// A spinner for work of unknown length.
pub fn spinner(message: &'static str) -> ProgressBar {
    let spinner = ProgressBar::new_spinner().with_message(message);
    spinner.enable_steady_tick(std::time::Duration::from_millis(120));
    spinner
}

/// One bar (or spinner) per stage of the library's work, one stage at a time.
#[derive(Default)]
pub struct Bars {
    current: Mutex<Option<ProgressBar>>,
}

impl Bars {
    fn with(&self, f: impl FnOnce(&mut Option<ProgressBar>)) {
        // A poisoned lock only means another thread panicked while drawing.
        let mut current = self.current.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut current);
    }
}

impl Progress for Bars {
    fn start(&self, stage: Stage, steps: Option<u64>) {
        let next = match steps {
            Some(n) => bar(n, stage.describe()),
            None => spinner(stage.describe()),
        };
        self.with(|current| {
            if let Some(previous) = current.replace(next) {
                previous.finish_and_clear();
            }
        });
    }

    fn advance(&self, steps: u64) {
        self.with(|current| {
            if let Some(bar) = current {
                bar.inc(steps);
            }
        });
    }

    fn finish(&self) {
        self.with(|current| {
            if let Some(bar) = current.take() {
                bar.finish_and_clear();
            }
        });
    }
}
