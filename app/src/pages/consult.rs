//! Consultation pages: respondents answer a published draft (`/consult/{id}`), and
//! facilitators read tallies and comments and record the agreement round's decisions
//! (`/consult/{id}/results`).

use std::collections::HashMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{
    add_reply, get_replies, get_results, get_round, hide_reply, my_answers, record_outcome,
    respond, set_round_open,
};
use crate::pages::common::{load_page, use_token, LinkProblem};
use cocreate_core::consult::{
    Answer, Consultation, Decision, DraftItem, ItemResult, NewReply, Outcome, Reply, Response,
    Results, RoundKind, Stance, MAX_COMMENT, MAX_NAME, MAX_REPLY,
};
use cocreate_core::model::Prompt;

/// What a respondent has chosen per item: stance and comment.
type Choices = HashMap<String, (Option<Stance>, String)>;

/// The id this browser answers under (kept so that answers can be revised).
fn respondent_id() -> String {
    #[cfg(feature = "hydrate")]
    {
        let storage = web_sys::window().and_then(|w| w.local_storage().ok().flatten());
        if let Some(id) = storage
            .as_ref()
            .and_then(|s| s.get_item("cocreate-respondent").ok().flatten())
        {
            return id;
        }
        let id: String = (0..4)
            .map(|_| format!("{:08x}", (js_sys::Math::random() * 4_294_967_295.0) as u32))
            .collect::<Vec<_>>()
            .join("-");
        if let Some(s) = storage {
            let _ = s.set_item("cocreate-respondent", &id);
        }
        id
    }
    #[cfg(not(feature = "hydrate"))]
    String::new()
}

fn remembered(key: &str) -> String {
    #[cfg(feature = "hydrate")]
    {
        web_sys::window()
            .and_then(|w| w.local_storage().ok().flatten())
            .and_then(|s| s.get_item(key).ok().flatten())
            .unwrap_or_default()
    }
    #[cfg(not(feature = "hydrate"))]
    {
        let _ = key;
        String::new()
    }
}

fn remember(key: &str, value: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(s) = web_sys::window().and_then(|w| w.local_storage().ok().flatten()) {
        let _ = s.set_item(key, value);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = (key, value);
}

/// Where this browser keeps its secret for round `id` (given with its first answer).
fn secret_key(id: &str) -> String {
    format!("cocreate-respondent-secret.{id}")
}

/// This browser's secret for round `id`, if it has answered it.
fn respondent_secret(id: &str) -> Option<String> {
    Some(remembered(&secret_key(id))).filter(|s| !s.is_empty())
}

fn prompt_title(p: &str) -> &'static str {
    Prompt::parse(p).map(|p| p.title()).unwrap_or("Other")
}

/// `/consult/{id}?token=T`: read the draft and answer it.
#[component]
pub fn RespondPage() -> impl IntoView {
    load_page(
        "consultation",
        "Loading the draft…",
        get_round,
        |c, token| view! { <RespondForm c token/> }.into_any(),
    )
}

