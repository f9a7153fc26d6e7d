//! What in a v1 update yrs 0.28 must not be given, found before yrs decodes it.
//!
//! The scan reads an update exactly as yrs's `Update::decode_v1` does (the same varint
//! widths and wrap-around, the same block kinds, yrs's own reading of JSON and XML hook
//! content), so a block that would be unsafe for yrs cannot hide behind one the scan reads
//! differently. Where yrs's decoder would fail anyway the scan stops and reports nothing:
//! yrs refuses those updates itself. Every finding here comes from the apply_update fuzz
//! target or from reading the decoder (fuzz/known/README.md).

use std::collections::HashSet;

/// Largest clock accepted anywhere in an update. yrs stores clocks in 32 bits but
/// compares a block's clock with the document's as `i32`, so a clock past 2^31 - 1 turns
/// into a negative offset and an index out of bounds (found by the apply_update fuzz
/// target). No real document comes near: a clock counts one client's characters.
pub const MAX_CLOCK: u32 = i32::MAX as u32;

/// Deepest nesting of `Any` values (arrays and maps) accepted in an update. yrs decodes,
/// encodes and drops them recursively, with no limit of its own.
pub const MAX_VALUE_DEPTH: u32 = 64;

/// What a scan of an update found that yrs must not be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unsafe {
    /// A subdocument (content type 9, or a type item of the subdocument kind). yrs keeps a
    /// document and its subdocuments in a reference cycle, so such an update would leak the
    /// whole board; boards never use subdocuments.
    #[error("subdocuments are not supported on boards")]
    Subdocument,
    /// The same client's blocks in two sections. No encoder writes that; yrs appends the
    /// second section to the first with clocks out of order and then reads freed memory
    /// while integrating (a heap-use-after-free).
    #[error("a client's blocks appear in two sections")]
    RepeatedClient,
    /// A block, reference or deletion clock past [`MAX_CLOCK`]. yrs adds clocks in 32 bits,
    /// so near 2^32 they wrap and leave one client's blocks out of order (as with
    /// [`Unsafe::RepeatedClient`]); past 2^31 its signed comparisons already go wrong.
    #[error("clocks past 2^31 - 1")]
    ClockOverflow,
    /// Values nested deeper than [`MAX_VALUE_DEPTH`]: yrs would recurse once per level and
    /// overflow the stack, aborting the whole server.
    #[error("values nested more than {MAX_VALUE_DEPTH} deep")]
    TooDeep,
    /// A count of items larger than the bytes left to hold them. yrs reserves memory for
    /// the count before reading any item, so a few bytes could claim gigabytes.
    #[error("a count of {claimed} with {left} bytes left")]
    Count { claimed: u64, left: usize },
}

/// What one pass over a v1 update found.
#[derive(Debug)]
pub enum Scanned {
    /// Nothing unsafe; what it refers to, to check against a document.
    Safe(Needs),
    /// Something yrs must not be given.
    Unsafe(Unsafe),
    /// Malformed where yrs's own decoder refuses it too; nothing to check against.
    Malformed,
}

/// Scan a v1 update once, the way yrs's decoder reads it.
pub fn scan(update: &[u8]) -> Scanned {
    let mut scan = Scan::new(update);
    match scan.update() {
        Ok(()) => Scanned::Safe(scan.needs),
        Err(Stop::Found(found)) => Scanned::Unsafe(found),
        Err(Stop::Malformed) => Scanned::Malformed,
    }
}

/// The first thing in a v1 update that must not reach yrs, if there is one. `None` also
/// when the update is malformed in a way yrs's own decoder refuses. (The tests' view of
/// [`scan`]: the checks use `scan` itself.)
#[cfg(test)]
fn unsafe_content(update: &[u8]) -> Option<Unsafe> {
    match scan(update) {
        Scanned::Unsafe(found) => Some(found),
        Scanned::Safe(_) | Scanned::Malformed => None,
    }
}

