//! The y-websocket wire format (lib0 v1), sans IO: bytes in, typed messages out, and back.
//!
//! Only this module knows the wire format; the server's hub and the browser client both
//! use it. One websocket frame may carry several messages back to back; stock clients
//! send one.

use yrs::encoding::read::Cursor;
use yrs::sync::{AwarenessUpdate, Message, MessageReader, SyncMessage};
use yrs::updates::decoder::{Decode, DecoderV1};
use yrs::updates::encoder::{Encode, Encoder, EncoderV1};
use yrs::{StateVector, Update};

/// A message from a client, validated enough to act on.
#[derive(Debug)]
pub enum Inbound {
    /// "Here is my state vector; send me what I lack."
    SyncStep1(StateVector),
    /// A document update: the answer to our step 1 (`SyncStep2`) or a live edit (`Update`).
    /// Holds the raw bytes (to store and relay unchanged) and the decoded update.
    Update {
        raw: Vec<u8>,
        update: Update,
    },
    Awareness(AwarenessUpdate),
    AwarenessQuery,
    /// The server refuses our writes (only servers send this).
    PermissionDenied(String),
    /// Auth and custom messages from clients carry nothing for the server.
    Ignored,
}

/// Why a frame was refused.
#[derive(Debug, thiserror::Error)]
pub enum ProtocolError {
    #[error("malformed message: {0}")]
    Malformed(String),
    #[error("malformed document update: {0}")]
    BadUpdate(String),
    #[error("empty frame")]
    Empty,
}

/// Decode every message in one binary frame. Any malformed part fails the whole frame,
/// and so does a panic inside the decoder (yrs asserts some values in debug builds, e.g.
/// client ids of at most 53 bits).
pub fn decode_frame(frame: &[u8]) -> Result<Vec<Inbound>, ProtocolError> {
    if frame.is_empty() {
        return Err(ProtocolError::Empty);
    }
    std::panic::catch_unwind(|| decode_messages(frame)).unwrap_or_else(|_| {
        Err(ProtocolError::Malformed(
            "the message could not be decoded".into(),
        ))
    })
}

/// A lib0 unsigned varint at `pos` (advancing it), if well formed.
fn read_varint(buf: &[u8], pos: &mut usize) -> Option<u64> {
    let mut value: u64 = 0;
    for shift in (0..64).step_by(7) {
        let b = *buf.get(*pos)?;
        *pos += 1;
        value |= u64::from(b & 0x7f) << shift;
        if b & 0x80 == 0 {
            return Some(value);
        }
    }
    None
}

/// A lib0 length-prefixed buffer at `pos` (advancing it).
fn read_buf<'a>(buf: &'a [u8], pos: &mut usize) -> Option<&'a [u8]> {
    let len = usize::try_from(read_varint(buf, pos)?).ok()?;
    let end = pos.checked_add(len)?;
    let out = buf.get(*pos..end)?;
    *pos = end;
    Some(out)
}

/// Check a raw yrs update (e.g. an imported `.ybin`) the way [`decode_frame`] checks the
/// updates in a frame, before giving it to `Update::decode_v1`.
pub fn check_update(raw: &[u8]) -> Result<(), String> {
    let mut frame = vec![0u8, 2];
    let mut len = raw.len();
    loop {
        let b = (len & 0x7f) as u8;
        len >>= 7;
        if len == 0 {
            frame.push(b);
            break;
        }
        frame.push(b | 0x80);
    }
    frame.extend_from_slice(raw);
    check_claimed_counts(&frame).map_err(|e| e.to_string())
}

/// What a scan of an update's blocks found that yrs must not be given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Unsafe {
    /// Block content type 9. yrs keeps a document and its subdocuments in a reference
    /// cycle, so such an update would leak the whole board (found by the apply_update fuzz
    /// target); boards never use subdocuments.
    #[error("subdocuments are not supported on boards")]
    Subdocument,
    /// The same client's blocks in two sections. No encoder writes that; yrs appends the
    /// second section to the first with clocks out of order and then reads freed memory
    /// while integrating (a use-after-free found by the apply_update fuzz target).
    #[error("a client's blocks appear in two sections")]
    RepeatedClient,
}

