//! One card: its text, role, votes and who is editing it, and its actions in one menu
//! (move, hide, delete).

use leptos::prelude::*;

use crate::pages::common::SymbolImage;
use crate::session::{Action, BoardSession};
use cocreate_core::catalog::Moderation;
use cocreate_core::model::control::Phase;
use cocreate_core::model::schema::{Reaction, Symbol, MAX_CARD_TEXT};
use cocreate_core::model::{CardView, Prompt};

#[component]
pub(super) fn CardItem(session: BoardSession, card: CardView) -> impl IntoView {
    let id = card.id.clone();
    let field_id = format!("card-{}", card.id);
    let role_label = {
        let card = card.clone();
        move || {
            session
                .role_of(&card)
                .map(|r| r.label())
                .unwrap_or("Participant")
        }
    };
    let provenance = card.source.as_ref().map(|s| {
        let mut from = format!("From {}", s.label());
        if let Some(t) = &s.theme {
            from.push_str(&format!(" · theme there: “{t}”"));
        }
        from
    });
    let moderate = {
        let id = id.clone();
        move |action: Moderation| super::hidden::moderate(session, id.clone(), action)
    };
    let editors = {
        let id = id.clone();
        Memo::new(move |_| {
            session.peers.with(|ps| {
                ps.iter()
                    .filter(|p| p.editing.as_deref() == Some(id.as_str()))
                    .map(|p| p.name.clone())
                    .collect::<Vec<_>>()
            })
        })
    };
    let on_input = {
        let id = id.clone();
        move |ev: leptos::ev::Event| {
            #[cfg(feature = "hydrate")]
            {
                use wasm_bindgen::JsCast;
                if let Some(el) = ev
                    .target()
                    .and_then(|t| t.dyn_into::<web_sys::HtmlTextAreaElement>().ok())
                {
                    session.edit_text(&id, &el.value(), el.selection_end().ok().flatten());
                }
            }
            #[cfg(not(feature = "hydrate"))]
            let _ = (&ev, &id);
        }
    };
    let on_focus = {
        let id = id.clone();
        move |_| session.set_editing(Some(id.clone()))
    };
    // A card just added by this person takes the caret as soon as it exists (in the same
    // turn of the event loop, so the first keystrokes land in it).
    let field_ref = NodeRef::<leptos::html::Textarea>::new();
    {
        let id = id.clone();
        Effect::new(move |_| {
            if let Some(el) = field_ref.get() {
                if session.take_focus_request(&id) {
                    let _ = el.focus();
                }
            }
        });
    }
    let mine = session.is_mine(&card);
    let thread_open = RwSignal::new(false);
    view! {
        <li class="card" data-card=id.clone()
            class:spotlit={
                let id = id.clone();
                move || session.control.with(|c| c.spotlight.as_deref() == Some(id.as_str()))
            }
            draggable=move || session.may(Action::Move).to_string()
            on:dragstart={
                let id = id.clone();
                move |ev: leptos::ev::DragEvent| start_drag(&ev, &id)
            }>
            {provenance.map(|p| view! { <p class="provenance">{p}</p> })}
            {card.symbol.map(|s| view! {
                <p class="card-symbol"><SymbolImage symbol=s/>" "<span>{s.label()}</span></p>
            })}
            <label class="visually-hidden" for=field_id.clone()>"Card text"</label>
            // The field grows with its text (field-sizing), so no card hides any of it.
            <textarea
                id=field_id
                node_ref=field_ref
                class="card-text"
                dir="auto"
                data-card-id=id.clone()
                rows="2"
                maxlength=MAX_CARD_TEXT.to_string()
                placeholder="Type your idea…"
                prop:value=card.text.clone()
                readonly=move || !session.may(Action::Write)
                on:input=on_input
                on:focus=on_focus
                on:blur=move |_| session.set_editing(None)
            ></textarea>
            <div class="card-foot">
                {move || (!session.control.with(|c| c.anonymous)).then(|| view! {
                    <span class="chip role">{role_label.clone()}</span>
                })}
                {
                    let id = id.clone();
                    move || session.control.with(|c| c.spotlight.as_deref() == Some(id.as_str())).then(|| view! {
                        <span class="chip spotlit">"Spotlight"</span>
                    })
                }
                <Votes session card=id.clone()/>
                <span class="editing" aria-live="off">
                    {move || {
                        let names = editors.get();
                        (!names.is_empty()).then(|| view! {
                            <span class="chip">{format!("✎ {} editing", names.join(", "))}</span>
                        })
                    }}
                </span>
                <Reactions session card=id.clone()/>
                <CommentsToggle session card=id.clone() open=thread_open/>
                <CardMenu session card=id.clone() prompt=card.prompt.unwrap_or(Prompt::Purpose)
                    theme=card.theme.clone() symbol=card.symbol mine moderate/>
            </div>
            {
                let id = id.clone();
                move || thread_open.get().then(|| view! { <Thread session card=id.clone()/> })
            }
        </li>
    }
}

