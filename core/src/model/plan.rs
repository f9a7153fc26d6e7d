//! A workshop's run-sheet: the steps of the exercise in order, each a phase with its
//! duration and the message the facilitator says to everyone. The console advances every
//! group (or one) to its next step, and setting phase, timer and message together is one
//! control change ([`RunSheet::patch`]).

use serde::{Deserialize, Serialize};

use super::control::{ControlPatch, Phase, MAX_MESSAGE};
use super::schema::{PromptError, PromptText, MAX_VOTES_PER_PERSON};

/// Longest step of a run-sheet, in minutes.
pub const MAX_MINUTES: u32 = 180;
/// Most steps one run-sheet holds.
pub const MAX_STEPS: usize = 20;

/// One step of a run-sheet.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    /// What the step is called in the console ("Write ideas").
    pub title: String,
    pub phase: Phase,
    /// How long it lasts: its timer (0: no timer).
    pub minutes: u32,
    /// What everyone is told when the step starts (empty: the message is cleared).
    pub message: String,
}

/// Why a run-sheet was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PlanError {
    #[error("a run-sheet has between 1 and {MAX_STEPS} steps")]
    Steps,
    #[error("step {0} needs a title of at most 80 characters")]
    Title(usize),
    #[error("step {0} lasts at most {MAX_MINUTES} minutes")]
    Minutes(usize),
    #[error("step {0}'s message is longer than {MAX_MESSAGE} characters")]
    Message(usize),
    #[error("a plan has between 1 and {MAX_GROUPS} groups, each named in at most 120 characters, no two alike")]
    Groups,
    #[error("votes per person are between 1 and {MAX_VOTES_PER_PERSON}")]
    Votes,
    #[error("a plan's name is 1 to 80 characters")]
    Name,
    #[error(transparent)]
    Prompts(#[from] PromptError),
}

/// Most breakout groups one plan makes.
pub const MAX_GROUPS: usize = 24;

/// A workshop's plan: how its exercise runs. Kept per workshop by the server (as JSON,
/// so later parts of a plan arrive as new fields with defaults); a workshop without one
/// runs the built-in plan.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Plan {
    #[serde(default = "RunSheet::builtin")]
    pub run_sheet: RunSheet,
    /// How people who open the workshop's link find their group.
    #[serde(default)]
    pub allocation: Allocation,
    /// The breakout groups (pillars) a workshop made from this plan starts with.
    #[serde(default = "builtin_groups")]
    pub groups: Vec<String>,
    /// Dot votes each person has on a board made from this plan.
    #[serde(default = "builtin_votes")]
    pub votes_per_person: u32,
    /// The words of the four prompts on every board made from this plan (kept in each
    /// board's document).
    #[serde(default = "PromptText::builtin_all")]
    pub prompts: Vec<PromptText>,
    /// The privacy notice a workshop made from this plan starts with: carried by named
    /// plans (the workshop saved from's notice); a workshop's own plan has none, its
    /// notice is kept with its consents.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub notice: Option<PlanNotice>,
}

/// A privacy notice in plain and easy-read words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanNotice {
    pub plain: String,
    pub easy_read: String,
}

fn builtin_groups() -> Vec<String> {
    crate::model::schema::PILLARS
        .iter()
        .map(|p| p.to_string())
        .collect()
}

fn builtin_votes() -> u32 {
    3
}

/// A plan kept under a name, for any workshop to start from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SavedPlan {
    pub name: String,
    pub plan: Plan,
    /// The workshop it was saved from, and when (ms).
    pub from_workshop: String,
    pub saved_ms: i64,
}

/// A check of a saved plan's name: trimmed, 1 to 80 characters.
pub fn plan_name(name: &str) -> Result<String, PlanError> {
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(PlanError::Name);
    }
    Ok(name.to_string())
}

/// How people who open a workshop's link find their breakout group.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Allocation {
    /// They choose from the list (or ask to be placed).
    #[default]
    Choose,
    /// They are placed, balanced by role (`crate::allocate`); no list to choose from.
    Balanced,
}

impl Default for Plan {
    fn default() -> Self {
        Plan {
            run_sheet: RunSheet::builtin(),
            allocation: Allocation::default(),
            groups: builtin_groups(),
            votes_per_person: builtin_votes(),
            prompts: PromptText::builtin_all(),
            notice: None,
        }
    }
}

impl Plan {
    pub fn check(&self) -> Result<(), PlanError> {
        self.run_sheet.check()?;
        if self.groups.is_empty() || self.groups.len() > MAX_GROUPS {
            return Err(PlanError::Groups);
        }
        let mut seen = std::collections::HashSet::new();
        for g in &self.groups {
            let g = g.trim();
            // As long as a board's title may be (a copied workshop's groups are titles).
            if g.is_empty() || g.chars().count() > 120 || !seen.insert(g.to_lowercase()) {
                return Err(PlanError::Groups);
            }
        }
        if self.votes_per_person == 0 || i64::from(self.votes_per_person) > MAX_VOTES_PER_PERSON {
            return Err(PlanError::Votes);
        }
        PromptText::check_all(&self.prompts)?;
        Ok(())
    }
}

/// The steps of an exercise, in order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RunSheet {
    pub steps: Vec<Step>,
}

