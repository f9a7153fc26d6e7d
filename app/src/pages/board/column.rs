//! A prompt's column: its themes and the cards not in one.

use leptos::prelude::*;

use super::card::{dragged_card, CardItem};
use crate::pages::common::SymbolImage;
use crate::prefs::Listen;
use crate::session::{Action, BoardSession};
use cocreate_core::model::board::ThemeView;
use cocreate_core::model::{CardView, Prompt};

#[component]
pub(super) fn Column(session: BoardSession, prompt: Prompt) -> impl IntoView {
    let heading_id = format!("col-{}", prompt.as_str());
    let labelled_by = heading_id.clone();
    let cards = Memo::new(move |_| session.visible_column(prompt));
    let themes = Memo::new(move |_| session.themes_in(prompt));
    // Cards whose theme is gone count as unthemed.
    let unthemed = Memo::new(move |_| {
        let known: Vec<String> = themes.with(|ts| ts.iter().map(|t| t.id.clone()).collect());
        let list = cards.with(|cs| {
            cs.iter()
                .filter(|c| c.theme.as_ref().is_none_or(|t| !known.contains(t)))
                .cloned()
                .collect::<Vec<_>>()
        });
        session.sorted(list)
    });
    let add = move |_| {
        if let Some(id) = session.add_card(prompt) {
            session.request_focus(id);
        }
    };
    let add_theme = move |_| {
        let n = themes.with(|t| t.len()) + 1;
        if let Some(id) = session.add_theme(prompt, &format!("Theme {n}")) {
            session.request_focus(format!("theme-{id}"));
        }
    };
    view! {
        <section class=format!("column column-{}", prompt.as_str()) class:easy=move || session.easy_read.get() aria-labelledby=labelled_by>
            <h2 id=heading_id>
                {move || session.easy_read.get().then(|| view! { <SymbolImage symbol=session.prompt_text(prompt).symbol class="icon"/> " " })}
                {move || session.prompt_text(prompt).title}
            </h2>
            <p class="question">{move || session.prompt_text(prompt).question_for(session.easy_read.get()).to_string()}
                " "
                <Listen session what="the question" text=move || {
                    let p = leptos::prelude::untrack(|| session.prompt_text(prompt));
                    format!("{}. {}", p.title, p.question_for(session.easy_read.get_untracked()))
                }/>
            </p>
            <p class="count">{move || match cards.with(|c| c.len()) { 1 => "1 card".to_string(), n => format!("{n} cards") }}</p>
            // "Card deleted · Undo", in the column the card left, for a while after.
            <div class="undo-slot" role="status">
                {move || session.deleted.with(|d| d.as_ref().is_some_and(|c| c.prompt == Some(prompt))).then(|| view! {
                    <p class="undo-delete">"Card deleted. "
                        <button type="button" on:click=move |_| session.undo_delete()>
                            "Undo" <span class="visually-hidden">" delete"</span>
                        </button>
                    </p>
                })}
            </div>
            <For each=move || themes.get() key=|t| t.id.clone() let:theme>
                <ThemeGroup session prompt theme cards/>
            </For>
            <ul class="cards drop-zone"
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    if let Some(id) = dragged_card(&ev) {
                        session.move_card(&id, prompt, None, None);
                    }
                }>
                <For each=move || unthemed.get() key=|c| (c.id.clone(), c.hidden, c.symbol) let:card>
                    <CardItem session card/>
                </For>
            </ul>
            <div class="column-actions">
                <button class="add-card" on:click=add disabled=move || !session.may(Action::Write)>
                    "+ Add a card"
                    <span class="visually-hidden">" to " {move || session.prompt_text(prompt).title}</span>
                </button>
                <button class="add-theme" on:click=add_theme disabled=move || !session.may(Action::Theme)>
                    "+ New theme"
                    <span class="visually-hidden">" in " {move || session.prompt_text(prompt).title}</span>
                </button>
            </div>
        </section>
    }
}