/// Dot votes on a card: the tally, and in the vote phase buttons to add or take back one.
#[component]
fn Votes(session: BoardSession, card: String) -> impl IntoView {
    let tally = {
        let card = card.clone();
        Memo::new(move |_| {
            session
                .votes
                .with(|v| v.get(&card).copied().unwrap_or((0, 0)))
        })
    };
    let voting = move || session.control.with(|c| c.phase == Phase::Vote);
    let mine = {
        let card = card.clone();
        move || session.my_votes(&card)
    };
    let left = {
        let mine = mine.clone();
        move || session.control.with(|c| c.votes_per_person) - mine().1
    };
    // Tallies show once revealed (facilitators see them when they are on the board).
    let secret = move || session.control.with(|c| !c.votes_revealed) && voting();
    let (c1, c2) = (card.clone(), card);
    view! {
        <span class="votes">
            {move || {
                let (total, _) = tally.get();
                (!secret() && (total > 0 || voting())).then(|| view! {
                    <span class="tally">{format!("{total} {}", if total == 1 { "vote" } else { "votes" })}</span>
                })
            }}
            {move || voting().then(|| {
                let (c1, c2, left) = (c1.clone(), c2.clone(), left.clone());
                let (m1, m2) = (mine.clone(), mine.clone());
                view! {
                    <button class="vote" on:click=move |_| session.vote(&c1, 1) disabled=move || !session.may(Action::Vote) || left() <= 0>
                        "+1" <span class="visually-hidden">" Add my vote to this card"</span>
                    </button>
                    <button class="unvote" on:click=move |_| session.vote(&c2, -1) disabled=move || m1().0 == 0>
                        "−1" <span class="visually-hidden">" Take back my vote from this card"</span>
                    </button>
                    <span class="mine">{move || match m2().0 { 0 => String::new(), n => format!("(mine: {n})") }}</span>
                }
            })}
        </span>
    }
}

/// Reactions to a card (agree, important, question, unclear): how many gave each, and
/// mine, which I give, change or take back with one press. Each says in words what it is
/// and how many gave it (the picture beside it is decoration).
#[component]
fn Reactions(session: BoardSession, card: String) -> impl IntoView {
    let state = {
        let card = card.clone();
        Memo::new(move |_| session.reactions.with(|r| r.get(&card).copied()))
    };
    move || {
        let may = session.may_react();
        let (counts, mine) = state.get().unwrap_or(([0; 4], None));
        (may || counts.iter().any(|n| *n > 0)).then(|| {
            let buttons = Reaction::ALL
                .into_iter()
                .map(|r| {
                    let n = counts[r as usize];
                    let pressed = mine == Some(r);
                    let card = card.clone();
                    let words = match n {
                        0 => r.label().to_string(),
                        1 => format!("{}: 1 person", r.label()),
                        n => format!("{}: {n} people", r.label()),
                    };
                    view! {
                        <button type="button" class="reaction" title=r.label() aria-pressed=pressed.to_string()
                            disabled=!may
                            on:click=move |_| session.react(&card, (!pressed).then_some(r))>
                            <span aria-hidden="true">{r.icon()}{(n > 0).then(|| format!(" {n}"))}</span>
                            <span class="visually-hidden">{words}</span>
                        </button>
                    }
                })
                .collect_view();
            view! { <div class="reactions" role="group" aria-label="Reactions">{buttons}</div> }
        })
    }
}

