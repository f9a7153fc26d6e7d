//! Turning a whole-field edit into one splice, in UTF-16 code units.
//!
//! A textarea reports its new value, not the keystroke. The smallest splice that turns the
//! old value into the new one (common prefix and suffix removed) is what we apply to the
//! shared Y.Text, so concurrent typing elsewhere in the same card is kept.

/// Replace `delete` UTF-16 units at `index` with `insert`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Splice {
    pub index: u32,
    pub delete: u32,
    pub insert: String,
}

/// The splice turning `old` into `new`, or `None` when they are equal.
///
/// `caret` (UTF-16, the caret after the edit) breaks ties when the edit is ambiguous, e.g.
/// typing "a" into "aa": the inserted unit is placed just before the caret.
pub fn splice(old: &str, new: &str, caret: Option<u32>) -> Option<Splice> {
    if old == new {
        return None;
    }
    let a: Vec<char> = old.chars().collect();
    let b: Vec<char> = new.chars().collect();
    let mut prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let max_suffix = a.len().min(b.len()) - prefix;
    let mut suffix = a
        .iter()
        .rev()
        .zip(b.iter().rev())
        .take(max_suffix)
        .take_while(|(x, y)| x == y)
        .count();
    // Ambiguity: shift the change left so it ends at the caret when possible.
    if let Some(caret) = caret {
        let caret_chars = utf16_to_char_index(new, caret);
        while prefix > 0 && prefix + (b.len() - prefix - suffix) > caret_chars {
            let changed_b = b.len() - prefix - suffix;
            let changed_a = a.len() - prefix - suffix;
            // Only shift pure insertions or deletions whose runs rotate cleanly.
            if changed_a != 0 && changed_b != 0 {
                break;
            }
            let (run, len) = if changed_b > 0 {
                (&b, changed_b)
            } else {
                (&a, changed_a)
            };
            if run[prefix - 1] != run[prefix - 1 + len] {
                break;
            }
            prefix -= 1;
            suffix += 1;
        }
    }
    let index = utf16_len(&a[..prefix]);
    let delete = utf16_len(&a[prefix..a.len() - suffix]);
    let insert: String = b[prefix..b.len() - suffix].iter().collect();
    Some(Splice {
        index,
        delete,
        insert,
    })
}

fn utf16_len(chars: &[char]) -> u32 {
    chars.iter().map(|c| c.len_utf16() as u32).sum()
}

/// The char index at a UTF-16 offset (clamped to the string's end).
pub fn utf16_to_char_index(s: &str, utf16: u32) -> usize {
    let mut units = 0u32;
    for (i, c) in s.chars().enumerate() {
        if units >= utf16 {
            return i;
        }
        units += c.len_utf16() as u32;
    }
    s.chars().count()
}

/// Apply a splice to a plain string (for tests and for the browser's local echo).
pub fn apply(s: &str, sp: &Splice) -> String {
    let units: Vec<u16> = s.encode_utf16().collect();
    let start = (sp.index as usize).min(units.len());
    let end = (start + sp.delete as usize).min(units.len());
    let mut out = String::from_utf16_lossy(&units[..start]);
    out.push_str(&sp.insert);
    out.push_str(&String::from_utf16_lossy(&units[end..]));
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(old: &str, new: &str, caret: Option<u32>) -> Splice {
        let sp = splice(old, new, caret).expect("a change");
        assert_eq!(
            apply(old, &sp),
            new,
            "splice {sp:?} turns {old:?} into {new:?}"
        );
        sp
    }

    #[test]
    fn equal_strings_need_no_splice() {
        assert_eq!(splice("abc", "abc", None), None);
    }

    #[test]
    fn typing_in_the_middle_is_one_insert() {
        let sp = check("hello world", "hello, world", Some(6));
        assert_eq!((sp.index, sp.delete, sp.insert.as_str()), (5, 0, ","));
    }

    #[test]
    fn deleting_and_replacing() {
        let sp = check("hello world", "hello", None);
        assert_eq!((sp.index, sp.delete), (5, 6));
        let sp = check("cat", "cut", None);
        assert_eq!((sp.index, sp.delete, sp.insert.as_str()), (1, 1, "u"));
    }

    #[test]
    fn caret_places_ambiguous_inserts() {
        // Typing "a" at the start of "aa" gives "aaa": without the caret we'd say index 2.
        let sp = check("aa", "aaa", Some(1));
        assert_eq!(sp.index, 0);
        let sp = check("aa", "aaa", None);
        assert_eq!(sp.index, 2);
    }

    #[test]
    fn offsets_are_utf16_units() {
        // An emoji is two UTF-16 units; Yjs and textareas count that way.
        let sp = check("😀b", "😀ab", Some(3));
        assert_eq!((sp.index, sp.delete, sp.insert.as_str()), (2, 0, "a"));
        let sp = check("ü😀", "ü", None);
        assert_eq!((sp.index, sp.delete), (1, 2));
    }
}