/// What an update refers to, to check against a document before yrs integrates it: yrs
/// keeps what refers to unknown items pending, re-merges that with every later update and
/// re-applies a pending deletion on every later update, so a few hundred kilobytes of
/// references to nothing would slow every edit on a board for good.
#[derive(Debug, Default)]
pub struct Needs {
    sections: Vec<Section>,
    /// Whether any client's blocks have a skip (a hole) in the update itself.
    skips: bool,
    /// Clock ranges of items referred to (origins and parents) or deleted.
    refs: Vec<Section>,
    /// Names of the root types the update's blocks are put into.
    roots: Vec<String>,
}

/// One client's clock range `start..end`. For the update's own blocks, `end` stops at the
/// first skip (what follows a hole is not contiguous).
#[derive(Debug)]
struct Section {
    client: u64,
    start: u32,
    end: u32,
}

impl Needs {
    /// The root types the update puts blocks into, by name (each once).
    pub fn roots(&self) -> impl Iterator<Item = &str> {
        self.roots.iter().map(String::as_str)
    }

    /// Whether a document with state vector `state` has everything the update refers to
    /// (or the update brings it), and every client's blocks continue from what the
    /// document has. yrs 0.28 would integrate blocks past a hole in a client's clocks by
    /// leaving a skip there, and filling such a hole later reads freed memory (found by
    /// the decode_frame fuzz target): the server never lets a hole form. A client that
    /// missed something of its own (for example a change refused while its board was
    /// locked) reconnects and resyncs, and then sends it first.
    pub fn met_by(&self, state: &yrs::StateVector) -> bool {
        let has = |client: u64| state.get(&yrs::block::ClientID::new(client));
        !self.skips
            && self.sections.iter().all(|s| s.start <= has(s.client))
            && self.refs.iter().all(|r| self.known(r, state))
    }

    fn known(&self, r: &Section, state: &yrs::StateVector) -> bool {
        if r.start >= r.end {
            return true;
        }
        let mut have: Vec<(u32, u32)> = self
            .sections
            .iter()
            .filter(|s| s.client == r.client)
            .map(|s| (s.start, s.end))
            .collect();
        have.push((0, state.get(&yrs::block::ClientID::new(r.client))));
        have.sort_unstable();
        let mut merged: Vec<(u32, u32)> = Vec::with_capacity(have.len());
        for (start, end) in have {
            match merged.last_mut() {
                Some(last) if start <= last.1 => last.1 = last.1.max(end),
                _ => merged.push((start, end)),
            }
        }
        merged
            .iter()
            .any(|&(start, end)| start <= r.start && r.end <= end)
    }
}

/// What a well-formed update with nothing unsafe refers to (`None` otherwise). (The
/// tests' view of [`scan`].)
#[cfg(test)]
fn needs(update: &[u8]) -> Option<Needs> {
    match scan(update) {
        Scanned::Safe(needs) => Some(needs),
        Scanned::Unsafe(_) | Scanned::Malformed => None,
    }
}

/// What the checks look at in one message of a frame.
pub(super) enum Payload<'a> {
    /// A document update (sync step 2 or update).
    Update(&'a [u8]),
    /// A state vector or an awareness update: led by a count yrs reserves room for.
    Counted(&'a [u8]),
}

/// The payloads of the messages in one frame, framed exactly as yrs's `MessageReader`
/// frames them (tags and lengths are yrs's wrapping varints). It stops where yrs would
/// stop or fail, so nothing yrs decodes is left out.
pub(super) fn payloads(frame: &[u8]) -> Vec<Payload<'_>> {
    let mut out = Vec::new();
    let mut r = Scan::new(frame);
    let mut next = || -> Step<Option<Payload<'_>>> {
        Ok(match r.var_u32()? {
            0 => {
                let sub = r.var_u32()?;
                let payload = r.bytes()?;
                Some(match sub {
                    0 => Payload::Counted(payload),
                    _ => Payload::Update(payload),
                })
            }
            1 => Some(Payload::Counted(r.bytes()?)),
            2 => {
                if r.var_u32()? == 0 {
                    r.string()?; // permission denied: a reason
                }
                None
            }
            3 => None,
            _ => {
                r.bytes()?; // a custom message
                None
            }
        })
    };
    while let Ok(found) = next() {
        out.extend(found);
    }
    out
}