#[component]
fn RespondForm(c: Consultation, token: Option<String>) -> impl IntoView {
    let choices = RwSignal::new(Choices::new());
    let status = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let organisation = RwSignal::new(String::new());
    let respondent = StoredValue::new(String::new());
    let id = c.id.clone();
    let replies = RwSignal::new(Vec::<Reply>::new());
    let read_replies = {
        let (id, token) = (id.clone(), token.clone());
        move || {
            let (id, token) = (id.clone(), token.clone());
            leptos::task::spawn_local(async move {
                if let Ok(r) = get_replies(id, token).await {
                    replies.set(r);
                }
            });
        }
    };
    // In the browser: who this is, and their earlier answers, to revise.
    Effect::new({
        let (id, token) = (id.clone(), token.clone());
        let read_replies = read_replies.clone();
        move |_| {
            read_replies();
            let r = respondent_id();
            respondent.set_value(r.clone());
            name.set(remembered("cocreate-name"));
            organisation.set(remembered("cocreate-organisation"));
            let (id, token) = (id.clone(), token.clone());
            leptos::task::spawn_local(async move {
                let secret = respondent_secret(&id);
                if let Ok(answers) = my_answers(id, token, r, secret).await {
                    if !answers.is_empty() {
                        choices.set(
                            answers
                                .into_iter()
                                .map(|a| (a.item, (a.stance, a.comment)))
                                .collect(),
                        );
                        status.set(
                            "Your earlier answers are filled in: change them and send again."
                                .into(),
                        );
                    }
                }
            });
        }
    });
    let submit = {
        let (id, token) = (id.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let answers: Vec<Answer> = choices.with(|m| {
                m.iter()
                    .map(|(item, (stance, comment))| Answer {
                        item: item.clone(),
                        stance: *stance,
                        comment: comment.clone(),
                    })
                    .collect()
            });
            let response = Response {
                respondent: respondent.get_value(),
                name: name.get_untracked(),
                organisation: organisation.get_untracked(),
                answers,
                secret: respondent_secret(&id),
            };
            remember("cocreate-name", &response.name);
            remember("cocreate-organisation", &response.organisation);
            let (id, token) = (id.clone(), token.clone());
            status.set("Sending…".into());
            leptos::task::spawn_local(async move {
                status.set(match respond(id.clone(), token, response).await {
                    Ok(secret) => {
                        if let Some(s) = secret {
                            remember(&secret_key(&id), &s);
                        }
                        "Thank you: your answers are recorded. You can change them and send again from this browser until the round closes.".into()
                    }
                    Err(e) => format!("Not sent: {}", e),
                });
            });
        }
    };
    let intro = match c.kind {
        RoundKind::Consultation => "Please read each theme and statement of this draft. Say whether you agree, and add a comment if you wish. You can answer some items and leave others.",
        RoundKind::Agreement => "This is the agreement round for the engagement group. Please give your view on each item; the group's decision is recorded per item.",
    };
    let open = c.open;
    view! {
        <Title text=format!("{} · cocreate", c.title)/>
        <h1>{c.title.clone()}</h1>
        <p class="muted">{c.kind.label()}</p>
        <p>{intro}</p>
        {(!open).then(|| view! { <p class="notice" role="status">"This round is closed: you can read the draft, but answers are no longer taken."</p> })}
        <form class="consult" on:submit=submit>
            <fieldset class="who">
                <legend>"About you"</legend>
                <label for="r-name">"Your name"</label>
                <input id="r-name" type="text" required maxlength=MAX_NAME.to_string() autocomplete="name"
                    prop:value=move || name.get() on:input=move |ev| name.set(event_target_value(&ev))/>
                <label for="r-org">"Professional body or group (optional)"</label>
                <input id="r-org" type="text" maxlength=MAX_NAME.to_string() autocomplete="organization"
                    prop:value=move || organisation.get() on:input=move |ev| organisation.set(event_target_value(&ev))/>
            </fieldset>
            {c.items.into_iter().enumerate().map(|(i, item)| {
                let post = {
                    let (id, token, read_replies) = (id.clone(), token.clone(), read_replies.clone());
                    let item_id = item.id.clone();
                    Callback::new(move |text: String| {
                        let reply = NewReply {
                            item: item_id.clone(),
                            text,
                            respondent: respondent.get_value(),
                            name: name.get_untracked(),
                            organisation: organisation.get_untracked(),
                            secret: respondent_secret(&id),
                        };
                        remember("cocreate-name", &reply.name);
                        remember("cocreate-organisation", &reply.organisation);
                        let (id, token, read_replies) = (id.clone(), token.clone(), read_replies.clone());
                        leptos::task::spawn_local(async move {
                            status.set(match add_reply(id.clone(), token, reply).await {
                                Ok((_, secret)) => {
                                    if let Some(s) = secret {
                                        remember(&secret_key(&id), &s);
                                    }
                                    format!("Your reply under item {} is posted.", i + 1)
                                }
                                Err(e) => format!("Reply not posted: {e}"),
                            });
                            read_replies();
                        });
                    })
                };
                view! {
                    <ItemQuestion i item=item.clone() choices/>
                    <Discussion i item=item.id.clone() replies open post hide=None/>
                }
            }).collect_view()}
            <button type="submit" disabled=!open>"Send my answers"</button>
            <p role="status" aria-live="polite" class="feedback">{move || status.get()}</p>
        </form>
    }
}