/// The first thing in a v1 update that must not reach yrs, if the scan positively finds
/// one. It stops at the first block it cannot follow and then says nothing: the rest is
/// yrs's to judge.
pub fn unsafe_content(update: &[u8]) -> Option<Unsafe> {
    scan_blocks(update).flatten()
}

/// Skip a lib0 variable-length integer (signed or not).
fn skip_var(buf: &[u8], pos: &mut usize) -> Option<()> {
    loop {
        let b = *buf.get(*pos)?;
        *pos += 1;
        if b & 0x80 == 0 {
            return Some(());
        }
    }
}

/// Skip one lib0 `Any` value; `depth` bounds nesting.
fn skip_any(buf: &[u8], pos: &mut usize, depth: u32) -> Option<()> {
    if depth > 64 {
        return None;
    }
    let tag = *buf.get(*pos)?;
    *pos += 1;
    match tag {
        126 | 127 | 120 | 121 => {}
        125 => skip_var(buf, pos)?,
        124 => *pos += 4,
        123 | 122 => *pos += 8,
        119 | 116 => {
            read_buf(buf, pos)?;
        }
        118 => {
            for _ in 0..read_varint(buf, pos)? {
                read_buf(buf, pos)?;
                skip_any(buf, pos, depth + 1)?;
            }
        }
        117 => {
            for _ in 0..read_varint(buf, pos)? {
                skip_any(buf, pos, depth + 1)?;
            }
        }
        _ => return None,
    }
    (*pos <= buf.len()).then_some(())
}

/// Walk the blocks of a v1 update: `Some(Some(_))` at the first unsafe thing,
/// `Some(None)` if it followed every block, `None` if it could not.
fn scan_blocks(buf: &[u8]) -> Option<Option<Unsafe>> {
    let mut pos = 0;
    let mut clients = std::collections::HashSet::new();
    for _ in 0..read_varint(buf, &mut pos)? {
        let blocks = read_varint(buf, &mut pos)?;
        let client = read_varint(buf, &mut pos)?;
        if !clients.insert(client) {
            return Some(Some(Unsafe::RepeatedClient));
        }
        skip_var(buf, &mut pos)?; // clock
        for _ in 0..blocks {
            let info = *buf.get(pos)?;
            pos += 1;
            match info & 0x1f {
                0 | 10 => skip_var(buf, &mut pos)?, // GC or skip: a length
                content => {
                    if info & 0x80 != 0 {
                        skip_var(buf, &mut pos)?; // origin
                        skip_var(buf, &mut pos)?;
                    }
                    if info & 0x40 != 0 {
                        skip_var(buf, &mut pos)?; // right origin
                        skip_var(buf, &mut pos)?;
                    }
                    if info & 0xc0 == 0 {
                        // Parent: a root type's name, or the id of the item holding it.
                        if read_varint(buf, &mut pos)? == 1 {
                            read_buf(buf, &mut pos)?;
                        } else {
                            skip_var(buf, &mut pos)?;
                            skip_var(buf, &mut pos)?;
                        }
                        if info & 0x20 != 0 {
                            read_buf(buf, &mut pos)?; // key in a map
                        }
                    }
                    match content {
                        9 => return Some(Some(Unsafe::Subdocument)),
                        1 => skip_var(buf, &mut pos)?, // deleted: a length
                        2 => {
                            for _ in 0..read_varint(buf, &mut pos)? {
                                read_buf(buf, &mut pos)?;
                            }
                        }
                        3..=5 => {
                            read_buf(buf, &mut pos)?;
                        }
                        6 => {
                            read_buf(buf, &mut pos)?;
                            read_buf(buf, &mut pos)?;
                        }
                        7 => match read_varint(buf, &mut pos)? {
                            3 | 5 => {
                                read_buf(buf, &mut pos)?; // XML element or hook name
                            }
                            0..=6 => {}
                            _ => return None, // weak links and newer types: not followed
                        },
                        8 => {
                            for _ in 0..read_varint(buf, &mut pos)? {
                                skip_any(buf, &mut pos, 0)?;
                            }
                        }
                        _ => return None,
                    }
                }
            }
        }
    }
    Some(None)
}

