//! The organising team's page (`/organise?token=…`, an organiser link): every workshop,
//! each opening its console with the same link, and a form for a new workshop (which
//! answers with the new workshop's own facilitator link, shown once).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::api::{create_workshop, list_workshops};
use crate::pages::common::{origin, use_token};
use cocreate_core::catalog::{NewWorkshop, WorkshopSummary};

#[component]
pub fn OrganisePage() -> impl IntoView {
    let token = use_token();
    let workshops = RwSignal::new(None::<Result<Vec<WorkshopSummary>, String>>);
    let load = move || {
        let t = token.get_untracked();
        leptos::task::spawn_local(async move {
            let got = list_workshops(t).await.map_err(|e| e.to_string());
            workshops.try_set(Some(got));
        });
    };
    #[cfg(feature = "hydrate")]
    Effect::new(move |prev: Option<()>| {
        if prev.is_none() {
            load();
        }
    });
    let library = RwSignal::new(Vec::<cocreate_core::model::plan::SavedPlan>::new());
    #[cfg(feature = "hydrate")]
    Effect::new(move |prev: Option<()>| {
        if prev.is_none() {
            let t = token.get_untracked();
            leptos::task::spawn_local(async move {
                if let Ok(plans) = crate::api::saved_plans(None, t).await {
                    library.try_set(plans);
                }
            });
        }
    });
    let start_ref = NodeRef::<leptos::html::Select>::new();
    let feedback = RwSignal::new(String::new());
    let created = RwSignal::new(None::<(String, String)>);
    let (title_ref, area_ref, date_ref) = (
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
        NodeRef::<leptos::html::Input>::new(),
    );
    let create = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let new = NewWorkshop {
            title: title_ref.get().map(|i| i.value()).unwrap_or_default(),
            area: area_ref.get().map(|i| i.value()).unwrap_or_default(),
            date: date_ref.get().map(|i| i.value()).unwrap_or_default(),
            plan: None,
            copy_of: None,
        };
        // "plan:NAME", "copy:WORKSHOP" or "" (the built-in plan).
        let start = start_ref.get().map(|s| s.value()).unwrap_or_default();
        let new = match start.split_once(':') {
            Some(("plan", name)) => NewWorkshop {
                plan: Some(name.to_string()),
                ..new
            },
            Some(("copy", id)) => NewWorkshop {
                copy_of: Some(id.to_string()),
                ..new
            },
            _ => new,
        };
        let t = token.get_untracked();
        leptos::task::spawn_local(async move {
            match create_workshop(t, new).await {
                Ok(c) => {
                    let href = format!(
                        "{}/workshop/{}?token={}",
                        origin(),
                        c.workshop.id,
                        c.facilitator_token
                    );
                    feedback.set(format!("Workshop “{}” created.", c.workshop.title));
                    created.set(Some((c.workshop.title, href)));
                    load();
                }
                Err(e) => feedback.set(format!("Could not create the workshop: {e}")),
            }
        });
    };
    let list = move || {
        let t = token.get().unwrap_or_default();
        workshops.get().map(|got| match got {
            Ok(ws) if ws.is_empty() => view! { <p>"No workshops yet: create the first below."</p> }.into_any(),
            Ok(ws) => view! {
                <ul class="workshops">
                    {ws.into_iter().map(|w| {
                        let href = format!("/workshop/{}?token={t}", w.id);
                        view! {
                            <li>
                                <a href=href>{w.title.clone()}</a>
                                {format!(" · {} · {} boards{}", w.area, w.boards.len(), if w.archived { " · archived" } else { "" })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
            }.into_any(),
            Err(e) => view! { <p role="alert">"This link does not open the organiser's page: " {e}</p> }.into_any(),
        })
    };
    view! {
        <Title text="Organiser · cocreate"/>
        <h1>"Organiser"</h1>
        <p class="muted">"Your link opens every workshop's console. Keep it private."</p>
        <section aria-labelledby="ws-h">
            <h2 id="ws-h">"Workshops"</h2>
            {list}
        </section>
        <section aria-labelledby="new-h">
            <h2 id="new-h">"New workshop"</h2>
            <form class="grid-form" on:submit=create>
                <label for="nw-title">"Title"</label>
                <input id="nw-title" type="text" maxlength="120" required node_ref=title_ref/>
                <label for="nw-area">"Clinical area (choose or type your own)"</label>
                <input id="nw-area" type="text" list="areas" required maxlength="120" node_ref=area_ref/>
                <datalist id="areas">
                    {cocreate_core::catalog::AREAS.map(|a| view! { <option value=a></option> }).collect_view()}
                </datalist>
                <label for="nw-date">"Date"</label>
                <input id="nw-date" type="date" node_ref=date_ref/>
                <label for="nw-start">"Start from"</label>
                <select id="nw-start" node_ref=start_ref>
                    <option value="">"The built-in values exercise (five pillar groups)"</option>
                    {move || library.get().into_iter().map(|p| view! {
                        <option value=format!("plan:{}", p.name)>{format!("Named plan: {}", p.name)}</option>
                    }).collect_view()}
                    {move || workshops.get().and_then(Result::ok).unwrap_or_default().into_iter().map(|w| view! {
                        <option value=format!("copy:{}", w.id)>{format!("A copy of “{}” ({}): its groups, settings, plan, privacy notice and questions", w.title, w.area)}</option>
                    }).collect_view()}
                </select>
                <button type="submit">"Create workshop"</button>
            </form>
            <p role="status" aria-live="polite" class="feedback">{move || feedback.get()}</p>
            {move || created.get().map(|(title, href)| view! {
                <p>"The console of “" {title} "”, for its facilitators: "
                    <input type="text" readonly value=href.clone() aria-label="New workshop's facilitator link"/>
                    " (shown once: copy it now) "
                    <a href=href.clone()>"Open it"</a></p>
            })}
        </section>
    }
}