/// How many comments a card has, and the button that opens its thread.
#[component]
fn CommentsToggle(session: BoardSession, card: String, open: RwSignal<bool>) -> impl IntoView {
    let count = {
        let card = card.clone();
        Memo::new(move |_| session.comments.with(|c| c.get(&card).map_or(0, Vec::len)))
    };
    let thread_id = format!("thread-{card}");
    move || {
        let n = count.get();
        (n > 0 || session.may_comment()).then(|| {
            let words = match n {
                0 => "Comment on this card".to_string(),
                1 => "Comments: 1".to_string(),
                n => format!("Comments: {n}"),
            };
            view! {
                <button type="button" class="comments-toggle" title="Comments"
                    aria-expanded=move || open.get().to_string() aria-controls=thread_id.clone()
                    on:click=move |_| open.update(|o| *o = !*o)>
                    <span aria-hidden="true">"💬"{(n > 0).then(|| format!(" {n}"))}</span>
                    <span class="visually-hidden">{words}</span>
                </button>
            }
        })
    }
}

/// A card's thread: its comments, oldest first, each with who wrote it; a box to add
/// one; and, on one's own (or, for facilitators, on any), a button to delete it.
#[component]
fn Thread(session: BoardSession, card: String) -> impl IntoView {
    let comments = {
        let card = card.clone();
        Memo::new(move |_| {
            session
                .comments
                .with(|c| c.get(&card).cloned().unwrap_or_default())
        })
    };
    // A writer the roster does not know yet (they joined after it was read): read it
    // again, once per new writer.
    #[cfg(feature = "hydrate")]
    Effect::new(move |asked: Option<Vec<String>>| {
        let mut asked = asked.unwrap_or_default();
        let unknown: Vec<String> = comments.with(|cs| {
            session.roster.with_untracked(|r| {
                cs.iter()
                    .filter(|c| !r.contains_key(&c.author) && !asked.contains(&c.author))
                    .map(|c| c.author.clone())
                    .collect()
            })
        });
        if !unknown.is_empty() {
            session.refresh_roster();
            asked.extend(unknown);
        }
        asked
    });
    let field = NodeRef::<leptos::html::Textarea>::new();
    let send = {
        let card = card.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(el) = field.get_untracked() else {
                return;
            };
            let text = el.value();
            if text.trim().is_empty() {
                return;
            }
            if session.comment(&card, &text) {
                el.set_value("");
            }
        }
    };
    let me = move || session.me.with(|m| m.as_ref().map(|m| m.id.clone()));
    let field_id = format!("reply-{card}");
    view! {
        <section class="thread" id=format!("thread-{card}") aria-label="Comments on this card">
            <ol class="comments">
                <For each=move || comments.get() key=|c| (c.id.clone(), c.text.clone()) let:c>
                    {
                        let (card, id) = (c.card.clone(), c.id.clone());
                        let own = me() == Some(c.author.clone());
                        let may_delete = (own && session.may_comment()) || session.is_facilitator();
                        view! {
                            <li class="comment">
                                <span class="who">{
                                    // Named once the roster has the writer (read again above).
                                    let author = c.author.clone();
                                    move || session.comment_author(&author)
                                }": "</span>
                                <span class="said" dir="auto">{c.text.clone()}</span>
                                {may_delete.then(|| view! {
                                    <button type="button" class="delete-comment"
                                        on:click=move |_| session.delete_comment(&card, &id)>
                                        "Delete"<span class="visually-hidden">" this comment"</span>
                                    </button>
                                })}
                            </li>
                        }
                    }
                </For>
            </ol>
            {move || comments.with(Vec::is_empty).then(|| view! { <p class="hint">"No comments yet."</p> })}
            {move || session.may_comment().then(|| {
                let send = send.clone();
                view! {
                    <form class="reply" on:submit=send>
                        <label for=field_id.clone()>"Your comment"</label>
                        <textarea id=field_id.clone() node_ref=field rows="2" dir="auto"
                            maxlength=cocreate_core::model::schema::MAX_COMMENT_TEXT.to_string()></textarea>
                        <button type="submit">"Send comment"</button>
                    </form>
                }
            })}
        </section>
    }
}

