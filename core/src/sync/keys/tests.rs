//! Each rule, with a participant's client making the change through yrs as any client
//! could, and the board checked unchanged afterwards.

use super::super::{ContentLimits, Refused, SyncDoc, UpdateIn};
use super::Permit;
use crate::model::board::Board;
use crate::model::control::Phase;
use crate::model::rules::{Action, Forbidden};
use crate::model::{new_doc, Prompt, Role};
use yrs::updates::decoder::Decode;
use yrs::{Doc, Map, MapRef, ReadTxn, StateVector, Transact, TransactionMut, Update};

const ME: &str = "p-me";
const OTHER: &str = "p-other";

fn board() -> SyncDoc {
    let board = SyncDoc::new(
        new_doc(),
        0,
        Some(ContentLimits {
            max_cards: 100,
            max_text: 500,
            max_doc_bytes: usize::MAX,
        }),
    );
    board.change(Board::of, |b, txn| {
        b.init_meta(txn, "Board", "MSK", "Consultancy");
        for (id, who) in [("mine", ME), ("theirs", OTHER)] {
            b.add_card(txn, id, Prompt::How, "text", who, Role::Patient, 1.0)
                .unwrap();
        }
        b.add_theme(txn, "t1", Prompt::How, "Theme").unwrap();
    });
    board
}

fn permit(phase: Phase) -> Permit {
    Permit {
        actor: ME.into(),
        facilitator: false,
        phase,
        votes_per_person: 3,
        private: false,
        secret_ballot: false,
        draft: false,
        shared_delete: false,
    }
}

/// A client holding the board's state makes `f`; the update it would send.
fn client_change(board: &SyncDoc, f: impl FnOnce(&Board, &mut TransactionMut)) -> Vec<u8> {
    let doc = Doc::new();
    let state = board
        .doc()
        .transact()
        .encode_state_as_update_v1(&StateVector::default());
    doc.transact_mut()
        .apply_update(Update::decode_v1(&state).unwrap())
        .unwrap();
    let b = Board::of(&doc);
    let before = doc.transact().state_vector();
    f(&b, &mut doc.transact_mut());
    let update = doc.transact().encode_state_as_update_v1(&before);
    update
}

fn state(board: &SyncDoc) -> Vec<u8> {
    board
        .doc()
        .transact()
        .encode_state_as_update_v1(&StateVector::default())
}

/// `f` as `permit`: refused with `expect`, and the board unchanged.
fn refused(phase: Phase, expect: Forbidden, f: impl FnOnce(&Board, &mut TransactionMut)) {
    let board = board();
    let before = state(&board);
    let update = client_change(&board, f);
    match board.integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&permit(phase))) {
        Err(Refused::Forbidden(got)) => assert_eq!(got, expect),
        other => panic!("expected {expect:?}, got {other:?}"),
    }
    assert_eq!(
        state(&board),
        before,
        "nothing of a refused update is applied"
    );
}

fn allowed(phase: Phase, f: impl FnOnce(&Board, &mut TransactionMut)) -> SyncDoc {
    let board = board();
    let update = client_change(&board, f);
    board
        .integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&permit(phase)))
        .expect("allowed");
    board
}

fn card_map(b: &Board, txn: &TransactionMut, id: &str) -> MapRef {
    match b.cards.get(txn, id) {
        Some(yrs::Out::YMap(m)) => m,
        _ => panic!("no card {id}"),
    }
}

#[test]
fn participants_add_edit_move_and_delete_their_own_cards_while_writing() {
    let board = allowed(Phase::Write, |b, txn| {
        b.add_card_as(txn, "new", Prompt::Values, "hi", ME, None, 2.0)
            .unwrap();
        b.set_card_text(txn, "theirs", "co-edited", None).unwrap();
        b.move_card(txn, "theirs", Prompt::Purpose, None, None)
            .unwrap();
        b.delete_card(txn, "mine");
    });
    let b = Board::of(board.doc());
    let txn = board.doc().transact();
    let ids: Vec<String> = b.cards(&txn).into_iter().map(|c| c.id).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"new".to_string()) && !ids.contains(&"mine".to_string()));
    assert_eq!(b.card(&txn, "theirs").unwrap().text, "co-edited");
}

