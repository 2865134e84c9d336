//! Feeds arbitrary bytes to every transcript reader: none may panic, whatever the input.
//! That covers the export layouts of the text reader (Otter, Rev, Descript, Teams,
//! Google Meet), damaged cues skipped with notices, and the shared decoding of UTF-8
//! and UTF-16, which is also checked against the binary's byte normalisation.
//!
//! Run with `cargo +nightly fuzz run read_any` from the repository root. The first byte
//! picks whether a `--counselor` name is given, so both speaker paths are exercised.

#![no_main]

use libfuzzer_sys::fuzz_target;
use rapport_core::{InputFormat, ReadOptions, encoding, read_transcripts};

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
    // What the binary hands the readers decodes exactly as the raw bytes do.
    if let (Ok(text), Ok(normal)) = (
        encoding::decode_text(bytes),
        encoding::normalize(bytes.to_vec()),
    ) {
        assert_eq!(text.as_bytes(), normal.as_slice());
    }
    for format in InputFormat::ALL {
        match read_transcripts("fuzz.in", bytes, format, &options) {
            // Readers promise at least one utterance per session, and one-line notices...
            Ok(outcome) => {
                for transcript in &outcome.transcripts {
                    assert!(!transcript.utterances.is_empty());
                }
                for notice in &outcome.notices {
                    assert!(!notice.to_string().contains('\n'));
                }
            }
            // ...and one-line errors.
            Err(err) => assert!(!err.to_string().contains('\n')),
        }
    }
});
