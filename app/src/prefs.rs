//! How the board looks and sounds for one person, kept on their device: easy read, text
//! size, contrast, reading-aloud speed and whether their timer shows. Read from local
//! storage once the page runs (the server renders the defaults, so hydration matches) and
//! written back whenever one changes. Reading aloud uses the browser's own speech
//! synthesis: no network service, and nothing plays unless the person asks.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::session::BoardSession;
pub use crate::session::TextSize;

/// Reading-aloud speeds offered: (rate, label).
pub const SPEEDS: [(f32, &str); 3] = [(0.75, "Slow"), (1.0, "Normal"), (1.25, "Fast")];

/// What is kept on the device.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default)]
pub struct Prefs {
    pub easy_read: bool,
    pub guided: bool,
    pub text_size: TextSize,
    pub high_contrast: bool,
    pub speech_rate: f32,
    pub timer_hidden: bool,
}

impl Default for Prefs {
    fn default() -> Self {
        Prefs {
            easy_read: false,
            guided: false,
            text_size: TextSize::Normal,
            high_contrast: false,
            speech_rate: 1.0,
            timer_hidden: false,
        }
    }
}

#[cfg(feature = "hydrate")]
const PREFS_KEY: &str = "cocreate.prefs";

/// Load the kept preferences into `session` (browser only), then keep them: every change
/// is written back and applied to the page (text size and contrast on the document).
pub fn keep(session: BoardSession) {
    #[cfg(feature = "hydrate")]
    {
        let storage = || web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        let kept: Prefs = storage()
            .and_then(|s| s.get_item(PREFS_KEY).ok().flatten())
            .and_then(|j| serde_json::from_str(&j).ok())
            .unwrap_or_default();
        session.easy_read.set(kept.easy_read);
        // A link that asks for guided mode turns it on (and it is kept from then on).
        let asked = web_sys::window()
            .and_then(|w| w.location().search().ok())
            .is_some_and(|q| q.split(['?', '&']).any(|kv| kv == "guided=1"));
        session.guided.set(kept.guided || asked);
        session.text_size.set(kept.text_size);
        session.high_contrast.set(kept.high_contrast);
        session.speech_rate.set(kept.speech_rate);
        session.timer_hidden.set(kept.timer_hidden);
        Effect::new(move |_| {
            let now = Prefs {
                easy_read: session.easy_read.get(),
                guided: session.guided.get(),
                text_size: session.text_size.get(),
                high_contrast: session.high_contrast.get(),
                speech_rate: session.speech_rate.get(),
                timer_hidden: session.timer_hidden.get(),
            };
            if let (Some(s), Ok(j)) = (storage(), serde_json::to_string(&now)) {
                let _ = s.set_item(PREFS_KEY, &j);
            }
            if let Some(root) = document_root() {
                let _ = root
                    .set_attribute("style", &format!("font-size: {}%", now.text_size.percent()));
                let _ = root
                    .class_list()
                    .toggle_with_force("high-contrast", now.high_contrast);
            }
        });
        on_cleanup(|| {
            if let Some(root) = document_root() {
                let _ = root.remove_attribute("style");
                let _ = root.class_list().remove_1("high-contrast");
            }
        });
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = session;
}

/// Whether this device's person chose easy read (false on the server, and where nothing
/// is kept).
pub fn kept_easy_read() -> bool {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(PREFS_KEY).ok().flatten())
            .and_then(|j| serde_json::from_str::<Prefs>(&j).ok())
            .is_some_and(|p| p.easy_read)
    }
    #[cfg(not(feature = "hydrate"))]
    false
}

/// The page's `<html>` element, where text size and contrast apply.
#[cfg(feature = "hydrate")]
fn document_root() -> Option<web_sys::Element> {
    web_sys::window()?.document()?.document_element()
}

/// Read `text` aloud at this person's speed, stopping whatever was being read.
pub fn speak(session: BoardSession, text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(synth) = web_sys::window().and_then(|w| w.speech_synthesis().ok()) {
        synth.cancel();
        if let Ok(u) = web_sys::SpeechSynthesisUtterance::new_with_text(text) {
            u.set_rate(session.speech_rate.get_untracked());
            u.set_lang("en-GB");
            synth.speak(&u);
        }
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (session, text);
}

/// A small "Listen" button that reads `text()` aloud; `what` names it for screen readers
/// ("Listen to the question").
#[component]
pub fn Listen<F>(session: BoardSession, what: &'static str, text: F) -> impl IntoView
where
    F: Fn() -> String + Send + Sync + 'static,
{
    view! {
        <button type="button" class="listen" on:click=move |_| speak(session, &text())>
            <span aria-hidden="true">"🔊 "</span>"Listen"
            <span class="visually-hidden">{format!(" to {what}")}</span>
        </button>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn preferences_round_trip_and_old_or_partial_ones_take_defaults() {
        let p = Prefs {
            easy_read: true,
            guided: true,
            text_size: TextSize::Larger,
            high_contrast: true,
            speech_rate: 0.75,
            timer_hidden: true,
        };
        let j = serde_json::to_string(&p).unwrap();
        assert_eq!(serde_json::from_str::<Prefs>(&j).unwrap(), p);
        let partial: Prefs = serde_json::from_str(r#"{"easy_read":true}"#).unwrap();
        assert_eq!(
            partial,
            Prefs {
                easy_read: true,
                ..Prefs::default()
            }
        );
        assert_eq!(TextSize::parse("large"), Some(TextSize::Large));
    }
}
