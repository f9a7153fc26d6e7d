//! kill -9 the real server binary while clients write: nothing it broadcast is lost, and
//! when the clients come back every one of them converges on the same board.

mod common;

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use cocreate_core::catalog::DocKey;
use cocreate_core::model::board::Board;
use cocreate_core::model::{Prompt, Role};
use common::{cards_of, TestClient, DEMO};
use yrs::sync::{Message, SyncMessage};
use yrs::updates::decoder::Decode;
use yrs::Transact;

struct Server {
    child: Child,
    port: u16,
    token: String,
}

/// The facilitator token the binary wrote to the data directory when it seeded the demo.
fn facilitator_token(data: &std::path::Path) -> String {
    let text =
        std::fs::read_to_string(data.join(server::seed::DEMO_LINKS_FILE)).expect("demo links file");
    let line = text
        .lines()
        .find(|l| l.starts_with("facilitator"))
        .expect("facilitator line");
    line.rsplit("token=").next().unwrap().trim().to_string()
}

async fn start(data: &std::path::Path, port: u16) -> Server {
    start_on(data, port, None).await
}

/// The binary with `--database` set (a PostgreSQL address), or on its SQLite file.
async fn start_on(data: &std::path::Path, port: u16, database: Option<&str>) -> Server {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_cocreate"));
    if let Some(db) = database {
        cmd.args(["--database", db]);
    }
    let mut child = cmd
        .args(["--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(data)
        .env("RUST_LOG", "warn")
        .stdout(Stdio::null())
        .stderr(Stdio::inherit())
        .spawn()
        .expect("start server binary");
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Server {
                child,
                port,
                token: facilitator_token(data),
            };
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not open port {port}");
}

impl Server {
    fn url(&self) -> String {
        format!(
            "ws://127.0.0.1:{}/ws/board/{DEMO}?token={}",
            self.port, self.token
        )
    }
    fn kill9(mut self) {
        self.child.kill().expect("SIGKILL"); // std sends SIGKILL on unix
        let _ = self.child.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_9_loses_nothing_broadcast_and_returning_clients_converge() {
    kill_dash_9(None).await;
}

/// The same on the PostgreSQL backend: the binary with `--database postgres://...`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_dash_9_on_postgres_loses_nothing_broadcast() {
    let db = common::postgres::database("crash_kill9");
    kill_dash_9(Some(&db)).await;
}

async fn kill_dash_9(database: Option<&str>) {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let srv = start_on(dir.path(), port, database).await;
    let mut watcher = TestClient::join(&srv.url()).await;

    // Fifty writers add and type into cards as fast as they can.
    let writers = common::typing_writers(vec![srv.url(); 50], 200, Duration::ZERO);
    // Watch broadcasts until a good number arrived, then kill the server mid-stream.
    let mut seen = 0;
    watcher
        .pump_until(Duration::from_secs(20), |_, m| {
            if matches!(m, Message::Sync(SyncMessage::Update(_))) {
                seen += 1;
            }
            seen >= 300
        })
        .await;
    srv.kill9();
    // Drain anything already delivered to the watcher's socket.
    watcher
        .pump_until(Duration::from_millis(300), |_, _| false)
        .await;
    let mut docs = Vec::new();
    for w in writers {
        docs.push(w.await.expect("writer task"));
    }
    let broadcast = Board::of(&watcher.doc).cards(&watcher.doc.transact());
    assert!(
        broadcast.len() > 4 + 50,
        "the watcher saw a real stream ({} cards)",
        broadcast.len()
    );

    let srv = start_on(dir.path(), port, database).await;
    let after = TestClient::join(&srv.url()).await;
    let board = Board::of(&after.doc);
    let txn = after.doc.transact();
    for card in &broadcast {
        let stored = board
            .card(&txn, &card.id)
            .unwrap_or_else(|| panic!("card {} lost", card.id));
        assert!(
            stored.text.starts_with(&card.text),
            "card {}: watcher saw {:?}, server has {:?}",
            card.id,
            card.text,
            stored.text
        );
    }
    drop(txn);

    // Every writer comes back with its own document, as a browser does after a restart;
    // what the server never got is sent in the sync handshake.
    let mut back = Vec::new();
    for doc in docs.iter().cloned() {
        back.push(TestClient::rejoin(&srv.url(), doc).await);
    }
    // The state they must all reach: every writer's document merged.
    let mut all: Vec<&yrs::Doc> = docs.iter().collect();
    all.push(&after.doc);
    let expected = cards_of(&common::merged(&all));
    assert!(expected.len() >= broadcast.len());
    for (i, c) in back.iter_mut().enumerate() {
        assert!(
            c.wait_for(Duration::from_secs(20), |d| cards_of(d) == expected)
                .await,
            "writer {i} did not converge"
        );
    }
    let reader = TestClient::join(&srv.url()).await;
    assert_eq!(cards_of(&reader.doc), expected, "the server has it all");
    srv.kill9();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn online_backup_while_serving_has_every_acknowledged_update() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let srv = start(dir.path(), port).await;
    let mut c = TestClient::join(&srv.url()).await;
    let board = Board::of(&c.doc);
    c.change(|txn| {
        board
            .add_card(
                txn,
                "backed-up",
                Prompt::Values,
                "Keep me",
                "p",
                Role::Patient,
                1.0,
            )
            .unwrap();
    })
    .await;
    // A second client seeing it means the server made it durable and relayed it.
    let mut w = TestClient::join(&srv.url()).await;
    assert!(
        w.wait_for(Duration::from_secs(5), |d| Board::of(d)
            .card(&d.transact(), "backed-up")
            .is_some())
            .await
    );
    let dest = dir.path().join("backup.db");
    let out = Command::new(env!("CARGO_BIN_EXE_cocreate"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--backup-to")
        .arg(&dest)
        .output()
        .expect("run backup");
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    srv.kill9();
    // The copy is a complete database: a server on it has the card.
    let copy = tempfile::tempdir().unwrap();
    std::fs::copy(&dest, copy.path().join("cocreate.db")).unwrap();
    let store = server::store::Store::open(copy.path().join("cocreate.db")).unwrap();
    let stored = store
        .load(&DocKey::board(DEMO))
        .unwrap()
        .expect("board in backup");
    let doc = cocreate_core::model::new_doc();
    {
        let mut txn = doc.transact_mut();
        for raw in stored.base.iter().chain(stored.updates.iter()) {
            txn.apply_update(yrs::Update::decode_v1(raw).unwrap())
                .unwrap();
        }
    }
    assert!(Board::of(&doc).card(&doc.transact(), "backed-up").is_some());
    // A second backup to an existing file is refused rather than overwriting it.
    let again = Command::new(env!("CARGO_BIN_EXE_cocreate"))
        .arg("--data-dir")
        .arg(dir.path())
        .arg("--backup-to")
        .arg(&dest)
        .output()
        .unwrap();
    assert!(!again.status.success());
}

#[tokio::test]
async fn demo_tokens_are_in_a_private_file_and_never_in_the_log() {
    let dir = tempfile::tempdir().unwrap();
    let port = common::free_port();
    let log_path = dir.path().join("server.log");
    let log = std::fs::File::create(&log_path).unwrap();
    let mut child = Command::new(env!("CARGO_BIN_EXE_cocreate"))
        .args(["--bind", &format!("127.0.0.1:{port}"), "--data-dir"])
        .arg(dir.path().join("data"))
        .env("RUST_LOG", "debug")
        .stdout(Stdio::from(log.try_clone().unwrap()))
        .stderr(Stdio::from(log))
        .spawn()
        .expect("start server binary");
    let up = common::port_opens(port).await;
    let links = dir.path().join("data").join(server::seed::DEMO_LINKS_FILE);
    // Requests with the tokens in their URLs are not logged with them either.
    if up {
        let text = std::fs::read_to_string(&links).unwrap();
        for token in text
            .lines()
            .filter_map(|l| l.rsplit_once("token=").map(|(_, t)| t.trim()))
        {
            for path in [
                format!("/api/boards/{DEMO}?token={token}"),
                format!("/workshop/demo?token={token}"),
            ] {
                let _ = common::http("GET", &format!("http://127.0.0.1:{port}{path}"), None).await;
            }
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    assert!(up, "server did not open port {port}");
    let text = std::fs::read_to_string(&links).unwrap();
    let tokens: Vec<&str> = text
        .lines()
        .filter_map(|l| l.rsplit_once("token=").map(|(_, t)| t.trim()))
        .collect();
    assert!(tokens.len() >= 4, "{text}");
    let logged = std::fs::read_to_string(&log_path).unwrap();
    assert!(logged.contains("demo workshop links written"), "{logged}");
    for t in tokens {
        assert!(!logged.contains(t), "a token reached the log");
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&links).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
}