#[test]
fn cards_are_added_only_as_oneself_and_never_as_a_facilitator() {
    refused(Phase::Write, Forbidden::NotAsYourself, |b, txn| {
        b.add_card_as(txn, "new", Prompt::How, "x", OTHER, None, 2.0)
            .unwrap();
    });
    // A role on a card (any role): roles are in the roster, not the board.
    refused(Phase::Write, Forbidden::RoleFromRoster, |b, txn| {
        b.add_card(txn, "new", Prompt::How, "x", ME, Role::Patient, 2.0)
            .unwrap();
    });
    refused(Phase::Write, Forbidden::Moderation, |b, txn| {
        b.add_card_as(txn, "new", Prompt::How, "x", ME, None, 2.0)
            .unwrap();
        b.set_hidden(txn, "new", true).unwrap();
    });
}

#[test]
fn authorship_moderation_and_meta_are_not_participants_to_change() {
    refused(Phase::Write, Forbidden::Fixed("author".into()), |b, txn| {
        card_map(b, txn, "theirs").insert(txn, "author", ME);
    });
    refused(
        Phase::Write,
        Forbidden::Fixed("created".into()),
        |b, txn| {
            card_map(b, txn, "mine").insert(txn, "created", 5.0);
        },
    );
    refused(Phase::Write, Forbidden::Moderation, |b, txn| {
        b.set_hidden(txn, "theirs", true).unwrap();
    });
    refused(
        Phase::Write,
        Forbidden::FacilitatorsOnly("the board's title and details"),
        |b, txn| b.set_title(txn, "Renamed"),
    );
    refused(Phase::Write, Forbidden::NotYours, |b, txn| {
        b.delete_card(txn, "theirs")
    });
    refused(Phase::Write, Forbidden::NotYours, |b, txn| {
        b.add_card_as(txn, "theirs", Prompt::How, "x", ME, None, 2.0)
            .unwrap();
    });
    refused(
        Phase::Write,
        Forbidden::Fixed("x-extra".into()),
        |b, txn| {
            card_map(b, txn, "mine").insert(txn, "x-extra", "smuggled");
        },
    );
}

#[test]
fn each_phase_allows_only_its_own_actions() {
    refused(Phase::Vote, Forbidden::Phase(Action::Write), |b, txn| {
        b.add_card_as(txn, "new", Prompt::How, "x", ME, None, 2.0)
            .unwrap();
    });
    refused(Phase::Group, Forbidden::Phase(Action::Write), |b, txn| {
        b.set_card_text(txn, "mine", "late edit", None).unwrap();
    });
    refused(Phase::Write, Forbidden::Phase(Action::Theme), |b, txn| {
        b.rename_theme(txn, "t1", "Mine now").unwrap();
    });
    refused(Phase::Review, Forbidden::Phase(Action::Move), |b, txn| {
        b.move_card(txn, "mine", Prompt::Purpose, None, None)
            .unwrap();
    });
    refused(Phase::Write, Forbidden::Phase(Action::Vote), |b, txn| {
        b.vote(txn, "mine", ME, 1, 3).unwrap();
    });
    allowed(Phase::Group, |b, txn| {
        b.add_theme(txn, "t2", Prompt::How, "Ours").unwrap();
        b.move_card(txn, "theirs", Prompt::How, Some("t2"), None)
            .unwrap();
        b.dissolve_theme(txn, "t1");
    });
}

