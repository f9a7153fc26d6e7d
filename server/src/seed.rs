//! The demo workshop created in an empty database.

use cocreate_core::catalog::PILLARS;
use cocreate_core::model::board::initial_state;
use cocreate_core::model::schema::PromptText;
use cocreate_core::model::{Prompt, Role};

use cocreate_core::catalog::LinkRole;

use cocreate_core::analysis::AnalystInfo;
use cocreate_core::coding::{Code, Codebook};

use crate::auth::{Auth, AuthError, Grant};
use crate::store::{Store, StoredAnalyst};

/// File in the data directory where the demo's links are written once, at creation
/// (tokens are stored hashed, so this is the only place they can be read again).
pub const DEMO_LINKS_FILE: &str = "demo-links.txt";

/// The demo workshop's links.
#[derive(Debug, Clone)]
pub struct DemoLinks {
    pub base: String,
    /// The organising team's link: every workshop, and new ones.
    pub organiser: String,
    pub facilitator: String,
    pub participant: String,
    pub observer: String,
    /// Facilitator links of the other demo workshops: (workshop id, title, token).
    pub others: Vec<(String, String, String)>,
    /// The demo workshop's analysts' own links: (name, token).
    pub analysts: Vec<(String, String)>,
}

impl DemoLinks {
    /// Human-readable, one link a line, `role: url` (tests parse this too).
    pub fn to_text(&self) -> String {
        let b = &self.base;
        format!(
            "organiser (every workshop, and new ones): {b}/organise?token={g}\n\
             facilitator console: {b}/workshop/{DEMO_WORKSHOP}?token={f}\n\
             participant: {b}/workshop/{DEMO_WORKSHOP}?token={p}\n\
             observer: {b}/workshop/{DEMO_WORKSHOP}?token={o}\n",
            g = self.organiser,
            f = self.facilitator,
            p = self.participant,
            o = self.observer,
        ) + &self
            .others
            .iter()
            .map(|(id, title, t)| {
                format!("{title}, facilitator console: {b}/workshop/{id}?token={t}\n")
            })
            .collect::<String>()
            + &self
                .analysts
                .iter()
                .map(|(name, t)| {
                    format!("analyst {name}: {b}/workshop/{DEMO_WORKSHOP}/coding?token={t}\n")
                })
                .collect::<String>()
    }
}

/// The demo analysis's codebook: a start the lead edits.
fn demo_codebook() -> Codebook {
    let code = |id: &str, name: &str, definition: &str, parent: Option<&str>| Code {
        id: id.into(),
        name: name.into(),
        definition: definition.into(),
        parent: parent.map(str::to_string),
    };
    Codebook {
        codes: vec![
            code(
                "voice",
                "Being heard",
                "People are listened to and believed.",
                None,
            ),
            code(
                "easy",
                "Easy information",
                "Words and pictures people can understand.",
                Some("voice"),
            ),
            code(
                "time",
                "Time and continuity",
                "Enough time, and seeing the same people.",
                None,
            ),
            code(
                "learning",
                "Learning together",
                "Staff, patients and families learn from each other.",
                None,
            ),
        ],
    }
}

/// Two analysts for the demo workshop, with their own links (shown once, in the links file).
fn demo_analysts(store: &Store) -> Result<Vec<(String, String)>, AuthError> {
    store.set_codebook(DEMO_WORKSHOP, &demo_codebook())?;
    let mut out = Vec::new();
    for (i, name) in ["Asha", "Ben"].into_iter().enumerate() {
        let token = crate::auth::new_token();
        store.add_analyst(&StoredAnalyst {
            workshop: DEMO_WORKSHOP.into(),
            info: AnalystInfo {
                id: format!("demo-analyst-{}", i + 1),
                name: name.into(),
                created_ms: crate::store::now_ms() + i as i64,
                coded: 0,
                revoked_ms: None,
            },
            token_hash: crate::auth::TokenHash::of(&token).as_str().to_string(),
        })?;
        out.push((name.to_string(), token));
    }
    Ok(out)
}

/// Id of the demo workshop.
pub const DEMO_WORKSHOP: &str = "demo";

/// Id of the demo's (empty) cross-area synthesis workshop.
pub const DEMO_SYNTHESIS: &str = "demo-synthesis";

const SLUGS: [&str; 5] = [
    "leadership",
    "learning",
    "research",
    "consultancy",
    "expert-practice",
];

/// Board id of a demo workshop's pillar board (stable, so links in docs and tests keep
/// working: `demo-leadership`, `demo-cancer-leadership`, ...).
pub fn demo_board_id(workshop: &str, pillar_index: usize) -> String {
    format!("{workshop}-{}", SLUGS[pillar_index])
}

