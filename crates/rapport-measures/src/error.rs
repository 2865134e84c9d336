//! Error types. Every message names the input, the place and the way out.

use std::fmt;

/// How many problems an [`InputError`] lists before it only counts the rest.
pub const MAX_PROBLEMS: usize = 20;

/// An instrument file that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct InstrumentError {
    /// The file (or built-in name) it came from.
    pub file: String,
    /// What is wrong and what to do.
    pub message: String,
}

/// Where in an input file a problem lies.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Location {
    /// A CSV cell or row: 1-based line, and 1-based column with its header name when
    /// the problem is one cell.
    Csv {
        /// 1-based line number in the file.
        line: u64,
        /// 1-based column number and the column's name.
        column: Option<(usize, String)>,
    },
    /// A JSON position: 1-based line and column, as the JSON parser reports them.
    JsonText {
        /// 1-based line.
        line: usize,
        /// 1-based column.
        column: usize,
    },
    /// A path inside a FHIR Bundle (`entry[3].resource.item[1]`).
    JsonPath(String),
    /// The file as a whole.
    File,
}

/// One bad row or cell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    /// Where.
    pub location: Location,
    /// What is wrong; what to do.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.location {
            Location::Csv {
                line,
                column: Some((col, name)),
            } => write!(f, "{line}:{col}: column {name}: {}", self.message),
            Location::Csv { line, column: None } => write!(f, "{line}: {}", self.message),
            Location::JsonText { line, column } => write!(f, "{line}:{column}: {}", self.message),
            Location::JsonPath(path) => write!(f, "{path}: {}", self.message),
            Location::File => write!(f, "{}", self.message),
        }
    }
}

/// Input that cannot be scored: every bad row found (up to [`MAX_PROBLEMS`]), each as
/// `file:line:column: what is wrong; what to do`. Nothing is output when this is returned.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// The file, as the user named it.
    pub file: String,
    /// The problems, in file order, at most [`MAX_PROBLEMS`].
    pub problems: Vec<Problem>,
    /// How many more problems were found but not listed.
    pub more: usize,
}

impl InputError {
    /// An error with one problem about the whole file.
    pub fn whole_file(file: &str, message: impl Into<String>) -> Self {
        InputError {
            file: file.to_string(),
            problems: vec![Problem {
                location: Location::File,
                message: message.into(),
            }],
            more: 0,
        }
    }
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let total = self.problems.len() + self.more;
        let noun = if total == 1 { "problem" } else { "problems" };
        write!(
            f,
            "{}: {total} {noun} in the input; nothing was output",
            self.file
        )?;
        for problem in &self.problems {
            write!(f, "\n  {}:{problem}", self.file)?;
        }
        if self.more > 0 {
            write!(
                f,
                "\n  ... and {} more (fix these and run again)",
                self.more
            )?;
        }
        Ok(())
    }
}

/// Collects problems, keeping the first [`MAX_PROBLEMS`] and counting the rest.
#[derive(Debug, Default)]
pub(crate) struct Problems {
    list: Vec<Problem>,
    more: usize,
}

impl Problems {
    pub(crate) fn push(&mut self, location: Location, message: impl Into<String>) {
        if self.list.len() < MAX_PROBLEMS {
            self.list.push(Problem {
                location,
                message: message.into(),
            });
        } else {
            self.more += 1;
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.list.is_empty()
    }

    pub(crate) fn into_result<T>(self, file: &str, value: T) -> Result<T, InputError> {
        if self.list.is_empty() {
            Ok(value)
        } else {
            Err(InputError {
                file: file.to_string(),
                problems: self.list,
                more: self.more,
            })
        }
    }
}