/// Refuse payloads whose leading count (state vector entries, update clients, awareness
/// entries) claims more items than the payload has bytes: yrs reserves room for the claimed
/// count up front, and a 20-byte message must not make the server touch gigabytes. (Found
/// by the decode_frame fuzz target.) Anything this scan cannot follow is left to yrs.
fn check_claimed_counts(frame: &[u8]) -> Result<(), ProtocolError> {
    let plausible = |payload: &[u8], update: bool| {
        if let Some(found) = update.then(|| unsafe_content(payload)).flatten() {
            return Err(ProtocolError::BadUpdate(found.to_string()));
        }
        let mut p = 0;
        let first = read_varint(payload, &mut p);
        // An update's first client also says how many blocks it has.
        let blocks = match first {
            Some(n) if update && n > 0 => read_varint(payload, &mut p),
            _ => None,
        };
        match first.max(blocks) {
            Some(n) if n > payload.len() as u64 => {
                let m = format!("a count of {n} in {} bytes", payload.len());
                Err(if update {
                    ProtocolError::BadUpdate(m)
                } else {
                    ProtocolError::Malformed(m)
                })
            }
            _ => Ok(()),
        }
    };
    let mut pos = 0;
    while pos < frame.len() {
        let Some(tag) = read_varint(frame, &mut pos) else {
            return Ok(());
        };
        let (payload, update) = match tag {
            0 => match read_varint(frame, &mut pos) {
                Some(sub) => (read_buf(frame, &mut pos), sub != 0),
                None => return Ok(()),
            },
            1 => (read_buf(frame, &mut pos), false),
            2 => match read_varint(frame, &mut pos) {
                Some(0) => {
                    if read_buf(frame, &mut pos).is_none() {
                        return Ok(());
                    }
                    continue;
                }
                Some(_) => continue,
                None => return Ok(()),
            },
            3 => continue,
            _ => {
                if read_buf(frame, &mut pos).is_none() {
                    return Ok(());
                }
                continue;
            }
        };
        match payload {
            Some(p) => plausible(p, update)?,
            None => return Ok(()),
        }
    }
    Ok(())
}

fn decode_messages(frame: &[u8]) -> Result<Vec<Inbound>, ProtocolError> {
    check_claimed_counts(frame)?;
    let mut decoder = DecoderV1::new(Cursor::new(frame));
    let mut out = Vec::with_capacity(1);
    for msg in MessageReader::new(&mut decoder) {
        let msg = msg.map_err(|e| ProtocolError::Malformed(e.to_string()))?;
        out.push(match msg {
            Message::Sync(SyncMessage::SyncStep1(sv)) => Inbound::SyncStep1(sv),
            Message::Sync(SyncMessage::SyncStep2(raw))
            | Message::Sync(SyncMessage::Update(raw)) => {
                let update =
                    Update::decode_v1(&raw).map_err(|e| ProtocolError::BadUpdate(e.to_string()))?;
                Inbound::Update { raw, update }
            }
            Message::Awareness(a) => Inbound::Awareness(a),
            Message::AwarenessQuery => Inbound::AwarenessQuery,
            Message::Auth(Some(reason)) => Inbound::PermissionDenied(reason),
            Message::Auth(None) | Message::Custom(..) => Inbound::Ignored,
        });
    }
    if out.is_empty() {
        return Err(ProtocolError::Malformed("no message in frame".into()));
    }
    Ok(out)
}

