//! A workshop's analysis as the pages see it: its codebook, the analysts who code its
//! cards on their own, the comparison of their codings and the agreed coding, and the
//! [`Analysis`] trait the pages call through.
//!
//! # The path of an analysis
//! 1. A facilitator of the whole workshop (the lead) writes the codebook and adds
//!    analysts; each analyst gets a link of their own (a secret that opens this
//!    workshop's analysis and nothing else).
//! 2. Blind: each analyst codes the workshop's cards. They see the cards (text, prompt,
//!    group, the author's role and answers, never a name or pseudonym) and their own
//!    coding only.
//! 3. Compare: the lead closes coding. The codings are frozen; everyone in the analysis
//!    sees each analyst's coding, the agreement (Krippendorff's alpha, Cohen's kappa for
//!    two) and the disagreements, and the lead records the agreed coding card by card.
//!
//! Coding never changes a board: cards are referred to by `board/card`.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};

use crate::catalog::DirectoryError;
use crate::coding::{Agreement, Codebook, Coding};

/// Longest analyst name, in characters.
pub const MAX_ANALYST_NAME: usize = 80;
/// Most analysts in one workshop's analysis.
pub const MAX_ANALYSTS: usize = 20;

/// Where an analysis stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum CodingPhase {
    /// Analysts code, each seeing only their own coding.
    #[default]
    Blind,
    /// Codings are frozen and compared; the lead records the agreed coding.
    Compare,
}

impl CodingPhase {
    pub fn as_str(self) -> &'static str {
        match self {
            CodingPhase::Blind => "blind",
            CodingPhase::Compare => "compare",
        }
    }

    pub fn parse(s: &str) -> Option<CodingPhase> {
        [CodingPhase::Blind, CodingPhase::Compare]
            .into_iter()
            .find(|p| p.as_str() == s)
    }
}

/// One analyst of a workshop.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalystInfo {
    pub id: String,
    pub name: String,
    pub created_ms: i64,
    /// How many cards they have coded (looked at).
    #[serde(default)]
    pub coded: usize,
    /// When the lead revoked their link (their coding is kept).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub revoked_ms: Option<i64>,
}

/// A new analyst and the link that is theirs (shown once).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnalystLink {
    pub analyst: AnalystInfo,
    pub token: String,
}

/// A card as analysts see it: no name, no pseudonym.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CodingCard {
    /// `board/card`: what codings refer to.
    pub key: String,
    pub board_id: String,
    pub board_title: String,
    /// The prompt's key and the words the board asks it with.
    pub prompt: String,
    pub question: String,
    pub text: String,
    pub role: Option<String>,
    /// The author's answers to the workshop's questions, by label.
    #[serde(default)]
    pub attributes: BTreeMap<String, String>,
}

/// Who is looking at an analysis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Coder {
    /// A facilitator of the whole workshop.
    Lead,
    /// One analyst, by their id.
    Analyst(AnalystInfo),
}

/// What the coding page shows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CodingView {
    pub workshop_id: String,
    pub workshop_title: String,
    pub phase: CodingPhase,
    pub me: Coder,
    pub codebook: Codebook,
    /// Every card of the workshop's boards, by board then column then position.
    pub cards: Vec<CodingCard>,
    /// The lead: every analyst; an analyst: themselves while blind, everyone after.
    pub analysts: Vec<AnalystInfo>,
    /// An analyst's own coding (empty for the lead).
    pub mine: Coding,
    /// Each analyst's coding by analyst id: the lead always, analysts once compared.
    pub codings: BTreeMap<String, Coding>,
    /// With two or more analysts who coded: the lead always, analysts once compared.
    pub agreement: Option<Agreement>,
    /// The coding the lead recorded as agreed.
    pub agreed: Coding,
}

/// One card's codes, as an analyst or the lead (agreed) records them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CardCodes {
    pub card: String,
    pub codes: BTreeSet<String>,
}