/// A card's actions behind one button: moving it without dragging (up, down, another
/// column, into or out of a theme), hiding it (facilitators) and deleting it. Each is a
/// button in a list, so it works the same with a keyboard, a switch or a screen reader;
/// Escape closes the list and gives the focus back to the button.
#[component]
fn CardMenu<M>(
    session: BoardSession,
    card: String,
    prompt: Prompt,
    theme: Option<String>,
    symbol: Option<Symbol>,
    mine: bool,
    moderate: M,
) -> impl IntoView
where
    M: Fn(Moderation) + Clone + Send + Sync + 'static,
{
    let open = RwSignal::new(false);
    // The menu shows the pictures to choose from instead of its actions.
    let picking = RwSignal::new(false);
    let toggle_ref = NodeRef::<leptos::html::Button>::new();
    let themes = Memo::new(move |_| session.themes_in(prompt));
    let close = move || {
        open.set(false);
        if let Some(el) = toggle_ref.get_untracked() {
            let _ = el.focus();
        }
    };
    let act = {
        let card = card.clone();
        move |choice: MoveTo| {
            open.set(false);
            match choice {
                MoveTo::Up => session.nudge_card(&card, -1),
                MoveTo::Down => session.nudge_card(&card, 1),
                MoveTo::Column(p) => session.move_card(&card, p, None, None),
                MoveTo::Theme(t) => session.move_card(&card, prompt, t.as_deref(), None),
            }
            // The card keeps the focus where it lands.
            session.request_focus(card.clone());
            focus_card_field(&card);
        }
    };
    let option = move |label: String, choice: MoveTo| {
        let act = act.clone();
        view! { <li><button type="button" on:click=move |_| act(choice.clone())>{label}</button></li> }
    };
    let may_delete =
        move || (mine || session.control.with(|c| c.shared_delete)) && session.may(Action::Write);
    let menu_id = format!("card-menu-{card}");
    let controls = menu_id.clone();
    let (pick_card, pick_menu_id) = (card.clone(), menu_id.clone());
    let first_pick = format!("pick-{card}");
    let open_picker = {
        let first_pick = first_pick.clone();
        move |_| {
            picking.set(true);
            focus_after_render(first_pick.clone());
        }
    };
    view! {
        <div class="card-menu" on:keydown=move |ev: leptos::ev::KeyboardEvent| {
            if ev.key() == "Escape" && open.get_untracked() {
                ev.prevent_default();
                close();
            }
        }>
            <button type="button" class="card-menu-toggle" node_ref=toggle_ref
                aria-expanded=move || open.get().to_string() aria-controls=controls
                on:click=move |_| {
                    picking.set(false);
                    open.update(|o| *o = !*o);
                }>
                <span aria-hidden="true">"⋯"</span>
                <span class="visually-hidden">"Card actions"</span>
            </button>
            {move || (open.get() && picking.get()).then(|| {
                let card = pick_card.clone();
                let choose = move |s: Option<Symbol>| {
                    let card = card.clone();
                    move |_| {
                        session.set_symbol(&card, s);
                        close();
                    }
                };
                view! {
                    <ul class="card-menu-list symbol-picker" id=pick_menu_id.clone() aria-label="Pictures for this card">
                        {Symbol::FOR_CARDS.map(|s| view! {
                            <li><button type="button" class="pick-symbol" aria-pressed=(symbol == Some(s)).to_string()
                                id=(s == Symbol::FOR_CARDS[0]).then(|| first_pick.clone())
                                on:click=choose(Some(s))>
                                <SymbolImage symbol=s/>" "{s.label()}
                            </button></li>
                        }).collect_view()}
                        {symbol.is_some().then(|| view! {
                            <li><button type="button" on:click=choose(None)>"Take the picture away"</button></li>
                        })}
                        <li><button type="button" on:click=move |_| picking.set(false)>"Back"</button></li>
                    </ul>
                }
            })}
            {move || (open.get() && !picking.get()).then(|| {
                let option = option.clone();
                let moderate = moderate.clone();
                let card = card.clone();
                let theme = theme.clone();
                let moves = session.may(Action::Move).then(|| {
                    let columns = Prompt::ALL
                        .into_iter()
                        .filter(|p| *p != prompt)
                        .map(|p| option(format!("To {}", session.prompt_title(p)), MoveTo::Column(p)))
                        .collect_view();
                    let into = themes
                        .get()
                        .into_iter()
                        .filter(|t| Some(&t.id) != theme.as_ref())
                        .map(|t| option(format!("Into theme: {}", t.title), MoveTo::Theme(Some(t.id))))
                        .collect_view();
                    view! {
                        {option("Move up".into(), MoveTo::Up)}
                        {option("Move down".into(), MoveTo::Down)}
                        {columns}
                        {into}
                        {theme.is_some().then(|| option("Out of its theme".into(), MoveTo::Theme(None)))}
                    }
                });
                let listen = {
                    let card = card.clone();
                    move |_| {
                        open.set(false);
                        if let Some(c) = session.card_view(&card) {
                            crate::prefs::speak(session, &c.text);
                        }
                    }
                };
                view! {
                    <ul class="card-menu-list" id=menu_id.clone() aria-label="Card actions">
                        <li><button type="button" class="listen" on:click=listen>"🔊 Read this card aloud"</button></li>
                        {(mine && session.may(Action::Write)).then(|| view! {
                            <li><button type="button" class="add-symbol" on:click=open_picker.clone()>
                                {if symbol.is_some() { "Change the picture…" } else { "Add a picture…" }}
                            </button></li>
                        })}
                        {moves}
                        {session.is_facilitator().then(|| {
                            let card = card.clone();
                            let lit = session.control.with_untracked(|c| c.spotlight.as_deref() == Some(card.as_str()));
                            view! {
                                <li><button type="button" class="spotlight" on:click=move |_| {
                                    open.set(false);
                                    spotlight(session, (!lit).then(|| card.clone()));
                                }>{if lit { "End the spotlight" } else { "Spotlight this card for everyone" }}</button></li>
                            }
                        })}
                        {session.is_facilitator().then(|| view! {
                            <li><button type="button" class="moderate" on:click=move |_| {
                                open.set(false);
                                moderate(Moderation::Hide);
                            }>"Hide card"</button></li>
                        })}
                        <li><button type="button" class="delete" disabled=move || !may_delete()
                            on:click=move |_| {
                                open.set(false);
                                session.delete_card(&card);
                            }>"Delete card"</button></li>
                    </ul>
                }
            })}
        </div>
    }
}

