//! Turning a file's bytes into text: the one place every input the binary reads is
//! decoded, transcripts and questionnaire answers alike.
//!
//! UTF-8 is the norm; a leading UTF-8 byte-order mark is dropped. Files that open with
//! a UTF-16 byte-order mark (little- or big-endian, as Windows tools write them) are
//! decoded to UTF-8. Anything else that is not UTF-8, such as Latin-1, stays an error
//! that says where the first bad byte is and how to fix it.

use std::borrow::Cow;

/// Bytes that are not text Rapport can read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EncodingError {
    /// Bytes that are not UTF-8 (and carry no UTF-16 byte-order mark).
    #[error("is not UTF-8 text (invalid byte at offset {offset}); save it as UTF-8 and try again")]
    NotUtf8 {
        /// Offset of the first invalid byte, from 0.
        offset: usize,
        /// The line it is on, from 1.
        line: usize,
    },
    /// A file with a UTF-16 byte-order mark whose contents are not valid UTF-16.
    #[error(
        "starts with a UTF-16 byte-order mark but is not valid UTF-16 (bad data at byte \
         offset {offset}); save it as UTF-8 and try again"
    )]
    BadUtf16 {
        /// Offset of the first bad code unit, from 0 (counting the mark).
        offset: usize,
    },
}

const UTF8_BOM: &[u8] = b"\xEF\xBB\xBF";
const UTF16_LE_BOM: &[u8] = b"\xFF\xFE";
const UTF16_BE_BOM: &[u8] = b"\xFE\xFF";

/// The text in `bytes`, without a byte-order mark; UTF-16 (with its mark) is decoded.
pub fn decode_text(bytes: &[u8]) -> Result<Cow<'_, str>, EncodingError> {
    if let Some(rest) = bytes.strip_prefix(UTF16_LE_BOM) {
        return decode_utf16(rest, u16::from_le_bytes).map(Cow::Owned);
    }
    if let Some(rest) = bytes.strip_prefix(UTF16_BE_BOM) {
        return decode_utf16(rest, u16::from_be_bytes).map(Cow::Owned);
    }
    let body = bytes.strip_prefix(UTF8_BOM).unwrap_or(bytes);
    let skipped = bytes.len() - body.len();
    match std::str::from_utf8(body) {
        Ok(text) => Ok(Cow::Borrowed(text)),
        Err(err) => {
            let offset = err.valid_up_to();
            let before = body.get(..offset).unwrap_or_default();
            let line = 1 + before.iter().filter(|&&b| b == b'\n').count();
            Err(EncodingError::NotUtf8 {
                offset: offset + skipped,
                line,
            })
        }
    }
}

/// `bytes` as UTF-8 bytes without a byte-order mark: UTF-16 with a mark is decoded, a
/// UTF-8 mark dropped, and anything else returned as it is, for the reader that gets it
/// to judge (and name the line of any invalid byte).
pub fn normalize(bytes: Vec<u8>) -> Result<Vec<u8>, EncodingError> {
    if bytes.starts_with(UTF16_LE_BOM) || bytes.starts_with(UTF16_BE_BOM) {
        return decode_text(&bytes).map(|text| text.into_owned().into_bytes());
    }
    match bytes.strip_prefix(UTF8_BOM) {
        Some(rest) => Ok(rest.to_vec()),
        None => Ok(bytes),
    }
}

fn decode_utf16(body: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, EncodingError> {
    let mut chunks = body.chunks_exact(2);
    let units = chunks.by_ref().map(|pair| {
        unit([
            pair.first().copied().unwrap_or(0),
            pair.get(1).copied().unwrap_or(0),
        ])
    });
    let mut text = String::with_capacity(body.len() / 2);
    for (index, decoded) in char::decode_utf16(units).enumerate() {
        match decoded {
            Ok(c) => text.push(c),
            Err(_) => {
                return Err(EncodingError::BadUtf16 {
                    offset: 2 + index * 2,
                });
            }
        }
    }
    if !chunks.remainder().is_empty() {
        return Err(EncodingError::BadUtf16 {
            offset: 2 + body.len() - 1,
        });
    }
    // A second mark after the first is not text either.
    Ok(text
        .strip_prefix('\u{feff}')
        .map(str::to_string)
        .unwrap_or(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16(text: &str, big_endian: bool) -> Vec<u8> {
        let mut bytes = if big_endian {
            UTF16_BE_BOM.to_vec()
        } else {
            UTF16_LE_BOM.to_vec()
        };
        for unit in text.encode_utf16() {
            let pair = if big_endian {
                unit.to_be_bytes()
            } else {
                unit.to_le_bytes()
            };
            bytes.extend(pair);
        }
        bytes
    }

    #[test]
    fn utf16_both_orders_and_utf8_bom() {
        let text = "WEBVTT\r\n\r\nDana: café ☕ 𝄞\r\n";
        assert_eq!(decode_text(&utf16(text, false)).unwrap(), text);
        assert_eq!(decode_text(&utf16(text, true)).unwrap(), text);
        let mut bom = UTF8_BOM.to_vec();
        bom.extend(text.as_bytes());
        assert_eq!(decode_text(&bom).unwrap(), text);
        assert_eq!(normalize(bom).unwrap(), text.as_bytes());
        assert_eq!(normalize(utf16(text, true)).unwrap(), text.as_bytes());
    }

    #[test]
    fn latin1_and_broken_utf16_are_errors() {
        assert_eq!(
            decode_text(b"Client: caf\xe9\n"),
            Err(EncodingError::NotUtf8 {
                offset: 11,
                line: 1
            })
        );
        // An unpaired surrogate, then an odd trailing byte.
        assert!(matches!(
            decode_text(b"\xFF\xFEa\x00\x00\xD8"),
            Err(EncodingError::BadUtf16 { .. })
        ));
        assert!(matches!(
            decode_text(b"\xFF\xFEa\x00b"),
            Err(EncodingError::BadUtf16 { offset: 4 })
        ));
        assert_eq!(normalize(b"caf\xe9".to_vec()).unwrap(), b"caf\xe9");
    }
}
