//! Several nodes on one PostgreSQL database: one owner per board, by lease.

mod common;

use std::time::Duration;

use cocreate_core::catalog::DocKey;
use server::store::postgres::ClusterNode;
use server::store::{Owner, Store, StoreError};

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

    fn new(name: &str, lease_ms: u64) -> Cluster {
        Cluster {
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
                std::env::var("NODE_LOG").unwrap_or("warn".into()),
            )
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::inherit());
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
    }
}

fn card_texts(doc: &yrs::Doc) -> Vec<String> {
    use yrs::Transact;
    let board = cocreate_core::model::board::Board::of(doc);
    let mut t: Vec<String> = board
        .cards(&doc.transact())
        .into_iter()
        .map(|c| c.text)
        .collect();
    t.sort();
    t
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
    let cluster = Cluster::new("cluster_three", 2_000);
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
    let mut reason = None;
    observer
        .pump_until(Duration::from_secs(5), |_, m| match m {
            yrs::sync::Message::Auth(Some(r)) => {
                reason = Some(r.clone());
                true
            }
            _ => false,
        })
        .await;
    assert_eq!(reason.as_deref(), Some("this link is read-only"));
    let fresh = common::TestClient::join(&a.url(&token)).await;
    assert_eq!(
        card_texts(&fresh.doc),
        want,
        "nothing of the observer's change"
    );
}
