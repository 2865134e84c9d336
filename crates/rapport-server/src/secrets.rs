//! Secrets the server makes and checks: passwords (argon2id), random tokens for
//! sessions, CSRF and client links (stored only as SHA-256 hashes), and kiosk codes.

use argon2::Argon2;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};

/// The shortest password accepted (OWASP ASVS 5.0 V6.2.1: at least 8, 15 recommended
/// for passwords without other factors).
pub const MIN_PASSWORD_CHARS: usize = 12;
/// The longest (argon2 hashes any length; this bounds the work a request can ask for).
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The operating system's random source failed: nothing safe can be made without it.
#[derive(Debug, thiserror::Error)]
#[error("the system's random number source failed: {0}")]
pub struct RandomError(String);

/// A random 64-bit number from the operating system's source.
pub fn random_u64() -> Result<u64, RandomError> {
    let mut bytes = [0u8; 8];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(u64::from_le_bytes(bytes))
}

/// Hashes a password with argon2id (default parameters, random salt) into a PHC string.
pub fn hash_password(password: &str) -> Result<String, RandomError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|hash| hash.to_string())
        .map_err(|e| RandomError(e.to_string()))
}

/// Whether `password` matches a PHC string made by [`hash_password`].
pub fn verify_password(password: &str, hash: &str) -> bool {
    PasswordHash::new(hash).is_ok_and(|parsed| {
        Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok()
    })
}

/// Checks a new password's length; the message says what is needed.
pub fn check_new_password(password: &str) -> Result<(), String> {
    let chars = password.chars().count();
    if chars < MIN_PASSWORD_CHARS {
        return Err(format!(
            "the password needs at least {MIN_PASSWORD_CHARS} characters; a phrase of several words is easiest to remember"
        ));
    }
    if chars > MAX_PASSWORD_CHARS {
        return Err(format!(
            "the password may have at most {MAX_PASSWORD_CHARS} characters"
        ));
    }
    Ok(())
}

/// 32 random bytes, URL-safe base64 (43 characters): a session id, CSRF token or link
/// token.
pub fn token() -> Result<String, RandomError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
    Ok(URL_SAFE_NO_PAD.encode(bytes))
}

/// The SHA-256 of a token, hex: what the database keeps instead of the token, so a
/// stolen database opens no session and no link.
pub fn hash_token(token: &str) -> String {
    let digest = Sha256::digest(token.as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

/// A six-digit kiosk code, uniformly drawn.
pub fn kiosk_code() -> Result<String, RandomError> {
    loop {
        let mut bytes = [0u8; 4];
        getrandom::fill(&mut bytes).map_err(|e| RandomError(e.to_string()))?;
        let n = u32::from_le_bytes(bytes);
        // Reject the top sliver so every code is equally likely.
        if n < u32::MAX - u32::MAX % 1_000_000 {
            return Ok(format!("{:06}", n % 1_000_000));
        }
    }
}

/// Compares two secrets in time that does not depend on where they first differ.
pub fn same_secret(a: &str, b: &str) -> bool {
    let (a, b) = (a.as_bytes(), b.as_bytes());
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_verify_only_themselves() {
        let hash = hash_password("correct horse battery").unwrap();
        assert!(hash.starts_with("$argon2id$"));
        assert!(verify_password("correct horse battery", &hash));
        assert!(!verify_password("correct horse batterY", &hash));
        assert!(!verify_password("correct horse battery", "not a hash"));
    }

    #[test]
    fn new_passwords_need_twelve_characters() {
        assert!(check_new_password("eleven char").is_err());
        assert!(check_new_password("twelve chars").is_ok());
        assert!(check_new_password(&"x".repeat(257)).is_err());
    }

    #[test]
    fn tokens_are_long_random_and_hashed() {
        let (a, b) = (token().unwrap(), token().unwrap());
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert_eq!(hash_token(&a).len(), 64);
        assert_eq!(hash_token(&a), hash_token(&a));
        assert_ne!(hash_token(&a), hash_token(&b));
        assert!(same_secret(&a, &a.clone()));
        assert!(!same_secret(&a, &b));
        assert!(!same_secret("ab", "abc"));
    }

    #[test]
    fn kiosk_codes_have_six_digits() {
        for _ in 0..100 {
            let code = kiosk_code().unwrap();
            assert_eq!(code.len(), 6);
            assert!(code.bytes().all(|b| b.is_ascii_digit()));
        }
    }
}