#[test]
fn votes_are_cast_as_oneself_within_the_allowance() {
    let board = allowed(Phase::Vote, |b, txn| {
        b.vote(txn, "theirs", ME, 2, 3).unwrap();
    });
    let b = Board::of(board.doc());
    assert_eq!(b.my_votes(&board.doc().transact(), "theirs", ME), 2);
    refused(Phase::Vote, Forbidden::NotYourVote, |b, txn| {
        b.vote(txn, "theirs", OTHER, 1, 3).unwrap();
    });
    refused(Phase::Vote, Forbidden::VoteLimit(3), |b, txn| {
        b.vote(txn, "theirs", ME, 4, 100).unwrap();
    });
    refused(Phase::Vote, Forbidden::VoteLimit(3), |b, txn| {
        b.set_votes(txn, "theirs", ME, 2);
        b.set_votes(txn, "mine", ME, 2);
    });
}

#[test]
fn facilitators_may_do_anything_and_the_copy_follows_the_board() {
    let board = board();
    let mut f = permit(Phase::Review);
    f.facilitator = true;
    // Not even a facilitator marks a card hidden over the websocket: it would still
    // reach everyone (the moderation API takes it off the board instead).
    let mark = client_change(&board, |b, txn| b.set_hidden(txn, "theirs", true).unwrap());
    match board.integrate_as(UpdateIn::from_raw(mark).unwrap(), Some(&f)) {
        Err(Refused::Forbidden(Forbidden::HideThroughModeration)) => {}
        other => panic!("{other:?}"),
    }
    let update = client_change(&board, |b, txn| {
        b.delete_card(txn, "theirs");
        b.set_title(txn, "Renamed");
    });
    board
        .integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&f))
        .unwrap();
    // A server change, then a participant edit that builds on both.
    board.change(Board::of, |b, txn| {
        b.add_card(txn, "server", Prompt::How, "s", OTHER, Role::Educator, 3.0)
            .unwrap();
    });
    let update = client_change(&board, |b, txn| {
        b.set_card_text(txn, "server", "edited", None).unwrap();
    });
    board
        .integrate_as(
            UpdateIn::from_raw(update).unwrap(),
            Some(&permit(Phase::Write)),
        )
        .unwrap();
    let b = Board::of(board.doc());
    let txn = board.doc().transact();
    assert_eq!(b.card(&txn, "server").unwrap().text, "edited");
    assert_eq!(b.meta(&txn).title, "Renamed");
}

#[test]
fn after_a_refusal_the_next_allowed_update_still_applies() {
    let board = board();
    let bad = client_change(&board, |b, txn| b.delete_card(txn, "theirs"));
    assert!(board
        .integrate_as(
            UpdateIn::from_raw(bad).unwrap(),
            Some(&permit(Phase::Write))
        )
        .is_err());
    let good = client_change(&board, |b, txn| {
        b.set_card_text(txn, "mine", "fine", None).unwrap();
    });
    board
        .integrate_as(
            UpdateIn::from_raw(good).unwrap(),
            Some(&permit(Phase::Write)),
        )
        .unwrap();
    let b = Board::of(board.doc());
    let txn = board.doc().transact();
    assert_eq!(b.card(&txn, "mine").unwrap().text, "fine");
    assert!(b.card(&txn, "theirs").is_some());
}

#[test]
fn while_writing_privately_no_card_is_added_to_the_board_itself() {
    let board = board();
    let update = client_change(&board, |b, txn| {
        b.add_card_as(txn, "new", Prompt::How, "x", ME, None, 2.0)
            .unwrap();
    });
    let mut p = permit(Phase::Write);
    p.private = true;
    match board.integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&p)) {
        Err(Refused::Forbidden(Forbidden::PrivateWriting)) => {}
        other => panic!("{other:?}"),
    }
    // Editing the text of a card already on the board is still allowed.
    let edit = client_change(&board, |b, txn| {
        b.set_card_text(txn, "mine", "edited", None).unwrap();
    });
    board
        .integrate_as(UpdateIn::from_raw(edit).unwrap(), Some(&p))
        .unwrap();
}

