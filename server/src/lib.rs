#![recursion_limit = "512"]
//! The cocreate server: SSR pages, the board websocket hub, the store.
//!
//! # Layout
//! - [`config`]: flags and environment.
//! - [`store`]: the storage interface, and SQLite behind it (group commit).
//! - [`state`]: what every handler shares ([`AppState`]).
//! - [`hub`]: live boards, websocket sessions, awareness.
//! - [`http`], [`rounds_http`], [`web`]: routes and handlers; [`error`]: the one HTTP
//!   error type and every mapping into it.
//! - [`auth`]: links and hashed tokens; [`access`]: a token becomes a typed capability,
//!   which every route, server function and websocket upgrade asks for.
//! - [`directory`]: what pages ask, each call taking the capability it needs.
//! - [`consent`]: privacy notices and who agreed to them (checked before any write).
//! - [`erasure`]: one person's data out of boards, drafts, snapshots, copies and history;
//!   [`retention`]: what a workshop chose for its retention date, carried out once.
//! - [`rounds`]: synthesis boards (cards copied with provenance) and consultation rounds.
//! - [`seed`]: the demo workshop and its links; [`archive`]: tar for workshop exports.

pub mod access;
pub mod analysis;
pub mod archive;
pub mod auth;
pub mod cluster;
pub mod coding_http;
pub mod config;
pub mod consent;
pub mod delphi;
pub mod delphi_http;
pub mod directory;
pub mod erasure;
pub mod error;
pub mod events;
pub mod http;
pub mod hub;
pub mod qda;
pub mod report;
pub mod retention;
pub mod rounds;
pub mod rounds_http;
pub mod seed;
pub mod state;
pub mod store;
pub mod web;

pub use state::AppState;

use std::time::Duration;

use axum::serve::ListenerExt;
use leptos::config::LeptosOptions;

use config::{Config, Limits};
use store::Store;

/// Leptos options from the environment cargo-leptos sets, with usable defaults when the
/// binary runs on its own (tests).
pub fn leptos_options() -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("cocreate").build());
    if options.output_name.is_empty() {
        options.output_name = "cocreate".into();
    }
    // A release build made with hashed file names leaves their hashes beside the binary.
    options.hash_files = app::routes::hash_file(&options).is_some_and(|p| p.exists());
    options
}

/// Copy the database at `db` to `dest` (a new file) while it may be in use.
pub fn backup(db: &store::Database, dest: &std::path::Path) -> Result<(), store::StoreError> {
    let db = match db {
        store::Database::Sqlite(path) => path,
        store::Database::Postgres(_) => {
            return Err(store::StoreError::Config(
                "--backup-to copies a SQLite file; back a PostgreSQL database up with pg_dump or the provider's backups".into(),
            ))
        }
    };
    if !db.exists() {
        return Err(store::StoreError::DataDir {
            path: db.to_path_buf(),
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no database here"),
        });
    }
    use store::UpdateLog;
    let store = store::sqlite::Sqlite::open(db)?;
    let result = store.backup_to(dest);
    store.close();
    result
}