fn encode(msg: Message) -> Vec<u8> {
    let mut enc = EncoderV1::new();
    msg.encode(&mut enc);
    enc.to_vec()
}

pub fn sync_step1(sv: StateVector) -> Vec<u8> {
    encode(Message::Sync(SyncMessage::SyncStep1(sv)))
}

pub fn sync_step2(diff: Vec<u8>) -> Vec<u8> {
    encode(Message::Sync(SyncMessage::SyncStep2(diff)))
}

pub fn update(raw: Vec<u8>) -> Vec<u8> {
    encode(Message::Sync(SyncMessage::Update(raw)))
}

pub fn awareness(update: AwarenessUpdate) -> Vec<u8> {
    encode(Message::Awareness(update))
}

/// Tell a client its writes are not accepted (y-websocket's "permission denied").
pub fn permission_denied(reason: &str) -> Vec<u8> {
    encode(Message::Auth(Some(reason.to_string())))
}

#[cfg(test)]
mod tests {
    use super::*;
    use yrs::{Doc, ReadTxn, Text, Transact};

    #[test]
    fn updates_embedding_a_subdocument_are_refused() {
        use yrs::types::xml::{XmlElementPrelim, XmlFragment};
        use yrs::{Any, Array, GetString, Map, WriteTxn};
        // Found by the apply_update fuzz target (13 bytes): yrs would keep the board and
        // the subdocument in a reference cycle, leaking both.
        let found = [
            0x01, 0x01, 0x00, 0x00, 0x29, 0x01, 0x01, 0x09, 0x00, 0x00, 0x76, 0x00, 0x00,
        ];
        assert_eq!(unsafe_content(&found), Some(Unsafe::Subdocument));
        assert!(matches!(
            decode_frame(&update(found.to_vec())),
            Err(ProtocolError::BadUpdate(_))
        ));

        // Every other kind of content, then a subdocument: the scan follows all of them.
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
        {
            let mut txn = doc.transact_mut();
            text.insert(&mut txn, 0, "hello world");
            let bold: yrs::types::Attrs = [("bold".into(), Any::Bool(true))].into();
            text.format(&mut txn, 0, 5, bold);
            text.insert_embed(&mut txn, 11, Any::from("an embed"));
            text.remove_range(&mut txn, 6, 1);
            list.insert_range(&mut txn, 0, [1.5f64, -3.0, 40.0]);
            list.push_back(&mut txn, Any::from(vec![Any::Null, Any::Bool(false)]));
            list.push_back(&mut txn, Any::Buffer(vec![1u8, 2, 3].into()));
            list.push_back(&mut txn, Any::from(-5i64));
            map.insert(&mut txn, "n", yrs::MapPrelim::default());
            map.insert(&mut txn, "s", "string");
            xml.push_back(&mut txn, XmlElementPrelim::empty("p"));
        }
        let plain = doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert_eq!(unsafe_content(&plain), None, "nothing unsafe in {plain:?}");
        assert!(decode_frame(&update(plain.clone())).is_ok());
        assert!(text.get_string(&doc.transact()).contains("ll"));
        {
            let mut txn = doc.transact_mut();
            map.insert(&mut txn, "sub", Doc::new());
        }
        let with_sub = doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert_eq!(unsafe_content(&with_sub), Some(Unsafe::Subdocument));

        // Two clients' changes in one update are fine.
        let other = Doc::with_client_id(8);
        other
            .transact_mut()
            .apply_update(yrs::Update::decode_v1(&plain).unwrap())
            .unwrap();
        {
            let t = other.get_or_insert_text("t");
            let mut txn = other.transact_mut();
            t.insert(&mut txn, 0, "more ");
        }
        let two = other
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert_eq!(unsafe_content(&two), None);

        // Found by apply_update: one client's blocks in two sections made yrs read freed
        // memory (AddressSanitizer: heap-use-after-free in resolve_conflict).
        let repeated =
            include_bytes!("../../fuzz/known/apply_update-use-after-free-yrs-0.28.1.bin");
        assert_eq!(unsafe_content(repeated), Some(Unsafe::RepeatedClient));
        assert!(matches!(
            decode_frame(&update(repeated.to_vec())),
            Err(ProtocolError::BadUpdate(_))
        ));

        // A board as the app writes it has none.
        let board_doc = crate::model::new_doc();
        let board = crate::model::board::Board::of(&board_doc);
        {
            let mut txn = board_doc.transact_mut();
            board
                .add_card(
                    &mut txn,
                    "c1",
                    crate::model::Prompt::How,
                    "Protected time",
                    "Ana",
                    crate::model::Role::Educator,
                    1.0,
                )
                .unwrap();
        }
        let state = board_doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert_eq!(unsafe_content(&state), None);
    }