/// Bring everyone on the board to `card` (`None`: end the spotlight). Facilitators only:
/// the control document takes no one else's change.
pub(super) fn spotlight(session: BoardSession, card: Option<String>) {
    let (board, token) = (session.board_id.get_value(), session.token.get_value());
    let patch = cocreate_core::model::control::ControlPatch {
        spotlight: Some(card),
        ..Default::default()
    };
    leptos::task::spawn_local(async move {
        let scope = cocreate_core::catalog::ControlScope::Board(board);
        if let Err(e) = crate::api::set_control(scope, token, patch).await {
            session
                .notice
                .set(Some(format!("Could not change the spotlight: {e}")));
        }
    });
}

/// Where [`CardMenu`] sends a card.
#[derive(Clone, Debug)]
enum MoveTo {
    Up,
    Down,
    Column(Prompt),
    Theme(Option<String>),
}

/// Focus the element `id` once the page has drawn it (a list that replaces another).
fn focus_after_render(id: String) {
    #[cfg(feature = "hydrate")]
    leptos::prelude::request_animation_frame(move || focus_element(&id));
    #[cfg(not(feature = "hydrate"))]
    let _ = id;
}

/// Focus a card's text field if it is on the page (after a move within its group).
fn focus_card_field(card: &str) {
    #[cfg(feature = "hydrate")]
    focus_element(&format!("card-{card}"));
    #[cfg(not(feature = "hydrate"))]
    let _ = card;
}

/// Focus the element `id`, if it is on the page.
#[cfg(feature = "hydrate")]
fn focus_element(id: &str) {
    use wasm_bindgen::JsCast;
    if let Some(el) = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
    {
        let _ = el.focus();
    }
}

/// The card id carried by a drag (set by [`start_drag`]).
pub(super) fn dragged_card(ev: &leptos::ev::DragEvent) -> Option<String> {
    #[cfg(feature = "hydrate")]
    {
        ev.data_transfer()
            .and_then(|d| d.get_data("text/plain").ok())
            .filter(|s| !s.is_empty())
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = ev;
        None
    }
}

fn start_drag(ev: &leptos::ev::DragEvent, card: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(dt) = ev.data_transfer() {
        let _ = dt.set_data("text/plain", card);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (ev, card);
}
