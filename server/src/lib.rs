#![recursion_limit = "256"]
//! The cocreate server: SSR pages, the board websocket hub, the store.
//!
//! # Layout
//! - [`config`]: flags and environment.
//! - [`store`]: SQLite catalogue and per-board update logs with group commit.
//! - [`hub`]: live boards, websocket sessions, awareness.
//! - [`http`]: routes and handlers; [`error`]: the one HTTP error type.
//! - [`seed`]: the demo workshop.

pub mod config;
pub mod error;
pub mod http;
pub mod hub;
pub mod seed;
pub mod store;

use std::sync::Arc;
use std::time::Duration;

use app::catalog::{BoardSummary, Directory, DirectoryHandle, WorkshopSummary};
use axum::extract::FromRef;
use leptos::config::LeptosOptions;

use config::{Config, Limits};
use hub::Hub;
use store::Store;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub store: Store,
    pub directory: DirectoryHandle,
    pub leptos_options: LeptosOptions,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos_options.clone()
    }
}

struct StoreDirectory(Store);

impl Directory for StoreDirectory {
    fn workshops(&self) -> Result<Vec<WorkshopSummary>, String> {
        self.0.workshops().map_err(|e| e.to_string())
    }
    fn board(&self, id: &str) -> Result<Option<BoardSummary>, String> {
        self.0.board_summary(id).map_err(|e| e.to_string())
    }
}

impl AppState {
    pub fn new(store: Store, limits: Limits, leptos_options: LeptosOptions) -> AppState {
        AppState {
            hub: Hub::new(store.clone(), limits),
            directory: DirectoryHandle(Arc::new(StoreDirectory(store.clone()))),
            store,
            leptos_options,
        }
    }
}

/// Leptos options from the environment cargo-leptos sets, with usable defaults when the
/// binary runs on its own (tests).
pub fn leptos_options() -> LeptosOptions {
    let mut options = leptos::config::get_configuration(None)
        .map(|c| c.leptos_options)
        .unwrap_or_else(|_| LeptosOptions::builder().output_name("cocreate").build());
    if options.output_name.is_empty() {
        options.output_name = "cocreate".into();
    }
    options
}

/// Open the store, seed the demo if asked, and serve until Ctrl-C or SIGTERM.
pub async fn serve(config: Config) -> Result<(), Box<dyn std::error::Error + Send + Sync>> {
    let store = Store::open(config.database_path())?;
    if !config.no_demo {
        seed::seed_demo(&store)?;
    }
    let options = leptos_options();
    let addr = config.bind.unwrap_or(options.site_addr);
    let state = AppState::new(store.clone(), Limits::from(&config.limits), options);
    let sweeper = state.hub.spawn_sweeper(Duration::from_secs(5));
    let hub = state.hub.clone();
    let listener = tokio::net::TcpListener::bind(addr).await?;
    tracing::info!(%addr, db = %store.path().display(), "cocreate listening on http://{addr}");
    axum::serve(listener, http::router(state))
        .with_graceful_shutdown(shutdown_signal())
        .await?;
    sweeper.abort();
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