impl RunSheet {
    /// The values-clarification exercise cocreate was built for.
    pub fn builtin() -> RunSheet {
        let step = |title: &str, phase, minutes, message: &str| Step {
            title: title.into(),
            phase,
            minutes,
            message: message.into(),
        };
        RunSheet {
            steps: vec![
                step(
                    "Write ideas",
                    Phase::Write,
                    15,
                    "Write your ideas: one idea a card, under the question it answers.",
                ),
                step(
                    "Group into themes",
                    Phase::Group,
                    10,
                    "Read everyone's cards and put the ones that belong together into themes.",
                ),
                step(
                    "Vote",
                    Phase::Vote,
                    5,
                    "Give your votes to the cards that matter most to you.",
                ),
                step(
                    "Review",
                    Phase::Review,
                    10,
                    "Look at the themes and the votes together: what stands out?",
                ),
            ],
        }
    }

    /// Checks every step; the first problem found.
    pub fn check(&self) -> Result<(), PlanError> {
        if self.steps.is_empty() || self.steps.len() > MAX_STEPS {
            return Err(PlanError::Steps);
        }
        for (i, s) in self.steps.iter().enumerate() {
            let n = i + 1;
            let title = s.title.trim();
            if title.is_empty() || title.chars().count() > 80 {
                return Err(PlanError::Title(n));
            }
            if s.minutes > MAX_MINUTES {
                return Err(PlanError::Minutes(n));
            }
            if s.message.chars().count() > MAX_MESSAGE {
                return Err(PlanError::Message(n));
            }
        }
        Ok(())
    }

    /// The step after `current` (the first when a board has not started), if any.
    pub fn next(&self, current: Option<u32>) -> Option<u32> {
        let next = current.map_or(0, |c| c + 1);
        ((next as usize) < self.steps.len()).then_some(next)
    }

    /// The control change that starts step `step` at `now_ms`: its phase, its timer (or
    /// none), its message (or none), and the step itself. `None` past the last step.
    pub fn patch(&self, step: u32, now_ms: f64) -> Option<ControlPatch> {
        let s = self.steps.get(step as usize)?;
        Some(ControlPatch {
            phase: Some(s.phase),
            timer_ends: Some((s.minutes > 0).then(|| now_ms + f64::from(s.minutes) * 60_000.0)),
            message: Some(s.message.clone()),
            step: Some(step),
            ..Default::default()
        })
    }

    /// Where a board is, in words: "Step 2 of 4: Group into themes" or "Not started".
    pub fn describe(&self, step: Option<u32>) -> String {
        match step.and_then(|s| self.steps.get(s as usize).map(|st| (s, st))) {
            Some((s, st)) => format!("Step {} of {}: {}", s + 1, self.steps.len(), st.title),
            None => "Not started".into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::control::Control;
    use crate::model::new_doc;
    use yrs::Transact;

    #[test]
    fn advancing_sets_phase_timer_message_and_step_together() {
        let sheet = RunSheet::builtin();
        sheet.check().unwrap();
        let doc = new_doc();
        let c = Control::of(&doc);
        let mut at = None;
        for expected in 0..sheet.steps.len() as u32 {
            let next = sheet.next(at).expect("a next step");
            assert_eq!(next, expected);
            let patch = sheet.patch(next, 1_000.0).unwrap();
            c.apply(&mut doc.transact_mut(), &patch).unwrap();
            let state = c.read(&doc.transact());
            let step = &sheet.steps[next as usize];
            assert_eq!(state.step, Some(next));
            assert_eq!(state.phase, step.phase);
            assert_eq!(state.message, step.message);
            assert_eq!(
                state.timer_ends,
                Some(1_000.0 + f64::from(step.minutes) * 60_000.0)
            );
            at = state.step;
        }
        assert_eq!(sheet.next(at), None, "nothing after the last step");
        assert_eq!(sheet.describe(Some(1)), "Step 2 of 4: Group into themes");
        assert_eq!(sheet.describe(None), "Not started");
    }

    #[test]
    fn a_step_without_minutes_stops_the_timer() {
        let mut sheet = RunSheet::builtin();
        sheet.steps[0].minutes = 0;
        assert_eq!(sheet.patch(0, 5.0).unwrap().timer_ends, Some(None));
        assert_eq!(sheet.patch(9, 5.0), None);
    }

    #[test]
    fn bad_run_sheets_are_refused_with_the_step_named() {
        let mut sheet = RunSheet::builtin();
        sheet.steps[1].minutes = 500;
        assert_eq!(sheet.check(), Err(PlanError::Minutes(2)));
        sheet.steps[1].minutes = 5;
        sheet.steps[2].title = "  ".into();
        assert_eq!(sheet.check(), Err(PlanError::Title(3)));
        assert_eq!(RunSheet { steps: vec![] }.check(), Err(PlanError::Steps));
    }

    #[test]
    fn a_plan_names_its_groups_once_each_and_gives_some_votes() {
        let mut plan = Plan::default();
        plan.check().unwrap();
        assert_eq!(plan.groups.len(), 5);
        plan.groups = vec!["Ward A".into(), "ward a ".into()];
        assert_eq!(plan.check(), Err(PlanError::Groups));
        plan.groups = vec![];
        assert_eq!(plan.check(), Err(PlanError::Groups));
        plan.groups = vec!["Ward A".into(), "Ward B".into()];
        plan.votes_per_person = 0;
        assert_eq!(plan.check(), Err(PlanError::Votes));
        plan.votes_per_person = 5;
        plan.check().unwrap();
        // A plan saved before groups and votes were part of it reads with the defaults.
        let old: Plan = serde_json::from_str(r#"{"allocation":"balanced"}"#).unwrap();
        assert_eq!(old.groups.len(), 5);
        assert_eq!(old.votes_per_person, 3);
        assert_eq!(plan_name("  Cancer care  ").unwrap(), "Cancer care");
        assert_eq!(plan_name(" "), Err(PlanError::Name));
    }
}
