//! Encryption of access-key secrets at rest: AES-256-GCM under the master
//! key, a fresh 96-bit nonce per secret, and the access key id as associated
//! data so a ciphertext cannot be moved to another key's row.

use aes_gcm::aead::{Aead, KeyInit, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use dynastore_common::Secret;
use rand::RngCore;
use zeroize::Zeroizing;

/// The master key; zeroized on drop, never printed.
#[derive(Clone)]
pub struct MasterKey(Zeroizing<[u8; 32]>);

impl std::fmt::Debug for MasterKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("MasterKey([redacted])")
    }
}

/// A sealed secret as stored.
#[derive(Debug, Clone)]
pub struct Sealed {
    pub nonce: Vec<u8>,
    pub ciphertext: Vec<u8>,
}

/// Decryption failed: wrong master key or tampered row.
#[derive(Debug, thiserror::Error)]
#[error("cannot decrypt the secret of access key {0}: wrong master key or corrupted row")]
pub struct DecryptError(pub String);

impl MasterKey {
    /// Exactly 32 bytes, else `None`.
    pub fn from_bytes(bytes: &[u8]) -> Option<MasterKey> {
        let arr: [u8; 32] = bytes.try_into().ok()?;
        Some(MasterKey(Zeroizing::new(arr)))
    }

    fn cipher(&self) -> Aes256Gcm {
        Aes256Gcm::new(self.0.as_ref().into())
    }

    /// Encrypts `secret`, binding it to `key_id`.
    pub fn seal(&self, key_id: &str, secret: &Secret) -> Sealed {
        let mut nonce = [0u8; 12];
        rand::thread_rng().fill_bytes(&mut nonce);
        let ciphertext = self
            .cipher()
            .encrypt(
                Nonce::from_slice(&nonce),
                Payload {
                    msg: secret.expose().as_bytes(),
                    aad: key_id.as_bytes(),
                },
            )
            .expect("AES-GCM encryption of a short message cannot fail");
        Sealed {
            nonce: nonce.to_vec(),
            ciphertext,
        }
    }

    /// Decrypts a stored secret.
    pub fn open(&self, key_id: &str, sealed: &Sealed) -> Result<Secret, DecryptError> {
        let err = || DecryptError(key_id.to_owned());
        if sealed.nonce.len() != 12 {
            return Err(err());
        }
        let plain = Zeroizing::new(
            self.cipher()
                .decrypt(
                    Nonce::from_slice(&sealed.nonce),
                    Payload {
                        msg: &sealed.ciphertext,
                        aad: key_id.as_bytes(),
                    },
                )
                .map_err(|_| err())?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| err())?;
        Ok(Secret::new(text))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_binding() {
        let key = MasterKey::from_bytes(&[7u8; 32]).unwrap();
        let secret = Secret::new("wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY");
        let sealed = key.seal("AKIA1", &secret);
        assert_ne!(sealed.ciphertext, secret.expose().as_bytes());
        assert_eq!(key.open("AKIA1", &sealed).unwrap(), secret);
        assert!(key.open("AKIA2", &sealed).is_err(), "bound to its key id");
        let other = MasterKey::from_bytes(&[8u8; 32]).unwrap();
        assert!(other.open("AKIA1", &sealed).is_err(), "wrong master key");
        assert!(MasterKey::from_bytes(&[0u8; 31]).is_none());
    }
}
