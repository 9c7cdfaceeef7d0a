//! Why a map image could not be made. The faces map it to their answers: every variant but
//! [`RenderError::Service`] with an internal cause and [`RenderError::Output`] is the
//! caller's to fix (HTTP 4xx), see [`RenderError::is_internal`].

use kvarter_service::ServiceError;

/// Why a map image could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenderError {
    /// A request field (named as the API's parameter: `width`, `bbox`, `scale`, …) is
    /// malformed or out of range; the problem says what is accepted.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field's name, as the API's parameter.
        field: &'static str,
        /// What is wrong with it and what is accepted.
        problem: String,
    },
    /// A field names a layer the data does not hold, or one of the wrong kind; use one of the
    /// listed ids.
    #[error("{field}: there is no {kind} layer {id:?}; known: {}", known.join(", "))]
    UnknownLayer {
        /// The field's name (`year`, `from`, `to`, `units`).
        field: &'static str,
        /// What kind of layer was asked for (`designation`, `unit`).
        kind: &'static str,
        /// The id as given.
        id: String,
        /// The ids of the layers of that kind.
        known: Vec<String>,
    },
    /// No designation layer is of that year or in force on 1 January of it; use one of the
    /// listed years.
    #[error("{field}: no designation for {year}; years with one: {}", known.join(", "))]
    NoDesignation {
        /// The field's name (`year`, `from`, `to`).
        field: &'static str,
        /// The year asked for.
        year: i32,
        /// The years of the designation layers.
        known: Vec<String>,
    },
    /// The service refused or failed (a comparison that cannot be made, say).
    #[error(transparent)]
    Service(#[from] ServiceError),
    /// Turning the scene into PNG or PDF failed: Kvarter's fault, not the caller's.
    #[error("cannot write the map as {format}: {reason}")]
    Output {
        /// `png` or `pdf`.
        format: &'static str,
        /// What the renderer said.
        reason: String,
    },
}

impl RenderError {
    /// An [`RenderError::Invalid`].
    pub(crate) fn invalid(field: &'static str, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field,
            problem: problem.into(),
        }
    }

    /// Whether the failure is Kvarter's, not the caller's (HTTP 500, logged).
    pub fn is_internal(&self) -> bool {
        match self {
            Self::Service(error) => error.is_internal(),
            Self::Output { .. } => true,
            Self::Invalid { .. } | Self::UnknownLayer { .. } | Self::NoDesignation { .. } => false,
        }
    }
}
