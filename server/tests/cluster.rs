//! Several nodes on one PostgreSQL database: one owner per board, by lease.

mod common;

use std::time::Duration;

use cocreate_core::catalog::DocKey;
use server::store::postgres::ClusterNode;
use server::store::{Owner, Store, StoreError};

/// The cluster tests run one at a time: each starts three nodes, and timings (leases,
/// takeovers) would otherwise depend on how busy the other tests keep two cores.
static ONE_AT_A_TIME: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

fn node(url: &str, name: &str, lease_ms: u64) -> Store {
    Store::connect_node(
        url,
        ClusterNode {
            node: name.into(),
            addr: format!("{name}.internal:3000"),
            lease: Duration::from_millis(lease_ms),
        },
    )
    .unwrap()
}

#[tokio::test]
async fn a_replaced_owner_is_fenced_and_the_new_owner_has_everything_durable() {
    let _turn = ONE_AT_A_TIME.lock().await;
    let url = common::postgres::database("cluster_leases");
    let a = node(&url, "a", 400);
    let b = node(&url, "b", 400);
    a.create_workshop("w", "W", "MSK", "").unwrap();
    a.create_board("x", "w", "X", "Research", b"base").unwrap();
    let doc = DocKey::board("x");

    assert_eq!(a.claim("x").unwrap(), Owner::Here { epoch: 1 });
    assert_eq!(
        b.claim("x").unwrap(),
        Owner::Node {
            node: "a".into(),
            addr: "a.internal:3000".into()
        }
    );
    a.append(&doc, vec![1]).await.unwrap();
    // A node that does not hold the lease writes nothing.
    assert!(matches!(
        b.append(&doc, vec![9]).await,
        Err(StoreError::Fenced { .. })
    ));
    // Renewal keeps it: still a's after more than a lease time.
    for _ in 0..4 {
        tokio::time::sleep(Duration::from_millis(150)).await;
        assert!(a.renew_leases().unwrap().is_empty());
    }
    assert!(matches!(b.claim("x").unwrap(), Owner::Node { .. }));
    // a stops renewing (stopped, or cut off); once the lease runs out b takes over
    // under a new epoch, and a's next commit is refused.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(b.claim("x").unwrap(), Owner::Here { epoch: 2 });
    assert!(matches!(
        a.append(&doc, vec![2]).await,
        Err(StoreError::Fenced { .. })
    ));
    assert!(matches!(
        a.compact(&doc, b"lost".to_vec()).await,
        Err(StoreError::Fenced { .. })
    ));
    assert_eq!(
        a.renew_leases().unwrap(),
        Vec::<String>::new(),
        "a holds nothing now"
    );
    b.append(&doc, vec![3]).await.unwrap();
    let stored = b.load(&doc).unwrap().unwrap();
    assert_eq!(stored.base.as_deref(), Some(&b"base"[..]));
    assert_eq!(stored.updates, vec![vec![1], vec![3]]);

    // A graceful hand-over: b releases, a takes it at once (epoch 3).
    b.release("x").unwrap();
    assert_eq!(a.claim("x").unwrap(), Owner::Here { epoch: 3 });
    a.append(&doc, vec![4]).await.unwrap();
    assert!(matches!(
        b.append(&doc, vec![5]).await,
        Err(StoreError::Fenced { .. })
    ));
    a.close();
    b.close();
}

/// One node: the real binary, as a member of a cluster.
struct Node {
    child: std::process::Child,
    port: u16,
    _data: tempfile::TempDir,
    data_path: std::path::PathBuf,
}

struct Cluster {
    db: String,
    redis: common::redis::Redis,
    lease_ms: u64,
    /// Last, so the next test's turn starts only after this one's Redis has stopped
    /// (fields drop in the order they are declared).
    _turn: tokio::sync::MutexGuard<'static, ()>,
}