/// A workshop's analysis, each call checked against its token (a facilitator link to the
/// whole workshop, or an analyst's own link).
pub trait Analysis: Send + Sync {
    /// The analysis as this token may see it.
    fn coding(&self, workshop: &str, token: Option<&str>) -> Result<CodingView, DirectoryError>;
    /// Replace the codebook (the lead; while blind). Codes no longer in it stay in the
    /// stored codings, unused, and come back if the code does.
    fn set_codebook(
        &self,
        workshop: &str,
        token: Option<&str>,
        codebook: Codebook,
    ) -> Result<(), DirectoryError>;
    /// Revoke an analyst's link (the lead): it opens nothing from now on; their coding
    /// is kept.
    fn revoke_analyst(
        &self,
        workshop: &str,
        token: Option<&str>,
        analyst: &str,
    ) -> Result<(), DirectoryError>;
    /// Add an analyst (the lead): their link is returned once.
    fn add_analyst(
        &self,
        workshop: &str,
        token: Option<&str>,
        name: String,
    ) -> Result<AnalystLink, DirectoryError>;
    /// Close coding for comparison, or open it again (the lead).
    fn set_coding_phase(
        &self,
        workshop: &str,
        token: Option<&str>,
        phase: CodingPhase,
    ) -> Result<(), DirectoryError>;
    /// Add a code for each theme of one of the workshop's boards whose title is not a
    /// code's name yet (the lead, while blind); returns how many were added.
    fn codes_from_themes(
        &self,
        workshop: &str,
        token: Option<&str>,
        board: &str,
    ) -> Result<usize, DirectoryError>;
    /// Record one card's codes: an analyst's own while blind, or the lead's agreed
    /// coding once compared.
    fn code_card(
        &self,
        workshop: &str,
        token: Option<&str>,
        codes: CardCodes,
    ) -> Result<(), DirectoryError>;
}

/// Context handle for [`Analysis`].
#[derive(Clone)]
pub struct AnalysisHandle(pub std::sync::Arc<dyn Analysis>);

/// Delphi rating rounds, each call checked against its token (a facilitator link to the
/// study's whole workshop, or a respondent's own link). See [`crate::delphi`].
pub trait Delphi: Send + Sync {
    /// A new study (the workshop's facilitators).
    fn create_study(
        &self,
        workshop: &str,
        token: Option<&str>,
        new: crate::delphi::NewStudy,
    ) -> Result<crate::delphi::Study, DirectoryError>;
    /// The workshop's studies (its facilitators).
    fn studies(
        &self,
        workshop: &str,
        token: Option<&str>,
    ) -> Result<Vec<crate::delphi::Study>, DirectoryError>;
    /// A respondent with their own link (the lead).
    fn add_respondent(
        &self,
        study: &str,
        token: Option<&str>,
        code: &str,
    ) -> Result<crate::delphi::RespondentLink, DirectoryError>;
    /// Revoke a respondent's link (the lead); their ratings are kept.
    fn revoke_respondent(
        &self,
        study: &str,
        token: Option<&str>,
        code: &str,
    ) -> Result<(), DirectoryError>;
    /// Open the next round (the lead).
    fn open_round(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<crate::delphi::DelphiRound, DirectoryError>;
    /// Close the open round (the lead).
    fn close_round(&self, study: &str, token: Option<&str>) -> Result<(), DirectoryError>;
    /// A respondent's page.
    fn respondent_view(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<crate::delphi::RespondentView, DirectoryError>;
    /// A respondent's ratings in the open round; how many were kept.
    fn rate(
        &self,
        study: &str,
        token: Option<&str>,
        ratings: Vec<crate::delphi::Rating>,
    ) -> Result<usize, DirectoryError>;
    /// Every round's results (the lead).
    fn results(
        &self,
        study: &str,
        token: Option<&str>,
    ) -> Result<crate::delphi::DelphiResults, DirectoryError>;
}

/// Context handle for [`Delphi`].
#[derive(Clone)]
pub struct DelphiHandle(pub std::sync::Arc<dyn Delphi>);
