//! Workshops and their breakout boards as the pages list them.

use serde::{Deserialize, Serialize};

/// The clinical areas workshops are run for (free text is allowed too).
pub const AREAS: [&str; 4] = [
    "Learning Disabilities & Autism",
    "Cancer Care",
    "Musculoskeletal (MSK)",
    "Cross-area synthesis",
];

/// The breakout pillar groups of every workshop.
pub const PILLARS: [&str; 5] = [
    "Strategic and enabling leadership",
    "Learning, developing and improving across the system",
    "Research and innovation",
    "Consultancy",
    "Expert practice",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WorkshopSummary {
    pub id: String,
    pub title: String,
    pub area: String,
    pub date: String,
    pub boards: Vec<BoardSummary>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct BoardSummary {
    pub id: String,
    pub title: String,
    pub pillar: String,
    pub workshop_id: String,
    pub workshop_title: String,
    pub area: String,
}

/// Where server functions read the catalogue from; the server provides it as context.
#[cfg(feature = "ssr")]
pub trait Directory: Send + Sync {
    fn workshops(&self) -> Result<Vec<WorkshopSummary>, String>;
    fn board(&self, id: &str) -> Result<Option<BoardSummary>, String>;
}

/// Context handle for [`Directory`].
#[cfg(feature = "ssr")]
#[derive(Clone)]
pub struct DirectoryHandle(pub std::sync::Arc<dyn Directory>);