impl Cluster {
    /// The node holding the demo board's lease.
    fn owner(&self) -> String {
        common::postgres::sql(
            &self.db,
            &format!(
                "SELECT node FROM board_leases WHERE board = '{}'",
                common::DEMO
            ),
        )
    }

    async fn new(name: &str, lease_ms: u64) -> Cluster {
        let turn = ONE_AT_A_TIME.lock().await;
        Cluster {
            _turn: turn,
            db: common::postgres::database(name),
            redis: common::redis::Redis::start(),
            lease_ms,
        }
    }

    /// Start node `name` (the first one seeds the demo workshop) and wait for its port.
    async fn node(&self, name: &str, demo: bool) -> Node {
        let data = tempfile::tempdir().unwrap();
        let port = common::free_port();
        let node = self.node_on(name, demo, data, port);
        assert!(common::port_opens(node.port).await, "node {name} started");
        node
    }

    fn node_on(&self, name: &str, demo: bool, data: tempfile::TempDir, port: u16) -> Node {
        let mut cmd = std::process::Command::new(env!("CARGO_BIN_EXE_cocreate"));
        cmd.args(["--database", &self.db, "--cluster", &self.redis.url()])
            .args(["--node", name, "--cluster-key", "test-cluster-key"])
            .args(["--bind", &format!("127.0.0.1:{port}")])
            .args(["--advertise", &format!("127.0.0.1:{port}")])
            .args(["--lease-ms", &self.lease_ms.to_string(), "--data-dir"])
            .arg(data.path())
            .env(
                "RUST_LOG",
                std::env::var("NODE_LOG").unwrap_or("warn,server=info".into()),
            )
            // The node's log, in its data folder (NODE_LOG=info for more).
            .stdout(std::fs::File::create(data.path().join("node.log")).unwrap())
            .stderr(std::fs::File::create(data.path().join("node.err")).unwrap());
        if !demo {
            cmd.arg("--no-demo");
        }
        let child = cmd.spawn().expect("start a node");
        Node {
            child,
            port,
            data_path: data.path().to_path_buf(),
            _data: data,
        }
    }
}

impl Node {
    /// A link from the demo links file the first node wrote.
    fn link(&self, role: &str) -> String {
        let text = std::fs::read_to_string(self.data_path.join(server::seed::DEMO_LINKS_FILE))
            .expect("demo links file");
        let line = text
            .lines()
            .find(|l| l.starts_with(role))
            .expect("role line");
        line.rsplit("token=").next().unwrap().trim().to_string()
    }

    fn url(&self, token: &str) -> String {
        format!(
            "ws://127.0.0.1:{}/ws/board/{}?token={token}",
            self.port,
            common::DEMO
        )
    }

