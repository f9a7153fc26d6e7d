//! Awareness (presence) for one board: who is here, with expiry and size caps.
//!
//! Each connection may speak for exactly one awareness client id: the first it sends.
//! Entries for other ids are dropped. An id another connection speaks for is that
//! connection's: nobody else may rename it or remove it, until it has not been refreshed
//! for [`TAKEOVER_AFTER`] (a browser that reconnected after a network blip then takes its
//! own id back; live browsers refresh every 15 s). Clocks must leave room for the
//! removal's clock + 1: an entry at `u32::MAX` is dropped. An entry not refreshed within the timeout is
//! removed, and so is a connection's entry when it disconnects; both are broadcast as the
//! standard removal (state `null`, clock + 1).

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use cocreate_core::sync::presence::{is_hex_color, Presence};
use yrs::sync::awareness::AwarenessUpdateEntry;
use yrs::sync::AwarenessUpdate;
use yrs::ClientID;

/// Why an awareness update was refused.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum AwarenessError {
    #[error("awareness state of {len} bytes exceeds the limit of {max}")]
    TooLarge { len: usize, max: usize },
    #[error("awareness state is not JSON")]
    NotJson,
    /// Pages put the colour in a style attribute: only `#rrggbb` is taken.
    #[error("presence colour must be #rrggbb")]
    BadColor,
}

struct Entry {
    clock: u32,
    json: Arc<str>,
    conn: u64,
    seen: Instant,
}

/// Awareness entries of one board.
pub struct AwarenessTable {
    entries: HashMap<u64, Entry>,
    max_json: usize,
    max_clients: usize,
}

const NULL: &str = "null";

/// How long an entry must go unrefreshed before another connection may take its id over.
pub const TAKEOVER_AFTER: Duration = Duration::from_secs(20);

