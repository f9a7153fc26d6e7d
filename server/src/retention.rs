//! Retention: on a workshop's retention date the server carries out what the workshop
//! chose, once, and records it.
//!
//! - `archive`: the workshop is archived (every board locked, kept read-only).
//! - `erase`: every participant of the workshop (everyone in its roster or with a consent
//!   on record) is erased as if they withdrew (`crate::erasure`), then the workshop is
//!   archived. Erasure records and the audit log stay.
//!
//! [`run_due`] takes the clock as a parameter so tests move it; the server calls it from a
//! task every [`CHECK_EVERY`].

use std::collections::BTreeSet;
use std::time::Duration;

use cocreate_core::catalog::{AuditEntry, RetentionAction};
use cocreate_core::model::control::{Control, ControlPatch};

use crate::consent::ConsentBook;
use crate::erasure::{erase, EraseError, Requester};
use crate::hub::Hub;

/// How often the server looks for workshops whose retention date has come.
pub const CHECK_EVERY: Duration = Duration::from_secs(3600);

/// Carry out every retention due at `now_ms`; returns the workshops done.
pub async fn run_due(
    hub: &Hub,
    consents: &ConsentBook,
    now_ms: i64,
) -> Result<Vec<String>, EraseError> {
    let store = hub.store().clone();
    let mut done = Vec::new();
    for (workshop, rule) in store.retention_due(now_ms)? {
        let mut erased = 0;
        if rule.action == RetentionAction::Erase {
            let people: BTreeSet<String> = store
                .roster(&workshop)?
                .into_iter()
                .map(|m| m.pseudonym)
                .chain(store.consents(&workshop)?.into_iter().map(|c| c.pseudonym))
                .collect();
            for p in people {
                erase(hub, consents, &workshop, &p, Requester::Retention).await?;
                erased += 1;
            }
        }
        // Archive: read-only from now on.
        store.update_workshop(&workshop, None, Some(true))?;
        if let Some(w) = store.workshop(&workshop)? {
            for b in &w.boards {
                let control = hub.join(&cocreate_core::catalog::DocKey::control(&b.id))?;
                control
                    .change(Control::of, |c, txn| {
                        c.apply(
                            txn,
                            &ControlPatch {
                                locked: Some(true),
                                ..Default::default()
                            },
                        )
                    })
                    .await?
                    .ok();
            }
        }
        store.retention_done(&workshop, now_ms)?;
        store.append_audit(
            &workshop,
            &AuditEntry {
                at_ms: now_ms,
                actor: "the retention date".into(),
                action: format!("retention: {}", rule.action.as_str()),
                target: workshop.clone(),
                detail: match rule.action {
                    RetentionAction::Erase => {
                        format!("{erased} people erased; the workshop archived")
                    }
                    RetentionAction::Archive => "the workshop archived".into(),
                },
            },
        )?;
        tracing::info!(
            workshop,
            action = rule.action.as_str(),
            erased,
            "retention carried out"
        );
        done.push(workshop);
    }
    Ok(done)
}

/// Run [`run_due`] every [`CHECK_EVERY`] on the system clock until the hub is gone.
pub fn spawn(hub: Hub, consents: ConsentBook) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(CHECK_EVERY);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = run_due(&hub, &consents, crate::store::now_ms()).await {
                tracing::error!(error = %e, "carrying out retention");
            }
        }
    })
}
