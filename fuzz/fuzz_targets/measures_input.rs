//! Feeds arbitrary bytes to the measures' readers (CSV and FHIR Bundle, chosen by
//! content as `rapport measures` and the clinic server's upload do), then scores,
//! tracks and exports whatever loads: none may panic, whatever the input.
//!
//! Run with `RUSTC_BOOTSTRAP=1 cargo fuzz run measures_input` from the repository root.
//! The first byte picks the reader: CSV, FHIR, or by content; the rest is the file.

#![no_main]

use std::sync::LazyLock;

use libfuzzer_sys::fuzz_target;
use rapport_measures::{Registry, Settings, load, load_bundle, load_csv, score_all, to_bundle, track};

/// Parsed once: the built-in instrument files are the same for every input.
static REGISTRY: LazyLock<Registry> = LazyLock::new(Registry::builtin);

fuzz_target!(|data: &[u8]| {
    let registry = &*REGISTRY;
    let Some((pick, bytes)) = data.split_first() else {
        return;
    };
    let loaded = match pick % 3 {
        0 => load_csv(bytes, "fuzz.csv", registry),
        1 => load_bundle(bytes, "fuzz.json", registry),
        _ => load(bytes, "fuzz.in", registry),
    };
    match loaded {
        Ok(responses) => {
            // Whatever loads is complete and in range, so it scores.
            let settings = Settings::default();
            let scored = score_all(registry, &responses, &settings).expect("loaded responses score");
            let _ = track(registry, &scored, &settings);
            // And what is exported reads back as the same responses.
            let bundle = to_bundle(&responses, registry).to_string();
            let again = load_bundle(bundle.as_bytes(), "export.json", registry)
                .expect("an exported bundle reads back");
            assert_eq!(again, responses);
        }
        Err(err) => assert!(!err.to_string().is_empty()),
    }
});
