//! The encoder's weights as a user installs them: the published model, the checksum of
//! its weights, the files a model directory holds, the command that fetches them and
//! the environment variable that points elsewhere. [`locate`](mod@crate::locate) looks
//! for them; [`EncoderError`](crate::EncoderError) names them in its messages.

/// The environment variable that names the model directory.
pub const ENV_DIR: &str = "RAPPORT_ENCODER_DIR";

/// The model directory's path relative to the repository root.
pub const DEFAULT_RELATIVE_DIR: &str = "models/encoder/all-mpnet-base-v2";

/// The command that fetches the weights.
pub const FETCH_COMMAND: &str = "scripts/fetch-encoder.sh";

/// The published model the fetch script installs.
pub const MODEL_NAME: &str = "sentence-transformers/all-mpnet-base-v2";

/// SHA-256 of the weights file the fetch script installs (and checks).
pub const WEIGHTS_SHA256: &str = "78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658";

/// The files a model directory must hold.
pub const REQUIRED_FILES: [&str; 3] = ["model.safetensors", "config.json", "tokenizer.json"];
