//! The embedding cache shared by the examples: `NAME.f32` holds every utterance's
//! vector, f32 little-endian, row after row in corpus order; `NAME.json` says which
//! corpus, model and sessions they belong to.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

/// Where the examples read and write the cache unless told otherwise.
pub const DEFAULT_CACHE: &str = "/tmp/rapport-annomi-minilm";

/// The AnnoMI file the examples read unless told otherwise.
#[allow(dead_code)]
pub const DEFAULT_DATA: &str = "/work/shared/data/annomi/annomi-dev.csv";

/// The cache's JSON index.
#[derive(Debug, Serialize, Deserialize)]
pub struct Index {
    /// The corpus file embedded.
    pub source: String,
    /// The encoder's directory.
    pub model_dir: String,
    /// Vector length.
    pub dim: usize,
    /// The encoder layers each vector stacks, in order (empty in caches written before
    /// layers could be chosen: the last layer, 6).
    #[serde(default)]
    pub layers: Vec<usize>,
    /// Utterances (rows of the `.f32` file).
    pub count: usize,
    /// Sessions in corpus order, each with its number of utterances.
    pub sessions: Vec<(String, usize)>,
    /// Texts per forward pass at most.
    pub batch_size: usize,
    /// Seconds spent embedding (tokenising included, loading excluded).
    pub seconds: f64,
}

/// The two file names of a cache.
pub fn paths(stem: &str) -> (PathBuf, PathBuf) {
    (
        PathBuf::from(format!("{stem}.f32")),
        PathBuf::from(format!("{stem}.json")),
    )
}

/// Writes vectors and index.
#[allow(dead_code)]
pub fn write(stem: &str, index: &Index, vectors: &[Vec<f32>]) -> std::io::Result<()> {
    let (data, json) = paths(stem);
    let mut bytes = Vec::with_capacity(vectors.len() * index.dim * 4);
    for v in vectors {
        for x in v {
            bytes.extend_from_slice(&x.to_le_bytes());
        }
    }
    std::fs::write(data, bytes)?;
    std::fs::write(json, serde_json::to_vec_pretty(index)?)
}

/// Reads vectors and index back.
#[allow(dead_code)]
pub fn read(stem: &str) -> Result<(Index, Vec<Vec<f32>>), String> {
    let (data, json) = paths(stem);
    let index: Index = serde_json::from_slice(&read_file(&json)?)
        .map_err(|e| format!("{}: {e}", json.display()))?;
    let bytes = read_file(&data)?;
    if bytes.len() != index.count * index.dim * 4 {
        return Err(format!(
            "{}: {} bytes, expected {} x {} f32",
            data.display(),
            bytes.len(),
            index.count,
            index.dim
        ));
    }
    let vectors = bytes
        .chunks_exact(index.dim * 4)
        .map(|row| {
            row.chunks_exact(4)
                .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
                .collect()
        })
        .collect();
    Ok((index, vectors))
}

fn read_file(path: &Path) -> Result<Vec<u8>, String> {
    std::fs::read(path).map_err(|e| {
        format!(
            "{}: {e} (run `cargo run --release --manifest-path tools/research/probes/Cargo.toml --bin embed_annomi` first)",
            path.display()
        )
    })
}

/// Peak resident memory of this process in MiB (Linux; `None` elsewhere).
#[allow(dead_code)]
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib / 1024.0)
}
