//! One test suite for the storage interface (`server::store`), run against every backend:
//! what the hub and the directory rely on, asserted through the traits alone. A second
//! backend adds one line at the bottom (`suite!(name, open)`).

mod common;

use std::path::Path;

use cocreate_core::catalog::{DocKey, LinkRole};
use cocreate_core::consult::{
    Answer, Consultation, Decision, DraftItem, Outcome, Response, RoundKind, Stance,
};
use server::store::{LogStats, NewLink, Store};

/// A store with one workshop `w` and two boards `b` and `c` (in that order).
fn seeded(open: fn(&Path) -> Store, dir: &Path) -> Store {
    let store = open(dir);
    store
        .create_workshop("w", "Workshop", "MSK", "2026-11-24")
        .unwrap();
    store
        .create_board("b", "w", "Board", "Consultancy", b"base")
        .unwrap();
    store
        .create_board("c", "w", "Second", "Research and innovation", b"base-c")
        .unwrap();
    store
}

pub async fn appends_are_durable_in_order_and_survive_reopen(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let futs: Vec<_> = (0..100u8)
        .map(|i| store.append(&DocKey::board("b"), vec![i]))
        .collect();
    for f in futs {
        f.await.unwrap();
    }
    let loaded = store.load(&DocKey::board("b")).unwrap().unwrap();
    assert_eq!(loaded.base.as_deref(), Some(&b"base"[..]));
    assert_eq!(
        loaded.updates,
        (0..100u8).map(|i| vec![i]).collect::<Vec<_>>()
    );
    assert_eq!(store.pending_bytes(), 0);
    store.close();
    // After close nothing more is taken, and the error says so.
    assert!(store.append(&DocKey::board("b"), vec![1]).await.is_err());
    let again = open(dir.path());
    assert_eq!(
        again
            .load(&DocKey::board("b"))
            .unwrap()
            .unwrap()
            .updates
            .len(),
        100
    );
    again.close();
}

pub async fn compaction_replaces_exactly_the_rows_queued_before_it(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let a = store.append(&DocKey::board("b"), vec![1]);
    let other = store.append(&DocKey::board("c"), vec![9]);
    let c = store.compact(&DocKey::board("b"), b"state-with-1".to_vec());
    let d = store.append(&DocKey::board("b"), vec![2]);
    let barrier = store.barrier();
    a.await.unwrap();
    other.await.unwrap();
    c.await.unwrap();
    d.await.unwrap();
    barrier.await.unwrap();
    let loaded = store.load(&DocKey::board("b")).unwrap().unwrap();
    assert_eq!(loaded.base.as_deref(), Some(&b"state-with-1"[..]));
    assert_eq!(loaded.updates, vec![vec![2]]);
    assert_eq!(
        store.log_stats(&DocKey::board("b")).unwrap(),
        LogStats {
            log_rows: 1,
            has_base: true
        }
    );
    // Another board's log is untouched.
    let c = store.load(&DocKey::board("c")).unwrap().unwrap();
    assert_eq!(
        (c.base.as_deref(), c.updates),
        (Some(&b"base-c"[..]), vec![vec![9]])
    );
    store.close();
}

pub async fn control_documents_exist_with_their_board_and_unknown_ones_do_not(
    open: fn(&Path) -> Store,
) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let control = DocKey::control("b");
    let empty = store.load(&control).unwrap().unwrap();
    assert!(empty.base.is_none() && empty.updates.is_empty());
    store.append(&control, vec![7]).await.unwrap();
    assert_eq!(
        store.load(&control).unwrap().unwrap().updates,
        vec![vec![7]]
    );
    // The board's own log is separate.
    assert!(store
        .load(&DocKey::board("b"))
        .unwrap()
        .unwrap()
        .updates
        .is_empty());
    assert!(store.load(&DocKey::board("nope")).unwrap().is_none());
    assert!(store.load(&DocKey::control("nope")).unwrap().is_none());
    store.close();
}

pub async fn the_catalogue_lists_renames_and_archives(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    assert_eq!(store.workshop_count().unwrap(), 1);
    let w = store.workshop("w").unwrap().unwrap();
    let ids: Vec<&str> = w.boards.iter().map(|b| b.id.as_str()).collect();
    assert_eq!(ids, vec!["b", "c"]);
    assert_eq!(w.boards[0].area, "MSK");
    assert!(store.workshop("nope").unwrap().is_none());
    assert!(store.board_summary("nope").unwrap().is_none());
    assert_eq!(
        store.board_summary("c").unwrap().unwrap().workshop_title,
        "Workshop"
    );
    store
        .update_board("c", Some("Renamed"), Some(true))
        .unwrap();
    store.update_workshop("w", Some("New title"), None).unwrap();
    let c = store.board_summary("c").unwrap().unwrap();
    assert_eq!((c.title.as_str(), c.archived), ("Renamed", true));
    assert_eq!(c.workshop_title, "New title");
    assert!(!store.workshop("w").unwrap().unwrap().archived);
    store
        .create_workshop("v", "Later", "Cancer Care", "")
        .unwrap();
    store
        .create_board("v1", "v", "V", "Consultancy", b"")
        .unwrap();
    let all: Vec<String> = store
        .all_boards()
        .unwrap()
        .into_iter()
        .map(|b| b.id)
        .collect();
    assert_eq!(all, vec!["b", "c", "v1"]);
    // A board in an unknown workshop is refused.
    assert!(store.create_board("x", "nope", "X", "P", b"").is_err());
    store.close();
}

