//! Whose fault an error is, so that no caller has to guess: the input's (the command
//! line exits 2, the server answers 4xx) or ours (exit 1, HTTP 5xx).

/// Whose fault an error is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// What the caller supplied (a file, an option, a request body) is wrong; they can
    /// fix it.
    Input,
    /// Something on our side failed (a missing model file, a disk, a bug).
    Internal,
}
