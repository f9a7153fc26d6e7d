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

mod scan;
pub use scan::{scan, Needs, Scanned, Unsafe, MAX_VALUE_DEPTH};

/// A message from a client, validated enough to act on.
#[derive(Debug)]
pub enum Inbound {
    /// "Here is my state vector; send me what I lack."
    SyncStep1(StateVector),
    /// A document update: the answer to our step 1 (`SyncStep2`) or a live edit (`Update`).
    Update(UpdateIn),
    Awareness(AwarenessUpdate),
    AwarenessQuery,
    /// The server refuses our writes (only servers send this).
    PermissionDenied(String),
    /// Auth and custom messages from clients carry nothing for the server.
    Ignored,
}

/// A document update as it came in, scanned once: the raw bytes (stored and relayed
/// unchanged), the decoded update, and what the scan found it refers to (`None`: the scan
/// could not follow it, so no document may take it).
#[derive(Debug)]
pub struct UpdateIn {
    pub raw: Vec<u8>,
    pub update: Update,
    pub needs: Option<Needs>,
}

impl UpdateIn {
    /// A raw v1 update from outside a frame (an imported `.ybin`, a fuzz input): scanned
    /// as the updates in a frame are, then decoded.
    pub fn from_raw(raw: Vec<u8>) -> Result<UpdateIn, ProtocolError> {
        let needs = match scan(&raw) {
            Scanned::Unsafe(found) => return Err(ProtocolError::BadUpdate(found.to_string())),
            Scanned::Safe(needs) => Some(needs),
            Scanned::Malformed => None,
        };
        let update = std::panic::catch_unwind(|| Update::decode_v1(&raw))
            .map_err(|_| ProtocolError::BadUpdate("the update could not be decoded".into()))?
            .map_err(|e| ProtocolError::BadUpdate(e.to_string()))?;
        Ok(UpdateIn { raw, update, needs })
    }
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

/// Refuse what yrs must not decode before it sees it. An update is scanned whole, once
/// ([`scan`]); what it refers to is kept, in message order, for the document's check. For
/// state vectors and awareness, whose leading count yrs reserves room for up front, a
/// count larger than the payload is refused: a 20-byte message must not make the server
/// touch gigabytes (found by the decode_frame fuzz target). Messages are framed as yrs
/// frames them (`scan::payloads`), so none escapes the checks.
fn check_claimed_counts(
    frame: &[u8],
) -> Result<std::collections::VecDeque<Option<Needs>>, ProtocolError> {
    let mut needs = std::collections::VecDeque::new();
    for payload in scan::payloads(frame) {
        match payload {
            scan::Payload::Update(update) => match scan(update) {
                Scanned::Unsafe(found) => return Err(ProtocolError::BadUpdate(found.to_string())),
                Scanned::Safe(n) => needs.push_back(Some(n)),
                Scanned::Malformed => needs.push_back(None),
            },
            scan::Payload::Counted(counted) => match scan::leading_count(counted) {
                Some(n) if n > counted.len() as u64 => {
                    return Err(ProtocolError::Malformed(format!(
                        "a count of {n} in {} bytes",
                        counted.len()
                    )))
                }
                _ => {}
            },
        }
    }
    Ok(needs)
}

fn decode_messages(frame: &[u8]) -> Result<Vec<Inbound>, ProtocolError> {
    let mut needs = check_claimed_counts(frame)?;
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
                Inbound::Update(UpdateIn {
                    raw,
                    update,
                    needs: needs.pop_front().flatten(),
                })
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
    fn frames_with_unsafe_updates_are_refused_with_the_finding() {
        // A subdocument (13 bytes, from the apply_update fuzz target) in a live update and
        // in sync step 2; a repeated client (the first use-after-free input).
        let subdoc_bytes = [
            0x01, 0x01, 0x00, 0x00, 0x29, 0x01, 0x01, 0x09, 0x00, 0x00, 0x76, 0x00, 0x00,
        ];
        let subdoc = subdoc_bytes.to_vec();
        let repeated =
            include_bytes!("../../fuzz/known/apply_update-use-after-free-yrs-0.28.1.bin").to_vec();
        for (frame, finding) in [
            (update(subdoc.clone()), Unsafe::Subdocument),
            (sync_step2(subdoc), Unsafe::Subdocument),
            (update(repeated.clone()), Unsafe::RepeatedClient),
        ] {
            match decode_frame(&frame) {
                Err(ProtocolError::BadUpdate(m)) => assert_eq!(m, finding.to_string()),
                other => panic!("expected {finding:?}, got {other:?}"),
            }
        }
        // Framed the way yrs frames messages: a length that wraps around 2^32 (13 + 2^32
        // reads as 13) and a tag written in 11 bytes still reach the scan.
        let mut wrapped = vec![0, 2, 0x8d, 0x80, 0x80, 0x80, 0x10];
        wrapped.extend_from_slice(&subdoc_bytes);
        let mut long_tag = vec![0x80; 10];
        long_tag.extend([0x00, 0x02, 13]);
        long_tag.extend_from_slice(&subdoc_bytes);
        for frame in [wrapped, long_tag] {
            // yrs reads an update in each...
            let mut yrs_reads = DecoderV1::new(Cursor::new(&frame));
            assert!(matches!(
                MessageReader::new(&mut yrs_reads).next(),
                Some(Ok(Message::Sync(SyncMessage::Update(ref u)))) if u == &subdoc_bytes
            ));
            // ...and so does the scan.
            assert!(
                matches!(decode_frame(&frame), Err(ProtocolError::BadUpdate(ref m)) if m == &Unsafe::Subdocument.to_string()),
                "{frame:?}"
            );
        }
        // A raw update (an imported .ybin) is checked the same way.
        match UpdateIn::from_raw(repeated) {
            Err(ProtocolError::BadUpdate(m)) => assert_eq!(m, Unsafe::RepeatedClient.to_string()),
            other => panic!("expected a refusal, got {other:?}"),
        }
        // A board as the app writes it passes.
        let doc = crate::model::new_doc();
        let state = doc
            .transact()
            .encode_state_as_update_v1(&yrs::StateVector::default());
        assert!(decode_frame(&update(state)).is_ok());
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
            Inbound::Update(u) => {
                assert_eq!(u.raw, raw);
                assert!(u.needs.is_some(), "scanned once, in the frame");
            }
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
