//! Consent: each workshop's privacy notice, and who has agreed to it as it is now.
//!
//! Participants agree to their workshop's notice when they join (`Directory::join`);
//! until they have, the server refuses their changes to any board of the workshop
//! (`hub::session::Gate::check`). Facilitators and observers do not consent: facilitators
//! run the workshop, observers write nothing.
//!
//! The store keeps every version of a notice and every consent with its time, and marks a
//! consent withdrawn rather than deleting it (the record of what a person agreed to, and
//! when they stopped, is what an information-governance review asks for). [`ConsentBook`]
//! keeps in memory, per workshop, the current version and who agreed to it, so the check
//! on every websocket message costs a hash lookup, not a query.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, RwLock};
use std::time::{Duration, Instant};

use cocreate_core::catalog::Notice;

use crate::events::{Event, Events};
use crate::store::{Store, StoreError};

/// The notice a workshop has until its facilitators write their own (kept as version 1
/// the first time anyone asks for it).
pub const DEFAULT_NOTICE: &str = "\
This workshop is run by its facilitators to hear from everyone with a stake in it: \
stakeholders, educators, clinicians, patients and citizens.

What we keep: the cards you write, your votes, and the name and role you give us. \
Your cards are shown on the board under a code (a pseudonym), never your name. \
On an anonymous board, other participants do not see your name at all; \
the facilitators always can.

What we do with it: the facilitators group and analyse the cards for themes, \
combine them with other workshops into a summary, and share that summary with \
professional bodies and an engagement group. Exports for that analysis carry your role; \
your name is in them only if your board is not anonymous.

Who sees it: the people on your board and the workshop's facilitators. \
Nothing you write is sold or used for anything else.

Your choice: taking part is voluntary. You can stop at any time with \"Leave and remove \
my cards\" on the board page: your cards and votes are then erased from the boards, \
their snapshots, their history and every later export. Ask a facilitator if you have \
any questions.";

/// The easy-read version of [`DEFAULT_NOTICE`].
pub const DEFAULT_NOTICE_EASY_READ: &str = "\
We want to hear what you think.

We keep what you write on the cards. We keep your votes. We keep the name you give us.

Other people on the board see your cards. They do not see your name next to your cards.

We use your cards to find out what people think. We write a report about it. \
The report does not have your name in it.

You do not have to take part. You can stop at any time. \
Press \"Leave and remove my cards\". We will delete your cards.

You can ask the facilitator if you have a question.";

/// Who agreed to the current notice of each workshop seen so far. Cheap to clone.
#[derive(Clone)]
pub struct ConsentBook {
    store: Store,
    workshops: Arc<RwLock<HashMap<String, Agreed>>>,
    /// Held while a workshop's default notice is kept, so it is kept once.
    defaulting: Arc<Mutex<()>>,
    /// Tells the other nodes of a cluster what changed.
    events: Events,
}

/// One workshop's current notice version and the pseudonyms that agreed to it.
struct Agreed {
    version: u32,
    who: HashSet<String>,
    /// When it was read from the store.
    loaded: Instant,
}

/// How old a workshop's cached consents may be before someone missing from them is
/// looked up again (they may have agreed through another node of a cluster).
const RECHECK_AFTER: Duration = Duration::from_millis(500);

impl ConsentBook {
    pub fn new(store: Store) -> ConsentBook {
        ConsentBook {
            store,
            workshops: Arc::default(),
            defaulting: Arc::default(),
            events: Events::default(),
        }
    }

    /// This book, telling the other nodes of its changes through `events`.
    pub fn with_events(mut self, events: Events) -> ConsentBook {
        self.events = events;
        self
    }

    /// Forget what is cached of `workshop` (another node changed it).
    pub fn forget(&self, workshop: &str) {
        self.workshops
            .write()
            .expect("consent book")
            .remove(workshop);
    }

    /// Forget everything cached (events from other nodes may have been missed).
    pub fn forget_all(&self) {
        self.workshops.write().expect("consent book").clear();
    }

