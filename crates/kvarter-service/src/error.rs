//! The service's one error type: what every operation can refuse or fail with. Faces turn it
//! into their own answers (the HTTP API in one `From<ServiceError> for ApiError`, the command
//! line as an error message); the variants say who is at fault and what to fix.

use crate::batch::BatchError;

/// Why an operation could not be answered.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// A request field (named as the API's parameter: `layers`, `properties`, `x`, …) is
    /// missing, malformed, out of range or names something the data does not hold. The caller
    /// should fix that field.
    #[error("{field}: {problem}")]
    Invalid {
        /// The field's name, as the API's parameter.
        field: String,
        /// What is wrong with it and what is accepted.
        problem: String,
    },
    /// There is no layer with this id; use one of the listed ids.
    #[error("there is no layer {id:?}; known layers: {}", known.join(", "))]
    UnknownLayer {
        /// The id as given (it may not even be a valid layer id).
        id: String,
        /// The ids of the layers the service holds.
        known: Vec<String>,
    },
    /// The layer exists but has no feature with this id; list its features to find the ids.
    #[error("layer {layer} has no feature {id:?}; see /api/layers/{layer}/features for its ids")]
    UnknownFeature {
        /// The layer's id.
        layer: String,
        /// The feature id as given.
        id: String,
    },
    /// A features request would return more features than the configured limit; narrow it with
    /// a bounding box.
    #[error(
        "layer {layer} would return {count} features, more than the limit of {max}; ask for a part of it with bbox=west,south,east,north"
    )]
    TooManyFeatures {
        /// The layer's id.
        layer: String,
        /// How many features the request would return.
        count: usize,
        /// The configured `max_features`.
        max: usize,
    },
    /// The coordinate is well-formed and in range but could not be converted to lon/lat.
    #[error("the coordinate ({x}, {y}) in EPSG:{srid} could not be converted to lon/lat: {reason}")]
    Unconvertible {
        /// First ordinate as given.
        x: f64,
        /// Second ordinate as given.
        y: f64,
        /// The EPSG code it was given in.
        srid: u32,
        /// Why the conversion failed.
        reason: String,
    },
    /// The layer holds lines (streets), but the operation needs areas (a comparison, indicator
    /// values, overlaps); use an area layer.
    #[error("layer {layer} holds lines, not areas; {purpose} needs area layers")]
    NotAreaLayer {
        /// The layer's id.
        layer: String,
        /// What needed areas (`a comparison`, …).
        purpose: &'static str,
    },
    /// A batch CSV cannot be answered: too many rows, or not readable (naming the line). See
    /// [`BatchError`].
    #[error(transparent)]
    Batch(#[from] BatchError),
    /// The data could not be loaded or built into a service (a damaged file, indicators that do
    /// not fit the layers); the message names the source, its cause the file or the dataset.
    #[error("cannot load {origin}")]
    Data {
        /// Where the data came from.
        origin: String,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Something failed inside the service. Not the caller's fault.
    #[error("internal error while {context}")]
    Internal {
        /// What the service was doing.
        context: &'static str,
        /// The cause.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

impl ServiceError {
    /// A [`ServiceError::Invalid`].
    pub fn invalid(field: impl Into<String>, problem: impl Into<String>) -> Self {
        Self::Invalid {
            field: field.into(),
            problem: problem.into(),
        }
    }

    /// A [`ServiceError::Internal`] with its cause.
    pub fn internal(
        context: &'static str,
        source: impl Into<Box<dyn std::error::Error + Send + Sync>>,
    ) -> Self {
        Self::Internal {
            context,
            source: source.into(),
        }
    }

    /// Whether the failure is the service's, not the caller's (to be logged, and answered
    /// without its detail).
    pub fn is_internal(&self) -> bool {
        matches!(
            self,
            Self::Internal { .. } | Self::Data { .. } | Self::Batch(BatchError::Write(_))
        )
    }
}

/// A value from a request cut to 80 characters, so a huge value is not echoed back whole.
pub fn shortened(value: &str) -> String {
    const MAX: usize = 80;
    if value.chars().count() <= MAX {
        value.to_owned()
    } else {
        let mut cut: String = value.chars().take(MAX).collect();
        cut.push('…');
        cut
    }
}

/// A value from a request, [`shortened`] and quoted, for an error message.
pub fn quoted(value: &str) -> String {
    format!("{:?}", shortened(value))
}

/// An error and every cause under it, joined by `: ` (for logs and status answers).
pub fn chain(error: &dyn std::error::Error) -> String {
    use std::fmt::Write as _;
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        let _ = write!(text, ": {cause}");
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn long_values_are_cut_when_quoted() {
        assert_eq!(quoted("abc"), "\"abc\"");
        let long = "x".repeat(500);
        assert!(quoted(&long).len() < 100);
    }

    #[test]
    fn only_the_service_s_own_failures_are_internal() {
        assert!(ServiceError::internal("testing", "cause").is_internal());
        assert!(!ServiceError::invalid("layers", "no such layer").is_internal());
        assert!(!ServiceError::Batch(BatchError::Empty).is_internal());
    }
}
