//! Feeds arbitrary bytes to every transcript reader: none may panic, whatever the input.
//!
//! Run with `cargo +nightly fuzz run read_any` from the repository root. The first byte
//! picks whether a `--counselor` name is given, so both speaker paths are exercised.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_core::{InputFormat, ReadOptions, read_transcripts};

fuzz_target!(|data: &[u8]| {
    let (options, bytes) = match data.split_first() {
        Some((flag, rest)) if flag % 2 == 1 => (
            ReadOptions {
                counselor_names: vec!["Dana".to_string()],
            },
            rest,
        ),
        _ => (ReadOptions::default(), data),
    };
    for format in InputFormat::ALL {
        match read_transcripts("fuzz.in", bytes, format, &options) {
            // Readers promise at least one utterance per session...
            Ok(outcome) => {
                for transcript in &outcome.transcripts {
                    assert!(!transcript.utterances.is_empty());
                }
            }
            // ...and one-line errors.
            Err(err) => assert!(!err.to_string().contains('\n')),
        }
    }
});