/// Why `cocreate admin init` made no link.
#[derive(Debug, thiserror::Error)]
pub enum InitError {
    #[error(
        "this database already has an organiser link; ask its holder (or the audit log's) for it"
    )]
    AlreadyInitialised,
    #[error(transparent)]
    Store(#[from] store::StoreError),
    #[error(transparent)]
    Auth(#[from] auth::AuthError),
}

/// `cocreate admin init`: on a database with no organiser link, make one; returns the
/// organiser page's address with its token (shown once: only its hash is kept).
pub fn admin_init(config: &Config, label: &str, public_url: &str) -> Result<String, InitError> {
    let store = Store::open_database(&config.database())?;
    let result = (|| {
        if !store.organiser_links()?.is_empty() {
            return Err(InitError::AlreadyInitialised);
        }
        let token = auth::Auth::load(store.clone())?.issue_organiser(label)?;
        Ok(format!(
            "{}/organise?token={token}",
            public_url.trim_end_matches('/')
        ))
    })();
    store.close();
    result
}

/// Why the server could not start as a cluster node.
#[derive(Debug, thiserror::Error)]
pub enum ClusterError {
    #[error("--cluster needs a PostgreSQL --database (postgres://...): the nodes share it")]
    NeedsPostgres,
    #[error("--cluster needs --cluster-key (COCREATE_CLUSTER_KEY): a secret every node shares")]
    NeedsKey,
}

/// The store and, on a cluster node, its place in the cluster.
fn open_store(
    config: &Config,
    addr: std::net::SocketAddr,
) -> Result<(Store, Option<cluster::ClusterConfig>), Box<dyn std::error::Error + Send + Sync>> {
    let database = config.database();
    let Some(redis) = &config.cluster.cluster else {
        return Ok((Store::open_database(&database)?, None));
    };
    let store::Database::Postgres(url) = &database else {
        return Err(ClusterError::NeedsPostgres.into());
    };
    let key = config
        .cluster
        .cluster_key
        .clone()
        .ok_or(ClusterError::NeedsKey)?;
    let advertise = config
        .cluster
        .advertise
        .clone()
        .unwrap_or_else(|| addr.to_string());
    let node = config.cluster.node.clone().unwrap_or_else(|| {
        let host = std::fs::read_to_string("/etc/hostname").unwrap_or_default();
        format!("{}:{}", host.trim(), addr.port())
    });
    let store = Store::connect_node(
        url,
        store::postgres::ClusterNode {
            node: node.clone(),
            addr: advertise,
            lease: Duration::from_millis(config.cluster.lease_ms),
        },
    )?;
    Ok((
        store,
        Some(cluster::ClusterConfig {
            node,
            key,
            redis: redis.clone(),
        }),
    ))
}

/// Open the store, seed the demo if asked, and serve until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let options = leptos_options();
    let addr = config.bind.unwrap_or(options.site_addr);
    let (store, cluster) = open_store(&config, addr)?;
    let mut state = AppState::new(store.clone(), Limits::from(&config.limits), options)?;
    let leases = cluster.as_ref().map(|c| {
        tracing::info!(node = %c.node, "serving as a cluster node");
        state
            .hub
            .spawn_lease_keeper(Duration::from_millis(config.cluster.lease_ms / 3))
    });
    let listener_task = match cluster {
        Some(c) => state.join_cluster(c)?,
        None => None,
    };
    if !config.no_demo {
        let base = format!("http://{addr}");
        if let Some(links) = seed::seed_demo(&store, &state.auth, &base)? {
            let file = config.data_dir.join(seed::DEMO_LINKS_FILE);
            seed::write_private(&file, &links.to_text())?;
            // Tokens are never logged: the file is the one place to read them.
            tracing::info!(file = %file.display(), "demo workshop links written (readable by this user only)");
        } else {
            let file = config.data_dir.join(seed::DEMO_LINKS_FILE);
            if file.exists() {
                tracing::info!(file = %file.display(), "demo workshop links are in this file");
            }
        }
    }
    let sweeper = state.hub.spawn_sweeper(Duration::from_secs(5));
    let retention = retention::spawn(state.hub.clone(), state.consents.clone());
    // Links whose expiry comes close their open websockets then, not at their next message.
    let expiry = {
        let auth = state.auth.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            loop {
                tick.tick().await;
                auth.expire_due(store::now_ms());
            }
        })
    };
    let hub = state.hub.clone();
    // TCP_NODELAY on every connection: a relayed update is one small frame, and with
    // Nagle's algorithm it would wait for the peer's delayed ACK of the previous frame
    // (about 40 ms on Linux) whenever two frames go out close together.
    let listener = tokio::net::TcpListener::bind(addr).await?.tap_io(|tcp| {
        if let Err(e) = tcp.set_nodelay(true) {
            tracing::debug!(error = %e, "could not set TCP_NODELAY");
        }
    });
    tracing::info!(%addr, db = %store.location(), "cocreate listening on http://{addr}");
    let app = http::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    sweeper.abort();
    retention.abort();
    for task in [leases, listener_task].into_iter().flatten() {
        task.abort();
    }
    expiry.abort();
    hub.flush_all().await;
    store.close();
    tracing::info!("stopped cleanly");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
}