pub async fn snapshots_are_kept_whole_and_listed_oldest_first(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let first = store
        .create_snapshot("b", "Start", "manual", b"s1")
        .unwrap();
    let second = store.create_snapshot("b", "Locked", "lock", b"s2").unwrap();
    store.create_snapshot("c", "Other", "phase", b"s3").unwrap();
    assert!(second.id > first.id);
    let names: Vec<String> = store
        .snapshots("b")
        .unwrap()
        .into_iter()
        .map(|s| s.name)
        .collect();
    assert_eq!(names, vec!["Start", "Locked"]);
    let (snap, data) = store.snapshot("b", second.id).unwrap().unwrap();
    assert_eq!((snap, data), (second.clone(), b"s2".to_vec()));
    // A snapshot is found only under its own board.
    assert!(store.snapshot("c", first.id).unwrap().is_none());
    let all = store.all_snapshots().unwrap();
    assert_eq!(all["b"].len(), 2);
    assert_eq!(all["c"][0].reason, "phase");
    store.close();
}

pub async fn links_are_kept_by_hash_until_revoked(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let link = |hash: &'static str, board: Option<&'static str>, role: LinkRole| NewLink {
        token_hash: hash,
        workshop: "w",
        board,
        role,
        label: "",
        expires_ms: None,
    };
    store
        .create_link(&NewLink {
            label: "Ward 3 tablet",
            expires_ms: Some(99),
            ..link("h1", None, LinkRole::Facilitator)
        })
        .unwrap();
    store
        .create_link(&link("h2", Some("b"), LinkRole::Participant))
        .unwrap();
    // The same hash twice is refused (tokens are unique).
    assert!(store
        .create_link(&link("h1", None, LinkRole::Observer))
        .is_err());
    let mut links = store.links().unwrap();
    links.sort_by(|a, b| a.token_hash.cmp(&b.token_hash));
    assert_eq!(links.len(), 2);
    let (h1, h2) = (&links[0], &links[1]);
    assert_eq!(
        (
            h1.token_hash.as_str(),
            h1.workshop.as_str(),
            h1.board.as_deref(),
            h1.role
        ),
        ("h1", "w", None, LinkRole::Facilitator)
    );
    assert_eq!(
        (h1.label.as_str(), h1.expires_ms, h1.last_used_ms),
        ("Ward 3 tablet", Some(99), None)
    );
    assert!(h1.created_ms > 0);
    assert_eq!(
        (
            h2.board.as_deref(),
            h2.role,
            h2.label.as_str(),
            h2.expires_ms
        ),
        (Some("b"), LinkRole::Participant, "", None)
    );
    // Expiry and last use are kept.
    store.set_link_expiry("h2", Some(1234)).unwrap();
    store.touch_link("h2", 5678).unwrap();
    store.set_link_expiry("h1", None).unwrap();
    let links = store.links().unwrap();
    let h2 = links.iter().find(|l| l.token_hash == "h2").unwrap();
    assert_eq!((h2.expires_ms, h2.last_used_ms), (Some(1234), Some(5678)));
    assert_eq!(
        links
            .iter()
            .find(|l| l.token_hash == "h1")
            .unwrap()
            .expires_ms,
        None
    );
    store.revoke_link("h1").unwrap();
    let left: Vec<String> = store
        .links()
        .unwrap()
        .into_iter()
        .map(|l| l.token_hash)
        .collect();
    assert_eq!(left, vec!["h2"]);
    store.close();
}

fn item(id: &str) -> DraftItem {
    serde_json::from_value(serde_json::json!({
        "id": id, "kind": "theme", "prompt": "purpose", "text": format!("Item {id}")
    }))
    .unwrap()
}

