//! The console's "People and privacy" section: the workshop's privacy notice (plain and
//! easy read; saving makes a new version everyone agrees to again), who has joined with
//! which consent, erasing one person, and the record of every erasure.

use leptos::prelude::*;

use crate::api::{
    erase_person, get_audit_log, get_people, set_notice, set_questions, set_retention,
};
use cocreate_core::catalog::{AttributeQuestion, People, Retention, RetentionAction};
use cocreate_core::model::report::iso_utc;

/// A time for people to read: UTC, as the rest of the console shows times.
fn when(ms: i64) -> String {
    format!("{} UTC", iso_utc(ms as f64))
}

/// Questions from the console's text: one a line, choices after a colon, separated by
/// commas (the server makes their ids and checks them).
fn parse_questions(text: &str) -> Vec<AttributeQuestion> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|line| {
            let (label, choices) = match line.split_once(':') {
                Some((l, c)) => (l, c.split(',').map(|c| c.trim().to_string()).collect()),
                None => (line, Vec::new()),
            };
            AttributeQuestion {
                id: String::new(),
                label: label.trim().to_string(),
                choices,
            }
        })
        .collect()
}

/// A retention action in words.
fn what(action: RetentionAction) -> &'static str {
    match action {
        RetentionAction::Erase => "erase every participant's data and archive the workshop",
        RetentionAction::Archive => "archive the workshop (read-only)",
    }
}

