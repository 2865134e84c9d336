//! SubRip (SRT): numbered cues with `hh:mm:ss,mmm --> hh:mm:ss,mmm` timings, speakers
//! written as in WebVTT (`Name: text` or `<v Name>`), possibly inside formatting tags
//! (`<i>`, `<font ...>`) and with subtitle-editor codes (`{\an8}`, `\N`, `\h`), which
//! are dropped. Cues are read by [`super::cues`].

use super::cues::{self, CueFormat};
use super::notice::Notice;
use super::{ReadError, ReadOptions, Source, numbered_lines, single_session};
use crate::transcript::Transcript;

/// Reads the one session in an SRT file.
pub(crate) fn read(
    src: &Source<'_>,
    text: &str,
    options: &ReadOptions,
    notices: &mut Vec<Notice>,
) -> Result<Vec<Transcript>, ReadError> {
    let turns = cues::read_turns(
        src,
        CueFormat::Srt,
        cues::blocks(numbered_lines(text)),
        notices,
    )?;
    single_session(src, turns, options, notices)
}
