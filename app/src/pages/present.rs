//! Presenting findings back (`/board/{id}/present`): a board (a synthesis, usually) as
//! slides, one theme a screen in large type, for the session that takes the findings back
//! to each area. An easy-read version (the questions' easy-read words and symbols, each
//! card's picture, fewer words) is one switch away, and starts on for a person who chose
//! easy read on this device or a link with `easy=1`. Arrow keys, Page Up/Down, Home and
//! End move between slides; the slide's position is announced. No names are ever shown.

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use crate::api::get_board_export;
use crate::pages::common::use_token;
use cocreate_core::model::export::BoardExport;
use cocreate_core::model::present::{slides, Slide};

#[component]
pub fn PresentPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let token = use_token();
    let board = move || params.read().get("id").unwrap_or_default();
    let at = Memo::new(move |_| query.read().get("at").and_then(|a| a.parse::<i64>().ok()));
    let shown = Resource::new(
        move || (board(), token.get(), at.get()),
        |(b, t, a)| get_board_export(b, t, a),
    );
    view! {
        <Title text="Present findings · cocreate"/>
        <Suspense fallback=|| view! { <p>"Loading the findings…"</p> }>
            {move || Suspend::new(async move {
                match shown.await {
                    Err(e) => view! { <p role="alert">"Could not load this board: " {e.to_string()}</p> }.into_any(),
                    Ok(export) => view! { <Slides export token=token.get_untracked()/> }.into_any(),
                }
            })}
        </Suspense>
    }
}

#[component]
fn Slides(export: BoardExport, token: Option<String>) -> impl IntoView {
    let query = use_query_map();
    let easy = RwSignal::new(query.read_untracked().get("easy").as_deref() == Some("1"));
    // The person's own choice on this device, once the page runs (hydration matches the
    // server's plain version first).
    Effect::new(move |_| {
        if crate::prefs::kept_easy_read() {
            easy.set(true);
        }
    });
    let plain = StoredValue::new(slides(&export, false));
    let easy_read = StoredValue::new(slides(&export, true));
    let count = plain.with_value(Vec::len);
    let at = RwSignal::new(0usize);
    let go = move |to: usize| at.set(to.min(count.saturating_sub(1)));
    let next = move || go(at.get_untracked() + 1);
    let back = move || go(at.get_untracked().saturating_sub(1));
    #[cfg(feature = "hydrate")]
    {
        let keys = window_event_listener(leptos::ev::keydown, move |ev| {
            let typing = ev
                .target()
                .and_then(|t| wasm_bindgen::JsCast::dyn_into::<web_sys::Element>(t).ok())
                .is_some_and(|e| match e.tag_name().as_str() {
                    // A switch or button keeps the slide keys; a field takes them for itself.
                    "INPUT" => !matches!(
                        e.get_attribute("type").as_deref(),
                        Some("checkbox" | "radio" | "button" | "submit")
                    ),
                    "SELECT" | "TEXTAREA" => true,
                    _ => false,
                });
            if typing || ev.alt_key() || ev.ctrl_key() || ev.meta_key() {
                return;
            }
            match ev.key().as_str() {
                "ArrowRight" | "PageDown" => next(),
                "ArrowLeft" | "PageUp" => back(),
                "Home" => go(0),
                "End" => go(count),
                _ => return,
            }
            ev.prevent_default();
        });
        on_cleanup(move || keys.remove());
    }
    let back_href = {
        let b = export.context.board_id.clone();
        match &token {
            Some(t) => format!("/board/{b}/history?token={t}"),
            None => format!("/board/{b}/history"),
        }
    };
    let slide = move || {
        let i = at.get();
        let list = if easy.get() { easy_read } else { plain };
        list.with_value(|l| l.get(i).cloned())
    };
    view! {
        <div class="present" class:easy-read=move || easy.get()>
            <nav class="present-bar no-print" aria-label="Presentation">
                <a href=back_href>"← Back to the board's history"</a>
                <label class="switch">
                    <input type="checkbox" prop:checked=move || easy.get()
                        on:change=move |ev| easy.set(event_target_checked(&ev))/>
                    " Easy read"
                </label>
                <button type="button" on:click=move |_| back() disabled=move || at.get() == 0>"← Back"</button>
                <span class="present-count" aria-hidden="true">{move || format!("{} / {count}", at.get() + 1)}</span>
                <button type="button" on:click=move |_| next() disabled=move || { at.get() + 1 >= count }>"Next →"</button>
            </nav>
            {move || slide().map(|s| view! { <SlideView s n=at.get() + 1 count/> })}
        </div>
    }
}

#[component]
fn SlideView(s: Slide, n: usize, count: usize) -> impl IntoView {
    let Slide {
        kicker,
        symbol,
        title,
        lead,
        points,
    } = s;
    view! {
        <section class="slide" aria-roledescription="slide" aria-label=format!("Slide {n} of {count}") aria-live="polite">
            <p class="kicker">
                {symbol.map(|s| view! { <img class="symbol" src=s.src() alt="" width="64" height="64"/> })}
                {kicker}
            </p>
            <h1>{title}</h1>
            {lead.map(|l| view! { <p class="lead">{l}</p> })}
            {(!points.is_empty()).then(|| view! {
                <ul class="points">
                    {points.into_iter().map(|p| view! {
                        <li>
                            {p.symbol.map(|s| view! { <img class="symbol" src=s.src() alt=s.label() width="48" height="48"/> })}
                            <span class="text">{p.text}</span>
                            {p.note.map(|n| view! { <span class="note">{n}</span> })}
                        </li>
                    }).collect_view()}
                </ul>
            })}
        </section>
    }
}