#[component]
pub fn PeopleAndPrivacy(
    workshop: String,
    token: Option<String>,
    feedback: RwSignal<String>,
) -> impl IntoView {
    let people = RwSignal::new(None::<People>);
    let load = {
        let (w, t) = (workshop.clone(), token.clone());
        move || {
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                match get_people(w, t).await {
                    Ok(p) => {
                        people.try_set(Some(p));
                    }
                    Err(e) => feedback.set(format!("Could not load the people: {e}")),
                }
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let load = load.clone();
        Effect::new(move |prev: Option<()>| {
            if prev.is_none() {
                load();
            }
        });
    }
    let plain_ref = NodeRef::<leptos::html::Textarea>::new();
    let easy_ref = NodeRef::<leptos::html::Textarea>::new();
    let save_notice = {
        let (w, t, load) = (workshop.clone(), token.clone(), load.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let plain = plain_ref.get().map(|t| t.value()).unwrap_or_default();
            let easy = easy_ref.get().map(|t| t.value()).unwrap_or_default();
            let (w, t, load) = (w.clone(), t.clone(), load.clone());
            leptos::task::spawn_local(async move {
                match set_notice(w, t, plain, easy).await {
                    Ok(n) => {
                        feedback.set(format!(
                            "Privacy notice saved as version {}: everyone taking part is asked to agree again.",
                            n.version
                        ));
                        load();
                    }
                    Err(e) => feedback.set(format!("Could not save the notice: {e}")),
                }
            });
        }
    };
    // The pseudonym whose erasure is being confirmed.
    let confirming = RwSignal::new(None::<String>);
    let erase = {
        let (w, t, load) = (workshop.clone(), token.clone(), load.clone());
        move |who: String| {
            let (w, t, load) = (w.clone(), t.clone(), load.clone());
            leptos::task::spawn_local(async move {
                match erase_person(w, t, who).await {
                    Ok(r) => {
                        feedback.set(format!(
                            "Erased: {} cards, votes on {} cards, {} held cards, {} snapshots rewritten, {} copies, {} quotes in published drafts.",
                            r.cards, r.votes, r.held, r.snapshots, r.copies, r.draft_items
                        ));
                        confirming.set(None);
                        load();
                    }
                    Err(e) => feedback.set(format!("Could not erase: {e}")),
                }
            });
        }
    };
    let notice_form = move || {
        people.with(|p| {
            p.as_ref().map(|p| {
                let n = p.notice.clone();
                view! {
                    <form class="grid-form" on:submit=save_notice.clone()>
                        <p class="muted">{format!("Version {}, set {}.", n.version, when(n.set_ms))}</p>
                        <label for="notice-plain">"Privacy notice"</label>
                        <textarea id="notice-plain" rows="8" maxlength="20000" node_ref=plain_ref prop:value=n.plain.clone()></textarea>
                        <label for="notice-easy">"Easy-read version"</label>
                        <textarea id="notice-easy" rows="6" maxlength="20000" node_ref=easy_ref prop:value=n.easy_read.clone()></textarea>
                        <button type="submit">"Save as a new version"</button>
                    </form>
                }
            })
        })
    };
    let members = move || {
        let erase = erase.clone();
        people.with(|p| {
            p.as_ref().map(|p| {
                if p.members.is_empty() {
                    return view! { <p class="muted">"Nobody has joined yet."</p> }.into_any();
                }
                let questions = p.questions.clone();
                let rows = p.members.clone().into_iter().map(|m| {
                    let answers = m
                        .member
                        .attributes
                        .iter()
                        .map(|(id, a)| {
                            let label = questions
                                .iter()
                                .find(|q| &q.id == id)
                                .map_or(id.as_str(), |q| q.label.as_str());
                            format!("{label}: {a}")
                        })
                        .collect::<Vec<_>>()
                        .join("; ");
                    let who = m.member.pseudonym.clone();
                    let name = m.member.name.clone().unwrap_or_else(|| "(no name)".into());
                    let consent = match &m.consent {
                        Some(c) => format!("version {}, {}", c.version, when(c.given_ms)),
                        None => "not agreed".into(),
                    };
                    let (ask, yes) = (who.clone(), who.clone());
                    let erase = erase.clone();
                    let label = format!("Erase {name}");
                    view! {
                        <tr>
                            <td>{name.clone()}</td>
                            <td>{m.member.role.label()}</td>
                            <td><code>{who.clone()}</code></td>
                            <td>{consent}</td>
                            <td>{answers}</td>
                            <td>
                                {move || if confirming.get().as_deref() == Some(ask.as_str()) {
                                    let (yes, erase) = (yes.clone(), erase.clone());
                                    view! {
                                        <span role="group" aria-label="Confirm erasure">
                                            "Their cards and votes leave every board, snapshot and export. This cannot be undone. "
                                            <button class="danger" on:click=move |_| erase(yes.clone())>"Yes, erase"</button>
                                            <button on:click=move |_| confirming.set(None)>"Cancel"</button>
                                        </span>
                                    }.into_any()
                                } else {
                                    let ask = ask.clone();
                                    view! {
                                        <button aria-label=label.clone() on:click=move |_| confirming.set(Some(ask.clone()))>"Erase…"</button>
                                    }.into_any()
                                }}
                            </td>
                        </tr>
                    }
                }).collect_view();
                view! {
                    <table class="people-table">
                        <caption class="visually-hidden">"People who joined this workshop"</caption>
                        <thead><tr><th scope="col">"Name"</th><th scope="col">"Role"</th><th scope="col">"Pseudonym"</th><th scope="col">"Consent"</th><th scope="col">"Answers"</th><th scope="col">"Erase"</th></tr></thead>
                        <tbody>{rows}</tbody>
                    </table>
                }.into_any()
            })
        })
    };
    let erasures = move || {
        people.with(|p| {
            p.as_ref().filter(|p| !p.erasures.is_empty()).map(|p| {
                let items = p.erasures.iter().map(|r| view! {
                    <li>{format!(
                        "{}: {} erased by {} ({} cards, votes on {} cards, {} held, {} snapshots, {} copies, {} quotes)",
                        when(r.at_ms), r.pseudonym, r.by, r.cards, r.votes, r.held, r.snapshots, r.copies, r.draft_items
                    )}</li>
                }).collect_view();
                view! {
                    <h3>"Erasures"</h3>
                    <ul class="erasures">{items}</ul>
                }
            })
        })
    };
    let questions_ref = NodeRef::<leptos::html::Textarea>::new();
    let save_questions = {
        let (w, t, load) = (workshop.clone(), token.clone(), load.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let text = questions_ref.get().map(|t| t.value()).unwrap_or_default();
            let (w, t, load) = (w.clone(), t.clone(), load.clone());
            leptos::task::spawn_local(async move {
                match set_questions(w, t, parse_questions(&text)).await {
                    Ok(qs) => {
                        feedback.set(format!("{} questions saved.", qs.len()));
                        load();
                    }
                    Err(e) => feedback.set(format!("Could not save the questions: {e}")),
                }
            });
        }
    };
    let questions_form = move || {
        let save = save_questions.clone();
        people.with(|p| {
            p.as_ref().map(|p| {
                let text = p
                    .questions
                    .iter()
                    .map(|q| {
                        if q.choices.is_empty() {
                            q.label.clone()
                        } else {
                            format!("{}: {}", q.label, q.choices.join(", "))
                        }
                    })
                    .collect::<Vec<_>>()
                    .join("\n");
                view! {
                    <h3>"Questions for everyone who joins"</h3>
                    <form class="grid-form" on:submit=save>
                        <label for="questions">"One question a line; for choices, a colon then the choices separated by commas (every question is optional to answer)"</label>
                        <textarea id="questions" rows="4" node_ref=questions_ref prop:value=text></textarea>
                        <button type="submit">"Save questions"</button>
                    </form>
                }
            })
        })
    };
    let date_ref = NodeRef::<leptos::html::Input>::new();
    let action_ref = NodeRef::<leptos::html::Select>::new();
    let save_retention = {
        let (w, t, load) = (workshop.clone(), token.clone(), load.clone());
        move |rule: Option<Retention>| {
            let (w, t, load) = (w.clone(), t.clone(), load.clone());
            leptos::task::spawn_local(async move {
                let cleared = rule.is_none();
                match set_retention(w, t, rule).await {
                    Ok(()) => {
                        feedback.set(if cleared {
                            "Retention date cleared.".into()
                        } else {
                            "Retention date saved.".into()
                        });
                        load();
                    }
                    Err(e) => feedback.set(format!("Could not save the retention date: {e}")),
                }
            });
        }
    };
    let submit_retention = {
        let save = save_retention.clone();
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let date = date_ref.get().map(|d| d.value()).unwrap_or_default();
            let action = action_ref
                .get()
                .and_then(|a| RetentionAction::parse(&a.value()))
                .unwrap_or(RetentionAction::Archive);
            #[cfg(feature = "hydrate")]
            let until = js_sys::Date::parse(&date);
            #[cfg(not(feature = "hydrate"))]
            let until = f64::NAN;
            if date.is_empty() || until.is_nan() {
                feedback.set("Please choose the retention date.".into());
                return;
            }
            save(Some(Retention {
                until_ms: until as i64,
                action,
                done_ms: None,
            }));
        }
    };
    let retention = move || {
        let save = save_retention.clone();
        let submit = submit_retention.clone();
        people.with(|p| {
            p.as_ref().map(|p| {
                #[cfg(feature = "hydrate")]
                let now = js_sys::Date::now() as i64;
                #[cfg(not(feature = "hydrate"))]
                let now = 0i64;
                let status = match &p.retention {
                    None => "No retention date is set: the data is kept until someone erases it.".to_string(),
                    Some(r) if r.done_ms.is_some() => format!(
                        "Carried out on {}: {}.",
                        when(r.done_ms.unwrap_or_default()),
                        what(r.action)
                    ),
                    Some(r) => format!("On {} the server will {}.", when(r.until_ms), what(r.action)),
                };
                let soon = p.retention.as_ref().filter(|r| r.done_ms.is_none()).and_then(|r| {
                    let days = (r.until_ms - now).div_euclid(86_400_000);
                    (now > 0 && days <= 30).then(|| format!(
                        "The retention date is {} away: export what the analysis needs before then.",
                        match days { d if d <= 0 => "less than a day".to_string(), 1 => "1 day".to_string(), d => format!("{d} days") }
                    ))
                });
                view! {
                    <h3>"Retention"</h3>
                    <p>{status}</p>
                    {soon.map(|s| view! { <p class="notice" role="alert">{s}</p> })}
                    <form class="row" on:submit=submit>
                        <label for="ret-date">"Retention date"</label>
                        <input id="ret-date" type="date" node_ref=date_ref/>
                        <label for="ret-action">"On that date"</label>
                        <select id="ret-action" node_ref=action_ref>
                            <option value="erase">"Erase every participant's data, then archive"</option>
                            <option value="archive">"Archive the workshop (read-only)"</option>
                        </select>
                        <button type="submit">"Save retention"</button>
                        <button type="button" on:click=move |_| save(None)>"Clear"</button>
                    </form>
                }
            })
        })
    };
    view! {
        <section aria-labelledby="people-h">
            <h2 id="people-h">"People and privacy"</h2>
            {notice_form}
            {questions_form}
            {retention}
            <h3>"Who has joined"</h3>
            {members}
            {erasures}
        </section>
    }
}