#[test]
fn while_tallies_are_secret_votes_go_only_on_ones_ballot() {
    let mut p = permit(Phase::Vote);
    p.secret_ballot = true;
    let board = board();
    let update = client_change(&board, |b, txn| b.set_votes(txn, "mine", ME, 1));
    match board.integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&p)) {
        Err(Refused::Forbidden(Forbidden::SecretBallot)) => {}
        other => panic!("{other:?}"),
    }
    // On a ballot (a draft: the board's cards are not in it), within the allowance.
    let ballot = SyncDoc::new(
        new_doc(),
        0,
        Some(ContentLimits {
            max_cards: 100,
            max_text: 500,
            max_doc_bytes: usize::MAX,
        }),
    );
    let mut d = permit(Phase::Vote);
    d.draft = true;
    let vote = client_change(&ballot, |b, txn| b.set_votes(txn, "on-the-board", ME, 3));
    ballot
        .integrate_as(UpdateIn::from_raw(vote).unwrap(), Some(&d))
        .unwrap();
    let over = client_change(&ballot, |b, txn| b.set_votes(txn, "another", ME, 1));
    assert!(ballot
        .integrate_as(UpdateIn::from_raw(over).unwrap(), Some(&d))
        .is_err());
}

#[test]
fn a_board_that_shares_its_cards_lets_participants_delete_each_others_cards_only_while_writing() {
    let shared = |phase| Permit {
        shared_delete: true,
        ..permit(phase)
    };
    let first = board();
    let update = client_change(&first, |b, txn| b.delete_card(txn, "theirs"));
    first
        .integrate_as(
            UpdateIn::from_raw(update).unwrap(),
            Some(&shared(Phase::Write)),
        )
        .expect("deleting another's card is allowed when the board shares its cards");
    let left = Board::of(first.doc());
    assert!(left.card(&first.doc().transact(), "theirs").is_none());
    // Still only while writing, and still nothing else of theirs.
    let second = board();
    let update = client_change(&second, |b, txn| b.delete_card(txn, "theirs"));
    assert!(matches!(
        second.integrate_as(
            UpdateIn::from_raw(update).unwrap(),
            Some(&shared(Phase::Vote))
        ),
        Err(Refused::Forbidden(Forbidden::Phase(_)))
    ));
}

#[test]
fn participants_react_as_themselves_in_any_phase_and_change_their_mind() {
    use crate::model::schema::Reaction;
    for phase in [Phase::Write, Phase::Group, Phase::Vote, Phase::Review] {
        let board = allowed(phase, |b, txn| {
            b.react(txn, "theirs", ME, Some(Reaction::Important));
            b.react(txn, "mine", ME, Some(Reaction::Agree));
        });
        let b = Board::of(board.doc());
        let txn = board.doc().transact();
        assert_eq!(b.my_reaction(&txn, "theirs", ME), Some(Reaction::Important));
        assert_eq!(b.reaction_counts(&txn, "mine")[0], (Reaction::Agree, 1));
    }
    // Taking one back, and changing it.
    let board = board();
    for change in [Some(Reaction::Question), Some(Reaction::Unclear), None] {
        let update = client_change(&board, |b, txn| b.react(txn, "theirs", ME, change));
        board
            .integrate_as(
                UpdateIn::from_raw(update).unwrap(),
                Some(&permit(Phase::Review)),
            )
            .expect("allowed");
        let b = Board::of(board.doc());
        assert_eq!(b.my_reaction(&board.doc().transact(), "theirs", ME), change);
    }
}

