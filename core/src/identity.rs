//! Who wrote what, without a name: the pseudonym a person's seat gives them in one
//! workshop.
//!
//! A seat is a random secret the person's browser (or script) makes once and keeps; it is
//! sent only to the server, with the websocket (`seat=`). The server binds the
//! connection to `pseudonym(workshop, seat)` and accepts cards and votes only under that
//! pseudonym, so nobody can write as someone else without their seat. The same seat gives
//! unrelated pseudonyms in different workshops, and a pseudonym does not reveal its seat
//! (SHA-256 preimage resistance). The client computes its own pseudonym with the same
//! function, so joining needs no extra round trip.

use sha2::{Digest, Sha256};

/// Shortest and longest seat accepted, in characters.
pub const SEAT_LEN: std::ops::RangeInclusive<usize> = 22..=128;

/// Why a seat is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("a seat is 22 to 128 letters, digits, '-' or '_' (a random secret the client keeps)")]
pub struct BadSeat;

/// Check that `seat` looks like a random secret (long enough to be unguessable, and
/// URL-safe).
pub fn check_seat(seat: &str) -> Result<(), BadSeat> {
    let ok = SEAT_LEN.contains(&seat.len())
        && seat
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    ok.then_some(()).ok_or(BadSeat)
}

/// The pseudonym `seat` gives its holder in `workshop`: `p-` and 20 hex digits.
pub fn pseudonym(workshop: &str, seat: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"cocreate pseudonym v1\0");
    h.update(workshop.as_bytes());
    h.update(b"\0");
    h.update(seat.as_bytes());
    let digest = h.finalize();
    let mut out = String::with_capacity(22);
    out.push_str("p-");
    for b in &digest[..10] {
        out.push_str(&format!("{b:02x}"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pseudonyms_are_stable_per_workshop_and_unlinkable_across_them() {
        let seat = "abcdefghijklmnopqrstuvwxyz012345";
        assert_eq!(pseudonym("w1", seat), pseudonym("w1", seat));
        assert_ne!(pseudonym("w1", seat), pseudonym("w2", seat));
        assert_ne!(
            pseudonym("w1", seat),
            pseudonym("w1", "another-seat-of-22-chars")
        );
        assert_eq!(pseudonym("w1", seat).len(), 22);
        // The known answer (from Python's hashlib), which any client can reproduce.
        assert_eq!(pseudonym("w", &"s".repeat(22)), "p-939758576faeda4754a1");
    }

    #[test]
    fn seats_must_be_long_url_safe_secrets() {
        assert!(check_seat(&"a".repeat(22)).is_ok());
        assert!(check_seat(&"a".repeat(21)).is_err());
        assert!(check_seat(&"a".repeat(129)).is_err());
        assert!(check_seat("aaaaaaaaaaaaaaaaaaaaa/").is_err());
        assert!(check_seat(&format!("{}é", "a".repeat(22))).is_err());
    }
}