    #[test]
    fn a_huge_claimed_awareness_count_is_refused_not_allocated() {
        // Found by the decode_frame fuzz target: an awareness message claiming 2^56
        // entries in 18 bytes. The reservation is fallible, so this is a clear error.
        let frame = [
            0x47, 0x00, 0x01, 0x07, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02, 0x01, 0x00, 0x00,
            0x00, 0x24, 0x00, 0x00,
        ];
        assert!(decode_frame(&frame).is_err());
        let bomb = [
            0x01, 0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f, 0x00, 0x00,
        ];
        assert!(matches!(
            decode_frame(&bomb),
            Err(ProtocolError::Malformed(_))
        ));
        // Also from the fuzzer: an awareness client id over 53 bits (a debug assertion in
        // yrs) is an error, not a panic.
        let wide = [
            0x01, 0x09, 0x3a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xc6, 0x16, 0xff, 0xc6, 0x0e,
        ];
        assert!(decode_frame(&wide).is_err());
        // And an update claiming ~2^28 clients after an unknown (custom) message.
        let clients = [
            0x47, 0x00, 0x00, 0x01, 0x07, 0xce, 0xce, 0xce, 0xce, 0x00, 0x00, 0x00, 0x20, 0x00,
            0x00, 0x24, 0x02, 0x24, 0xbf, 0x00,
        ];
        match decode_frame(&clients) {
            Err(ProtocolError::BadUpdate(m)) => assert!(m.contains("a count of"), "{m}"),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // An update whose first client claims 2^32 - 1 blocks.
        let blocks = [
            0x00, 0x02, 0x0c, 0x02, 0xff, 0xff, 0xff, 0xff, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
            0x00, 0x1d,
        ];
        assert!(matches!(
            decode_frame(&blocks),
            Err(ProtocolError::BadUpdate(_))
        ));
    }

    #[test]
    fn step1_and_updates_round_trip() {
        let doc = Doc::new();
        let t = doc.get_or_insert_text("t");
        t.insert(&mut doc.transact_mut(), 0, "hi");
        let raw = doc
            .transact()
            .encode_state_as_update_v1(&StateVector::default());
        let mut frame = sync_step1(doc.transact().state_vector());
        frame.extend(update(raw.clone()));
        let msgs = decode_frame(&frame).unwrap();
        assert!(matches!(msgs[0], Inbound::SyncStep1(_)));
        match &msgs[1] {
            Inbound::Update { raw: r, .. } => assert_eq!(r, &raw),
            other => panic!("unexpected {other:?}"),
        }
    }

    #[test]
    fn garbage_is_refused() {
        assert!(matches!(decode_frame(&[]), Err(ProtocolError::Empty)));
        assert!(decode_frame(&[0, 9, 1, 2]).is_err());
        // A sync update whose payload is not a yrs update.
        assert!(matches!(
            decode_frame(&update(vec![200, 1, 2, 3])),
            Err(ProtocolError::BadUpdate(_))
        ));
        // Truncated: says 5 bytes follow, only 1 does.
        assert!(decode_frame(&[0, 2, 5, 1]).is_err());
    }
}