#[test]
fn reactions_are_refused_as_someone_else_with_unknown_words_or_on_no_card() {
    use crate::model::schema::Reaction;
    refused(Phase::Write, Forbidden::NotYourReaction, |b, txn| {
        b.react(txn, "mine", OTHER, Some(Reaction::Agree));
    });
    refused(Phase::Write, Forbidden::NotYourReaction, |b, txn| {
        b.react(txn, "no-such-card", ME, Some(Reaction::Agree));
    });
    refused(Phase::Write, Forbidden::NotYourReaction, |b, txn| {
        let m = b.reactions.insert(txn, "mine", yrs::MapPrelim::default());
        m.insert(txn, ME, "<b>love</b>");
    });
    refused(Phase::Write, Forbidden::NotYourReaction, |b, txn| {
        let m = b.reactions.insert(txn, "mine", yrs::MapPrelim::default());
        m.insert(txn, ME, 5.0);
    });
    // Someone else's reaction stays theirs: taking it away is refused too.
    let board = board();
    board.change(Board::of, |b, txn| {
        b.react(txn, "mine", OTHER, Some(Reaction::Agree))
    });
    let update = client_change(&board, |b, txn| b.react(txn, "mine", OTHER, None));
    assert!(matches!(
        board.integrate_as(
            UpdateIn::from_raw(update).unwrap(),
            Some(&permit(Phase::Write))
        ),
        Err(Refused::Forbidden(Forbidden::NotYourReaction))
    ));
    let update = client_change(&board, |b, txn| {
        b.reactions.remove(txn, "mine");
    });
    assert!(matches!(
        board.integrate_as(
            UpdateIn::from_raw(update).unwrap(),
            Some(&permit(Phase::Write))
        ),
        Err(Refused::Forbidden(Forbidden::NotYourReaction))
    ));
}

#[test]
fn erasing_a_person_takes_their_reactions_and_leaves_others() {
    use crate::model::schema::Reaction;
    let board = board();
    board.change(Board::of, |b, txn| {
        b.react(txn, "theirs", ME, Some(Reaction::Agree));
        b.react(txn, "theirs", OTHER, Some(Reaction::Agree));
        b.erase_person(txn, ME);
    });
    let b = Board::of(board.doc());
    let txn = board.doc().transact();
    assert_eq!(
        b.all_reactions(&txn),
        vec![("theirs".into(), OTHER.into(), Reaction::Agree)]
    );
}

/// A board where OTHER has commented on "mine" and reacted and voted on it.
fn board_with_others_thread() -> SyncDoc {
    use crate::model::schema::Reaction;
    let board = board();
    board.change(Board::of, |b, txn| {
        b.add_comment(txn, "mine", "c-other", OTHER, "Why this?", 2.0)
            .unwrap();
        b.react(txn, "mine", OTHER, Some(Reaction::Agree));
        b.set_votes(txn, "mine", OTHER, 1);
    });
    board
}

fn refused_on(
    board: &SyncDoc,
    phase: Phase,
    f: impl FnOnce(&Board, &mut TransactionMut),
) -> Forbidden {
    let before = state(board);
    let update = client_change(board, f);
    let got = match board.integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&permit(phase))) {
        Err(Refused::Forbidden(got)) => got,
        other => panic!("expected a refusal, got {other:?}"),
    };
    assert_eq!(
        state(board),
        before,
        "nothing of a refused update is applied"
    );
    got
}

#[test]
fn participants_comment_as_themselves_in_any_phase_and_delete_their_own() {
    for phase in [Phase::Write, Phase::Group, Phase::Vote, Phase::Review] {
        let board = board_with_others_thread();
        for (id, text, at) in [("c-1", "I agree with this", 3.0), ("c-2", "And more", 4.0)] {
            let update = client_change(&board, |b, txn| {
                b.add_comment(txn, "mine", id, ME, text, at).unwrap()
            });
            board
                .integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&permit(phase)))
                .expect("allowed");
        }
        // A first comment on a card with no thread yet makes the thread.
        let update = client_change(&board, |b, txn| {
            b.add_comment(txn, "theirs", "c-3", ME, "<b>not bold</b>", 5.0)
                .unwrap()
        });
        board
            .integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&permit(phase)))
            .expect("allowed");
        let update = client_change(&board, |b, txn| b.delete_comment(txn, "mine", "c-1"));
        board
            .integrate_as(UpdateIn::from_raw(update).unwrap(), Some(&permit(phase)))
            .expect("allowed");
        let b = Board::of(board.doc());
        let txn = board.doc().transact();
        let thread: Vec<(String, String)> = b
            .comments_on(&txn, "mine")
            .into_iter()
            .map(|c| (c.author, c.text))
            .collect();
        assert_eq!(
            thread,
            vec![
                (OTHER.into(), "Why this?".into()),
                (ME.into(), "And more".into())
            ]
        );
        assert_eq!(b.comments_on(&txn, "theirs")[0].text, "<b>not bold</b>");
    }
}

