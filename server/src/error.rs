//! The one error type at the HTTP edge.

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;

use cocreate_core::catalog::DirectoryError;

use crate::access::AccessError;
use crate::auth::AuthError;
use crate::hub::HubError;
use crate::store::StoreError;

/// Every HTTP handler returns this on failure. The real cause is logged, the client gets a
/// clear message and status.
#[derive(Debug, thiserror::Error)]
pub enum AppError {
    #[error("{0}")]
    NotFound(String),
    #[error("{0}")]
    BadRequest(String),
    #[error("this link is not valid: it may have been revoked, or be incomplete")]
    Unauthorized,
    #[error("{0}")]
    Forbidden(String),
    /// 403 with the version of the privacy notice the person must agree to first.
    #[error("please read the privacy notice (version {0}) and agree to it first")]
    ConsentNeeded(u32),
    /// Over a cap on open connections: come back when some are closed.
    #[error("{0}")]
    TooMany(String),
    /// 503: the server cannot serve this now (a board moving between nodes).
    #[error("{0}")]
    Unavailable(String),
    #[error("internal error")]
    Internal(#[source] Box<dyn std::error::Error + Send + Sync>),
}

impl From<StoreError> for AppError {
    fn from(e: StoreError) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl From<crate::report::ReportError> for AppError {
    fn from(e: crate::report::ReportError) -> Self {
        AppError::Internal(Box::new(e))
    }
}

impl From<cocreate_core::findings::FindingsError> for AppError {
    fn from(e: cocreate_core::findings::FindingsError) -> Self {
        AppError::NotFound(e.to_string())
    }
}

impl From<HubError> for AppError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::NotFound(id) => AppError::NotFound(format!("board {id} not found")),
            e @ (HubError::Elsewhere { .. } | HubError::Reloading(_) | HubError::Remote(_)) => {
                AppError::Unavailable(format!("{e}: try again"))
            }
            HubError::Store(e) => {
                tracing::error!(error = %e, "store unavailable");
                AppError::Unavailable("the database is not reachable: try again".into())
            }
            other => AppError::Internal(Box::new(other)),
        }
    }
}

impl From<AuthError> for AppError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => AppError::Internal(Box::new(e)),
            AuthError::Missing | AuthError::Invalid | AuthError::Expired => AppError::Unauthorized,
            other => AppError::Forbidden(other.to_string()),
        }
    }
}

impl From<AccessError> for AppError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::NotFound(what) => AppError::NotFound(format!("{what} not found")),
            AccessError::Auth(e) => e.into(),
            e @ AccessError::Respondent => AppError::Forbidden(e.to_string()),
            AccessError::Store(e) => AppError::Internal(Box::new(e)),
        }
    }
}

impl From<DirectoryError> for AppError {
    fn from(e: DirectoryError) -> Self {
        match e {
            DirectoryError::NotFound => AppError::NotFound("not found".into()),
            DirectoryError::Unauthorized(_) => AppError::Unauthorized,
            DirectoryError::Denied(m) => AppError::Forbidden(m),
            DirectoryError::Invalid(m) => AppError::BadRequest(m),
            DirectoryError::Internal(m) => AppError::Internal(m.into()),
            DirectoryError::ConsentNeeded(v) => AppError::ConsentNeeded(v),
        }
    }
}

/// What server functions (the pages) are told: the same classes as HTTP statuses.
impl From<AuthError> for DirectoryError {
    fn from(e: AuthError) -> Self {
        match e {
            AuthError::Store(e) => internal(e),
            AuthError::Missing | AuthError::Invalid | AuthError::Expired => {
                DirectoryError::Unauthorized(e.to_string())
            }
            other => DirectoryError::Denied(other.to_string()),
        }
    }
}

impl From<AccessError> for DirectoryError {
    fn from(e: AccessError) -> Self {
        match e {
            AccessError::NotFound(_) => DirectoryError::NotFound,
            AccessError::Auth(e) => e.into(),
            e @ AccessError::Respondent => DirectoryError::Denied(e.to_string()),
            AccessError::Store(e) => internal(e),
        }
    }
}

impl From<StoreError> for DirectoryError {
    fn from(e: StoreError) -> Self {
        internal(e)
    }
}

impl From<crate::consent::Needed> for DirectoryError {
    fn from(e: crate::consent::Needed) -> Self {
        match e {
            crate::consent::Needed::Consent(v) => DirectoryError::ConsentNeeded(v),
            crate::consent::Needed::Store(e) => internal(e),
        }
    }
}

impl From<crate::erasure::EraseError> for DirectoryError {
    fn from(e: crate::erasure::EraseError) -> Self {
        match e {
            crate::erasure::EraseError::NoWorkshop(_) => DirectoryError::NotFound,
            other => internal(other),
        }
    }
}

impl From<HubError> for DirectoryError {
    fn from(e: HubError) -> Self {
        match e {
            HubError::NotFound(_) => DirectoryError::NotFound,
            other => internal(other),
        }
    }
}

/// A server error for the pages: logged in full, told in short.
pub fn internal(e: impl std::fmt::Display) -> DirectoryError {
    tracing::error!(error = %e, "directory");
    DirectoryError::Internal(e.to_string())
}

impl From<crate::hub::admission::Refusal> for AppError {
    fn from(e: crate::hub::admission::Refusal) -> Self {
        AppError::TooMany(e.to_string())
    }
}

impl IntoResponse for AppError {
    fn into_response(self) -> Response {
        let status = match &self {
            AppError::NotFound(_) => StatusCode::NOT_FOUND,
            AppError::BadRequest(_) => StatusCode::BAD_REQUEST,
            AppError::Unauthorized => StatusCode::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::ConsentNeeded(_) => StatusCode::FORBIDDEN,
            AppError::TooMany(_) => StatusCode::TOO_MANY_REQUESTS,
            AppError::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
            AppError::Internal(e) => {
                tracing::error!(error = %e, "internal error");
                StatusCode::INTERNAL_SERVER_ERROR
            }
        };
        let body = match &self {
            AppError::ConsentNeeded(v) => {
                serde_json::json!({ "error": self.to_string(), "notice_version": v })
            }
            _ => serde_json::json!({ "error": self.to_string() }),
        };
        (status, Json(body)).into_response()
    }
}