/// The demo workshops, one per clinical area (the first is [`DEMO_WORKSHOP`]), with
/// starter cards on their first (leadership) board, so that a synthesis across areas has
/// something to find: (id, title, area, starter cards).
type Demo = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(Prompt, &'static str, Role)],
);
const DEMOS: [Demo; 3] = [
    (
        DEMO_WORKSHOP,
        "Demo workshop: Learning Disabilities & Autism",
        "Learning Disabilities & Autism",
        &[
            (
                Prompt::Purpose,
                "People with a learning disability get care that fits their life",
                Role::Patient,
            ),
            (
                Prompt::How,
                "Consultant practitioners lead change across services",
                Role::Clinician,
            ),
            (
                Prompt::Enablers,
                "Protected time for development",
                Role::Educator,
            ),
            (Prompt::Values, "Nothing about us without us", Role::Patient),
        ],
    ),
    (
        "demo-cancer",
        "Demo workshop: Cancer Care",
        "Cancer Care",
        &[
            (
                Prompt::Purpose,
                "People with cancer get expert care close to home",
                Role::Patient,
            ),
            (
                Prompt::How,
                "Consultant practitioners lead change across cancer networks",
                Role::Clinician,
            ),
            (
                Prompt::Enablers,
                "Protected time for development and research",
                Role::Educator,
            ),
        ],
    ),
    (
        "demo-msk",
        "Demo workshop: Musculoskeletal (MSK)",
        "Musculoskeletal (MSK)",
        &[
            (
                Prompt::Purpose,
                "People stay active and in work",
                Role::Patient,
            ),
            (
                Prompt::Enablers,
                "Protected time to learn from peers",
                Role::Clinician,
            ),
            (
                Prompt::Values,
                "Shared decisions with patients",
                Role::Stakeholder,
            ),
        ],
    ),
];

/// Write `text` to a new or existing file that only its owner may read or write (0600 on
/// Unix): the demo links are bearer tokens.
pub fn write_private(path: &std::path::Path, text: &str) -> std::io::Result<()> {
    use std::io::Write;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        options.mode(0o600);
        // An older file keeps its mode on open: narrow it first.
        if path.exists() {
            std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600))?;
        }
    }
    options.open(path)?.write_all(text.as_bytes())
}

/// Create the demo workshop (Learning Disabilities & Autism) and a facilitator,
/// participant and observer link to it, the Cancer Care and MSK demo workshops and an
/// empty cross-area synthesis workshop with a facilitator link each, unless the database
/// already has workshops. Returns the new links.
pub fn seed_demo(store: &Store, auth: &Auth, base: &str) -> Result<Option<DemoLinks>, AuthError> {
    if store.workshop_count()? > 0 {
        return Ok(None);
    }
    let link = |workshop: &str, role: LinkRole| {
        auth.issue(Grant {
            label: format!("demo {}", role.as_str()),
            ..Grant::new(workshop, None, role)
        })
    };
    let mut others = Vec::new();
    for (id, title, area, starters) in DEMOS {
        store.create_workshop(id, title, area, "")?;
        for (i, pillar) in PILLARS.iter().enumerate() {
            let cards: &[(Prompt, &str, Role)] = if i == 0 { starters } else { &[] };
            let state = initial_state(pillar, area, pillar, &PromptText::builtin_all(), cards);
            store.create_board(&demo_board_id(id, i), id, pillar, pillar, &state)?;
        }
        if id != DEMO_WORKSHOP {
            others.push((
                id.to_string(),
                title.to_string(),
                link(id, LinkRole::Facilitator)?,
            ));
        }
    }
    // Where the team builds synthesis boards (from the console) after the workshops.
    store.create_workshop(
        DEMO_SYNTHESIS,
        "Demo: cross-area synthesis",
        "Cross-area synthesis",
        "",
    )?;
    others.push((
        DEMO_SYNTHESIS.to_string(),
        "Demo: cross-area synthesis".to_string(),
        link(DEMO_SYNTHESIS, LinkRole::Facilitator)?,
    ));
    let links = DemoLinks {
        base: base.to_string(),
        organiser: auth.issue_organiser("demo organiser")?,
        facilitator: link(DEMO_WORKSHOP, LinkRole::Facilitator)?,
        participant: link(DEMO_WORKSHOP, LinkRole::Participant)?,
        observer: link(DEMO_WORKSHOP, LinkRole::Observer)?,
        others,
        analysts: demo_analysts(store)?,
    };
    tracing::info!("created the demo workshop");
    Ok(Some(links))
}