    /// The workshop's notice as it is now (the default, kept as version 1, if its
    /// facilitators never set one).
    pub fn notice(&self, workshop: &str) -> Result<Notice, StoreError> {
        if let Some(n) = self.store.notice(workshop)? {
            return Ok(n);
        }
        // One default per workshop, however many ask at once.
        let _one = self.defaulting.lock().expect("defaulting");
        match self.store.notice(workshop)? {
            Some(n) => Ok(n),
            None => self
                .store
                .set_notice(workshop, DEFAULT_NOTICE, DEFAULT_NOTICE_EASY_READ),
        }
    }

    /// A new version of the workshop's notice: from now on nobody has agreed to it.
    pub fn set_notice(
        &self,
        workshop: &str,
        plain: &str,
        easy_read: &str,
    ) -> Result<Notice, StoreError> {
        let notice = self.store.set_notice(workshop, plain, easy_read)?;
        self.workshops.write().expect("consent book").insert(
            workshop.to_string(),
            Agreed {
                version: notice.version,
                who: HashSet::new(),
                loaded: Instant::now(),
            },
        );
        self.events.publish(Event::Consent {
            workshop: workshop.to_string(),
        });
        Ok(notice)
    }

    /// Whether `pseudonym` has agreed to the workshop's notice as it is now.
    pub fn agreed(&self, workshop: &str, pseudonym: &str) -> Result<bool, StoreError> {
        if let Some(a) = self.workshops.read().expect("consent book").get(workshop) {
            // On a single node the book is never stale (every agreement goes through
            // it); with other nodes, someone missing may have agreed through one of them.
            let fresh = !self.events.shared() || a.loaded.elapsed() < RECHECK_AFTER;
            if a.who.contains(pseudonym) || fresh {
                return Ok(a.who.contains(pseudonym));
            }
        }
        let loaded = self.load(workshop)?;
        let agreed = loaded.who.contains(pseudonym);
        self.workshops
            .write()
            .expect("consent book")
            .insert(workshop.to_string(), loaded);
        Ok(agreed)
    }

    /// Record `pseudonym`'s agreement to `version`, which must be the current one;
    /// otherwise the version they must agree to.
    pub fn agree(&self, workshop: &str, pseudonym: &str, version: u32) -> Result<(), Needed> {
        let current = self.notice(workshop)?.version;
        if version != current {
            return Err(Needed::Consent(current));
        }
        self.store.record_consent(workshop, pseudonym, version)?;
        let mut book = self.workshops.write().expect("consent book");
        match book.get_mut(workshop) {
            Some(a) if a.version == version => {
                a.who.insert(pseudonym.to_string());
            }
            // Not loaded yet (or a newer notice raced in): read it afresh when asked.
            _ => {
                book.remove(workshop);
            }
        }
        drop(book);
        self.events.publish(Event::Consent {
            workshop: workshop.to_string(),
        });
        Ok(())
    }

    /// Mark `pseudonym`'s consents in the workshop withdrawn: their changes are refused
    /// from now on.
    pub fn withdraw(&self, workshop: &str, pseudonym: &str) -> Result<(), StoreError> {
        self.store.withdraw_consent(workshop, pseudonym)?;
        if let Some(a) = self
            .workshops
            .write()
            .expect("consent book")
            .get_mut(workshop)
        {
            a.who.remove(pseudonym);
        }
        self.events.publish(Event::Consent {
            workshop: workshop.to_string(),
        });
        Ok(())
    }

    fn load(&self, workshop: &str) -> Result<Agreed, StoreError> {
        let version = self.notice(workshop)?.version;
        let who = self
            .store
            .consents(workshop)?
            .into_iter()
            .filter(|c| c.version == version && c.withdrawn_ms.is_none())
            .map(|c| c.pseudonym)
            .collect();
        Ok(Agreed {
            version,
            who,
            loaded: Instant::now(),
        })
    }
}

/// Why an agreement was not recorded.
#[derive(Debug, thiserror::Error)]
pub enum Needed {
    /// The notice changed: agree to this version.
    #[error("the privacy notice is now version {0}")]
    Consent(u32),
    #[error(transparent)]
    Store(#[from] StoreError),
}
