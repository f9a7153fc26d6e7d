//! Admission of websockets: how many one link, and one network address, may hold open at
//! once. One link must not be able to fill a board's presence table or the server's
//! sockets (a shared participant link serves a whole workshop, so the caps are generous).

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::{Arc, Mutex};

/// Why a connection was not admitted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("this link already has {0} open connections; close some and try again")]
    Link(usize),
    #[error("this network address already has {0} open connections; try again later")]
    Address(usize),
}

#[derive(Default)]
struct Counts {
    links: HashMap<String, usize>,
    addresses: HashMap<IpAddr, usize>,
}

/// Counts open websockets per link and per address. Cheap to clone.
#[derive(Clone)]
pub struct Admission {
    counts: Arc<Mutex<Counts>>,
    max_per_link: usize,
    max_per_address: usize,
}

/// An admitted connection; its place is given back when it is dropped.
pub struct Admitted {
    counts: Arc<Mutex<Counts>>,
    link: String,
    address: IpAddr,
}

impl Admission {
    pub fn new(max_per_link: usize, max_per_address: usize) -> Admission {
        Admission {
            counts: Arc::default(),
            max_per_link,
            max_per_address,
        }
    }

    /// Admit one more connection of `link` (its token hash) from `address`, if both are
    /// under their caps.
    pub fn admit(&self, link: &str, address: IpAddr) -> Result<Admitted, Refusal> {
        let mut c = self.counts.lock().expect("admission");
        let on_link = c.links.get(link).copied().unwrap_or(0);
        if on_link >= self.max_per_link {
            return Err(Refusal::Link(on_link));
        }
        let at_address = c.addresses.get(&address).copied().unwrap_or(0);
        if at_address >= self.max_per_address {
            return Err(Refusal::Address(at_address));
        }
        *c.links.entry(link.to_string()).or_default() += 1;
        *c.addresses.entry(address).or_default() += 1;
        Ok(Admitted {
            counts: self.counts.clone(),
            link: link.to_string(),
            address,
        })
    }
}

impl Drop for Admitted {
    fn drop(&mut self) {
        let mut c = self.counts.lock().expect("admission");
        fn give_back<K: std::hash::Hash + Eq>(map: &mut HashMap<K, usize>, key: &K) {
            if let Some(n) = map.get_mut(key) {
                *n -= 1;
                if *n == 0 {
                    map.remove(key);
                }
            }
        }
        give_back(&mut c.links, &self.link);
        give_back(&mut c.addresses, &self.address);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn caps_hold_per_link_and_per_address_and_places_come_back() {
        let a = Admission::new(2, 3);
        let here: IpAddr = "10.0.0.1".parse().unwrap();
        let there: IpAddr = "10.0.0.2".parse().unwrap();
        let one = a.admit("L", here).unwrap();
        let _two = a.admit("L", here).unwrap();
        assert_eq!(a.admit("L", there).err(), Some(Refusal::Link(2)));
        let _three = a.admit("M", here).unwrap();
        assert_eq!(a.admit("N", here).err(), Some(Refusal::Address(3)));
        drop(one);
        assert!(a.admit("L", there).is_ok());
        assert!(a.counts.lock().unwrap().links.get("L") == Some(&1));
    }
}