#[component]
fn ItemQuestion(i: usize, item: DraftItem, choices: RwSignal<Choices>) -> impl IntoView {
    let heading = match item.kind.as_str() {
        "theme" => format!(
            "Theme {} ({}): {}",
            i + 1,
            prompt_title(&item.prompt),
            item.text
        ),
        _ => format!(
            "Statement {} ({}): {}",
            i + 1,
            prompt_title(&item.prompt),
            item.text
        ),
    };
    let key = item.id.clone();
    let comment_id = format!("comment-{i}");
    let stance_of = {
        let key = key.clone();
        move || choices.with(|m| m.get(&key).and_then(|c| c.0))
    };
    let comment_of = {
        let key = key.clone();
        move || choices.with(|m| m.get(&key).map(|c| c.1.clone()).unwrap_or_default())
    };
    view! {
        <fieldset class="item" data-item=item.id.clone()>
            <legend>{heading}</legend>
            {(!item.statements.is_empty()).then(|| view! {
                <ul class="statements">{item.statements.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul>
            })}
            <div class="stances" role="radiogroup" aria-label="Your view">
                {Stance::ALL.map(|s| {
                    let (key, stance_of) = (key.clone(), stance_of.clone());
                    let input_id = format!("item-{i}-{}", s.as_str());
                    view! {
                        <span class="stance">
                            <input type="radio" id=input_id.clone() name=format!("item-{i}") value=s.as_str()
                                prop:checked=move || stance_of() == Some(s)
                                on:change=move |_| choices.update(|m| m.entry(key.clone()).or_default().0 = Some(s))/>
                            <label for=input_id>{s.label()}</label>
                        </span>
                    }
                }).collect_view()}
            </div>
            <label for=comment_id.clone()>"Comment (optional)"</label>
            <textarea id=comment_id rows="2" maxlength=MAX_COMMENT.to_string()
                prop:value=comment_of
                on:input=move |ev| {
                    let v = event_target_value(&ev);
                    choices.update(|m| m.entry(key.clone()).or_default().1 = v);
                }></textarea>
        </fieldset>
    }
}

/// The discussion under one item: its replies, oldest first, and a box to reply. With
/// `hide` (facilitators), each reply can be hidden from respondents or shown again.
#[component]
fn Discussion(
    i: usize,
    item: String,
    replies: RwSignal<Vec<Reply>>,
    open: bool,
    post: Callback<String>,
    hide: Option<Callback<(String, bool)>>,
) -> impl IntoView {
    let text = RwSignal::new(String::new());
    let mine = {
        let item = item.clone();
        move || {
            replies.with(|all| {
                all.iter()
                    .filter(|r| r.item == item)
                    .cloned()
                    .collect::<Vec<_>>()
            })
        }
    };
    let count = {
        let mine = mine.clone();
        move || mine().len()
    };
    let box_id = format!("reply-{i}");
    view! {
        <section class="discussion" aria-labelledby=format!("disc-{i}")>
            <h3 id=format!("disc-{i}")>{move || match count() {
                0 => format!("Discussion of item {}: no replies yet", i + 1),
                1 => format!("Discussion of item {}: 1 reply", i + 1),
                n => format!("Discussion of item {}: {n} replies", i + 1),
            }}</h3>
            <ul class="replies">
                {move || mine().into_iter().map(|r| {
                    let who = match (r.facilitator, r.organisation.is_empty()) {
                        (true, _) => "Facilitator".to_string(),
                        (false, true) => r.name.clone(),
                        (false, false) => format!("{}, {}", r.name, r.organisation),
                    };
                    let (rid, hidden) = (r.id.clone(), r.hidden);
                    view! {
                        <li class:hidden-reply=hidden>
                            <strong>{who}</strong>
                            {hidden.then(|| view! { <span class="chip">" hidden from respondents"</span> })}
                            ": " {r.text.clone()}
                            {hide.map(|h| view! {
                                <button type="button" class="link" on:click=move |_| h.run((rid.clone(), !hidden))>
                                    {if hidden { "Show again" } else { "Hide" }}
                                    <span class="visually-hidden">{format!(" this reply to item {}", i + 1)}</span>
                                </button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
            {open.then(|| view! {
                <label for=box_id.clone()>{format!("Reply to the discussion of item {}", i + 1)}</label>
                <textarea id=box_id rows="2" maxlength=MAX_REPLY.to_string()
                    prop:value=move || text.get() on:input=move |ev| text.set(event_target_value(&ev))></textarea>
                <button type="button" on:click=move |_| {
                    let t = text.get_untracked();
                    if !t.trim().is_empty() {
                        post.run(t);
                        text.set(String::new());
                    }
                }>"Post reply" <span class="visually-hidden">{format!(" to item {}", i + 1)}</span></button>
            })}
        </section>
    }
}

/// `/consult/{id}/results?token=T` (facilitators): tallies, comments, decisions.
#[component]
pub fn ResultsPage() -> impl IntoView {
    let params = use_params_map();
    let token = use_token();
    let id = move || params.read().get("id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let results = Resource::new(
        move || (id(), token.get(), tick.get()),
        |(id, t, _)| get_results(id, t),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading results…"</p> }>
            {move || Suspend::new(async move {
                match results.await {
                    Ok(r) => view! { <ResultsView r token=token.get_untracked() tick/> }.into_any(),
                    Err(e) => view! { <LinkProblem error=e/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ResultsView(r: Results, token: Option<String>, tick: RwSignal<u32>) -> impl IntoView {
    let c = r.consultation.clone();
    let q = token
        .as_ref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    let csv = format!("/api/consultations/{}/responses.csv{q}", c.id);
    let summary = format!("/api/consultations/{}/summary.csv{q}", c.id);
    let replies_csv = format!("/api/consultations/{}/replies.csv{q}", c.id);
    let replies = RwSignal::new(
        r.items
            .iter()
            .flat_map(|i| i.replies.iter().cloned())
            .collect::<Vec<Reply>>(),
    );
    let feedback = RwSignal::new(String::new());
    let toggle = {
        let (id, token, open) = (c.id.clone(), token.clone(), c.open);
        move |_| {
            let (id, token) = (id.clone(), token.clone());
            leptos::task::spawn_local(async move {
                feedback.set(match set_round_open(id, token, !open).await {
                    Ok(()) => if open {
                        "Round closed."
                    } else {
                        "Round reopened."
                    }
                    .into(),
                    Err(e) => format!("Could not change the round: {e}"),
                });
                tick.update(|n| *n = n.wrapping_add(1));
            });
        }
    };
    let agreement = c.kind == RoundKind::Agreement;
    view! {
        <Title text=format!("Results · {} · cocreate", c.title)/>
        <h1>{format!("Results: {}", c.title)}</h1>
        <p class="muted">{c.kind.label()} " · " {if c.open { "open for answers" } else { "closed" }}
            " · " {format!("{} {} answered", r.respondents, if r.respondents == 1 { "person" } else { "people" })}</p>
        <p><a href=format!("/workshop/{}{q}", c.workshop_id)>"Back to the workshop console"</a></p>
        <div class="row">
            <a href=csv download>"All responses (CSV)"</a>
            <a href=format!("/api/consultations/{}/report.pdf{q}", c.id) download>"Findings report (PDF)"</a>
            <a href=format!("/api/consultations/{}/report.docx{q}", c.id) download>"Findings report (Word)"</a>
            <a href=summary download>"Tallies and decisions (CSV)"</a>
            <a href=replies_csv download>"Discussion (CSV)"</a>
            <button on:click=toggle>{if c.open { "Close the round" } else { "Reopen the round" }}</button>
        </div>
        <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
        {r.items.into_iter().enumerate().map(|(i, item)| view! {
            <ItemResultView i item agreement round=c.id.clone() open=c.open token=token.clone() feedback tick replies/>
        }).collect_view()}
    }
}

#[component]
#[allow(clippy::too_many_arguments)]
fn ItemResultView(
    i: usize,
    item: ItemResult,
    agreement: bool,
    round: String,
    open: bool,
    token: Option<String>,
    feedback: RwSignal<String>,
    tick: RwSignal<u32>,
    replies: RwSignal<Vec<Reply>>,
) -> impl IntoView {
    let it = item.item.clone();
    let kind = if it.kind == "theme" {
        "Theme"
    } else {
        "Statement"
    };
    let decision_ref = NodeRef::<leptos::html::Select>::new();
    let note_ref = NodeRef::<leptos::html::Input>::new();
    let record = {
        let (round, token, item_id) = (round.clone(), token.clone(), it.id.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let Some(decision) = decision_ref.get().and_then(|s| Decision::parse(&s.value()))
            else {
                feedback.set("Choose a decision first.".into());
                return;
            };
            let note = note_ref.get().map(|n| n.value()).unwrap_or_default();
            let outcome = Outcome {
                item: item_id.clone(),
                decision,
                note,
                decided_ms: 0,
            };
            let (round, token) = (round.clone(), token.clone());
            leptos::task::spawn_local(async move {
                feedback.set(match record_outcome(round, token, outcome).await {
                    Ok(()) => format!("Decision recorded for item {}.", i + 1),
                    Err(e) => format!("Could not record the decision: {e}"),
                });
                tick.update(|n| *n = n.wrapping_add(1));
            });
        }
    };
    let current = item.outcome.clone();
    let post = {
        let (round, token, item_id) = (round.clone(), token.clone(), it.id.clone());
        Callback::new(move |text: String| {
            let reply = NewReply {
                item: item_id.clone(),
                text,
                respondent: String::new(),
                name: String::new(),
                organisation: String::new(),
                secret: None,
            };
            let (round, token) = (round.clone(), token.clone());
            leptos::task::spawn_local(async move {
                match add_reply(round, token, reply).await {
                    Ok((r, _)) => {
                        replies.update(|all| all.push(r));
                        feedback.set(format!("Your reply under item {} is posted.", i + 1));
                    }
                    Err(e) => feedback.set(format!("Reply not posted: {e}")),
                }
            });
        })
    };
    let hide = {
        let (round, token) = (round.clone(), token.clone());
        Callback::new(move |(reply, hidden): (String, bool)| {
            let (round, token) = (round.clone(), token.clone());
            leptos::task::spawn_local(async move {
                match hide_reply(round, token, reply.clone(), hidden).await {
                    Ok(()) => {
                        replies.update(|all| {
                            if let Some(r) = all.iter_mut().find(|r| r.id == reply) {
                                r.hidden = hidden;
                            }
                        });
                        feedback.set(if hidden {
                            "Reply hidden from respondents.".into()
                        } else {
                            "Reply shown to respondents again.".into()
                        });
                    }
                    Err(e) => feedback.set(format!("Could not change the reply: {e}")),
                }
            });
        })
    };
    let item_id = it.id.clone();
    view! {
        <section class="item-result" data-item=it.id.clone() aria-labelledby=format!("res-{i}")>
            <h2 id=format!("res-{i}")>{format!("{} {} ({}): {}", kind, i + 1, prompt_title(&it.prompt), it.text)}</h2>
            {(!it.statements.is_empty()).then(|| view! {
                <ul class="statements">{it.statements.iter().map(|s| view! { <li>{s.clone()}</li> }).collect_view()}</ul>
            })}
            <p class="tally">{format!("Agree {} · Disagree {} · Not sure {}", item.agree, item.disagree, item.unsure)}</p>
            {(!item.comments.is_empty()).then(|| view! {
                <h3>"Comments"</h3>
                <ul class="comments">{item.comments.iter().map(|a| {
                    let who = if a.organisation.is_empty() { a.name.clone() } else { format!("{}, {}", a.name, a.organisation) };
                    let stance = a.stance.map(|s| format!(" ({})", s.label())).unwrap_or_default();
                    view! { <li><strong>{who}</strong>{stance} ": " {a.comment.clone()}</li> }
                }).collect_view()}</ul>
            })}
            {match current.as_ref() {
                Some(o) => view! {
                    <p class="decision"><strong>"Decision: "</strong>{o.decision.label()}
                        {(!o.note.is_empty()).then(|| format!(" — {}", o.note))}</p>
                }.into_any(),
                None if agreement => view! {
                    <p class="decision"><strong>"Decision: "</strong>"undecided"</p>
                }.into_any(),
                None => ().into_any(),
            }}
            {agreement.then(|| view! {
                <form class="row" on:submit=record>
                    <label for=format!("dec-{i}")>"Decision"</label>
                    <select id=format!("dec-{i}") node_ref=decision_ref>
                        // Undecided until someone chooses: one stray click records nothing.
                        <option value="" selected=current.is_none()>"Undecided"</option>
                        {Decision::ALL.map(|d| view! {
                            <option value=d.as_str() selected=current.as_ref().map(|o| o.decision) == Some(d)>{d.label()}</option>
                        }).collect_view()}
                    </select>
                    <label for=format!("note-{i}")>"Note"</label>
                    <input id=format!("note-{i}") type="text" maxlength=MAX_COMMENT.to_string()
                        value=current.as_ref().map(|o| o.note.clone()).unwrap_or_default() node_ref=note_ref/>
                    <button type="submit">"Record decision" <span class="visually-hidden">{format!(" for item {}", i + 1)}</span></button>
                </form>
            })}
            <Discussion i item=item_id replies open post hide=Some(hide)/>
        </section>
    }
}
