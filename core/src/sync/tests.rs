use super::*;
use crate::model::board::Board;
use crate::model::{new_doc, Prompt, Role};
use crate::wire::Unsafe;
use yrs::{ReadTxn, StateVector};

fn limits() -> PeerLimits {
    PeerLimits {
        max_message_bytes: 1024,
        rate_per_sec: 10,
        rate_burst: 5,
    }
}

fn card_update(doc: &Doc, id: &str, text: &str) -> Vec<u8> {
    let before = doc.transact().state_vector();
    let board = Board::of(doc);
    board
        .add_card(
            &mut doc.transact_mut(),
            id,
            Prompt::How,
            text,
            "p1",
            Role::Patient,
            1.0,
        )
        .unwrap();
    doc.transact().encode_state_as_update_v1(&before)
}

fn card_ids(doc: &Doc) -> Vec<String> {
    let board = Board::of(doc);
    let txn = doc.transact();
    board.cards(&txn).into_iter().map(|c| c.id).collect()
}

fn sync_board(max_cards: usize, max_text: usize) -> SyncDoc {
    SyncDoc::new(
        new_doc(),
        0,
        Some(ContentLimits {
            max_cards,
            max_text,
            max_doc_bytes: usize::MAX,
        }),
    )
}

#[test]
fn an_update_is_integrated_and_trimmed_to_the_content_limits() {
    let board = sync_board(1, 5);
    let author = new_doc();
    let first = card_update(&author, "a", "hello world");
    let fix = board
        .integrate(UpdateIn::from_raw(first).unwrap())
        .unwrap()
        .trimmed
        .expect("text over the limit is cut");
    assert!(fix.reason.contains("limited to 5"), "{}", fix.reason);
    let second = card_update(&author, "b", "x");
    let fix = board
        .integrate(UpdateIn::from_raw(second).unwrap())
        .unwrap()
        .trimmed
        .expect("a second card is over the limit");
    assert!(fix.reason.contains("1 cards at most"), "{}", fix.reason);
    assert_eq!(card_ids(board.doc()), vec!["a".to_string()]);
    let b = Board::of(board.doc());
    assert_eq!(b.cards(&board.doc().transact())[0].text, "hello");
}

#[test]
fn updates_that_refer_to_what_the_document_lacks_are_refused_and_change_nothing() {
    let board = sync_board(100, 100);
    let author = new_doc();
    let _skipped = card_update(&author, "a", "first");
    let second = card_update(&author, "b", "second");
    // The second update continues a client's clocks past what the board has: a hole.
    assert!(matches!(
        board.integrate(UpdateIn::from_raw(second).unwrap()),
        Err(Refused::Missing)
    ));
    assert!(card_ids(board.doc()).is_empty());
    assert!(board.doc().transact().store().pending_update().is_none());
    // Once the board has the first, the whole state goes in.
    let whole = author
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    assert!(board
        .integrate(UpdateIn::from_raw(whole).unwrap())
        .unwrap()
        .trimmed
        .is_none());
    assert_eq!(
        card_ids(board.doc()),
        vec!["a".to_string(), "b".to_string()]
    );
    // An update the scan cannot follow is refused too (the check fails closed).
    let unfollowable = UpdateIn {
        needs: None,
        ..UpdateIn::from_raw(card_update(&author, "c", "third")).unwrap()
    };
    assert!(matches!(
        board.integrate(unfollowable),
        Err(Refused::Missing)
    ));
}

#[test]
fn server_changes_go_through_the_same_limits() {
    let board = sync_board(5, 3);
    let changed = board.change(Board::of, |b, txn| {
        b.add_card(
            txn,
            "s",
            Prompt::Values,
            "server text",
            "srv",
            Role::Facilitator,
            1.0,
        )
    });
    assert!(changed.result.is_ok());
    assert!(changed.update.is_some());
    assert!(changed.trimmed.is_some());
    let b = Board::of(board.doc());
    assert_eq!(b.cards(&board.doc().transact())[0].text, "ser");
    // A change that changes nothing has nothing to store.
    let nothing = board.change(|_| (), |_, _| 7);
    assert_eq!(nothing.result, 7);
    assert!(nothing.update.is_none() && nothing.trimmed.is_none());
}