#[test]
fn comments_are_refused_as_someone_else_on_no_card_too_long_or_over_others() {
    let board = board_with_others_thread();
    // A comment written key by key, as a stock Yjs client would.
    let put = |thread: &MapRef, txn: &mut TransactionMut, id: &str, author: &str, text: &str| {
        let c = thread.insert(txn, id, yrs::MapPrelim::default());
        c.insert(txn, "author", author);
        c.insert(txn, "text", text);
        c.insert(txn, "created", 9.0);
        c
    };
    let thread = |b: &Board, txn: &mut TransactionMut, card: &str| match b.comments.get(txn, card) {
        Some(yrs::Out::YMap(m)) => m,
        _ => b.comments.insert(txn, card, yrs::MapPrelim::default()),
    };
    type Change = Box<dyn Fn(&Board, &mut TransactionMut)>;
    let cases: Vec<(&str, Change)> = vec![
        (
            "as someone else",
            Box::new(move |b, txn| {
                let t = thread(b, txn, "mine");
                put(&t, txn, "c-x", OTHER, "forged");
            }),
        ),
        (
            "on no card",
            Box::new(move |b, txn| {
                let t = thread(b, txn, "no-such-card");
                put(&t, txn, "c-x", ME, "hello");
            }),
        ),
        (
            "too long",
            Box::new(move |b, txn| {
                let long = "x".repeat(crate::model::schema::MAX_COMMENT_TEXT + 1);
                let t = thread(b, txn, "mine");
                put(&t, txn, "c-x", ME, &long);
            }),
        ),
        (
            "empty",
            Box::new(move |b, txn| {
                let t = thread(b, txn, "mine");
                put(&t, txn, "c-x", ME, "   ");
            }),
        ),
        (
            "not a comment",
            Box::new(move |b, txn| {
                thread(b, txn, "mine").insert(txn, "c-x", "just a string");
            }),
        ),
        (
            "with extra keys",
            Box::new(move |b, txn| {
                let t = thread(b, txn, "mine");
                put(&t, txn, "c-x", ME, "hi").insert(txn, "hidden", true);
            }),
        ),
        (
            "changing another's comment",
            Box::new(move |b, txn| {
                let t = thread(b, txn, "mine");
                put(&t, txn, "c-other", ME, "mine now");
            }),
        ),
        (
            "rewriting another's text",
            Box::new(move |b, txn| {
                if let Some(yrs::Out::YMap(c)) = thread(b, txn, "mine").get(txn, "c-other") {
                    c.insert(txn, "text", "changed");
                }
            }),
        ),
        (
            "taking over another's comment",
            Box::new(move |b, txn| {
                if let Some(yrs::Out::YMap(c)) = thread(b, txn, "mine").get(txn, "c-other") {
                    c.insert(txn, "author", ME);
                }
            }),
        ),
        (
            "deleting another's comment",
            Box::new(move |b, txn| {
                b.delete_comment(txn, "mine", "c-other");
            }),
        ),
        (
            "removing a whole thread",
            Box::new(move |b, txn| {
                b.comments.remove(txn, "mine");
            }),
        ),
        (
            "a new thread over others'",
            Box::new(move |b, txn| {
                let m = b.comments.insert(txn, "mine", yrs::MapPrelim::default());
                put(&m, txn, "c-x", ME, "only mine");
            }),
        ),
    ];
    for (what, f) in cases {
        assert_eq!(
            refused_on(&board, Phase::Write, |b, txn| f(b, txn)),
            Forbidden::NotYourComment,
            "{what}"
        );
    }
}

