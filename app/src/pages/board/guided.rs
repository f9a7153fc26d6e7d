//! Guided mode: the exercise one question a screen, in easy-read words with its symbol,
//! for people who find a board of four columns too much. Large targets, no dragging, no
//! columns; each idea written here is a card on the shared board like any other.

use leptos::prelude::*;

use crate::pages::common::SymbolImage;
use crate::prefs::{speak, Listen};
use crate::session::{Action, BoardSession};
use cocreate_core::model::schema::Symbol;
use cocreate_core::model::Prompt;

/// One prompt a screen, then a last screen to see the whole board.
#[component]
pub fn Guided(session: BoardSession) -> impl IntoView {
    let step = RwSignal::new(0usize);
    let text = RwSignal::new(String::new());
    let said = RwSignal::new(String::new());
    let last = RwSignal::new(String::new());
    // The picture chosen to go beside the next idea, if any.
    let picture = RwSignal::new(None::<Symbol>);
    let total = Prompt::ALL.len();
    let prompt = move || Prompt::ALL.get(step.get()).copied();
    let add = move |_| {
        let Some(p) = prompt() else { return };
        let idea = text.get_untracked();
        if idea.trim().is_empty() {
            said.set("Write your idea in the box first.".into());
            return;
        }
        match session.add_card(p) {
            Some(id) => {
                session.edit_text(&id, idea.trim(), None);
                if let Some(s) = picture.get_untracked() {
                    session.set_symbol(&id, Some(s));
                }
                last.set(idea.trim().to_string());
                text.set(String::new());
                picture.set(None);
                said.set("Your idea is on the board. You can write another one.".into());
            }
            None => said.set("Your idea could not be added just now.".into()),
        }
    };
    // This person's cards for the question on screen.
    let mine = move || {
        let Some(p) = prompt() else { return Vec::new() };
        session.cards.with(|cards| {
            cards
                .iter()
                .filter(|c| c.prompt == Some(p) && session.is_mine(c))
                .map(|c| c.text.clone())
                .collect::<Vec<_>>()
        })
    };
    let go = move |to: usize| {
        step.set(to);
        said.set(String::new());
        last.set(String::new());
    };
    view! {
        <section class="guided" aria-labelledby="guided-h">
            {move || match prompt() {
                Some(p) => {
                    let words = session.prompt_text(p);
                    let n = step.get() + 1;
                    view! {
                        <p class="guided-step">{format!("Question {n} of {total}")}</p>
                        <h2 id="guided-h">
                            <SymbolImage symbol=words.symbol class="guided-symbol"/>
                            {words.easy.clone()}
                        </h2>
                        <Listen session what="the question" text=move || {
                            untrack(|| session.prompt_text(p)).easy
                        }/>
                        <label for="guided-text" class="guided-label">"Write your idea"</label>
                        <textarea id="guided-text" rows="3" maxlength="2000"
                            prop:value=move || text.get()
                            on:input=move |ev| text.set(event_target_value(&ev))
                            disabled=move || !session.may(Action::Write)></textarea>
                        {move || (!session.may(Action::Write)).then(|| view! {
                            <p class="muted">"You can write when the facilitator says it is time to write."</p>
                        })}
                        <fieldset class="guided-pictures">
                            <legend>"Add a picture to your idea (you do not have to)"</legend>
                            {Symbol::FOR_CARDS.map(|s| view! {
                                <label class="guided-picture">
                                    <input type="radio" name="guided-picture" value=s.as_str()
                                        prop:checked=move || picture.get() == Some(s)
                                        on:change=move |_| picture.set(Some(s))/>
                                    <SymbolImage symbol=s/>
                                    <span>{s.label()}</span>
                                </label>
                            }).collect_view()}
                            <label class="guided-picture">
                                <input type="radio" name="guided-picture" value=""
                                    prop:checked=move || picture.get().is_none()
                                    on:change=move |_| picture.set(None)/>
                                <span>"No picture"</span>
                            </label>
                        </fieldset>
                        <div class="guided-actions">
                            <button type="button" class="big primary" on:click=add
                                disabled=move || !session.may(Action::Write)>"Add my idea"</button>
                            {move || (!last.get().is_empty()).then(|| view! {
                                <button type="button" class="big" on:click=move |_| speak(session, &last.get_untracked())>
                                    <span aria-hidden="true">"🔊 "</span>"Read my card back"
                                </button>
                            })}
                        </div>
                        <p role="status" aria-live="polite" class="guided-said">{move || said.get()}</p>
                        {move || {
                            let mine = mine();
                            (!mine.is_empty()).then(|| view! {
                                <h3>"Your ideas for this question"</h3>
                                <ul class="guided-mine">{mine.into_iter().map(|t| view! { <li dir="auto">{t}</li> }).collect_view()}</ul>
                            })
                        }}
                        <div class="guided-nav">
                            <button type="button" class="big" on:click=move |_| go(step.get_untracked().saturating_sub(1))
                                disabled=move || step.get() == 0>"Back"</button>
                            <button type="button" class="big primary" on:click=move |_| go(step.get_untracked() + 1)>
                                {if n == total { "Finish" } else { "Next question" }}
                            </button>
                        </div>
                    }.into_any()
                }
                None => view! {
                    <h2 id="guided-h">"Thank you"</h2>
                    <p>"Your ideas are on the board with everyone else's."</p>
                    <div class="guided-nav">
                        <button type="button" class="big" on:click=move |_| go(0)>"Start again"</button>
                        <button type="button" class="big primary" on:click=move |_| session.guided.set(false)>"See the whole board"</button>
                    </div>
                }.into_any(),
            }}
        </section>
    }
}
