//! The state every handler shares: the hub, the store, links and capabilities, and the
//! server's `Directory`, `Rounds` and `Analysis` for server functions.

use std::sync::Arc;

use axum::extract::FromRef;
use cocreate_core::analysis::{AnalysisHandle, DelphiHandle};
use cocreate_core::catalog::{DirectoryHandle, RoundsHandle};
use leptos::config::LeptosOptions;

use crate::access::Access;
use crate::auth::{self, Auth};
use crate::config::Limits;
use crate::consent::ConsentBook;
use crate::directory::ServerDirectory;
use crate::hub::admission::Admission;
use crate::hub::Hub;
use crate::store::Store;

/// Shared state of every handler.
#[derive(Clone)]
pub struct AppState {
    pub hub: Hub,
    pub store: Store,
    pub auth: Auth,
    pub access: Access,
    pub consents: ConsentBook,
    /// Open websockets per link and per address.
    pub admission: Admission,
    pub dir: ServerDirectory,
    pub directory: DirectoryHandle,
    pub rounds: RoundsHandle,
    pub analysis: AnalysisHandle,
    pub delphi: DelphiHandle,
    pub leptos_options: LeptosOptions,
    /// Set when this node is one of several (see [`crate::cluster`]).
    pub cluster: Option<crate::cluster::ClusterConfig>,
}

impl FromRef<AppState> for LeptosOptions {
    fn from_ref(s: &AppState) -> LeptosOptions {
        s.leptos_options.clone()
    }
}

impl AppState {
    pub fn new(
        store: Store,
        limits: Limits,
        leptos_options: LeptosOptions,
    ) -> Result<AppState, auth::AuthError> {
        let admission = Admission::new(limits.max_conns_per_link, limits.max_conns_per_address);
        let hub = Hub::new(store.clone(), limits);
        let auth = Auth::load(store.clone())?;
        let access = Access::new(store.clone(), auth.clone());
        // Links and consents tell the other nodes of a cluster through the same events.
        let consents = ConsentBook::new(store.clone()).with_events(auth.events().clone());
        let dir = ServerDirectory {
            store: store.clone(),
            hub: hub.clone(),
            auth: auth.clone(),
            access: access.clone(),
            consents: consents.clone(),
        };
        Ok(AppState {
            hub,
            auth,
            access,
            consents,
            admission,
            directory: DirectoryHandle(Arc::new(dir.clone())),
            rounds: RoundsHandle(Arc::new(dir.clone())),
            analysis: AnalysisHandle(Arc::new(dir.clone())),
            delphi: DelphiHandle(Arc::new(dir.clone())),
            dir,
            store,
            leptos_options,
            cluster: None,
        })
    }

    /// This state, as one node of a cluster (its events go through the cluster's Redis
    /// server). Returns the task that listens to the other nodes.
    pub fn join_cluster(
        &mut self,
        cluster: crate::cluster::ClusterConfig,
    ) -> Result<Option<tokio::task::JoinHandle<()>>, crate::events::EventsError> {
        let events = self.auth.events().clone();
        events.connect(&cluster.redis, &cluster.node)?;
        self.hub.set_cluster_key(cluster.key.clone());
        self.cluster = Some(cluster);
        let (auth, consents) = (self.auth.clone(), self.consents.clone());
        let (auth_all, consents_all) = (self.auth.clone(), self.consents.clone());
        Ok(events.listen(
            move |event| match event {
                crate::events::Event::Links => {
                    if let Err(e) = auth.reload() {
                        tracing::warn!(error = %e, "could not read the links again");
                    }
                }
                crate::events::Event::Consent { workshop } => consents.forget(&workshop),
            },
            move || {
                if let Err(e) = auth_all.reload() {
                    tracing::warn!(error = %e, "could not read the links again");
                }
                consents_all.forget_all();
            },
        ))
    }
}
