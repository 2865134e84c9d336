//! Renderers of coded sessions. PLACEHOLDER: being written (issue 4).

pub mod text;
