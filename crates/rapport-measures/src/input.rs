//! Reading responses whatever the file: CSV or a FHIR Bundle, chosen by content.

use crate::error::InputError;
use crate::instrument::Registry;
use crate::response::Response;

pub use crate::response::Loaded;

/// Reads responses from CSV or a FHIR Bundle, chosen by the first character that is not
/// white space (`{` means JSON). `file` names the input in errors.
pub fn load(data: &[u8], file: &str, registry: &Registry) -> Result<Vec<Response>, InputError> {
    load_with_notices(data, file, registry).map(|l| l.responses)
}

/// As [`load`], with the notices the reader has for the user.
pub fn load_with_notices(
    data: &[u8],
    file: &str,
    registry: &Registry,
) -> Result<Loaded, InputError> {
    let start = data
        .strip_prefix(b"\xEF\xBB\xBF".as_slice())
        .unwrap_or(data)
        .iter()
        .find(|b| !b.is_ascii_whitespace());
    if start == Some(&b'{') {
        crate::fhir::load_bundle_with_notices(data, file, registry)
    } else {
        crate::csv::load_csv(data, file, registry).map(|responses| Loaded {
            responses,
            notices: Vec::new(),
        })
    }
}
