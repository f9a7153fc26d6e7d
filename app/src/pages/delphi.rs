//! Delphi rating rounds: the respondent's page (`/delphi/:id`: rate the open round's
//! items, with the group's results and one's own rating in the round before), the lead's
//! page (`/delphi/:id/results`: respondents, rounds, results per round, CSVs) and the
//! console's section to start a study.

use std::collections::BTreeMap;

use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use crate::api::{
    add_delphi_respondent, create_study, delphi_round, get_delphi_results, get_delphi_view,
    list_studies, rate_delphi, revoke_delphi_respondent,
};
use crate::pages::common::{origin, use_token, LinkProblem, NotFound};
use cocreate_core::delphi::{
    ConsensusRule, DelphiResults, ItemResult, ItemSource, NewStudy, Rating, RespondentView, Scale,
};

fn num(x: Option<f64>) -> String {
    x.map_or_else(|| "—".into(), |x| format!("{x:.1}"))
}

/// The group's results in the round before, in words.
fn group_words(scale: Scale, r: &ItemResult) -> String {
    match scale {
        Scale::NinePoint => format!(
            "Last round, the middle rating (median) was {}; half of the ratings were between {} and {}. {:.0} % rated it 7 to 9.",
            num(r.median),
            num(r.q1),
            num(r.q3),
            r.high
        ),
        Scale::ThreePoint => format!(
            "Last round, {:.0} % said important, {:.0} % not sure and {:.0} % not important.",
            r.high, r.middle, r.low
        ),
    }
}

