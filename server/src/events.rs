//! Events between the nodes of a cluster, over Redis pub/sub: what one node changed that
//! the others keep in memory (links, consents). An event says only what to read again
//! from the database, which stays the one source of truth; Redis is never more than the
//! messenger. A node whose subscription broke (Redis restarted, the network cut) reads
//! everything again once it is back, since it may have missed events meanwhile.

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use futures::StreamExt;
use serde::{Deserialize, Serialize};

/// The channel every node publishes to and listens on.
const CHANNEL: &str = "cocreate:events";

/// What changed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Event {
    /// Links were made or revoked, or their expiry changed.
    Links,
    /// A workshop's privacy notice or someone's consent to it changed.
    Consent { workshop: String },
}

#[derive(Serialize, Deserialize)]
struct Envelope {
    node: String,
    #[serde(flatten)]
    event: Event,
}

/// The way to the other nodes; does nothing on a single node. Cheap to clone; every
/// clone sends through the same connection once [`Events::connect`] was called on any.
#[derive(Clone, Default)]
pub struct Events(Arc<OnceLock<Arc<Bus>>>);

struct Bus {
    client: redis::Client,
    node: String,
    publisher: tokio::sync::Mutex<Option<redis::aio::MultiplexedConnection>>,
}

/// Why the events bus could not be set up.
#[derive(Debug, thiserror::Error)]
#[error("--cluster {url}: {reason}")]
pub struct EventsError {
    url: String,
    reason: String,
}

impl Events {
    /// Connect this node (`node`) to the Redis server at `url`.
    pub fn connect(&self, url: &str, node: &str) -> Result<(), EventsError> {
        let client = redis::Client::open(url).map_err(|e| EventsError {
            url: url.to_string(),
            reason: e.to_string(),
        })?;
        let _ = self.0.set(Arc::new(Bus {
            client,
            node: node.to_string(),
            publisher: tokio::sync::Mutex::new(None),
        }));
        Ok(())
    }

    /// Whether there are other nodes (this one is connected to a cluster's events): only
    /// then can what is cached here be stale.
    pub fn shared(&self) -> bool {
        self.0.get().is_some()
    }

    /// Tell the other nodes (in the background; a lost event is made up for when their
    /// subscription comes back, and the database has the change already).
    pub fn publish(&self, event: Event) {
        let Some(bus) = self.0.get().cloned() else {
            return;
        };
        let Ok(rt) = tokio::runtime::Handle::try_current() else {
            return;
        };
        rt.spawn(async move {
            if let Err(e) = bus.publish(&event).await {
                tracing::warn!(error = %e, ?event, "could not tell the other nodes");
            }
        });
    }

    /// Listen to the other nodes: `on` for each event, `resync` after every (re)start of
    /// the subscription. Returns `None` on a single node.
    pub fn listen(
        &self,
        on: impl Fn(Event) + Send + Sync + 'static,
        resync: impl Fn() + Send + Sync + 'static,
    ) -> Option<tokio::task::JoinHandle<()>> {
        let bus = self.0.get().cloned()?;
        Some(tokio::spawn(async move {
            let mut backoff = Duration::from_millis(100);
            loop {
                match bus.subscribe().await {
                    Ok(mut pubsub) => {
                        backoff = Duration::from_millis(100);
                        resync();
                        let mut messages = pubsub.on_message();
                        while let Some(msg) = messages.next().await {
                            match serde_json::from_slice::<Envelope>(msg.get_payload_bytes()) {
                                Ok(env) if env.node != bus.node => on(env.event),
                                Ok(_) => {}
                                Err(e) => tracing::warn!(error = %e, "an event that is not ours"),
                            }
                        }
                        tracing::warn!("event subscription ended; reconnecting");
                    }
                    Err(e) => tracing::warn!(error = %e, "cannot reach the events server"),
                }
                tokio::time::sleep(backoff).await;
                backoff = (backoff * 2).min(Duration::from_secs(2));
            }
        }))
    }
}

impl Bus {
    async fn publish(&self, event: &Event) -> redis::RedisResult<()> {
        let payload = serde_json::to_string(&Envelope {
            node: self.node.clone(),
            event: event.clone(),
        })
        .expect("an event encodes");
        let mut publisher = self.publisher.lock().await;
        for attempt in 0..2 {
            if publisher.is_none() {
                *publisher = Some(self.client.get_multiplexed_async_connection().await?);
            }
            let con = publisher.as_mut().expect("connected");
            match redis::cmd("PUBLISH")
                .arg(CHANNEL)
                .arg(&payload)
                .query_async::<i64>(con)
                .await
            {
                Ok(_) => return Ok(()),
                // A connection from before a Redis restart: connect again once.
                Err(e) if attempt == 0 => {
                    tracing::debug!(error = %e, "publishing again on a new connection");
                    *publisher = None;
                }
                Err(e) => return Err(e),
            }
        }
        Ok(())
    }

    async fn subscribe(&self) -> redis::RedisResult<redis::aio::PubSub> {
        let mut pubsub = self.client.get_async_pubsub().await?;
        pubsub.subscribe(CHANNEL).await?;
        Ok(pubsub)
    }
}
