//! Alliance and outcome measures. PLACEHOLDER: being written (issue 5).