/// A payload's leading count, as the largest value yrs could read it as (a `u32` or a
/// `u64` varint, both wrapping).
pub(super) fn leading_count(payload: &[u8]) -> Option<u64> {
    let (wide, narrow) = Scan::new(payload).var().ok()?;
    Some(wide.max(narrow.into()))
}

enum Stop {
    Found(Unsafe),
    /// yrs would fail to decode the update here.
    Malformed,
}

impl From<Unsafe> for Stop {
    fn from(found: Unsafe) -> Self {
        Stop::Found(found)
    }
}

type Step<T = ()> = Result<T, Stop>;

fn clock_at_most(clock: u64) -> Step {
    if clock > u64::from(MAX_CLOCK) {
        return Err(Unsafe::ClockOverflow.into());
    }
    Ok(())
}

/// A reader over an update with yrs's `DecoderV1` semantics.
struct Scan<'a> {
    buf: &'a [u8],
    pos: usize,
    needs: Needs,
    /// Whether the current client section has had a skip yet.
    skipped: bool,
}

impl<'a> Scan<'a> {
    fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            needs: Needs::default(),
            skipped: false,
        }
    }

    fn left(&self) -> usize {
        self.buf.len() - self.pos
    }

    fn u8(&mut self) -> Step<u8> {
        let b = *self.buf.get(self.pos).ok_or(Stop::Malformed)?;
        self.pos += 1;
        Ok(b)
    }

    fn exact(&mut self, len: usize) -> Step<&'a [u8]> {
        let end = self.pos.checked_add(len).ok_or(Stop::Malformed)?;
        let out = self.buf.get(self.pos..end).ok_or(Stop::Malformed)?;
        self.pos = end;
        Ok(out)
    }

    /// An unsigned varint as yrs reads one: at most 11 bytes, each 7-bit group shifted in
    /// with wrap-around at the width it is read into. Both readings: as a `u64` and as a
    /// `u32` (yrs reads each field into one or the other).
    fn var(&mut self) -> Step<(u64, u32)> {
        let (mut wide, mut narrow, mut shift) = (0u64, 0u32, 0u32);
        loop {
            let b = self.u8()?;
            wide |= u64::from(b & 0x7f).wrapping_shl(shift);
            narrow |= u32::from(b & 0x7f).wrapping_shl(shift);
            shift += 7;
            if b < 0x80 {
                return Ok((wide, narrow));
            }
            if shift > 70 {
                return Err(Stop::Malformed);
            }
        }
    }

    fn var_u64(&mut self) -> Step<u64> {
        Ok(self.var()?.0)
    }

    fn var_u32(&mut self) -> Step<u32> {
        Ok(self.var()?.1)
    }

    /// A signed varint (lib0's sign bit in the first byte): skipped.
    fn skip_var_i64(&mut self) -> Step {
        let mut b = self.u8()?;
        let mut shift = 6;
        while b >= 0x80 {
            b = self.u8()?;
            shift += 7;
            if b >= 0x80 && shift > 70 {
                return Err(Stop::Malformed);
            }
        }
        Ok(())
    }

    /// A count of items, each at least one byte long, that yrs will reserve room for.
    fn count(&mut self) -> Step<u32> {
        let claimed = self.var_u32()?;
        if claimed as usize > self.left() {
            return Err(Unsafe::Count {
                claimed: claimed.into(),
                left: self.left(),
            }
            .into());
        }
        Ok(claimed)
    }

    fn bytes(&mut self) -> Step<&'a [u8]> {
        let len = self.var_u32()?;
        self.exact(len as usize)
    }

    fn string(&mut self) -> Step<&'a str> {
        std::str::from_utf8(self.bytes()?).map_err(|_| Stop::Malformed)
    }

    /// An id (client, clock) that a block refers to.
    fn id(&mut self) -> Step {
        let client = self.var_u64()?;
        let clock = self.var_u32()?;
        clock_at_most(clock.into())?;
        self.needs.refs.push(Section {
            client,
            start: clock,
            end: clock + 1,
        });
        Ok(())
    }

    /// One lib0 `Any` value at nesting `depth`.
    fn any(&mut self, depth: u32) -> Step {
        if depth > MAX_VALUE_DEPTH {
            return Err(Unsafe::TooDeep.into());
        }
        match self.u8()? {
            127 | 126 | 121 | 120 => {}
            125 => self.skip_var_i64()?,
            124 => {
                self.exact(4)?;
            }
            123 | 122 => {
                self.exact(8)?;
            }
            119 => {
                self.string()?;
            }
            116 => {
                self.bytes()?;
            }
            118 => {
                for _ in 0..self.count()? {
                    self.string()?;
                    self.any(depth + 1)?;
                }
            }
            117 => {
                for _ in 0..self.count()? {
                    self.any(depth + 1)?;
                }
            }
            _ => return Err(Stop::Malformed),
        }
        Ok(())
    }

    /// The whole update: its blocks, client by client, then its delete set.
    fn update(&mut self) -> Step {
        let mut clients = HashSet::new();
        for _ in 0..self.count()? {
            let blocks = self.count()?;
            let client = self.var_u64()?;
            if !clients.insert(client) {
                return Err(Unsafe::RepeatedClient.into());
            }
            let start = self.var_u32()?;
            let mut clock = u64::from(start);
            clock_at_most(clock)?;
            let mut contiguous = clock;
            self.skipped = false;
            for _ in 0..blocks {
                let len = self.block()?;
                clock += u64::from(len);
                clock_at_most(clock)?;
                if !self.skipped {
                    contiguous = clock;
                }
            }
            self.needs.sections.push(Section {
                client,
                start,
                end: contiguous as u32,
            });
        }
        for _ in 0..self.var_u32()? {
            let client = self.var_u64()?;
            for _ in 0..self.var_u32()? {
                let start = self.var_u32()?;
                let end = u64::from(start) + u64::from(self.var_u32()?);
                clock_at_most(end)?;
                self.needs.refs.push(Section {
                    client,
                    start,
                    end: end as u32,
                });
            }
        }
        Ok(())
    }

    /// One block; returns its length in clock ticks, as yrs counts it.
    fn block(&mut self) -> Step<u32> {
        let info = self.u8()?;
        if info == 0 || info == 10 {
            // A garbage-collected range or a skip (a hole: the blocks after it are not
            // contiguous with what comes before): a length, never zero.
            self.skipped |= info == 10;
            self.needs.skips |= info == 10;
            return match self.var_u32()? {
                0 => Err(Stop::Malformed),
                len => Ok(len),
            };
        }
        let has_origin = info & 0x80 != 0;
        let has_right_origin = info & 0x40 != 0;
        if has_origin {
            self.id()?;
        }
        if has_right_origin {
            self.id()?;
        }
        if !has_origin && !has_right_origin {
            // Parent: a root type's name, or the id of the item holding it; then the key.
            if self.var_u32()? == 1 {
                let root = self.string()?;
                if !self.needs.roots.iter().any(|r| r == root) {
                    self.needs.roots.push(root.to_string());
                }
            } else {
                self.id()?;
            }
            if info & 0x20 != 0 {
                self.string()?;
            }
        }
        // yrs reads the content kind from the low four bits only.
        Ok(match info & 0x0f {
            1 => self.var_u32()?, // deleted: a length
            2 => {
                // JSON: yrs reads one string more than the count says.
                let claimed = self.count()?;
                if claimed > i32::MAX as u32 {
                    return Err(Stop::Malformed);
                }
                for _ in 0..=claimed {
                    self.string()?;
                }
                claimed + 1
            }
            3 => {
                self.bytes()?; // binary
                1
            }
            4 => self
                .string()?
                .encode_utf16()
                .count()
                .try_into()
                .map_err(|_| Stop::Malformed)?,
            5 => {
                self.string()?; // embed (JSON text)
                1
            }
            6 => {
                self.string()?; // format: key and JSON text
                self.string()?;
                1
            }
            7 => {
                match self.u8()? {
                    0..=2 | 4..=6 | 15 => {}
                    3 => {
                        self.string()?; // an XML element's tag
                    }
                    9 => return Err(Unsafe::Subdocument.into()),
                    _ => return Err(Stop::Malformed), // weak links are not built into yrs here
                }
                1
            }
            8 => {
                let values = self.count()?;
                for _ in 0..values {
                    self.any(0)?;
                }
                values
            }
            9 => return Err(Unsafe::Subdocument.into()),
            _ => return Err(Stop::Malformed),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::types::xml::{XmlElementPrelim, XmlFragment};
    use yrs::updates::decoder::Decode;
    use yrs::{Any, Array, Doc, GetString, Map, ReadTxn, Text, Transact, WriteTxn};

    fn state(doc: &Doc) -> Vec<u8> {
        doc.transact()
            .encode_state_as_update_v1(&yrs::StateVector::default())
    }

    /// A document with every kind of content yrs writes, and some deletions.
    fn every_kind() -> Doc {
        let doc = Doc::with_client_id(7);
        let (text, list, map, xml) = {
            let mut txn = doc.transact_mut();
            (
                txn.get_or_insert_text("t"),
                txn.get_or_insert_array("a"),
                txn.get_or_insert_map("m"),
                txn.get_or_insert_xml_fragment("x"),
            )
        };
        let mut txn = doc.transact_mut();
        text.insert(&mut txn, 0, "hello wörld 🙂");
        let bold: yrs::types::Attrs = [("bold".into(), Any::Bool(true))].into();
        text.format(&mut txn, 0, 5, bold);
        text.insert_embed(&mut txn, 11, Any::from("an embed"));
        text.remove_range(&mut txn, 6, 1);
        list.insert_range(&mut txn, 0, [1.5f64, -3.0, 40.0]);
        list.push_back(&mut txn, Any::from(vec![Any::Null, Any::Bool(false)]));
        list.push_back(&mut txn, Any::Buffer(vec![1u8, 2, 3].into()));
        list.push_back(&mut txn, Any::from(-5i64));
        list.push_back(&mut txn, Any::from(i64::MIN));
        map.insert(&mut txn, "n", yrs::MapPrelim::default());
        map.insert(&mut txn, "s", "string");
        map.insert(&mut txn, "gone", "soon");
        map.remove(&mut txn, "gone");
        xml.push_back(&mut txn, XmlElementPrelim::empty("p"));
        drop(txn);
        assert!(text.get_string(&doc.transact()).contains("ll"));
        doc
    }

    #[test]
    fn the_scan_reads_every_kind_of_content_as_yrs_does() {
        let doc = every_kind();
        let update = state(&doc);
        let mut scan = Scan::new(&update);
        assert!(scan.update().is_ok());
        assert_eq!(
            scan.pos,
            update.len(),
            "the scan ends where the update ends"
        );
        assert_eq!(unsafe_content(&update), None);

        // Two clients' changes in one update are fine.
        let other = Doc::with_client_id(8);
        other
            .transact_mut()
            .apply_update(yrs::Update::decode_v1(&update).unwrap())
            .unwrap();
        let t = other.get_or_insert_text("t");
        t.insert(&mut other.transact_mut(), 0, "more ");
        assert_eq!(unsafe_content(&state(&other)), None);

        // A board as the app writes it has nothing unsafe either.
        let board_doc = crate::model::new_doc();
        let board = crate::model::board::Board::of(&board_doc);
        board
            .add_card(
                &mut board_doc.transact_mut(),
                "c1",
                crate::model::Prompt::How,
                "Protected time",
                "Ana",
                crate::model::Role::Educator,
                1.0,
            )
            .unwrap();
        assert_eq!(unsafe_content(&state(&board_doc)), None);
    }

    #[test]
    fn subdocuments_are_found() {
        // Found by the apply_update fuzz target (13 bytes): yrs would keep the board and
        // the subdocument in a reference cycle, leaking both.
        let found = [
            0x01, 0x01, 0x00, 0x00, 0x29, 0x01, 0x01, 0x09, 0x00, 0x00, 0x76, 0x00, 0x00,
        ];
        assert_eq!(unsafe_content(&found), Some(Unsafe::Subdocument));
        // After every other kind of content.
        let doc = every_kind();
        let map = doc.get_or_insert_map("m");
        map.insert(&mut doc.transact_mut(), "sub", Doc::new());
        assert_eq!(unsafe_content(&state(&doc)), Some(Unsafe::Subdocument));
        // A type item of the subdocument kind: type ref 9 under root "m", key "k".
        let typed = [1, 1, 5, 0, 0x27, 1, 1, b'm', 1, b'k', 9, 0];
        assert_eq!(unsafe_content(&typed), Some(Unsafe::Subdocument));
    }

    #[test]
    fn the_use_after_free_inputs_are_found() {
        // Both make yrs 0.28.1 read freed memory (AddressSanitizer: heap-use-after-free in
        // resolve_conflict). The second hides its repeated client behind a block whose
        // info byte has bit 0x10 set, which yrs ignores.
        let first =
            include_bytes!("../../../fuzz/known/apply_update-use-after-free-yrs-0.28.1.bin");
        assert_eq!(unsafe_content(first), Some(Unsafe::RepeatedClient));
        let second =
            include_bytes!("../../../fuzz/known/apply_update-use-after-free-2-yrs-0.28.1.bin");
        assert_eq!(unsafe_content(second), Some(Unsafe::RepeatedClient));
    }

    #[test]
    fn clocks_past_two_to_the_31_are_found() {
        // Client 5 from clock 2^31 - 3: two deleted items of length 1 each fit...
        let mut update = vec![1, 2, 5, 0xfd, 0xff, 0xff, 0xff, 0x07];
        update.extend([0x21, 1, 1, b'm', 1, b'a', 1]); // deleted(1) in root "m", key "a"
        update.extend([0x21, 1, 1, b'm', 1, b'b', 1]);
        update.push(0); // no deletions
        assert_eq!(unsafe_content(&update), None);
        // ...a third does not.
        update[1] = 3;
        update.pop();
        update.extend([0x21, 1, 1, b'm', 1, b'c', 1, 0]);
        assert_eq!(unsafe_content(&update), Some(Unsafe::ClockOverflow));
        // Near 2^32, yrs's own sum would wrap around.
        let wrapping = [
            1, 2, 5, 0xff, 0xff, 0xff, 0xff, 0x0f, 0x21, 1, 1, b'm', 1, b'a', 1,
        ];
        assert_eq!(unsafe_content(&wrapping), Some(Unsafe::ClockOverflow));
        // A right origin past 2^31 (the third fuzz finding: yrs indexed out of bounds).
        let found =
            include_bytes!("../../../fuzz/known/apply_update-index-out-of-bounds-yrs-0.28.1.bin");
        assert_eq!(unsafe_content(found), Some(Unsafe::ClockOverflow));
        let origin = [1, 1, 5, 0, 0x41, 1, 0x80, 0x80, 0x80, 0x80, 0x08, 1, 0];
        assert_eq!(unsafe_content(&origin), Some(Unsafe::ClockOverflow));
        // A deleted range past it.
        let deletion = [0, 1, 5, 1, 0xff, 0xff, 0xff, 0xff, 0x07, 1];
        assert_eq!(unsafe_content(&deletion), Some(Unsafe::ClockOverflow));
    }

    #[test]
    fn deep_values_and_huge_counts_are_found() {
        // An array nested 65 deep under root map "m", key "k".
        let mut deep = vec![1, 1, 5, 0, 0x28, 1, 1, b'm', 1, b'k', 1];
        deep.extend([117, 1].repeat(MAX_VALUE_DEPTH as usize + 1));
        deep.extend([126, 0]);
        assert_eq!(unsafe_content(&deep), Some(Unsafe::TooDeep));
        // One level less is fine, and yrs agrees.
        deep.drain(11..13);
        assert_eq!(unsafe_content(&deep), None);
        assert!(yrs::Update::decode_v1(&deep).is_ok());

        // A value list claiming 2^31 values in a dozen bytes.
        let huge = [
            1, 1, 5, 0, 0x28, 1, 1, b'm', 1, b'k', 0x80, 0x80, 0x80, 0x80, 0x08, 126,
        ];
        assert_eq!(
            unsafe_content(&huge),
            Some(Unsafe::Count {
                claimed: 1 << 31,
                left: 1
            })
        );
    }

    #[test]
    fn references_to_items_a_document_lacks_are_found() {
        let server = every_kind();
        let client = Doc::with_client_id(8);
        client
            .transact_mut()
            .apply_update(yrs::Update::decode_v1(&state(&server)).unwrap())
            .unwrap();
        // An edit in the middle of the server's text and a deletion of its items.
        let before = client.transact().state_vector();
        let text = client.get_or_insert_text("t");
        text.insert(&mut client.transact_mut(), 3, "typed");
        text.remove_range(&mut client.transact_mut(), 0, 2);
        let edit = client.transact().encode_diff_v1(&before);
        let has = server.transact().state_vector();
        assert!(needs(&edit).unwrap().met_by(&has));
        // A board that lacks the server's items lacks what the edit refers to.
        assert!(!needs(&edit).unwrap().met_by(&yrs::StateVector::default()));
        // A whole document refers only to itself.
        assert!(needs(&state(&client))
            .unwrap()
            .met_by(&yrs::StateVector::default()));

        // A client whose last change the board refused (a locked board): its next change
        // starts past what the board has, which would leave a hole in its clocks. Once it
        // resyncs (its diff against the board's state), both changes go in.
        let refused = client.transact().state_vector();
        text.insert(&mut client.transact_mut(), 0, "refused ");
        let after_refusal = client.transact().state_vector();
        let list = client.get_or_insert_array("a");
        list.push_back(&mut client.transact_mut(), "new");
        let own = client.transact().encode_diff_v1(&after_refusal);
        let mut board_state = has.clone();
        board_state.merge(refused);
        assert!(!needs(&own).unwrap().met_by(&board_state));
        let resync = client.transact().encode_diff_v1(&board_state);
        assert!(needs(&resync).unwrap().met_by(&board_state));

        // Deleting 1,000 items of a client nobody has seen (a few kilobytes that yrs would
        // keep and re-apply on every later update).
        let mut deletes = vec![0, 1, 0xe7, 0x07, 0xe8, 0x07]; // client 999, 1,000 ranges
        for i in 0..1000u32 {
            let clock = i * 2;
            deletes.extend([(clock & 0x7f) as u8 | 0x80, (clock >> 7) as u8, 1]);
        }
        assert_eq!(unsafe_content(&deletes), None);
        assert!(!needs(&deletes).unwrap().met_by(&has));
    }

    #[test]
    fn a_hole_in_a_clients_clocks_is_never_made() {
        // Found by decode_frame (integrating each update of a frame as the hub does): the
        // first update puts client 5's blocks at clock 63 on an empty board, the third
        // fills part of that hole, and yrs reads a block it freed while trimming.
        use yrs::{ReadTxn, Transact};
        let frame =
            include_bytes!("../../../fuzz/known/decode_frame-use-after-free-hole-yrs-0.28.1.bin");
        let doc = crate::model::new_doc();
        let mut refused = 0;
        for message in crate::wire::decode_frame(frame).unwrap() {
            if let crate::wire::Inbound::Update(u) = message {
                if u.needs
                    .is_some_and(|n| n.met_by(&doc.transact().state_vector()))
                {
                    doc.transact_mut().apply_update(u.update).unwrap();
                } else {
                    refused += 1;
                }
            }
        }
        assert!(refused >= 2, "{refused}");
        // A hole inside one update (a skip block, which no client's live updates carry).
        let skip = [1, 2, 5, 0, 10, 3, 0x21, 1, 1, b'm', 1, b'a', 1, 0];
        assert_eq!(unsafe_content(&skip), None);
        assert!(!needs(&skip).unwrap().met_by(&yrs::StateVector::default()));
        assert!(doc.transact().store().pending_update().is_none());
    }

    #[test]
    fn what_yrs_refuses_itself_is_left_to_it() {
        for bad in [
            &[][..],
            &[1, 1, 5, 0, 0x10, 1, 1, b'm', 0][..], // content kind 0
            &[1, 1, 5, 0, 10, 0][..],               // an empty skip
            &[1, 1, 5, 0, 0x27, 1, 1, b'm', 1, b'k', 7][..], // a weak link
        ] {
            assert_eq!(unsafe_content(bad), None, "{bad:?}");
            assert!(yrs::Update::decode_v1(bad).is_err(), "{bad:?}");
        }
    }
}
