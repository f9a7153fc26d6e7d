//! A fresh install without the demo: `cocreate admin init` prints the one organiser link,
//! refuses to make a second, and that link creates the first workshop on the real binary.

mod common;

use std::process::{Command, Stdio};

fn cocreate(data: &std::path::Path) -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_cocreate"));
    c.arg("--data-dir").arg(data).arg("--no-demo");
    c
}

#[tokio::test]
async fn admin_init_gives_a_no_demo_install_its_first_way_in() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("data");
    let init = cocreate(&data)
        .args([
            "admin",
            "init",
            "--public-url",
            "https://cocreate.example.org/",
        ])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    let out = String::from_utf8(init.stdout).unwrap();
    let token = out
        .trim()
        .rsplit_once("https://cocreate.example.org/organise?token=")
        .map(|(_, t)| t.to_string())
        .unwrap_or_else(|| panic!("no organiser link in {out:?}"));
    assert_eq!(token.len(), 48);
    // A second init makes nothing.
    let again = cocreate(&data).args(["admin", "init"]).output().unwrap();
    assert!(!again.status.success());
    assert!(String::from_utf8_lossy(&again.stderr).contains("already has an organiser link"));

    let port = common::free_port();
    let mut child = cocreate(&data)
        .args(["--bind", &format!("127.0.0.1:{port}")])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let up = common::port_opens(port).await;
    let base = format!("http://127.0.0.1:{port}");
    let result = async {
        assert!(up, "server did not open port {port}");
        let (status, list) =
            common::http("GET", &format!("{base}/api/workshops?token={token}"), None).await;
        assert_eq!((status, list.as_str()), (200, "[]"), "no demo");
        let body = r#"{"title":"First workshop","area":"Cancer Care","date":"2027-01-12"}"#;
        let (status, made) = common::http(
            "POST",
            &format!("{base}/api/workshops?token={token}"),
            Some(body),
        )
        .await;
        assert_eq!(status, 201, "{made}");
        let made: cocreate_core::catalog::CreatedWorkshop = serde_json::from_str(&made).unwrap();
        let console = format!(
            "{base}/api/workshops/{}?token={}",
            made.workshop.id, made.facilitator_token
        );
        assert_eq!(common::http("GET", &console, None).await.0, 200);
        assert!(!data.join(server::seed::DEMO_LINKS_FILE).exists());
    }
    .await;
    let _ = child.kill();
    let _ = child.wait();
    result
}