pub async fn rounds_keep_drafts_answers_and_outcomes(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let draft = Consultation {
        id: "r".into(),
        workshop_id: "w".into(),
        board_id: "b".into(),
        title: "Draft".into(),
        kind: RoundKind::Agreement,
        open: true,
        created_ms: 5,
        snapshot: None,
        items: vec![item("a"), item("b")],
    };
    store.create_consultation(&draft, "hash").unwrap();
    assert_eq!(
        store.consultation("r").unwrap(),
        Some((draft.clone(), "hash".to_string()))
    );
    assert!(store.consultation("nope").unwrap().is_none());
    let answer = |item: &str, stance: Option<Stance>, comment: &str| Answer {
        item: item.into(),
        stance,
        comment: comment.into(),
    };
    let response = |who: &str, answers: Vec<Answer>| Response {
        respondent: who.into(),
        name: format!("Name {who}"),
        organisation: "Body".into(),
        answers,
        secret: None,
    };
    store
        .save_response(
            "r",
            &response("p1", vec![answer("a", Some(Stance::Agree), "")]),
            10,
        )
        .unwrap();
    store
        .save_response("r", &response("p2", vec![answer("a", None, "unsure")]), 11)
        .unwrap();
    // A later answer to the same item replaces the earlier one.
    store
        .save_response(
            "r",
            &response("p1", vec![answer("a", Some(Stance::Disagree), "changed")]),
            12,
        )
        .unwrap();
    let all = store.answers("r", None).unwrap();
    assert_eq!(all.len(), 2);
    let mine = store.answers("r", Some("p1")).unwrap();
    assert_eq!(
        (
            mine.len(),
            mine[0].stance,
            mine[0].comment.as_str(),
            mine[0].updated_ms
        ),
        (1, Some(Stance::Disagree), "changed", 12)
    );
    assert_eq!(
        store.consultations_of("w").unwrap(),
        vec![(draft.clone(), 2)]
    );
    // Each respondent's secret is given once.
    assert!(store.claim_respondent("r", "p1", "h1").unwrap());
    assert!(!store.claim_respondent("r", "p1", "h2").unwrap());
    assert_eq!(
        store.respondent_secret("r", "p1").unwrap().as_deref(),
        Some("h1")
    );
    assert_eq!(store.respondent_secret("r", "p2").unwrap(), None);
    store.set_consultation_open("r", false).unwrap();
    assert!(!store.consultation("r").unwrap().unwrap().0.open);
    let outcome = |item: &str, decision: Decision| Outcome {
        item: item.into(),
        decision,
        note: String::new(),
        decided_ms: 20,
    };
    store
        .record_outcome("r", &outcome("b", Decision::Amended))
        .unwrap();
    store
        .record_outcome("r", &outcome("a", Decision::Agreed))
        .unwrap();
    store
        .record_outcome("r", &outcome("a", Decision::NotAgreed))
        .unwrap();
    assert_eq!(
        store.outcomes("r").unwrap(),
        vec![
            outcome("a", Decision::NotAgreed),
            outcome("b", Decision::Amended)
        ]
    );
    // Replies: kept in order of writing, hidden and shown again by id, text as it is.
    let reply = |id: &str, at: i64, who: Option<&str>| cocreate_core::consult::Reply {
        id: id.into(),
        item: "a".into(),
        respondent: who.map(str::to_string),
        name: who.map_or("Facilitator", |_| "Ana").into(),
        organisation: String::new(),
        text: format!("'; DROP TABLE consultation_replies; -- \u{1F5E8} {id}"),
        created_ms: at,
        hidden: false,
        facilitator: who.is_none(),
    };
    store.save_reply("r", &reply("z", 30, Some("p1"))).unwrap();
    store.save_reply("r", &reply("y", 31, None)).unwrap();
    assert!(store.set_reply_hidden("r", "z", true).unwrap());
    assert!(!store.set_reply_hidden("r", "nope", true).unwrap());
    let mut hidden = reply("z", 30, Some("p1"));
    hidden.hidden = true;
    assert_eq!(
        store.replies("r").unwrap(),
        vec![hidden, reply("y", 31, None)]
    );
    assert!(store.replies("other").unwrap().is_empty());
    store.close();
}