/// A theme: its collaborative title, its cards, and buttons to reorder or dissolve it.
#[component]
fn ThemeGroup(
    session: BoardSession,
    prompt: Prompt,
    theme: ThemeView,
    cards: Memo<Vec<CardView>>,
) -> impl IntoView {
    let id = theme.id.clone();
    let title = {
        let id = id.clone();
        Memo::new(move |_| {
            session.themes.with(|ts| {
                ts.iter()
                    .find(|t| t.id == id)
                    .map(|t| t.title.clone())
                    .unwrap_or_default()
            })
        })
    };
    let members = {
        let id = id.clone();
        Memo::new(move |_| {
            let list = cards.with(|cs| {
                cs.iter()
                    .filter(|c| c.theme.as_deref() == Some(id.as_str()))
                    .cloned()
                    .collect::<Vec<_>>()
            });
            session.sorted(list)
        })
    };
    let field_id = format!("theme-{id}");
    let field_ref = NodeRef::<leptos::html::Textarea>::new();
    {
        let fid = field_id.clone();
        Effect::new(move |_| {
            if let Some(el) = field_ref.get() {
                if session.take_focus_request(&fid) {
                    // A new theme: its default title is selected, so typing replaces it.
                    el.set_value(&title.get_untracked());
                    let _ = el.focus();
                    el.select();
                }
            }
        });
    }
    let (i1, i2, i3, i4, i5) = (id.clone(), id.clone(), id.clone(), id.clone(), id.clone());
    let heading_id = format!("{field_id}-h");
    let labelled_by = heading_id.clone();
    let lit = {
        let id = id.clone();
        move || {
            session
                .control
                .with(|c| c.spotlight.as_deref() == Some(id.as_str()))
        }
    };
    let i6 = id.clone();
    view! {
        <section class="theme" aria-labelledby=labelled_by data-theme=id.clone() class:spotlit=lit.clone()>
            <h3 id=heading_id class="visually-hidden">{move || format!("Theme: {}", title.get())}</h3>
            <div class="theme-head">
                <label class="visually-hidden" for=field_id.clone()>"Theme title"</label>
                // A title wraps and grows rather than being cut; Enter ends it.
                <textarea id=field_id class="theme-title" dir="auto" rows="1" maxlength="200" node_ref=field_ref
                    prop:value=move || title.get()
                    readonly=move || !session.may(Action::Theme)
                    on:keydown=|ev: leptos::ev::KeyboardEvent| if ev.key() == "Enter" { ev.prevent_default() }
                    on:input=move |ev| session.rename_theme(&i1, &event_target_value(&ev).replace('\n', " "))></textarea>
                <span class="theme-count">{move || match members.with(|m| m.len()) { 1 => "1 card".to_string(), n => format!("{n} cards") }}</span>
            </div>
            <div class="theme-tools">
                <button on:click=move |_| session.nudge_theme(&i2, -1) disabled=move || !session.may(Action::Theme)>"↑"<span class="visually-hidden">" Move theme up"</span></button>
                <button on:click=move |_| session.nudge_theme(&i3, 1) disabled=move || !session.may(Action::Theme)>"↓"<span class="visually-hidden">" Move theme down"</span></button>
                <button on:click=move |_| session.dissolve_theme(&i4) disabled=move || !session.may(Action::Theme)>"Dissolve"<span class="visually-hidden">" theme (its cards stay)"</span></button>
                {session.is_facilitator().then(|| {
                    let (lit, lit2) = (lit.clone(), lit.clone());
                    let i6 = i6.clone();
                    view! {
                        <button class="spotlight-theme" on:click=move |_| {
                            let on = lit2();
                            super::card::spotlight(session, (!on).then(|| i6.clone()));
                        }>{move || if lit() { "End the spotlight" } else { "Spotlight this theme" }}</button>
                    }
                })}
            </div>
            <ul class="cards drop-zone"
                on:dragover=|ev: leptos::ev::DragEvent| ev.prevent_default()
                on:drop=move |ev: leptos::ev::DragEvent| {
                    ev.prevent_default();
                    if let Some(card) = dragged_card(&ev) {
                        session.move_card(&card, prompt, Some(&i5), None);
                    }
                }>
                <For each=move || members.get() key=|c| (c.id.clone(), c.hidden, c.symbol) let:card>
                    <CardItem session card/>
                </For>
            </ul>
        </section>
    }
}