#[component]
pub fn DelphiRespondPage() -> impl IntoView {
    let params = use_params_map();
    let token = use_token();
    let id = move || params.read().get("id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let loaded = Resource::new(
        move || (id(), token.get(), tick.get()),
        |(id, t, _)| get_delphi_view(id, t),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(Some(v)) => view! { <RateItems v token=token.get_untracked()/> }.into_any(),
                    Ok(None) => view! { <NotFound what="study"/> }.into_any(),
                    Err(error) => view! { <LinkProblem error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn RateItems(v: RespondentView, token: Option<String>) -> impl IntoView {
    let feedback = RwSignal::new(String::new());
    let open = v.round.as_ref().is_some_and(|r| r.open);
    let scale = v.scale;
    // item -> (rating, comment)
    let chosen: RwSignal<BTreeMap<String, (Option<u8>, String)>> = RwSignal::new(
        v.items
            .iter()
            .map(|i| {
                let mine = i.mine.as_ref();
                (
                    i.item.id.clone(),
                    (
                        mine.map(|m| m.value),
                        mine.map(|m| m.comment.clone()).unwrap_or_default(),
                    ),
                )
            })
            .collect(),
    );
    let save = {
        let (id, token) = (v.study_id.clone(), token.clone());
        move |_| {
            let ratings: Vec<Rating> = chosen.with_untracked(|c| {
                c.iter()
                    .filter_map(|(item, (value, comment))| {
                        value.map(|value| Rating {
                            item: item.clone(),
                            value,
                            comment: comment.clone(),
                        })
                    })
                    .collect()
            });
            if ratings.is_empty() {
                feedback.set("Choose a rating for at least one statement first.".into());
                return;
            }
            let (id, token) = (id.clone(), token.clone());
            leptos::task::spawn_local(async move {
                feedback.set(match rate_delphi(id, token, ratings).await {
                    Ok(n) => {
                        format!(
                            "Saved {n} {}. You can change them until the round closes.",
                            if n == 1 { "rating" } else { "ratings" }
                        )
                    }
                    Err(e) => format!("Not saved: {e}"),
                });
            });
        }
    };
    let heading = match &v.round {
        Some(r) if r.open => format!("Round {}", r.number),
        Some(r) => format!("Round {} is closed", r.number),
        None => "The first round has not started".into(),
    };
    let points: Vec<u8> = (1..=scale.max()).collect();
    view! {
        <Title text=format!("{} · cocreate", v.title)/>
        <h1>{v.title.clone()}</h1>
        <p class="muted">{format!("You take part as {}. Nobody sees your name: only this code.", v.code)}</p>
        <h2>{heading}</h2>
        {if !open {
            view! { <p>"There is nothing to rate now. Thank you: the facilitators will send the next round when it opens."</p> }.into_any()
        } else {
            view! {
                <p>{match scale {
                    Scale::NinePoint => "Rate how important each statement is: 1 not important, 9 critical.",
                    Scale::ThreePoint => "For each statement, choose Important, Not sure or Not important.",
                }}</p>
                <ol class="delphi-items">
                    {v.items.into_iter().map(|it| {
                        let id = it.item.id.clone();
                        let group = it.group_before.as_ref().map(|g| group_words(scale, g));
                        let before = it.mine_before.map(|m| format!("You rated it {m}{}.", match scale.words(m) { "" => String::new(), w => format!(" ({w})") }));
                        let comment_id = format!("comment-{id}");
                        let (id_c, id_t) = (id.clone(), id.clone());
                        view! {
                            <li class="delphi-item" data-item=id.clone()>
                                <fieldset>
                                    <legend>{it.item.text.clone()}</legend>
                                    {group.map(|g| view! { <p class="group-before">{g}</p> })}
                                    {before.map(|b| view! { <p class="mine-before">{b}</p> })}
                                    <div class="scale" class:three=scale == Scale::ThreePoint>
                                        {points.iter().map(|&p| {
                                            let input_id = format!("rate-{id}-{p}");
                                            let label = match scale.words(p) {
                                                "" => p.to_string(),
                                                w if scale == Scale::ThreePoint => w.to_string(),
                                                w => format!("{p} {w}"),
                                            };
                                            let (id1, id2) = (id_c.clone(), id_c.clone());
                                            view! {
                                                <span class="point">
                                                    <input type="radio" name=format!("rate-{id}") id=input_id.clone() value=p.to_string()
                                                        prop:checked=move || chosen.with(|c| c.get(&id1).and_then(|x| x.0) == Some(p))
                                                        on:change=move |_| chosen.update(|c| { c.entry(id2.clone()).or_default().0 = Some(p); })/>
                                                    <label for=input_id>
                                                        {scale.symbol(p).map(|s| view! { <img class="symbol" src=s.src() alt="" width="40" height="40"/> })}
                                                        {label}
                                                    </label>
                                                </span>
                                            }
                                        }).collect_view()}
                                    </div>
                                    <label for=comment_id.clone()>"Comment (you do not have to)"</label>
                                    <textarea id=comment_id maxlength="2000" rows="2"
                                        prop:value={ let id = id_t.clone(); move || chosen.with(|c| c.get(&id).map(|x| x.1.clone()).unwrap_or_default()) }
                                        on:input=move |ev| { let text = event_target_value(&ev); chosen.update(|c| { c.entry(id_t.clone()).or_default().1 = text; }); }></textarea>
                                </fieldset>
                            </li>
                        }
                    }).collect_view()}
                </ol>
                <button type="button" on:click=save>"Save my ratings"</button>
            }.into_any()
        }}
        <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
    }
}

#[component]
pub fn DelphiResultsPage() -> impl IntoView {
    let params = use_params_map();
    let token = use_token();
    let id = move || params.read().get("id").unwrap_or_default();
    let tick = RwSignal::new(0u32);
    let feedback = RwSignal::new(String::new());
    let issued = RwSignal::new(None::<(String, String)>);
    let loaded = Resource::new(
        move || (id(), token.get(), tick.get()),
        |(id, t, _)| get_delphi_results(id, t),
    );
    view! {
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || Suspend::new(async move {
                match loaded.await {
                    Ok(Some(r)) => view! { <StudyResults r token=token.get_untracked() tick feedback issued/> }.into_any(),
                    Ok(None) => view! { <NotFound what="study"/> }.into_any(),
                    Err(error) => view! { <LinkProblem error/> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn StudyResults(
    r: DelphiResults,
    token: Option<String>,
    tick: RwSignal<u32>,
    feedback: RwSignal<String>,
    issued: RwSignal<Option<(String, String)>>,
) -> impl IntoView {
    let s = r.study.clone();
    let q = token
        .as_ref()
        .map(|t| format!("?token={t}"))
        .unwrap_or_default();
    let code = RwSignal::new(String::new());
    let add = {
        let (id, t) = (s.id.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let (id, t, c) = (id.clone(), t.clone(), code.get_untracked());
            leptos::task::spawn_local(async move {
                match add_delphi_respondent(id.clone(), t, c).await {
                    Ok(link) => {
                        let url = format!("{}/delphi/{id}?token={}", origin(), link.token);
                        feedback.set(format!("{} was added.", link.code));
                        issued.set(Some((link.code, url)));
                        code.set(String::new());
                        tick.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("Not added: {e}")),
                }
            });
        }
    };
    let open_round = r.rounds.iter().any(|x| x.round.open);
    let toggle = {
        let (id, t) = (s.id.clone(), token.clone());
        move |_| {
            let (id, t) = (id.clone(), t.clone());
            leptos::task::spawn_local(async move {
                match delphi_round(id, t, !open_round).await {
                    Ok(()) => {
                        feedback.set(
                            if open_round {
                                "Round closed."
                            } else {
                                "Round opened."
                            }
                            .into(),
                        );
                        tick.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("Could not change the round: {e}")),
                }
            });
        }
    };
    let text: BTreeMap<String, String> = s
        .items
        .iter()
        .map(|i| (i.id.clone(), i.text.clone()))
        .collect();
    let scale = match s.scale {
        Scale::NinePoint => "1 to 9",
        Scale::ThreePoint => "easy read: Important, Not sure, Not important",
    };
    view! {
        <Title text=format!("{} · Delphi · cocreate", s.title)/>
        <h1>{s.title.clone()}</h1>
        <p class="muted">{format!(
            "Scale {scale}. Consensus: at least {} % rate it in the top band and under {} % in the bottom band (fixed before round 1).",
            s.rule.high_at_least, s.rule.low_under
        )}</p>
        <p><a href=format!("/workshop/{}{q}", s.workshop_id)>"Back to the workshop console"</a></p>
        <div class="row exports">
            <a href=format!("/api/delphi/{}/report.pdf{q}", s.id) download>"Findings report (PDF)"</a>
            <a href=format!("/api/delphi/{}/report.docx{q}", s.id) download>"Findings report (Word)"</a>
            <a href=format!("/api/delphi/{}/results.csv{q}", s.id) download>"Results per round (CSV)"</a>
            <a href=format!("/api/delphi/{}/ratings.csv{q}", s.id) download>"Every rating and comment (CSV)"</a>
        </div>
        <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
        <section aria-labelledby="resp-h">
            <h2 id="resp-h">{format!("Respondents ({})", r.respondents.len())}</h2>
            <ul class="respondents">
                {r.respondents.iter().map(|x| {
                    let revoke = {
                        let (id, t, code) = (s.id.clone(), token.clone(), x.code.clone());
                        move |_| {
                            let (id, t, code) = (id.clone(), t.clone(), code.clone());
                            leptos::task::spawn_local(async move {
                                match revoke_delphi_respondent(id, t, code.clone()).await {
                                    Ok(()) => {
                                        feedback.set(format!("{code}'s link no longer opens anything. Their ratings are kept."));
                                        tick.update(|n| *n = n.wrapping_add(1));
                                    }
                                    Err(e) => feedback.set(format!("Not revoked: {e}")),
                                }
                            });
                        }
                    };
                    view! {
                        <li data-respondent=x.code.clone()>
                            {x.code.clone()}
                            {if x.revoked_ms.is_some() {
                                view! { " · link revoked" }.into_any()
                            } else {
                                view! { " " <button type="button" on:click=revoke>{format!("Revoke {}'s link", x.code)}</button> }.into_any()
                            }}
                        </li>
                    }
                }).collect_view()}
            </ul>
            <form class="row" on:submit=add>
                <label for="resp-code">"Respondent code (not a name)"</label>
                <input id="resp-code" maxlength="20" required prop:value=move || code.get()
                    on:input=move |ev| code.set(event_target_value(&ev))/>
                <button type="submit">"Add respondent"</button>
            </form>
            {move || issued.get().map(|(who, url)| view! {
                <p class="issued">
                    <label for="resp-link">{format!("Send {who} this link. It is shown only now:")}</label>
                    <input id="resp-link" readonly size="60" prop:value=url/>
                </p>
            })}
        </section>
        <p><button type="button" on:click=toggle>{if open_round { "Close this round" } else if r.rounds.is_empty() { "Open round 1" } else { "Open the next round" }}</button></p>
        {r.rounds.iter().rev().map(|round| {
            let n = round.round.number;
            view! {
                <section aria-labelledby=format!("round-{n}")>
                    <h2 id=format!("round-{n}")>{format!("Round {n}{} · {} respondents", if round.round.open { " (open)" } else { "" }, round.respondents)}</h2>
                    <table class="console delphi-results">
                        <caption>{format!("Results of round {n}")}</caption>
                        <thead><tr>
                            <th scope="col">"Statement"</th>
                            <th scope="col" class="num">"Rated by"</th>
                            <th scope="col" class="num">"Median"</th>
                            <th scope="col" class="num">"Middle half"</th>
                            <th scope="col" class="num">"Low %"</th>
                            <th scope="col" class="num">"Middle %"</th>
                            <th scope="col" class="num">"High %"</th>
                            <th scope="col">"Consensus"</th>
                            <th scope="col" class="num">"Stable %"</th>
                        </tr></thead>
                        <tbody>
                            {round.items.iter().map(|i| view! {
                                <tr data-item=i.item.clone()>
                                    <th scope="row">{text.get(&i.item).cloned().unwrap_or_else(|| i.item.clone())}</th>
                                    <td class="num">{i.n.to_string()}</td>
                                    <td class="num">{num(i.median)}</td>
                                    <td class="num">{format!("{} to {}", num(i.q1), num(i.q3))}</td>
                                    <td class="num">{format!("{:.0}", i.low)}</td>
                                    <td class="num">{format!("{:.0}", i.middle)}</td>
                                    <td class="num">{format!("{:.0}", i.high)}</td>
                                    <td>{if i.consensus { "Yes" } else { "No" }}</td>
                                    <td class="num">{i.stability.map(|x| format!("{x:.0}")).unwrap_or_else(|| "—".into())}</td>
                                </tr>
                            }).collect_view()}
                        </tbody>
                    </table>
                </section>
            }
        }).collect_view()}
    }
}

/// The console's section: start a study and open the workshop's studies.
#[component]
pub fn DelphiStudies(
    workshop: String,
    boards: Vec<cocreate_core::catalog::BoardSummary>,
    token: Option<String>,
    /// Bumped when a draft is published (so it can be a study's source).
    drafts_changed: RwSignal<u32>,
) -> impl IntoView {
    let refresh = RwSignal::new(0u32);
    let feedback = RwSignal::new(String::new());
    let source = RwSignal::new(String::new());
    let drafts = {
        let (w, t) = (workshop.clone(), token.clone());
        Resource::new(
            move || drafts_changed.get(),
            move |_| crate::api::list_rounds(w.clone(), t.clone()),
        )
    };
    let studies = {
        let (w, t) = (workshop.clone(), token.clone());
        Resource::new(
            move || refresh.get(),
            move |_| list_studies(w.clone(), t.clone()),
        )
    };
    let title = RwSignal::new(String::new());
    let items = RwSignal::new(String::new());
    let three = RwSignal::new(false);
    let high = RwSignal::new(70u8);
    let low = RwSignal::new(15u8);
    let create = {
        let (w, t) = (workshop.clone(), token.clone());
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            let new = NewStudy {
                title: title.get_untracked(),
                scale: if three.get_untracked() {
                    Scale::ThreePoint
                } else {
                    Scale::NinePoint
                },
                rule: ConsensusRule {
                    high_at_least: high.get_untracked(),
                    low_under: low.get_untracked(),
                },
                items: items
                    .get_untracked()
                    .lines()
                    .map(str::trim)
                    .filter(|l| !l.is_empty())
                    .map(String::from)
                    .collect(),
                from: match source.get_untracked() {
                    s if s.is_empty() => None,
                    s => s.split_once(':').and_then(|(kind, id)| match kind {
                        "board" => Some(ItemSource::Board(id.to_string())),
                        "draft" => Some(ItemSource::Draft(id.to_string())),
                        _ => None,
                    }),
                },
            };
            let (w, t) = (w.clone(), t.clone());
            leptos::task::spawn_local(async move {
                match create_study(w, t, new).await {
                    Ok(s) => {
                        feedback.set(format!(
                            "Study “{}” created with {} statements.",
                            s.title,
                            s.items.len()
                        ));
                        title.set(String::new());
                        items.set(String::new());
                        source.set(String::new());
                        refresh.update(|n| *n = n.wrapping_add(1));
                    }
                    Err(e) => feedback.set(format!("Not created: {e}")),
                }
            });
        }
    };
    view! {
        <h3>"Delphi rating rounds"</h3>
        <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
        <details>
            <summary>"Start a Delphi study"</summary>
            <form class="delphi-new" on:submit=create>
                <label for="delphi-title">"Title"</label>
                <input id="delphi-title" maxlength="120" required prop:value=move || title.get()
                    on:input=move |ev| title.set(event_target_value(&ev))/>
                <label for="delphi-items">"Statements to rate, one a line"</label>
                <textarea id="delphi-items" rows="5" prop:value=move || items.get()
                    on:input=move |ev| items.set(event_target_value(&ev))></textarea>
                <label for="delphi-from">"Add the statements of"</label>
                <Transition fallback=|| ()>
                    {move || {
                        let boards = boards.clone();
                        Suspend::new(async move {
                            let list = drafts.await.unwrap_or_default();
                            view! {
                                <select id="delphi-from" on:change=move |ev| source.set(event_target_value(&ev))>
                                    <option value="" selected=move || source.get().is_empty()>"Nothing more: only those typed above"</option>
                                    <optgroup label="A board's themes">
                                        {boards.iter().map(|b| view! {
                                            <option value=format!("board:{}", b.id)>{format!("Themes of “{}”", b.title)}</option>
                                        }).collect_view()}
                                    </optgroup>
                                    {(!list.is_empty()).then(|| view! {
                                        <optgroup label="A published draft">
                                            {list.into_iter().map(|r| view! {
                                                <option value=format!("draft:{}", r.consultation.id)>{format!("Items of “{}”", r.consultation.title)}</option>
                                            }).collect_view()}
                                        </optgroup>
                                    })}
                                </select>
                            }
                        })
                    }}
                </Transition>
                <label>
                    <input type="checkbox" on:change=move |ev| three.set(event_target_checked(&ev))/>
                    " Easy-read scale (Important, Not sure, Not important) instead of 1 to 9"
                </label>
                <label for="delphi-high">"Consensus: at least this % rate it high"</label>
                <input id="delphi-high" type="number" min="1" max="100" prop:value=move || high.get().to_string()
                    on:input=move |ev| high.set(event_target_value(&ev).parse().unwrap_or(70))/>
                <label for="delphi-low">"...and under this % rate it low"</label>
                <input id="delphi-low" type="number" min="0" max="100" prop:value=move || low.get().to_string()
                    on:input=move |ev| low.set(event_target_value(&ev).parse().unwrap_or(15))/>
                <button type="submit">"Create study"</button>
            </form>
        </details>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || {
                let token = token.clone();
                Suspend::new(async move {
                    match studies.await {
                        Ok(list) if list.is_empty() => view! { <p class="muted">"No studies yet."</p> }.into_any(),
                        Ok(list) => view! {
                            <ul class="rounds">
                                {list.into_iter().map(|s| {
                                    let href = match &token {
                                        Some(t) => format!("/delphi/{}/results?token={t}", s.id),
                                        None => format!("/delphi/{}/results", s.id),
                                    };
                                    view! { <li data-study=s.id.clone()><a href=href>{s.title.clone()}</a>{format!(" · {} statements", s.items.len())}</li> }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(e) => view! { <p role="alert">{e.to_string()}</p> }.into_any(),
                    }
                })
            }}
        </Transition>
    }
}
