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
