//! Reading an input file or standard input, and writing one output to a file or
//! standard output: the one place the binary touches the files a user names.

use std::io::{Read, Write};
use std::path::Path;

use anyhow::{Context, Result};

use crate::exit::BadInput;

/// An input's bytes and the name it was given (`-` for standard input).
pub struct Input {
    /// The path as the user wrote it, or `-`.
    pub source: String,
    /// Its contents.
    pub bytes: Vec<u8>,
}

impl Input {
    /// The name messages use: the path, or `<stdin>`.
    pub fn label(&self) -> &str {
        if self.source == "-" {
            "<stdin>"
        } else {
            &self.source
        }
    }
}

/// Reads `path`, or standard input for `-`. A missing or unreadable file is the
/// user's to fix (exit 2); a failing standard input is not.
///
/// Every input passes through [`rapport_core::encoding::normalize`] here, so that
/// transcripts, answer files and instrument files alike may be UTF-16 with a byte-order
/// mark (as Windows tools write them) or carry a UTF-8 mark.
pub fn read_input(path: &Path) -> Result<Input> {
    let source = path.display().to_string();
    let bytes = if source == "-" {
        let mut bytes = Vec::new();
        std::io::stdin()
            .read_to_end(&mut bytes)
            .context("reading standard input")?;
        bytes
    } else {
        std::fs::read(path).map_err(|err| match err.kind() {
            std::io::ErrorKind::NotFound => BadInput(format!("{source}: no such file")),
            _ => BadInput(format!("{source}: cannot read it ({err})")),
        })?
    };
    let name: &str = if source == "-" {
        "<stdin>"
    } else {
        source.as_str()
    };
    let bytes = rapport_core::encoding::normalize(bytes)
        .map_err(|err| BadInput(format!("{name}: {err}")))?;
    Ok(Input { source, bytes })
}

/// Writes `text` to `path`, or to standard output when there is none.
pub fn write_output(path: Option<&Path>, text: &str) -> Result<()> {
    match path {
        Some(path) => write_file(path, text),
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes to `path`, or to standard output when there is none, through a buffer, with
/// `write` producing the bytes as it goes (for outputs too large to build whole).
pub fn write_output_with(
    path: Option<&Path>,
    write: impl FnOnce(&mut dyn Write) -> std::io::Result<()>,
) -> Result<()> {
    match path {
        Some(path) => {
            let file = std::fs::File::create(path)
                .with_context(|| format!("writing {}", path.display()))?;
            let mut out = std::io::BufWriter::new(file);
            write(&mut out).with_context(|| format!("writing {}", path.display()))?;
            out.flush()
                .with_context(|| format!("writing {}", path.display()))?;
            Ok(())
        }
        None => {
            let mut out = std::io::BufWriter::new(std::io::stdout().lock());
            write(&mut out)?;
            out.flush()?;
            Ok(())
        }
    }
}

/// Writes `text` to `path`.
pub fn write_file(path: &Path, text: &str) -> Result<()> {
    std::fs::write(path, text).with_context(|| format!("writing {}", path.display()))
}