    fn kill9(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Node {
    fn drop(&mut self) {
        self.kill9();
        // A failed test shows what each node said.
        if std::thread::panicking() {
            let log = std::fs::read_to_string(self.data_path.join("node.log")).unwrap_or_default();
            eprintln!("--- node on port {} ---\n{log}", self.port);
        }
    }
}

fn card_texts(doc: &yrs::Doc) -> Vec<String> {
    let mut texts: Vec<String> = common::cards_of(doc).into_iter().map(|(_, t)| t).collect();
    texts.sort();
    texts
}

async fn add_card(c: &mut common::TestClient, id: &str, text: &str) {
    let board = cocreate_core::model::board::Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card(
                txn,
                id,
                cocreate_core::model::Prompt::How,
                text,
                "facilitator",
                cocreate_core::model::Role::Clinician,
                1.0,
            )
            .unwrap();
    })
    .await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clients_on_three_nodes_co_edit_one_board_and_converge() {
    let cluster = Cluster::new("cluster_three", 2_000).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let c = cluster.node("c", false).await;
    let token = a.link("facilitator");
    // The first client to open the board makes its node the owner (b); a and c relay.
    let mut on_b = common::TestClient::join(&b.url(&token)).await;
    let mut on_a = common::TestClient::join(&a.url(&token)).await;
    let mut on_c = common::TestClient::join(&c.url(&token)).await;
    assert_eq!(cluster.owner(), "b");
    let before = card_texts(&on_b.doc);
    add_card(&mut on_a, "from-a", "written on a").await;
    add_card(&mut on_b, "from-b", "written on b").await;
    add_card(&mut on_c, "from-c", "written on c").await;
    let mut want = before.clone();
    want.extend(["written on a", "written on b", "written on c"].map(String::from));
    want.sort();
    for (name, client) in [("a", &mut on_a), ("b", &mut on_b), ("c", &mut on_c)] {
        assert!(
            client
                .wait_for(Duration::from_secs(10), |d| card_texts(d) == want)
                .await,
            "the client on {name} converged: {:?}",
            card_texts(&client.doc)
        );
    }
    // A refusal comes back through the relay as it is: a bad token is refused by the
    // node itself (401), an observer's change by the owner, with its reason.
    let bad = format!(
        "ws://127.0.0.1:{}/ws/board/{}?token=nope",
        c.port,
        common::DEMO
    );
    assert_eq!(common::refused_status(&bad).await, 401);
    let mut observer = common::TestClient::join(&c.url(&a.link("observer"))).await;
    let board = cocreate_core::model::board::Board::of(&observer.doc);
    let _ = observer
        .try_change(|txn| {
            let _ = board.add_card(
                txn,
                "sneaky",
                cocreate_core::model::Prompt::How,
                "not allowed",
                "x",
                cocreate_core::model::Role::Clinician,
                1.0,
            );
        })
        .await;
    let reason = observer.denied(Duration::from_secs(5)).await;
    assert_eq!(reason.as_deref(), Some("this link is read-only"));
    let fresh = common::TestClient::join(&a.url(&token)).await;
    assert_eq!(
        card_texts(&fresh.doc),
        want,
        "nothing of the observer's change"
    );
}

use common::cards_of;

/// Join through `node` once the board is served again (1013 and 503 mean: not yet).
async fn join_when_served(url: &str, within: Duration) -> common::TestClient {
    let deadline = std::time::Instant::now() + within;
    loop {
        if let Ok(Ok((ws, _))) = tokio::time::timeout(
            Duration::from_secs(3),
            tokio_tungstenite::connect_async(url),
        )
        .await
        {
            drop(ws);
            return common::TestClient::join(url).await;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the board was not served again in time"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_9_of_the_owner_moves_the_board_and_loses_nothing_relayed() {
    let lease = Duration::from_millis(1_500);
    let cluster = Cluster::new("cluster_kill9", lease.as_millis() as u64).await;
    let a = cluster.node("a", true).await;
    let mut b = cluster.node("b", false).await;
    let c = cluster.node("c", false).await;
    let token = a.link("facilitator");
    let _owner = common::TestClient::join(&b.url(&token)).await;
    assert_eq!(cluster.owner(), "b");
    // A watcher on a (relayed), thirty writers over all three nodes.
    let mut watcher = common::TestClient::join(&a.url(&token)).await;
    let urls: Vec<String> = (0..30).map(|i| [&a, &b, &c][i % 3].url(&token)).collect();
    let writers = common::typing_writers(urls, 400, Duration::from_millis(5));
    let mut seen = 0;
    watcher
        .pump_until(Duration::from_secs(30), |_, m| {
            if matches!(
                m,
                yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(_))
            ) {
                seen += 1;
            }
            seen >= 300
        })
        .await;
    b.kill9();
    let killed = std::time::Instant::now();
    watcher
        .pump_until(Duration::from_millis(300), |_, _| false)
        .await;
    let relayed = cards_of(&watcher.doc);
    assert!(relayed.len() > 30, "the watcher saw a real stream");
    let mut docs = Vec::new();
    for w in writers {
        docs.push(w.await.expect("writer"));
    }
    // Another node takes the board over once b's lease has run out.
    let after = join_when_served(&c.url(&token), Duration::from_secs(10)).await;
    let took = killed.elapsed();
    assert!(
        took < lease + Duration::from_secs(3),
        "taken over in {took:?} (lease {lease:?})"
    );
    assert_ne!(cluster.owner(), "b");
    let stored = cards_of(&after.doc);
    for (id, text) in &relayed {
        let (_, now) = stored
            .iter()
            .find(|(i, _)| i == id)
            .unwrap_or_else(|| panic!("card {id} was relayed, then lost"));
        assert!(
            now.starts_with(text.as_str()),
            "card {id}: saw {text:?}, now {now:?}"
        );
    }
    // Writers come back (to a and c) with their documents and everyone converges.
    let mut back = Vec::new();
    for (i, doc) in docs.iter().cloned().enumerate() {
        let node = if i % 2 == 0 { &a } else { &c };
        back.push(common::TestClient::rejoin(&node.url(&token), doc).await);
    }
    let mut all: Vec<&yrs::Doc> = docs.iter().collect();
    all.push(&after.doc);
    let expected = cards_of(&common::merged(&all));
    for (i, w) in back.iter_mut().enumerate() {
        assert!(
            w.wait_for(Duration::from_secs(20), |d| cards_of(d) == expected)
                .await,
            "writer {i} converged"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_owner_stopped_past_its_lease_is_refused_its_next_commit_and_its_clients_resync() {
    let lease = Duration::from_millis(1_000);
    let cluster = Cluster::new("cluster_sigstop", lease.as_millis() as u64).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let token = a.link("facilitator");
    let mut on_b = common::TestClient::join(&b.url(&token)).await;
    assert_eq!(cluster.owner(), "b");
    add_card(&mut on_b, "before", "before the stop").await;
    let pid = b.child.id() as i32;
    unsafe { libc::kill(pid, libc::SIGSTOP) };
    tokio::time::sleep(lease + Duration::from_millis(500)).await;
    // a takes the board over while b sleeps, and a client there writes.
    let mut on_a = join_when_served(&a.url(&token), Duration::from_secs(10)).await;
    assert_eq!(cluster.owner(), "a");
    add_card(&mut on_a, "while-stopped", "while b was stopped").await;
    // b wakes up and its client writes at once: b may not commit it (fenced), and
    // closes the connection (1013) so that the client resyncs where the board is now.
    unsafe { libc::kill(pid, libc::SIGCONT) };
    let board = cocreate_core::model::board::Board::of(&on_b.doc);
    let _ = on_b
        .try_change(|txn| {
            let _ = board.add_card(
                txn,
                "after",
                cocreate_core::model::Prompt::How,
                "after the wake-up",
                "facilitator",
                cocreate_core::model::Role::Clinician,
                1.0,
            );
        })
        .await;
    assert_eq!(
        on_b.close_code(Duration::from_secs(5)).await,
        Some(1013),
        "b closed its client to resync"
    );
    let stale = on_b.doc.clone();
    // The client comes back to b, is relayed to a, and everything meets.
    let mut back = common::TestClient::rejoin(&b.url(&token), stale).await;
    let want = |d: &yrs::Doc| {
        let t = card_texts(d);
        [
            "before the stop",
            "while b was stopped",
            "after the wake-up",
        ]
        .iter()
        .all(|w| t.iter().any(|x| x == w))
    };
    assert!(back.wait_for(Duration::from_secs(10), want).await);
    assert!(on_a.wait_for(Duration::from_secs(10), want).await);
    assert_eq!(cluster.owner(), "a", "b did not take the board back");
}

/// A new link made through one node, as the console makes it; its token.
async fn make_link(node: &Node, facilitator: &str, label: &str) -> String {
    let (status, made) = common::http(
        "POST",
        &format!(
            "http://127.0.0.1:{}/api/workshops/demo/links?token={facilitator}",
            node.port
        ),
        Some(&format!(r#"{{"role":"participant","label":"{label}"}}"#)),
    )
    .await;
    assert_eq!(status, 200, "{made}");
    serde_json::from_str::<serde_json::Value>(&made).unwrap()["token"]
        .as_str()
        .unwrap()
        .to_string()
}

/// Revoke the link labelled `label` through `node`.
async fn revoke_link(node: &Node, facilitator: &str, label: &str) {
    let api = |path: &str| format!("http://127.0.0.1:{}{path}?token={facilitator}", node.port);
    let (_, links) = common::http("GET", &api("/api/workshops/demo/links"), None).await;
    let links: Vec<cocreate_core::catalog::LinkInfo> = serde_json::from_str(&links).unwrap();
    let id = &links.iter().find(|l| l.label == label).unwrap().id;
    let (status, answer) = common::http(
        "DELETE",
        &api(&format!("/api/workshops/demo/links/{id}")),
        None,
    )
    .await;
    assert!((200..300).contains(&status), "{status} {answer}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn links_and_consents_made_on_one_node_hold_on_every_node_even_after_redis_restarts() {
    let mut cluster = Cluster::new("cluster_events", 2_000).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let c = cluster.node("c", false).await;
    let facilitator = a.link("facilitator");
    let _owner = common::TestClient::join(&b.url(&facilitator)).await;
    assert_eq!(cluster.owner(), "b");

    // A link made through c opens the board through a at once (relayed to b).
    let ward = make_link(&c, &facilitator, "Ward 3 tablet").await;
    const SEAT: &str = "cluster-test-seat-0123456789";
    // The person joins (and agrees to the notice) through c, then writes through a.
    let (status, answer) = common::http(
        "POST",
        &format!(
            "http://127.0.0.1:{}/api/boards/{}/join?token={ward}",
            c.port,
            common::DEMO
        ),
        Some(&format!(
            r#"{{"seat":"{SEAT}","name":"Ana","role":"patient","consent":1}}"#
        )),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let mut ana = common::TestClient::join(&format!("{}&seat={SEAT}", a.url(&ward))).await;
    let board = cocreate_core::model::board::Board::of(&ana.doc);
    let me = cocreate_core::identity::pseudonym("demo", SEAT);
    ana.change(|txn| {
        board
            .add_card_as(
                txn,
                "anas-card",
                cocreate_core::model::Prompt::How,
                "written through a",
                &me,
                None,
                1.0,
            )
            .unwrap();
    })
    .await;
    let mut check = common::TestClient::join(&c.url(&facilitator)).await;
    assert!(
        check
            .wait_for(Duration::from_secs(5), |d| card_texts(d)
                .contains(&"written through a".to_string()))
            .await,
        "the owner took the consented participant's card"
    );

    // Revoked through c: the socket held through a closes at once.
    revoke_link(&c, &facilitator, "Ward 3 tablet").await;
    assert_eq!(ana.close_code(Duration::from_secs(5)).await, Some(1008));

    // Redis restarts (empty): the nodes subscribe again and read the links afresh, and
    // a revocation through one node still closes the socket on another.
    cluster.redis.restart();
    tokio::time::sleep(Duration::from_millis(2_500)).await;
    let ward2 = make_link(&a, &facilitator, "Ward 4 tablet").await;
    let mut watcher = common::TestClient::join(&c.url(&ward2)).await;
    revoke_link(&a, &facilitator, "Ward 4 tablet").await;
    assert_eq!(watcher.close_code(Duration::from_secs(5)).await, Some(1008));
    // And a revoked link opens nothing anywhere.
    for node in [&a, &b, &c] {
        assert_eq!(common::refused_status(&node.url(&ward2)).await, 401);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn facilitators_act_on_a_board_through_any_node() {
    let cluster = Cluster::new("cluster_actions", 2_000).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let c = cluster.node("c", false).await;
    let f = a.link("facilitator");
    let mut on_b = common::TestClient::join(&b.url(&f)).await;
    assert_eq!(cluster.owner(), "b");
    add_card(&mut on_b, "to-hide", "a card to moderate").await;
    // Acted on once others have it (the owner relays only what is stored).
    let mut seen = common::TestClient::join(&c.url(&f)).await;
    assert!(
        seen.wait_for(Duration::from_secs(5), |d| card_texts(d)
            .contains(&"a card to moderate".to_string()))
            .await
    );
    let api = |node: &Node, path: &str| format!("http://127.0.0.1:{}{path}?token={f}", node.port);

    // Hidden through c: the card leaves the board every client of b holds.
    let (status, body) = common::http(
        "POST",
        &api(
            &c,
            &format!("/api/boards/{}/cards/to-hide/moderate", common::DEMO),
        ),
        Some(r#"{"action":"hide"}"#),
    )
    .await;
    assert!((200..300).contains(&status), "{status} {body}");
    assert!(
        on_b.wait_for(Duration::from_secs(5), |d| !card_texts(d)
            .contains(&"a card to moderate".to_string()))
            .await,
        "the owner applied and relayed the hide"
    );
    // Locked through a: the owner's rules apply it at once (a participant who agreed
    // through c is refused, with the reason, through c).
    let (status, body) = common::http(
        "POST",
        &api(&a, &format!("/api/boards/{}/control", common::DEMO)),
        Some(r#"{"locked":true}"#),
    )
    .await;
    assert!((200..300).contains(&status), "{status} {body}");
    const SEAT: &str = "cluster-test-seat-lock-0123456";
    let participant = a.link("participant");
    let (status, answer) = common::http(
        "POST",
        &format!(
            "http://127.0.0.1:{}/api/boards/{}/join?token={participant}",
            c.port,
            common::DEMO
        ),
        Some(&format!(
            r#"{{"seat":"{SEAT}","name":"Ben","role":"clinician","consent":1}}"#
        )),
    )
    .await;
    assert_eq!(status, 200, "{answer}");
    let mut ben = common::TestClient::join(&format!("{}&seat={SEAT}", c.url(&participant))).await;
    let board = cocreate_core::model::board::Board::of(&ben.doc);
    let me = cocreate_core::identity::pseudonym("demo", SEAT);
    let _ = ben
        .try_change(|txn| {
            let _ = board.add_card_as(
                txn,
                "bens",
                cocreate_core::model::Prompt::How,
                "while locked",
                &me,
                None,
                1.0,
            );
        })
        .await;
    let reason = ben.denied(Duration::from_secs(5)).await;
    assert_eq!(reason.as_deref(), Some("the board is locked"));
    // The export read through c is the owner's stored board.
    let (status, csv) = common::http(
        "GET",
        &api(&c, &format!("/api/boards/{}/export.csv", common::DEMO)),
        None,
    )
    .await;
    assert_eq!(status, 200, "{csv}");
    assert!(!csv.contains("a card to moderate"));
    assert!(!csv.contains("while locked"));
    assert_eq!(cluster.owner(), "b", "the board never moved");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn postgres_restarted_closes_writers_with_1013_and_their_changes_arrive_after_reconnect() {
    let cluster = Cluster::new("cluster_pg_restart", 2_000).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let f = a.link("facilitator");
    let mut on_b = common::TestClient::join(&b.url(&f)).await;
    assert_eq!(cluster.owner(), "b");
    add_card(&mut on_b, "before", "before the restart").await;
    let mut on_a = common::TestClient::join(&a.url(&f)).await;
    assert!(
        on_a.wait_for(Duration::from_secs(5), |d| card_texts(d)
            .contains(&"before the restart".to_string()))
            .await
    );
    let pg = common::postgres::server();
    tokio::task::spawn_blocking(move || pg.stop())
        .await
        .unwrap();
    // A change the owner cannot store: its writer is asked to come back (1013).
    let board = cocreate_core::model::board::Board::of(&on_b.doc);
    let _ = on_b
        .try_change(|txn| {
            let _ = board.add_card(
                txn,
                "during",
                cocreate_core::model::Prompt::How,
                "during the restart",
                "facilitator",
                cocreate_core::model::Role::Clinician,
                1.0,
            );
        })
        .await;
    assert_eq!(on_b.close_code(Duration::from_secs(10)).await, Some(1013));
    tokio::task::spawn_blocking(move || pg.start_again())
        .await
        .unwrap();
    // Back with its document (as a browser reconnects), its change arrives.
    let doc = on_b.doc.clone();
    let _back = join_when_served(&b.url(&f), Duration::from_secs(15)).await;
    let _back = common::TestClient::rejoin(&b.url(&f), doc).await;
    let mut check = join_when_served(&a.url(&f), Duration::from_secs(15)).await;
    assert!(
        check
            .wait_for(Duration::from_secs(10), |d| {
                let t = card_texts(d);
                t.contains(&"before the restart".to_string())
                    && t.contains(&"during the restart".to_string())
            })
            .await,
        "after the restart: {:?}",
        card_texts(&check.doc)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_restarted_mid_typing_loses_nothing_and_everyone_converges() {
    let mut cluster = Cluster::new("cluster_redis_typing", 2_000).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let c = cluster.node("c", false).await;
    let f = a.link("facilitator");
    let _owner = common::TestClient::join(&b.url(&f)).await;
    let urls: Vec<String> = (0..12).map(|i| [&a, &b, &c][i % 3].url(&f)).collect();
    let writers = common::typing_writers(urls, 120, Duration::from_millis(10));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // Redis goes away and comes back empty while everyone types: it carries no board
    // data, so nothing stops or is lost.
    cluster.redis.kill();
    tokio::time::sleep(Duration::from_millis(400)).await;
    cluster.redis.restart();
    let mut docs = Vec::new();
    for w in writers {
        docs.push(w.await.expect("writer"));
    }
    let all: Vec<&yrs::Doc> = docs.iter().collect();
    let expected: Vec<(String, String)> = cards_of(&common::merged(&all))
        .into_iter()
        .filter(|(id, _)| id.starts_with('w'))
        .collect();
    assert_eq!(expected.len(), 12 * 30, "every writer made all its cards");
    for node in [&a, &b, &c] {
        let mut reader = common::TestClient::join(&node.url(&f)).await;
        assert!(
            reader
                .wait_for(Duration::from_secs(10), |d| {
                    let have = cards_of(d);
                    expected.iter().all(|e| have.contains(e))
                })
                .await,
            "the board read through port {} has every writer's cards",
            node.port
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_graceful_shutdown_hands_the_board_over_at_once() {
    // A lease far longer than the test: only a hand-over lets another node take it.
    let cluster = Cluster::new("cluster_handover", 60_000).await;
    let a = cluster.node("a", true).await;
    let b = cluster.node("b", false).await;
    let f = a.link("facilitator");
    let mut on_b = common::TestClient::join(&b.url(&f)).await;
    assert_eq!(cluster.owner(), "b");
    add_card(&mut on_b, "kept", "written before the shutdown").await;
    let mut seen = common::TestClient::join(&a.url(&f)).await;
    assert!(
        seen.wait_for(Duration::from_secs(5), |d| card_texts(d)
            .contains(&"written before the shutdown".to_string()))
            .await,
        "relayed (so stored) before the shutdown"
    );
    let pid = b.child.id() as i32;
    unsafe { libc::kill(pid, libc::SIGTERM) };
    assert!(
        on_b.close_code(Duration::from_secs(10)).await.is_some(),
        "b closed its connections"
    );
    let started = std::time::Instant::now();
    let mut on_a = join_when_served(&a.url(&f), Duration::from_secs(10)).await;
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "taken over in {:?}, long before the 60 s lease",
        started.elapsed()
    );
    assert_eq!(cluster.owner(), "a");
    assert!(
        on_a.wait_for(Duration::from_secs(5), |d| card_texts(d)
            .contains(&"written before the shutdown".to_string()))
            .await
    );
}