#[test]
fn a_new_map_over_others_votes_or_reactions_is_refused() {
    use crate::model::schema::Reaction;
    let board = board_with_others_thread();
    assert_eq!(
        refused_on(&board, Phase::Write, |b, txn| {
            let m = b.reactions.insert(txn, "mine", yrs::MapPrelim::default());
            m.insert(txn, ME, Reaction::Agree.as_str());
        }),
        Forbidden::NotYourReaction
    );
    assert_eq!(
        refused_on(&board, Phase::Vote, |b, txn| {
            let m = b.votes.insert(txn, "mine", yrs::MapPrelim::default());
            m.insert(txn, ME, 1.0);
        }),
        Forbidden::NotYourVote
    );
}

#[test]
fn erasing_a_person_takes_their_comments_and_threads_under_their_cards() {
    let board = board();
    board.change(Board::of, |b, txn| {
        b.add_comment(txn, "theirs", "c1", ME, "mine", 1.0).unwrap();
        b.add_comment(txn, "theirs", "c2", OTHER, "theirs", 2.0)
            .unwrap();
        b.add_comment(txn, "mine", "c3", OTHER, "on my card", 3.0)
            .unwrap();
        b.erase_person(txn, ME);
    });
    let b = Board::of(board.doc());
    let txn = board.doc().transact();
    let left: Vec<String> = b.all_comments(&txn).into_iter().map(|c| c.id).collect();
    assert_eq!(left, vec!["c2".to_string()]);
}

#[test]
fn a_participant_rewrites_the_text_of_their_own_comment() {
    let board = board_with_others_thread();
    board.change(Board::of, |b, txn| {
        b.add_comment(txn, "mine", "c-me", ME, "first words", 3.0)
            .unwrap()
    });
    let update = client_change(&board, |b, txn| {
        if let Some(yrs::Out::YMap(t)) = b.comments.get(txn, "mine") {
            if let Some(yrs::Out::YMap(c)) = t.get(txn, "c-me") {
                c.insert(txn, "text", "better words");
            }
        }
    });
    board
        .integrate_as(
            UpdateIn::from_raw(update).unwrap(),
            Some(&permit(Phase::Review)),
        )
        .expect("allowed");
    let b = Board::of(board.doc());
    let thread = b.comments_on(&board.doc().transact(), "mine");
    assert_eq!(thread[1].text, "better words");
}

#[test]
fn participants_put_a_picture_only_on_their_own_cards_and_only_from_the_set() {
    use crate::model::schema::Symbol;
    // On a new card, on one's own, changed and taken away.
    let board = allowed(Phase::Write, |b, txn| {
        b.add_card_as(txn, "new", Prompt::Values, "hi", ME, None, 2.0)
            .unwrap();
        b.set_card_symbol(txn, "new", Some(Symbol::Heart)).unwrap();
        b.set_card_symbol(txn, "mine", Some(Symbol::Star)).unwrap();
    });
    {
        let (b, txn) = (Board::of(board.doc()), board.doc().transact());
        assert_eq!(b.card(&txn, "new").unwrap().symbol, Some(Symbol::Heart));
        assert_eq!(b.card(&txn, "mine").unwrap().symbol, Some(Symbol::Star));
    }
    allowed(Phase::Write, |b, txn| {
        b.set_card_symbol(txn, "mine", None).unwrap();
    });
    // Not on someone else's card, not outside writing, nothing not in the set.
    refused(Phase::Write, Forbidden::NotYours, |b, txn| {
        b.set_card_symbol(txn, "theirs", Some(Symbol::Heart))
            .unwrap();
    });
    refused(Phase::Vote, Forbidden::Phase(Action::Write), |b, txn| {
        b.set_card_symbol(txn, "mine", Some(Symbol::Heart)).unwrap();
    });
    refused(Phase::Write, Forbidden::UnknownSymbol, |b, txn| {
        card_map(b, txn, "mine").insert(txn, "symbol", "<img src=x onerror=alert(1)>");
    });
    refused(Phase::Write, Forbidden::UnknownSymbol, |b, txn| {
        b.add_card_as(txn, "new", Prompt::How, "x", ME, None, 2.0)
            .unwrap();
        card_map(b, txn, "new").insert(txn, "symbol", 7.0);
    });
}
