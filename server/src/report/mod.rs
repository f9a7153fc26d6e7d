//! Findings reports as files: the one [`Findings`] of a board, a workshop, a pillar, a
//! round or a Delphi study written as DOCX ([`docx`]) or as tagged PDF ([`pdf`]).

pub mod docx;
pub mod pdf;

use cocreate_core::findings::Findings;

/// Why a report file could not be written (a fault here, never the reader's input).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("writing the DOCX failed: {0}")]
    Docx(String),
    #[error("writing the PDF failed: {0}")]
    Pdf(String),
}

/// The two formats of a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReportFormat {
    Docx,
    Pdf,
}

impl ReportFormat {
    pub fn ext(self) -> &'static str {
        match self {
            ReportFormat::Docx => "docx",
            ReportFormat::Pdf => "pdf",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ReportFormat::Docx => {
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
            }
            ReportFormat::Pdf => "application/pdf",
        }
    }

    /// The file, written off the async threads (a long report takes a while to lay out).
    pub async fn render(self, findings: Findings) -> Result<Vec<u8>, ReportError> {
        let job = tokio::task::spawn_blocking(move || match self {
            ReportFormat::Docx => docx::write(&findings),
            ReportFormat::Pdf => pdf::write(&findings),
        });
        job.await
            .map_err(|e| ReportError::Pdf(format!("the report task failed: {e}")))?
    }
}
