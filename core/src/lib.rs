//! cocreate's core: everything the server and the browser share, in plain Rust that runs
//! natively and in wasm, with no web framework, runtime or database underneath.
//!
//! # Layout (lower modules never import higher ones)
//! - [`model`]: board document schema 3 over yrs, the control document, exports (data),
//!   synthesis and reports (rendering), theme suggestions.
//! - [`identity`]: the pseudonym a person's seat gives them in one workshop.
//! - [`consult`]: published drafts, responses, tallies and the agreement round.
//! - [`delphi`]: Delphi rating rounds: items, scales, the consensus rule, ratings and
//!   each round's results (median, quartiles, bands, consensus, stability).
//! - [`findings`]: a findings report (one board, a workshop, a pillar, a round, a Delphi
//!   study) as plain data that the server writes as DOCX and PDF.
//! - [`allocate`]: placing people in breakout groups as they join, balanced by role.
//! - [`coding`]: a codebook, analysts' codings of cards, and their agreement (alpha,
//!   kappa, disagreements).
//! - [`catalog`]: workshops, boards, links and the `Directory` trait pages call through.
//! - [`analysis`]: a workshop's analysis as the pages see it (codebook, analysts, blind
//!   coding, comparison, agreed coding) and the `Analysis` trait.
//! - [`wire`]: the y-websocket wire format and the scan of updates, sans IO.
//! - [`sync`]: one sans-IO peer: every inbound message and every update that enters a
//!   board document goes through it (limits, scan, references, panics, content limits).

pub mod allocate;
pub mod analysis;
pub mod catalog;
pub mod coding;
pub mod consult;
pub mod delphi;
pub mod findings;
pub mod identity;
pub mod model;
pub mod sync;
pub mod wire;
