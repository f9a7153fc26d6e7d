//! Saving and sharing (history, exports, snapshots) and theme suggestions.

use leptos::prelude::*;

use crate::api::take_snapshot;
use crate::pages::history::ExportLinks;
use crate::session::BoardSession;
use cocreate_core::catalog::LinkRole;
use cocreate_core::model::Prompt;

/// History, outline view, exports, and (facilitators) snapshots.
#[component]
pub(super) fn BoardTools(session: BoardSession) -> impl IntoView {
    let (board_id, token) = (session.board_id.get_value(), session.token.get_value());
    let history = {
        let mut h = format!("/board/{board_id}/history");
        if let Some(t) = &token {
            h.push_str(&format!("?token={t}"));
        }
        h
    };
    let snapshot_form = (session.role.get_untracked() == LinkRole::Facilitator).then(|| {
        let name_ref = NodeRef::<leptos::html::Input>::new();
        let result = RwSignal::new(String::new());
        let (b, t) = (board_id.clone(), token.clone());
        let take = Action::new(move |name: &String| {
            let (b, t, name) = (b.clone(), t.clone(), name.clone());
            async move {
                match take_snapshot(b, t, name).await {
                    Ok(s) => result.set(format!("Snapshot “{}” saved.", s.name)),
                    Err(e) => result.set(format!("Could not save a snapshot: {e}")),
                }
            }
        });
        view! {
            <form class="snapshot" on:submit=move |ev: leptos::ev::SubmitEvent| {
                ev.prevent_default();
                let name = name_ref.get().map(|n| n.value()).unwrap_or_default();
                take.dispatch(name);
            }>
                <label for="snap-name">"Snapshot name"</label>
                <input id="snap-name" type="text" maxlength="120" required node_ref=name_ref/>
                <button type="submit">"Save snapshot"</button>
                <p role="status" aria-live="polite">{move || result.get()}</p>
            </form>
        }
    });
    view! {
        <section class="board-tools" aria-labelledby="tools-h">
            <h2 id="tools-h">"Save and share"</h2>
            <p><a href=history.clone()>"History, outline view and printing"</a></p>
            <p><a href=crate::pages::history::present_href(&board_id, token.as_deref(), None)>"Present the findings (one theme a screen)"</a></p>
            {move || session.cards.with(|cs| cs.iter().any(|c| c.source.is_some())).then(|| view! {
                <p><a href=format!("{history}#common-h")>"What is common across areas"</a></p>
            })}
            <ExportLinks board=board_id.clone() token=token.clone() at=None/>
            {snapshot_form}
        </section>
    }
}

/// Facilitators: theme suggestions for the cards not yet in a theme, by text similarity
/// (computed in the browser). Each can be accepted (a theme is made and the cards moved
/// into it, one undoable change each) or dismissed.
#[component]
pub(super) fn Suggestions(session: BoardSession) -> impl IntoView {
    use cocreate_core::model::suggest::{suggest_themes, Suggestion};
    let list = RwSignal::new(None::<Vec<(Prompt, Suggestion)>>);
    let compute = move |_| {
        let mut out = Vec::new();
        for p in Prompt::ALL {
            let cards: Vec<(String, String)> = session.cards.with(|cs| {
                cs.iter()
                    .filter(|c| {
                        c.prompt == Some(p)
                            && c.theme.is_none()
                            && !c.hidden
                            && !c.text.trim().is_empty()
                    })
                    .map(|c| (c.id.clone(), c.text.clone()))
                    .collect()
            });
            out.extend(suggest_themes(&cards, 0.2).into_iter().map(|s| (p, s)));
        }
        list.set(Some(out));
    };
    let text_of = move |id: &str| {
        session.cards.with(|cs| {
            cs.iter()
                .find(|c| c.id == id)
                .map(|c| c.text.clone())
                .unwrap_or_default()
        })
    };
    view! {
        <Show when=move || session.is_facilitator()>
            <section class="suggestions" aria-labelledby="sugg-h">
                <h2 id="sugg-h" class="visually-hidden">"Theme suggestions"</h2>
                <button type="button" on:click=compute>"Suggest themes"</button>
                {move || list.get().map(|items| {
                    if items.is_empty() {
                        return view! { <p role="status">"No similar cards to group yet."</p> }.into_any();
                    }
                    view! {
                        <ul class="suggestion-list" aria-label="Suggested themes">
                            {items.into_iter().enumerate().map(|(i, (p, s))| {
                                let (label, cards) = (s.label.clone(), s.cards.clone());
                                let accept = {
                                    let (label, cards) = (label.clone(), cards.clone());
                                    move |_| {
                                        if let Some(theme) = session.add_theme(p, &label) {
                                            for c in &cards {
                                                session.move_card(c, p, Some(&theme), None);
                                            }
                                        }
                                        list.update(|l| if let Some(l) = l { l.retain(|(_, x)| x.cards != cards) });
                                    }
                                };
                                let dismiss = {
                                    let cards = cards.clone();
                                    move |_| list.update(|l| if let Some(l) = l { l.retain(|(_, x)| x.cards != cards) })
                                };
                                view! {
                                    <li data-suggestion=i>
                                        <strong>{format!("{}: {}", p.title(), label)}</strong>
                                        {format!(" ({} cards)", cards.len())}
                                        <ul>{cards.iter().map(|c| view! { <li>{text_of(c)}</li> }).collect_view()}</ul>
                                        <button type="button" on:click=accept>"Accept" <span class="visually-hidden">{format!(" theme {label}")}</span></button>
                                        <button type="button" on:click=dismiss>"Dismiss" <span class="visually-hidden">{format!(" theme {label}")}</span></button>
                                    </li>
                                }
                            }).collect_view()}
                        </ul>
                    }.into_any()
                })}
            </section>
        </Show>
    }
}
