//! The people on a board: you, who is here, joining, and following a move.

use leptos::prelude::*;

use crate::session::BoardSession;
use cocreate_core::catalog::LinkRole;
use cocreate_core::model::Role;

#[component]
pub(super) fn YouPanel(session: BoardSession) -> impl IntoView {
    let name = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.name.clone()).unwrap_or_default())
    };
    let role = move || {
        session
            .me
            .with(|m| m.as_ref().map(|m| m.role).unwrap_or(Role::Stakeholder))
    };
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let role_ref = NodeRef::<leptos::html::Select>::new();
    let save = move || {
        let (Some(n), Some(r)) = (name_ref.get(), role_ref.get()) else {
            return;
        };
        let name = n.value().trim().chars().take(60).collect::<String>();
        let role = Role::parse(&r.value()).unwrap_or(Role::Stakeholder);
        if !name.is_empty() {
            session.set_me(name, role, None);
        }
    };
    let confirming = RwSignal::new(false);
    let leave = move || {
        (session.role.get() == LinkRole::Participant && session.joined.get()).then(|| {
            if confirming.get() {
                view! {
                    <div class="leave" role="group" aria-labelledby="leave-h">
                        <p id="leave-h">"This removes your cards and your votes from every board of this workshop, and your name. It cannot be undone."</p>
                        <button class="danger" on:click=move |_| { confirming.set(false); session.withdraw(); }>"Yes, remove everything of mine"</button>
                        <button on:click=move |_| confirming.set(false)>"Cancel"</button>
                    </div>
                }.into_any()
            } else {
                view! {
                    <button class="leave link" on:click=move |_| confirming.set(true)>"Leave and remove my cards"</button>
                }.into_any()
            }
        })
    };
    view! {
        <section class="you" aria-labelledby="you-h">
            <h2 id="you-h">"You"</h2>
            <label for="my-name">"Your name"</label>
            <input id="my-name" type="text" maxlength="60" node_ref=name_ref prop:value=name on:change=move |_| save()/>
            <label for="my-role">"Your role"</label>
            <select id="my-role" node_ref=role_ref on:change=move |_| save()>
                {Role::ALL.into_iter().filter(|r| *r != Role::Facilitator).map(|r| view! {
                    <option value=r.as_str() selected=move || role() == r>{r.label()}</option>
                }).collect_view()}
            </select>
            {leave}
        </section>
    }
}

#[component]
pub(super) fn Presence(session: BoardSession) -> impl IntoView {
    view! {
        <section class="presence" aria-labelledby="online-h">
            <h2 id="online-h">"Who is here"
                <span class="count">{move || format!(" ({})", session.peers.with(|p| p.len()) + 1)}</span>
            </h2>
            <ul class="people">
                <li class="person me">
                    <span class="dot" style=move || format!("background:{}", session.me.with(|m| m.as_ref().map(|m| m.color.clone()).unwrap_or_default()))></span>
                    {move || session.me.with(|m| m.as_ref().map(|m| if session.role.get() == LinkRole::Facilitator {
                        if m.named { format!("{} (you) · Facilitator", m.name) } else { "You (the facilitator)".to_string() }
                    } else if m.named {
                        format!("{} (you) · {}", m.name, m.role.label())
                    } else if session.role.get() == LinkRole::Observer {
                        "You (watching)".to_string()
                    } else {
                        "You (no name yet)".to_string()
                    }).unwrap_or_default())}
                </li>
                <For each=move || session.peers.get() key=|p| (p.client_id, p.name.clone(), p.role, p.editing.clone()) let:p>
                    <li class="person">
                        <span class="dot" style=format!("background:{}", p.color)></span>
                        {match p.role {
                            Some(r) if !p.name.to_lowercase().contains(&r.label().to_lowercase()) => format!("{} · {}", p.name, r.label()),
                            _ => p.name.clone(),
                        }}
                        {p.editing.is_some().then_some(" · editing a card")}
                    </li>
                </For>
            </ul>
        </section>
    }
}

/// The name shown for someone who chose to stay anonymous when joining.
const ANONYMOUS_NAME: &str = "A participant";

