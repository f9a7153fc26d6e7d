//! The typed board model: schema version 2 of a board document, in plain Rust over yrs.
//!
//! Runs natively and in the browser, so most behaviour is tested without either.
//!
//! # Layout
//! - [`schema`]: names of root types and keys, prompts and roles (the public contract).
//! - [`board`]: read and write a board document (meta, cards) through yrs transactions.
//! - [`control`]: the control document (phase, lock, timer, broadcast) facilitators write.
//! - [`plan`]: a workshop's run-sheet (steps: phase, minutes, message).
//! - [`rules`]: who may do what on a board, phase by phase (the server enforces it).
//! - [`order`]: fractional index keys that order cards inside a column.
//! - [`provenance`]: where a copied card came from (its `source` key).
//! - [`export`]: a board as data (JSON export and import); [`report`]: its CSV, Markdown
//!   and SVG renderings.
//! - [`present`]: a board as slides to present findings back (plain and easy read).
//! - [`synthesis`]: cards copied with provenance onto synthesis boards; commonality by area.
//! - [`suggest`]: theme suggestions by text similarity (TF-IDF, cosine, clustering).
//! - [`text`]: minimal text diff used to turn a textarea edit into Y.Text operations.

pub mod board;
pub mod control;
pub mod export;
pub mod order;
pub mod plan;
pub mod present;
pub mod provenance;
pub mod report;
pub mod rules;
pub mod schema;
pub mod suggest;
pub mod synthesis;
pub mod text;

pub use board::{BoardMeta, CardView, CommentView, ModelError};
pub use schema::{new_doc, Prompt, Role, SCHEMA_VERSION};