pub async fn held_cards_are_kept_per_board_until_released(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    store.hold_card("b", "x", r#"{"id":"x"}"#).unwrap();
    store.hold_card("b", "y", r#"{"id":"y"}"#).unwrap();
    store
        .hold_card("c", "x", r#"{"id":"x","other":1}"#)
        .unwrap();
    // Holding again replaces.
    store.hold_card("b", "x", r#"{"id":"x","v":2}"#).unwrap();
    let held = store.held_cards("b").unwrap();
    let ids: Vec<&str> = held.iter().map(|(id, _)| id.as_str()).collect();
    assert_eq!(ids.len(), 2);
    assert!(ids.contains(&"x") && ids.contains(&"y"));
    let x = &held.iter().find(|(id, _)| id == "x").unwrap().1;
    assert_eq!(x.card, r#"{"id":"x","v":2}"#);
    assert_eq!(x.board, "b");
    let released = store.release_card("b", "x").unwrap().unwrap();
    assert_eq!(released.card, r#"{"id":"x","v":2}"#);
    assert_eq!(store.release_card("b", "x").unwrap(), None);
    assert_eq!(store.held_cards("b").unwrap().len(), 1);
    assert_eq!(
        store.held_cards("c").unwrap().len(),
        1,
        "other boards keep theirs"
    );
    store.close();
}

pub async fn drafts_of_a_board_are_listed_by_pseudonym(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    assert!(store.drafts("b").unwrap().is_empty());
    store
        .append(&DocKey::draft("b", "p-2"), vec![1])
        .await
        .unwrap();
    store
        .append(&DocKey::draft("b", "p-1"), vec![2])
        .await
        .unwrap();
    store
        .append(&DocKey::draft("b", "p-1"), vec![3])
        .await
        .unwrap();
    store
        .append(&DocKey::draft("c", "p-3"), vec![4])
        .await
        .unwrap();
    store.append(&DocKey::board("b"), vec![5]).await.unwrap();
    store.append(&DocKey::control("b"), vec![6]).await.unwrap();
    assert_eq!(store.drafts("b").unwrap(), vec!["p-1", "p-2"]);
    // Compacted drafts are still listed.
    store
        .compact(&DocKey::draft("c", "p-3"), vec![9])
        .await
        .unwrap();
    assert_eq!(store.drafts("c").unwrap(), vec!["p-3"]);
    let loaded = store.load(&DocKey::draft("b", "p-1")).unwrap().unwrap();
    assert_eq!(loaded.updates, vec![vec![2], vec![3]]);
    store.close();
}

pub async fn rosters_keep_one_entry_per_pseudonym_and_workshop(open: fn(&Path) -> Store) {
    use cocreate_core::model::Role;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    store
        .create_workshop("v", "Other", "MSK", "2026-11-25")
        .unwrap();
    store.join_roster("w", "p-1", "Ana", Role::Patient).unwrap();
    store
        .join_roster("w", "p-2", "Ben", Role::Clinician)
        .unwrap();
    store
        .join_roster("v", "p-1", "Ana elsewhere", Role::Educator)
        .unwrap();
    // Joining again updates.
    store
        .join_roster("w", "p-1", "Ana P", Role::Stakeholder)
        .unwrap();
    let w = store.roster("w").unwrap();
    assert_eq!(w.len(), 2);
    assert_eq!(w[0].pseudonym, "p-1");
    assert_eq!(w[0].name.as_deref(), Some("Ana P"));
    assert_eq!(w[0].role, Role::Stakeholder);
    assert_eq!(w[1].role, Role::Clinician);
    assert_eq!(store.roster("v").unwrap()[0].role, Role::Educator);
    store.close();
}

pub async fn notices_keep_every_version_and_consents_their_withdrawal(open: fn(&Path) -> Store) {
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    assert_eq!(store.notice("w").unwrap(), None);
    let v1 = store.set_notice("w", "plain one", "easy one").unwrap();
    let v2 = store.set_notice("w", "plain two", "easy two").unwrap();
    assert_eq!((v1.version, v2.version), (1, 2));
    let now = store.notice("w").unwrap().unwrap();
    assert_eq!(
        (now.version, now.plain.as_str(), now.easy_read.as_str()),
        (2, "plain two", "easy two")
    );
    store.record_consent("w", "p-1", 1).unwrap();
    store.record_consent("w", "p-1", 2).unwrap();
    store.record_consent("w", "p-2", 2).unwrap();
    // Agreeing again keeps the first time.
    let first = store.consents("w").unwrap()[0].given_ms;
    store.record_consent("w", "p-1", 1).unwrap();
    assert_eq!(store.consents("w").unwrap()[0].given_ms, first);
    store.withdraw_consent("w", "p-1").unwrap();
    let kept = store.consents("w").unwrap();
    let by = |p: &str| kept.iter().filter(|c| c.pseudonym == p).collect::<Vec<_>>();
    assert_eq!(by("p-1").len(), 2, "withdrawn consents are kept as records");
    assert!(by("p-1").iter().all(|c| c.withdrawn_ms.is_some()));
    assert!(by("p-2").iter().all(|c| c.withdrawn_ms.is_none()));
    // Agreeing after withdrawing is a new consent.
    store.record_consent("w", "p-1", 2).unwrap();
    let again = store.consents("w").unwrap();
    assert!(again
        .iter()
        .any(|c| c.pseudonym == "p-1" && c.version == 2 && c.withdrawn_ms.is_none()));
    store.close();
}

pub async fn erasure_rewrites_snapshots_leaves_rosters_and_keeps_records(open: fn(&Path) -> Store) {
    use cocreate_core::catalog::ErasureRecord;
    use cocreate_core::model::Role;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let snap = store
        .create_snapshot("b", "s", "manual", b"before")
        .unwrap();
    store.replace_snapshot("b", snap.id, b"after").unwrap();
    assert_eq!(store.snapshot("b", snap.id).unwrap().unwrap().1, b"after");
    assert_eq!(
        store.snapshots("b").unwrap()[0].name,
        "s",
        "the entry stays"
    );
    store.join_roster("w", "p-1", "Ana", Role::Patient).unwrap();
    assert!(store.leave_roster("w", "p-1").unwrap());
    assert!(!store.leave_roster("w", "p-1").unwrap());
    assert!(store.roster("w").unwrap().is_empty());
    let record = ErasureRecord {
        pseudonym: "p-1".into(),
        at_ms: 5,
        by: "a facilitator".into(),
        cards: 3,
        votes: 2,
        held: 1,
        snapshots: 4,
        copies: 1,
        draft_items: 2,
    };
    store.record_erasure("w", &record).unwrap();
    store
        .record_erasure(
            "w",
            &ErasureRecord {
                pseudonym: "p-2".into(),
                ..record.clone()
            },
        )
        .unwrap();
    let kept = store.erasures("w").unwrap();
    assert_eq!(kept.len(), 2);
    assert_eq!(kept[0], record);
    assert!(store.erasures("v").unwrap().is_empty());
    store.scrub().unwrap();
    store.close();
}

pub async fn the_audit_log_keeps_entries_per_workshop_in_order(open: fn(&Path) -> Store) {
    use cocreate_core::catalog::AuditEntry;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let entry = |action: &str| AuditEntry {
        at_ms: 7,
        actor: "Sam's laptop (facilitator link 0123456789abcdef)".into(),
        action: action.into(),
        target: "b".into(),
        detail: "json".into(),
    };
    store.append_audit("w", &entry("lock")).unwrap();
    store.append_audit("v", &entry("elsewhere")).unwrap();
    store.append_audit("w", &entry("export")).unwrap();
    assert_eq!(store.audit("w").unwrap(), [entry("lock"), entry("export")]);
    assert_eq!(store.audit("v").unwrap(), [entry("elsewhere")]);
    assert!(store.audit("x").unwrap().is_empty());
    store.close();
}

pub async fn retention_is_kept_due_and_done_once(open: fn(&Path) -> Store) {
    use cocreate_core::catalog::{Retention, RetentionAction};
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    store
        .create_workshop("v", "Other", "MSK", "2026-11-25")
        .unwrap();
    let rule = |until_ms, action| Retention {
        until_ms,
        action,
        done_ms: None,
    };
    assert_eq!(store.retention("w").unwrap(), None);
    store
        .set_retention("w", Some(&rule(100, RetentionAction::Erase)))
        .unwrap();
    store
        .set_retention("v", Some(&rule(200, RetentionAction::Archive)))
        .unwrap();
    assert_eq!(
        store.retention("w").unwrap(),
        Some(rule(100, RetentionAction::Erase))
    );
    assert!(store.retention_due(99).unwrap().is_empty());
    assert_eq!(
        store.retention_due(150).unwrap(),
        [("w".to_string(), rule(100, RetentionAction::Erase))]
    );
    assert_eq!(store.retention_due(200).unwrap().len(), 2);
    store.retention_done("w", 150).unwrap();
    assert_eq!(store.retention("w").unwrap().unwrap().done_ms, Some(150));
    assert_eq!(store.retention_due(300).unwrap().len(), 1, "done once");
    // Setting it again starts afresh; clearing removes it.
    store
        .set_retention("w", Some(&rule(400, RetentionAction::Archive)))
        .unwrap();
    assert_eq!(store.retention("w").unwrap().unwrap().done_ms, None);
    store.set_retention("v", None).unwrap();
    assert_eq!(store.retention("v").unwrap(), None);
    store.close();
}

pub async fn questions_and_answers_are_kept_with_the_roster(open: fn(&Path) -> Store) {
    use cocreate_core::catalog::AttributeQuestion;
    use cocreate_core::model::Role;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    assert!(store.questions("w").unwrap().is_empty());
    let qs = vec![AttributeQuestion {
        id: "profession".into(),
        label: "Profession".into(),
        choices: vec!["Nurse".into()],
    }];
    store.set_questions("w", &qs).unwrap();
    assert_eq!(store.questions("w").unwrap(), qs);
    store.join_roster("w", "p-1", "Ana", Role::Patient).unwrap();
    let answers =
        std::collections::BTreeMap::from([("profession".to_string(), "Nurse".to_string())]);
    store.set_attributes("w", "p-1", &answers).unwrap();
    assert_eq!(store.roster("w").unwrap()[0].attributes, answers);
    // Joining again keeps them; leaving takes them with the entry.
    store
        .join_roster("w", "p-1", "Ana P", Role::Patient)
        .unwrap();
    assert_eq!(store.roster("w").unwrap()[0].attributes, answers);
    store.leave_roster("w", "p-1").unwrap();
    store.join_roster("w", "p-1", "Ana", Role::Patient).unwrap();
    assert!(store.roster("w").unwrap()[0].attributes.is_empty());
    store.close();
}

pub async fn plans_are_kept_per_workshop_and_replaced_whole(open: fn(&Path) -> Store) {
    use cocreate_core::model::plan::{Plan, RunSheet};
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    assert_eq!(
        store.plan("w").unwrap(),
        None,
        "no plan saved: the built-in one"
    );
    let mut plan = Plan::default();
    plan.run_sheet.steps.truncate(2);
    plan.run_sheet.steps[1].message = "Vote now \u{1F5F3} — «quotes» and 'apostrophes'".into();
    store.set_plan("w", &plan).unwrap();
    assert_eq!(store.plan("w").unwrap(), Some(plan.clone()));
    let again = Plan {
        run_sheet: RunSheet::builtin(),
        allocation: cocreate_core::model::plan::Allocation::Balanced,
        groups: vec!["Ward A".into(), "Ward B".into()],
        votes_per_person: 5,
        prompts: {
            let mut p = cocreate_core::model::schema::PromptText::builtin_all();
            p[3].easy = "Was ist dir wichtig? \u{1F49B}".into();
            p
        },
        notice: None,
    };
    store.set_plan("w", &again).unwrap();
    assert_eq!(store.plan("w").unwrap(), Some(again.clone()));
    // Named plans: kept by name for every workshop, the same name replaced.
    assert!(store.saved_plans().unwrap().is_empty());
    let saved = |name: &str, plan: &Plan, at: i64| cocreate_core::model::plan::SavedPlan {
        name: name.into(),
        plan: plan.clone(),
        from_workshop: "w".into(),
        saved_ms: at,
    };
    store
        .save_named_plan(&saved("Values exercise", &plan, 1))
        .unwrap();
    store
        .save_named_plan(&saved("Cancer care «day 1»", &again, 2))
        .unwrap();
    store
        .save_named_plan(&saved("Values exercise", &again, 3))
        .unwrap();
    assert_eq!(
        store.saved_plans().unwrap(),
        vec![
            saved("Cancer care «day 1»", &again, 2),
            saved("Values exercise", &again, 3)
        ]
    );
    store.close();
}

pub async fn codings_keep_codebook_phase_analysts_and_codes(open: fn(&Path) -> Store) {
    use cocreate_core::analysis::{AnalystInfo, CodingPhase};
    use cocreate_core::coding::{Code, Codebook};
    use server::store::{StoredAnalyst, AGREED_CODER};
    use std::collections::BTreeSet;
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    assert_eq!(store.coding_setup("w").unwrap(), None);
    // A phase set first keeps an empty codebook; a codebook set later keeps the phase.
    store.set_coding_phase("w", CodingPhase::Compare).unwrap();
    assert_eq!(
        store.coding_setup("w").unwrap(),
        Some((Codebook::default(), CodingPhase::Compare))
    );
    let book = Codebook {
        codes: vec![
            Code {
                id: "c1".into(),
                name: "Access «to care»".into(),
                definition: "Getting seen \u{1F3E5}; 'quotes'".into(),
                parent: None,
            },
            Code {
                id: "c2".into(),
                name: "Waiting".into(),
                definition: String::new(),
                parent: Some("c1".into()),
            },
        ],
    };
    store.set_codebook("w", &book).unwrap();
    assert_eq!(
        store.coding_setup("w").unwrap(),
        Some((book.clone(), CodingPhase::Compare))
    );
    store.set_coding_phase("w", CodingPhase::Blind).unwrap();
    assert_eq!(
        store.coding_setup("w").unwrap(),
        Some((book, CodingPhase::Blind))
    );

    let analyst = |id: &str, at: i64| StoredAnalyst {
        workshop: "w".into(),
        info: AnalystInfo {
            id: id.into(),
            name: format!("Analyst {id}"),
            created_ms: at,
            coded: 0,
            revoked_ms: None,
        },
        token_hash: format!("hash-{id}"),
    };
    store.add_analyst(&analyst("b2", 2)).unwrap();
    store.add_analyst(&analyst("a1", 1)).unwrap();
    assert_eq!(
        store.analysts("w").unwrap(),
        vec![analyst("a1", 1), analyst("b2", 2)]
    );
    assert!(store.analysts("other").unwrap().is_empty());
    assert_eq!(
        store.analyst_by_token("hash-b2").unwrap(),
        Some(analyst("b2", 2))
    );
    assert_eq!(store.analyst_by_token("hash-zz").unwrap(), None);
    // A revoked analyst's link finds nobody; the analyst stays, marked.
    assert!(!store.revoke_analyst("w", "zz", 9).unwrap());
    store.add_analyst(&analyst("c9", 9)).unwrap();
    assert!(store.revoke_analyst("w", "c9", 10).unwrap());
    assert!(store.revoke_analyst("w", "c9", 11).unwrap());
    assert_eq!(store.analyst_by_token("hash-c9").unwrap(), None);
    assert_eq!(
        store.analysts("w").unwrap()[2].info.revoked_ms,
        Some(10),
        "the first time kept"
    );
    // A token hash belongs to one analyst only.
    let mut twin = analyst("c3", 3);
    twin.token_hash = "hash-a1".into();
    assert!(store.add_analyst(&twin).is_err());

    let set = |codes: &[&str]| codes.iter().map(|c| c.to_string()).collect::<BTreeSet<_>>();
    store
        .set_card_codes("w", "a1", "b/x", &set(&["c1", "c2"]))
        .unwrap();
    store.set_card_codes("w", "a1", "b/y", &set(&[])).unwrap();
    store
        .set_card_codes("w", "b2", "b/x", &set(&["c2"]))
        .unwrap();
    store
        .set_card_codes("w", "a1", "b/x", &set(&["c1"]))
        .unwrap();
    store
        .set_card_codes("w", AGREED_CODER, "b/x", &set(&["c1"]))
        .unwrap();
    let all = store.codings("w").unwrap();
    assert_eq!(all.len(), 3);
    assert_eq!(all["a1"].get("b/x"), Some(&set(&["c1"])));
    assert_eq!(
        all["a1"].get("b/y"),
        Some(&set(&[])),
        "looked at, none apply"
    );
    assert_eq!(all["b2"].len(), 1);
    assert_eq!(all[AGREED_CODER]["b/x"], set(&["c1"]));
    assert!(store.codings("other").unwrap().is_empty());
    store.close();
}

pub async fn delphi_studies_keep_rounds_respondents_and_ratings(open: fn(&Path) -> Store) {
    use cocreate_core::delphi::{
        ConsensusRule, DelphiItem, DelphiRound, Respondent, Scale, StoredRating, Study,
    };
    let dir = tempfile::tempdir().unwrap();
    let store = seeded(open, dir.path());
    let study = Study {
        id: "d1".into(),
        workshop_id: "w".into(),
        title: "Framework «draft»".into(),
        scale: Scale::ThreePoint,
        rule: ConsensusRule {
            high_at_least: 75,
            low_under: 10,
        },
        items: vec![
            DelphiItem {
                id: "i1".into(),
                text: "Nothing about us without us \u{1F91D}".into(),
            },
            DelphiItem {
                id: "i2".into(),
                text: "Time".into(),
            },
        ],
        created_ms: 5,
    };
    assert_eq!(store.study("d1").unwrap(), None);
    store.create_study(&study).unwrap();
    assert_eq!(store.study("d1").unwrap(), Some(study.clone()));
    assert_eq!(store.studies_of("w").unwrap(), vec![study.clone()]);
    assert!(store.studies_of("other").unwrap().is_empty());

    let mut round = DelphiRound {
        number: 1,
        items: vec!["i1".into(), "i2".into()],
        open: true,
        opened_ms: 10,
        closed_ms: None,
    };
    store.save_round("d1", &round).unwrap();
    round.open = false;
    round.closed_ms = Some(20);
    store.save_round("d1", &round).unwrap();
    let second = DelphiRound {
        number: 2,
        items: vec!["i2".into()],
        open: true,
        opened_ms: 30,
        closed_ms: None,
    };
    store.save_round("d1", &second).unwrap();
    assert_eq!(store.rounds("d1").unwrap(), vec![round, second]);

    let who = |code: &str, at: i64| Respondent {
        code: code.into(),
        created_ms: at,
        revoked_ms: None,
    };
    store.add_respondent("d1", &who("P02", 2), "h2").unwrap();
    store.add_respondent("d1", &who("P01", 1), "h1").unwrap();
    assert!(
        store.add_respondent("d1", &who("P01", 3), "h3").is_err(),
        "a code once"
    );
    assert!(
        store.add_respondent("d1", &who("P03", 3), "h1").is_err(),
        "a link once"
    );
    assert_eq!(
        store.respondents("d1").unwrap(),
        vec![who("P01", 1), who("P02", 2)]
    );
    assert_eq!(
        store.respondent_by_token("h2").unwrap(),
        Some(("d1".to_string(), "P02".to_string()))
    );
    assert_eq!(store.respondent_by_token("nope").unwrap(), None);
    assert!(!store.revoke_respondent("d1", "P09", 50).unwrap());
    assert!(store.revoke_respondent("d1", "P02", 50).unwrap());
    assert_eq!(store.respondent_by_token("h2").unwrap(), None);
    assert_eq!(store.respondents("d1").unwrap()[1].revoked_ms, Some(50));

    let rating = |round: u32, code: &str, item: &str, value: u8, comment: &str| StoredRating {
        round,
        respondent: code.into(),
        item: item.into(),
        value,
        comment: comment.into(),
        at_ms: 40,
    };
    store
        .save_ratings(
            "d1",
            &[
                rating(1, "P01", "i1", 3, "Yes «really»"),
                rating(1, "P01", "i2", 1, ""),
                rating(1, "P02", "i1", 2, ""),
            ],
        )
        .unwrap();
    store
        .save_ratings("d1", &[rating(1, "P01", "i2", 2, "changed my mind")])
        .unwrap();
    store
        .save_ratings("d1", &[rating(2, "P02", "i2", 3, "")])
        .unwrap();
    assert_eq!(
        store.ratings("d1").unwrap(),
        vec![
            rating(1, "P01", "i1", 3, "Yes «really»"),
            rating(1, "P01", "i2", 2, "changed my mind"),
            rating(1, "P02", "i1", 2, ""),
            rating(2, "P02", "i2", 3, ""),
        ]
    );
    store.close();
}

/// Every test of the suite for one backend.
macro_rules! suite {
    ($backend:ident, $open:expr) => {
        mod $backend {
            use super::*;
            const OPEN: fn(&Path) -> Store = $open;
            #[tokio::test]
            async fn appends_are_durable_in_order_and_survive_reopen() {
                super::appends_are_durable_in_order_and_survive_reopen(OPEN).await
            }
            #[tokio::test]
            async fn compaction_replaces_exactly_the_rows_queued_before_it() {
                super::compaction_replaces_exactly_the_rows_queued_before_it(OPEN).await
            }
            #[tokio::test]
            async fn control_documents_exist_with_their_board_and_unknown_ones_do_not() {
                super::control_documents_exist_with_their_board_and_unknown_ones_do_not(OPEN).await
            }
            #[tokio::test]
            async fn the_catalogue_lists_renames_and_archives() {
                super::the_catalogue_lists_renames_and_archives(OPEN).await
            }
            #[tokio::test]
            async fn snapshots_are_kept_whole_and_listed_oldest_first() {
                super::snapshots_are_kept_whole_and_listed_oldest_first(OPEN).await
            }
            #[tokio::test]
            async fn links_are_kept_by_hash_until_revoked() {
                super::links_are_kept_by_hash_until_revoked(OPEN).await
            }
            #[tokio::test]
            async fn drafts_of_a_board_are_listed_by_pseudonym() {
                super::drafts_of_a_board_are_listed_by_pseudonym(OPEN).await
            }
            #[tokio::test]
            async fn rosters_keep_one_entry_per_pseudonym_and_workshop() {
                super::rosters_keep_one_entry_per_pseudonym_and_workshop(OPEN).await
            }
            #[tokio::test]
            async fn notices_keep_every_version_and_consents_their_withdrawal() {
                super::notices_keep_every_version_and_consents_their_withdrawal(OPEN).await
            }
            #[tokio::test]
            async fn erasure_rewrites_snapshots_leaves_rosters_and_keeps_records() {
                super::erasure_rewrites_snapshots_leaves_rosters_and_keeps_records(OPEN).await
            }
            #[tokio::test]
            async fn the_audit_log_keeps_entries_per_workshop_in_order() {
                super::the_audit_log_keeps_entries_per_workshop_in_order(OPEN).await
            }
            #[tokio::test]
            async fn retention_is_kept_due_and_done_once() {
                super::retention_is_kept_due_and_done_once(OPEN).await
            }
            #[tokio::test]
            async fn questions_and_answers_are_kept_with_the_roster() {
                super::questions_and_answers_are_kept_with_the_roster(OPEN).await
            }
            #[tokio::test]
            async fn plans_are_kept_per_workshop_and_replaced_whole() {
                super::plans_are_kept_per_workshop_and_replaced_whole(OPEN).await
            }
            #[tokio::test]
            async fn held_cards_are_kept_per_board_until_released() {
                super::held_cards_are_kept_per_board_until_released(OPEN).await
            }
            #[tokio::test]
            async fn codings_keep_codebook_phase_analysts_and_codes() {
                super::codings_keep_codebook_phase_analysts_and_codes(OPEN).await
            }
            #[tokio::test]
            async fn delphi_studies_keep_rounds_respondents_and_ratings() {
                super::delphi_studies_keep_rounds_respondents_and_ratings(OPEN).await
            }
            #[tokio::test]
            async fn rounds_keep_drafts_answers_and_outcomes() {
                super::rounds_keep_drafts_answers_and_outcomes(OPEN).await
            }
        }
    };
}

suite!(sqlite, |dir| Store::open(dir.join("db/cocreate.db"))
    .unwrap());
suite!(postgres, |dir| Store::connect(
    &common::postgres::database_for(dir)
)
.unwrap());