/// Asks a participant who has not joined yet to say who they are and to agree to the
/// workshop's privacy notice (shown in plain words, or in easy read when the page is in
/// easy-read mode). Until they join they can read the board but not write on it.
/// Facilitators give a name and role only.
#[component]
pub(super) fn JoinPrompt(session: BoardSession) -> impl IntoView {
    let participant = move || session.role.get() == LinkRole::Participant;
    let show = move || {
        session.role.get() != LinkRole::Observer
            && (session.me.with(|m| m.as_ref().is_some_and(|m| !m.named))
                || (participant() && session.consent_needed.get()))
    };
    let name_ref = NodeRef::<leptos::html::Input>::new();
    let role_ref = NodeRef::<leptos::html::Select>::new();
    let agree_ref = NodeRef::<leptos::html::Input>::new();
    let anonymous_ref = NodeRef::<leptos::html::Input>::new();
    let answers = RwSignal::new(std::collections::BTreeMap::<String, String>::new());
    let join = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        // A name, or the explicit choice to stay anonymous: never a made-up one.
        let name = if anonymous_ref.get().is_some_and(|a| a.checked()) {
            ANONYMOUS_NAME.to_string()
        } else {
            name_ref
                .get()
                .map(|n| n.value().trim().chars().take(60).collect::<String>())
                .unwrap_or_default()
        };
        let role = role_ref
            .get()
            .and_then(|r| Role::parse(&r.value()))
            .unwrap_or(Role::Stakeholder);
        if name.is_empty() {
            session.notice.set(Some(
                "Please type the name others should see, or choose to stay anonymous.".into(),
            ));
            return;
        }
        let consent = if participant() {
            let Some(version) = session.privacy.with(|n| n.as_ref().map(|n| n.version)) else {
                session.notice.set(Some(
                    "The privacy notice has not loaded yet. Please wait a moment.".into(),
                ));
                return;
            };
            if !agree_ref.get().is_some_and(|a| a.checked()) {
                session.notice.set(Some(
                    "Please tick the box to say you agree, or close the page if you do not want to take part."
                        .into(),
                ));
                return;
            }
            Some(version)
        } else {
            None
        };
        session.notice.set(None);
        session.answers.set_value(answers.get_untracked());
        session.set_me(name, role, consent);
    };
    let known_name = move || {
        session
            .me
            .with(|m| m.as_ref().filter(|m| m.named).map(|m| m.name.clone()))
            .unwrap_or_default()
    };
    let notice = move || {
        participant().then(|| {
            let text = move || {
                session.privacy.with(|n| match n {
                    Some(n) if session.easy_read.get() => n.easy_read.clone(),
                    Some(n) => n.plain.clone(),
                    None => "Loading the privacy notice…".into(),
                })
            };
            view! {
                <section class="privacy-notice" aria-labelledby="privacy-h">
                    <h3 id="privacy-h">"How we use what you write"</h3>
                    // Text, never HTML: paragraphs by blank lines.
                    {move || text().split("\n\n").map(|p| view! { <p>{p.to_string()}</p> }).collect_view()}
                    <p class="muted">{move || session.privacy.with(|n| n.as_ref().map(|n| format!("Privacy notice, version {}", n.version)))}</p>
                </section>
                {move || {
                    let qs = session.questions.get();
                    (!qs.is_empty()).then(|| view! {
                        <fieldset class="about-you">
                            <legend>"About you (optional: for the analysis, kept with your role, never shown to other participants)"</legend>
                            {qs.into_iter().map(|q| {
                                let field = format!("q-{}", q.id);
                                let (id1, id2) = (q.id.clone(), q.id.clone());
                                let input = if q.choices.is_empty() {
                                    view! {
                                        <input id=field.clone() type="text" maxlength="120"
                                            on:change=move |ev| answers.update(|a| { a.insert(id1.clone(), event_target_value(&ev)); })/>
                                    }.into_any()
                                } else {
                                    view! {
                                        <select id=field.clone()
                                            on:change=move |ev| answers.update(|a| { a.insert(id2.clone(), event_target_value(&ev)); })>
                                            <option value="">"Prefer not to say"</option>
                                            {q.choices.iter().map(|c| view! { <option value=c.clone()>{c.clone()}</option> }).collect_view()}
                                        </select>
                                    }.into_any()
                                };
                                view! { <label for=field.clone()>{q.label.clone()}</label> {input} }
                            }).collect_view()}
                        </fieldset>
                    })
                }}
                <label class="agree">
                    <input id="join-agree" type="checkbox" node_ref=agree_ref/>
                    " I have read this and I agree to take part"
                </label>
            }
        })
    };
    view! {
        <Show when=show>
            <form class="join" on:submit=join aria-labelledby="join-h">
                <h2 id="join-h">{move || if session.consent_needed.get() && session.me.with(|m| m.as_ref().is_some_and(|m| m.named)) {
                    "The privacy notice has changed: please read it again"
                } else {
                    "Welcome! Who are you?"
                }}</h2>
                <p>{move || if participant() {
                    "Others on this board will see your name and role. You can read the board now; to write on it, join below."
                } else {
                    "Others on this board will see your name and role."
                }}</p>
                <label for="join-name">"Your name"</label>
                <input id="join-name" type="text" maxlength="60" autocomplete="nickname" node_ref=name_ref prop:value=known_name/>
                <label class="agree">
                    <input id="join-anonymous" type="checkbox" node_ref=anonymous_ref/>
                    " Stay anonymous: others see “" {ANONYMOUS_NAME} "”, not a name"
                </label>
                <label for="join-role">"You are taking part as"</label>
                <select id="join-role" node_ref=role_ref>
                    // Starts from the role the person last gave (on "Find my group", say).
                    {Role::ALL.into_iter().filter(|r| *r != Role::Facilitator).map(|r| view! {
                        <option value=r.as_str() selected=move || session.me.with(|m| m.as_ref().is_some_and(|m| m.role == r))>{r.label()}</option>
                    }).collect_view()}
                </select>
                {notice}
                <button type="submit">"Join the board"</button>
            </form>
        </Show>
    }
}

/// When a facilitator moves this person to another group, go there.
#[component]
pub(super) fn FollowMoves(session: BoardSession) -> impl IntoView {
    let (board_id, token) = (session.board_id.get_value(), session.token.get_value());
    let navigate = leptos_router::hooks::use_navigate();
    // Moves already recorded when the page opened are history, not instructions.
    let seen = StoredValue::new(None::<Option<String>>);
    Effect::new(move |_| {
        let me = session.me.with(|m| m.as_ref().map(|m| m.id.clone()));
        let Some(me) = me else { return };
        let target = session.control.with(|c| c.moves.get(&me).cloned());
        if !session.control_synced.get() {
            return;
        }
        match seen.get_value() {
            None => seen.set_value(Some(target)),
            Some(prev) if prev != target => {
                seen.set_value(Some(target.clone()));
                if let Some(to) = target.filter(|t| *t != board_id) {
                    let href = crate::pages::common::board_href(&to, token.as_deref());
                    session
                        .notice
                        .set(Some("The facilitator moved you to another group.".into()));
                    navigate(&href, Default::default());
                }
            }
            Some(_) => {}
        }
    });
}