#[test]
fn the_peer_refuses_big_fast_and_malformed_frames_with_their_codes() {
    let mut peer = Peer::new(limits(), Duration::ZERO);
    let big = vec![0u8; 2048];
    assert_eq!(
        peer.receive(&big, Duration::ZERO).unwrap_err().code,
        close::TOO_BIG
    );
    let bad = peer.receive(&[0, 9, 1, 2], Duration::ZERO).unwrap_err();
    assert_eq!(bad.code, close::INVALID);
    // An unsafe update closes with the scan's finding as the reason.
    let subdoc = [
        0x01, 0x01, 0x00, 0x00, 0x29, 0x01, 0x01, 0x09, 0x00, 0x00, 0x76, 0x00, 0x00,
    ];
    let refused = peer
        .receive(&wire::update(subdoc.to_vec()), Duration::ZERO)
        .unwrap_err();
    assert_eq!(
        refused,
        Close::new(
            close::INVALID,
            format!("malformed document update: {}", Unsafe::Subdocument)
        )
    );
    // Of the burst of 5, the two frames above took one each (the big one was refused
    // before it counted); a frame of four messages takes four: more than the three left.
    let mut queries = wire::sync_step1(StateVector::default());
    for _ in 0..3 {
        queries.extend([3u8]);
    }
    assert_eq!(
        peer.receive(&queries, Duration::ZERO).unwrap_err().code,
        close::POLICY
    );
    // Time refills the bucket.
    assert_eq!(
        peer.receive(&queries, Duration::from_secs(1))
            .unwrap()
            .len(),
        4
    );
}

#[test]
fn a_refused_writer_is_told_once_per_reason() {
    let mut peer = Peer::new(limits(), Duration::ZERO);
    assert!(peer.deny("the board is locked").is_some());
    assert!(peer.deny("the board is locked").is_none());
    assert!(peer.deny("this link is read-only").is_some());
    peer.accepted();
    assert!(peer.deny("this link is read-only").is_some());
}

#[test]
fn close_reasons_fit_a_close_frame() {
    let c = Close::new(close::INVALID, "é".repeat(100));
    assert!(c.reason.len() <= 123);
    assert!(c.reason.chars().all(|ch| ch == 'é'));
}

#[test]
fn a_client_answers_step1_applies_updates_and_reports_the_rest() {
    let server = new_doc();
    let raw = card_update(&server, "a", "hi");
    let client = new_doc();
    let msgs = wire::decode_frame(&wire::update(raw)).unwrap();
    for m in msgs {
        assert!(matches!(
            client_receive(&client, "remote", true, m),
            ClientEvent::Applied
        ));
    }
    assert_eq!(card_ids(&client), vec!["a".to_string()]);
    let step1 = wire::decode_frame(&wire::sync_step1(StateVector::default()))
        .unwrap()
        .remove(0);
    assert!(matches!(
        client_receive(&client, "remote", true, step1),
        ClientEvent::Reply(_)
    ));
    let step1 = wire::decode_frame(&wire::sync_step1(StateVector::default()))
        .unwrap()
        .remove(0);
    assert!(matches!(
        client_receive(&client, "remote", false, step1),
        ClientEvent::Nothing
    ));
    let denied = wire::decode_frame(&wire::permission_denied("no"))
        .unwrap()
        .remove(0);
    assert!(matches!(
        client_receive(&client, "remote", true, denied),
        ClientEvent::Denied(r) if r == "no"
    ));
}

#[test]
fn a_document_stops_growing_at_its_size_limit_and_says_so() {
    let board = SyncDoc::new(
        new_doc(),
        0,
        Some(ContentLimits {
            max_cards: 1_000,
            max_text: 2_000,
            max_doc_bytes: 4_000,
        }),
    );
    let author = new_doc();
    let mut taken = 0;
    let refusal = loop {
        let update = card_update(&author, &format!("c{taken}"), &"x".repeat(900));
        match board.integrate(UpdateIn::from_raw(update).unwrap()) {
            Ok(_) => taken += 1,
            Err(e) => break e,
        }
        assert!(taken < 10, "the limit held");
    };
    assert!(matches!(refusal, Refused::Full { max: 4_000 }));
    assert_eq!(Close::from(&refusal).code, close::POLICY);
    assert!(Close::from(&refusal).reason.contains("full"));
    assert_eq!(card_ids(board.doc()).len(), taken);
    assert!(board.bytes() <= 4_000);
    // Encoding the whole document (compaction) measures it anew.
    let state = board.encode_state();
    assert_eq!(board.bytes(), state.len());
}

#[test]
fn a_board_refuses_content_in_a_root_type_it_does_not_have() {
    let board = sync_board(100, 100);
    let other = new_doc();
    let junk = other.get_or_insert_map("junk");
    {
        let mut txn = other.transact_mut();
        yrs::Map::insert(&junk, &mut txn, "k", "x".repeat(1_000));
    }
    let update = other
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    let refused = board
        .integrate(UpdateIn::from_raw(update).unwrap())
        .unwrap_err();
    assert!(
        matches!(&refused, Refused::UnknownRoot(r) if r == "junk"),
        "{refused}"
    );
    assert_eq!(Close::from(&refused).code, close::POLICY);
    assert!(board.doc().transact().store().pending_update().is_none());
    // The schema's roots are taken.
    let author = new_doc();
    let ok = card_update(&author, "a", "fine");
    assert!(board.integrate(UpdateIn::from_raw(ok).unwrap()).is_ok());
    // A document without content limits (a control document) is not held to them.
    let control = SyncDoc::new(new_doc(), 0, None);
    let update = other
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    assert!(control
        .integrate(UpdateIn::from_raw(update).unwrap())
        .is_ok());
}