/// The console's audit log: the latest entries, newest first, and the whole log as CSV.
#[component]
pub fn AuditTrail(workshop: String, token: Option<String>) -> impl IntoView {
    let entries = RwSignal::new(Vec::<cocreate_core::catalog::AuditEntry>::new());
    let error = RwSignal::new(None::<String>);
    let load = {
        let (w, t) = (workshop.clone(), token.clone());
        move || {
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                match get_audit_log(w, t).await {
                    Ok(e) => {
                        entries.try_set(e);
                        error.try_set(None);
                    }
                    Err(e) => {
                        error.try_set(Some(e.to_string()));
                    }
                }
            });
        }
    };
    #[cfg(feature = "hydrate")]
    {
        let load = load.clone();
        Effect::new(move |prev: Option<()>| {
            if prev.is_none() {
                load();
            }
        });
    }
    let csv = match &token {
        Some(t) => format!("/api/workshops/{workshop}/audit.csv?token={t}"),
        None => format!("/api/workshops/{workshop}/audit.csv"),
    };
    let rows = move || {
        entries
            .get()
            .into_iter()
            .rev()
            .take(100)
            .map(|e| {
                view! {
                    <tr>
                        <td>{when(e.at_ms)}</td>
                        <td>{e.actor}</td>
                        <td>{e.action}</td>
                        <td>{e.target}</td>
                        <td>{e.detail}</td>
                    </tr>
                }
            })
            .collect_view()
    };
    view! {
        <section aria-labelledby="audit-h">
            <h2 id="audit-h">"Audit log"</h2>
            <p class="muted">"Every facilitator action and export, newest first (the last 100 here; the file has all). Entries are never changed or deleted."</p>
            <div class="row">
                <button on:click=move |_| load()>"Refresh"</button>
                <a href=csv download>"Download the audit log (CSV)"</a>
            </div>
            {move || error.get().map(|e| view! { <p role="alert">"Could not load the audit log: " {e}</p> })}
            <table class="people-table audit">
                <caption class="visually-hidden">"Audit log"</caption>
                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"Action"</th><th scope="col">"Target"</th><th scope="col">"Detail"</th></tr></thead>
                <tbody>{rows}</tbody>
            </table>
        </section>
    }
}
