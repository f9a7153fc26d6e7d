//! Fractional index keys: strings that sort in byte order, with a key between any two.
//!
//! Digits are `0-9A-Za-z` (base 62, ASCII order equals digit order). A key never ends in
//! `0`, so there is always room below it. Used for the `pos` of cards within a column.

const DIGITS: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const BASE: usize = 62;

fn digit_value(c: u8) -> usize {
    DIGITS.iter().position(|&d| d == c).unwrap_or(0)
}

/// A key strictly between `lo` and `hi` (`None` means the open end).
///
/// Keys not produced by this module (for example from a buggy peer) are tolerated: when
/// `lo >= hi` the result is simply after `lo`.
pub fn key_between(lo: Option<&str>, hi: Option<&str>) -> String {
    let lo = lo.unwrap_or("");
    match hi {
        Some(hi) if hi.as_bytes() > lo.as_bytes() => midpoint(lo.as_bytes(), Some(hi.as_bytes())),
        _ => midpoint(lo.as_bytes(), None),
    }
}

fn midpoint(lo: &[u8], hi: Option<&[u8]>) -> String {
    let mut out = Vec::new();
    let mut i = 0;
    // Copy the common prefix (lo padded with '0').
    if let Some(hi) = hi {
        while i < hi.len() && lo.get(i).copied().unwrap_or(b'0') == hi[i] {
            out.push(hi[i]);
            i += 1;
        }
    }
    let lo_rest = if i < lo.len() { &lo[i..] } else { &[][..] };
    let hi_rest = hi.map(|h| &h[i..]);
    let d_lo = lo_rest.first().map(|&c| digit_value(c)).unwrap_or(0);
    let d_hi = hi_rest
        .and_then(|h| h.first().map(|&c| digit_value(c)))
        .unwrap_or(BASE);
    if hi_rest.is_none() && !lo_rest.is_empty() && d_lo + 1 < BASE {
        // Appending: step by one so that long runs of appends grow keys slowly.
        out.push(DIGITS[d_lo + 1]);
    } else if d_hi > d_lo + 1 {
        out.push(DIGITS[(d_lo + d_hi) / 2]);
    } else if let Some(h) = hi_rest.filter(|h| h.len() > 1) {
        // hi's first digit alone sorts between lo and hi.
        out.push(h[0]);
    } else {
        out.push(DIGITS[d_lo]);
        let tail = if lo_rest.len() > 1 {
            &lo_rest[1..]
        } else {
            &[][..]
        };
        out.extend(midpoint(tail, None).into_bytes());
    }
    String::from_utf8(out).expect("digits are ASCII")
}

/// A key after every key in `keys`.
pub fn key_after_all<'a>(keys: impl IntoIterator<Item = &'a str>) -> String {
    let max = keys.into_iter().max();
    key_between(max, None)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_key_is_in_the_middle() {
        assert_eq!(key_between(None, None), "V");
    }

    #[test]
    fn keys_sort_between_their_bounds() {
        let cases = [
            (None, Some("U")),
            (Some("U"), None),
            (Some("U"), Some("V")),
            (Some("1"), Some("2")),
            (Some("0z"), Some("1")),
            (Some("zz"), None),
            (None, Some("01")),
            (Some("a"), Some("a1")),
        ];
        for (lo, hi) in cases {
            let k = key_between(lo, hi);
            if let Some(lo) = lo {
                assert!(k.as_str() > lo, "{k} > {lo}");
            }
            if let Some(hi) = hi {
                assert!(k.as_str() < hi, "{k} < {hi}");
            }
            assert!(!k.ends_with('0'), "{k} must not end in 0");
        }
    }

    #[test]
    fn repeated_inserts_keep_order_and_stay_short() {
        // Append 1,000 times, then insert 200 times at the front and in a fixed middle slot.
        let mut keys: Vec<String> = Vec::new();
        for _ in 0..1000 {
            let k = key_after_all(keys.iter().map(|s| s.as_str()));
            keys.push(k);
        }
        for w in keys.windows(2) {
            assert!(w[0] < w[1]);
        }
        assert!(keys.iter().all(|k| k.len() <= 40), "appending stays short");
        for _ in 0..200 {
            let k = key_between(None, Some(&keys[0]));
            keys.insert(0, k);
            let k = key_between(Some(&keys[500]), Some(&keys[501]));
            keys.insert(501, k);
        }
        for w in keys.windows(2) {
            assert!(w[0] < w[1], "{} < {}", w[0], w[1]);
        }
    }

    #[test]
    fn bad_bounds_fall_back_to_after_lo() {
        let k = key_between(Some("b"), Some("a"));
        assert!(k.as_str() > "b");
    }
}