impl AwarenessTable {
    /// The `user` of every present client, sorted by name.
    pub fn people(&self) -> Vec<cocreate_core::catalog::Person> {
        let mut people: Vec<cocreate_core::catalog::Person> = self
            .entries
            .values()
            .filter_map(|e| {
                let p = Presence::parse(&e.json)?;
                Some(cocreate_core::catalog::Person {
                    id: p.id,
                    name: p.name,
                    role: p.role,
                })
            })
            .collect();
        people.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id)));
        people
    }

    pub fn new(max_json: usize, max_clients: usize) -> Self {
        AwarenessTable {
            entries: HashMap::new(),
            max_json,
            max_clients,
        }
    }

    /// Apply a client's update. `bound` is the connection's client id (set on first use).
    /// Returns the entries to broadcast (possibly none).
    pub fn apply(
        &mut self,
        conn: u64,
        bound: &mut Option<u64>,
        update: AwarenessUpdate,
        now: Instant,
    ) -> Result<Option<AwarenessUpdate>, AwarenessError> {
        let mut accepted = HashMap::new();
        for (client, entry) in update.clients {
            let id = client.get();
            // Another connection's live entry is not ours to change.
            let owned_elsewhere = self.entries.get(&id).is_some_and(|cur| {
                cur.conn != conn && now.saturating_duration_since(cur.seen) < TAKEOVER_AFTER
            });
            if owned_elsewhere || entry.clock == u32::MAX {
                continue;
            }
            match *bound {
                None => *bound = Some(id),
                Some(b) if b != id => continue,
                Some(_) => {}
            }
            if entry.json.len() > self.max_json {
                return Err(AwarenessError::TooLarge {
                    len: entry.json.len(),
                    max: self.max_json,
                });
            }
            let state: serde_json::Value =
                serde_json::from_str(&entry.json).map_err(|_| AwarenessError::NotJson)?;
            if let Some(color) = state.pointer("/user/color") {
                if !color.as_str().is_some_and(is_hex_color) {
                    return Err(AwarenessError::BadColor);
                }
            }
            let is_null = &*entry.json == NULL;
            let newer = match self.entries.get(&id) {
                // A stale entry taken over by its reconnected client: its clock restarts.
                Some(cur) if cur.conn != conn => true,
                Some(cur) => cur.clock < entry.clock || (cur.clock == entry.clock && is_null),
                None => true,
            };
            if !newer {
                // Same clock again: a heartbeat. Keep the entry alive.
                if let Some(cur) = self.entries.get_mut(&id) {
                    cur.seen = now;
                }
                continue;
            }
            if is_null {
                self.entries.remove(&id);
            } else {
                if !self.entries.contains_key(&id) && self.entries.len() >= self.max_clients {
                    // A full table never closes a newcomer: they take part as before, and
                    // are shown once there is room (their next heartbeat).
                    tracing::debug!(client = id, "presence table full; state not kept");
                    continue;
                }
                self.entries.insert(
                    id,
                    Entry {
                        clock: entry.clock,
                        json: entry.json.clone(),
                        conn,
                        seen: now,
                    },
                );
            }
            accepted.insert(client, entry);
        }
        Ok((!accepted.is_empty()).then_some(AwarenessUpdate { clients: accepted }))
    }

    /// Remove the entry a connection spoke for; returns the removal to broadcast.
    pub fn remove_conn(&mut self, conn: u64) -> Option<AwarenessUpdate> {
        let ids: Vec<u64> = self
            .entries
            .iter()
            .filter(|(_, e)| e.conn == conn)
            .map(|(id, _)| *id)
            .collect();
        self.remove(ids)
    }

    /// Remove entries not refreshed within `timeout`; returns the removal to broadcast.
    pub fn expire(&mut self, now: Instant, timeout: Duration) -> Option<AwarenessUpdate> {
        let ids: Vec<u64> = self
            .entries
            .iter()
            .filter(|(_, e)| now.saturating_duration_since(e.seen) > timeout)
            .map(|(id, _)| *id)
            .collect();
        self.remove(ids)
    }

    fn remove(&mut self, ids: Vec<u64>) -> Option<AwarenessUpdate> {
        let mut clients = HashMap::new();
        for id in ids {
            if let Some(e) = self.entries.remove(&id) {
                clients.insert(
                    ClientID::new(id),
                    AwarenessUpdateEntry {
                        // Entries never hold u32::MAX (see `apply`), so this never wraps.
                        clock: e.clock + 1,
                        json: NULL.into(),
                    },
                );
            }
        }
        (!clients.is_empty()).then_some(AwarenessUpdate { clients })
    }

    /// Every current entry, for a client that just joined.
    pub fn full_state(&self) -> Option<AwarenessUpdate> {
        let clients: HashMap<_, _> = self
            .entries
            .iter()
            .map(|(id, e)| {
                (
                    ClientID::new(*id),
                    AwarenessUpdateEntry {
                        clock: e.clock,
                        json: e.json.clone(),
                    },
                )
            })
            .collect();
        (!clients.is_empty()).then_some(AwarenessUpdate { clients })
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn upd(id: u64, clock: u32, json: &str) -> AwarenessUpdate {
        let mut clients = HashMap::new();
        clients.insert(
            ClientID::new(id),
            AwarenessUpdateEntry {
                clock,
                json: json.into(),
            },
        );
        AwarenessUpdate { clients }
    }

    #[test]
    fn one_client_id_per_connection() {
        let mut t = AwarenessTable::new(1024, 10);
        let now = Instant::now();
        let mut bound = None;
        assert!(t
            .apply(1, &mut bound, upd(7, 1, "{}"), now)
            .unwrap()
            .is_some());
        assert_eq!(bound, Some(7));
        // The same connection cannot speak for client 8.
        assert!(t
            .apply(1, &mut bound, upd(8, 1, "{}"), now)
            .unwrap()
            .is_none());
        assert_eq!(t.len(), 1);
    }

    #[test]
    fn a_connection_cannot_take_over_another_ones_live_presence() {
        let mut t = AwarenessTable::new(1024, 10);
        let start = Instant::now();
        let mut victim = None;
        t.apply(
            1,
            &mut victim,
            upd(7, 3, r#"{"user":{"name":"Ana"}}"#),
            start,
        )
        .unwrap();
        // A higher clock from another connection renames nobody and removes nobody.
        let mut thief = None;
        for json in [r#"{"user":{"name":"Boss","role":"facilitator"}}"#, "null"] {
            assert!(t
                .apply(2, &mut thief, upd(7, 99, json), start)
                .unwrap()
                .is_none());
        }
        assert_eq!(thief, None, "the thief is not bound to the victim's id");
        assert_eq!(t.people()[0].name, "Ana");
        // The victim goes on as before; the thief may still announce itself.
        assert!(t
            .apply(
                1,
                &mut victim,
                upd(7, 4, r#"{"user":{"name":"Ana"}}"#),
                start
            )
            .unwrap()
            .is_some());
        assert!(t
            .apply(2, &mut thief, upd(8, 1, r#"{"user":{"name":"Bo"}}"#), start)
            .unwrap()
            .is_some());
        // An entry left unrefreshed (its socket silently gone) is taken back by the
        // client's new connection, at whatever clock it restarts from.
        let later = start + TAKEOVER_AFTER + Duration::from_secs(1);
        let mut back = None;
        assert!(t
            .apply(3, &mut back, upd(7, 1, r#"{"user":{"name":"Ana"}}"#), later)
            .unwrap()
            .is_some());
        assert_eq!(back, Some(7));
        assert!(
            t.remove_conn(1).is_none(),
            "the old connection owns nothing now"
        );
    }

    #[test]
    fn a_clock_at_the_top_is_refused_so_removals_never_wrap() {
        let mut t = AwarenessTable::new(1024, 10);
        let now = Instant::now();
        let style = r#"{"user":{"color":"red;position:fixed;inset:0"}}"#;
        assert_eq!(
            t.apply(5, &mut None, upd(11, 1, style), now),
            Err(AwarenessError::BadColor)
        );
        let hex = r##"{"user":{"color":"#30bced"}}"##;
        assert!(t
            .apply(6, &mut None, upd(12, 1, hex), now)
            .unwrap()
            .is_some());
        assert!(t.remove_conn(6).is_some());
        let mut bound = None;
        assert!(t
            .apply(1, &mut bound, upd(7, u32::MAX, "{}"), now)
            .unwrap()
            .is_none());
        t.apply(1, &mut bound, upd(7, u32::MAX - 1, "{}"), now)
            .unwrap();
        let removal = t.remove_conn(1).unwrap();
        assert_eq!(removal.clients[&ClientID::new(7)].clock, u32::MAX);
    }

    #[test]
    fn stale_clocks_are_ignored_and_removal_on_disconnect() {
        let mut t = AwarenessTable::new(1024, 10);
        let now = Instant::now();
        let mut bound = None;
        t.apply(1, &mut bound, upd(7, 2, r#"{"a":1}"#), now)
            .unwrap();
        assert!(t
            .apply(1, &mut bound, upd(7, 1, r#"{"a":0}"#), now)
            .unwrap()
            .is_none());
        let removal = t.remove_conn(1).unwrap();
        let e = &removal.clients[&ClientID::new(7)];
        assert_eq!((e.clock, &*e.json), (3, "null"));
        assert!(t.is_empty());
    }

    #[test]
    fn entries_expire_and_limits_hold() {
        let mut t = AwarenessTable::new(16, 1);
        let start = Instant::now();
        let mut b1 = None;
        t.apply(1, &mut b1, upd(7, 1, "{}"), start).unwrap();
        assert!(t
            .expire(start + Duration::from_secs(10), Duration::from_secs(30))
            .is_none());
        let mut b2 = None;
        // The table is full: the newcomer is not closed, just not shown yet.
        assert_eq!(t.apply(2, &mut b2, upd(8, 1, "{}"), start), Ok(None));
        assert_eq!(t.len(), 1);
        let mut b3 = None;
        assert_eq!(
            t.apply(
                3,
                &mut b3,
                upd(9, 1, &format!("\"{}\"", "x".repeat(20))),
                start
            ),
            Err(AwarenessError::TooLarge { len: 22, max: 16 })
        );
        assert_eq!(
            t.apply(4, &mut None, upd(10, 1, "{nope"), start),
            Err(AwarenessError::NotJson)
        );

        let gone = t
            .expire(start + Duration::from_secs(31), Duration::from_secs(30))
            .unwrap();
        assert!(gone.clients.contains_key(&ClientID::new(7)));
        assert!(t.is_empty());
    }
}
