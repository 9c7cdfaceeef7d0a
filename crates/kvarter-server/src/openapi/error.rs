//! The errors of every route: the `Error` schema of their JSON body, and the error responses the
//! paths refer to.

use serde_json::{Value, json};

use super::json_response;

/// The shared error responses, for `components.responses`.
pub(super) fn responses() -> Value {
    json!({
        "BadRequest": json_response("A parameter is missing, malformed, out of range or unknown (error: bad_parameter).", "Error"),
        "NotFound": json_response("Unknown layer (unknown_layer, lists the known ids), feature (unknown_feature), asset (unknown_asset), font (unknown_font, lists the served fonts) or route (not_found).", "Error"),
        "MethodNotAllowed": json_response("Only GET and HEAD are answered, and POST on /api/lookup/batch only (method_not_allowed).", "Error"),
        "TooManyFeatures": json_response("More features than max_features would be returned; use bbox (too_many_features).", "Error"),
        "Unconvertible": json_response("The coordinate could not be converted to lon/lat (unconvertible_coordinate).", "Error"),
        "Timeout": json_response("The request took longer than the configured timeout (timeout).", "Error"),
        "NotAreaLayer": json_response("The layer holds lines (streets), not areas; comparisons and indicator joins need area layers (not_an_area_layer).", "Error"),
        "Internal": json_response("Internal failure; details are in the server log (internal).", "Error"),
        "NotReady": json_response("The data is still loading, or its first load failed (not_ready; Retry-After: 5; see /ready).", "Error"),
        "Conflict": json_response("This server serves the dataset embedded in its binary, which cannot change, or the data folder is busy or clashes with the request (conflict).", "Error"),
        "TooLarge": json_response("The upload is larger than admin_upload_max_bytes (body_too_large).", "Error"),
    })
}

/// The `Error` schema.
pub(super) fn schemas() -> Value {
    json!({
        "Error": {
            "type": "object", "required": ["error", "detail"],
            "properties": {
                "error": {"type": "string", "description": "Machine-readable code.",
                          "enum": ["bad_parameter", "unknown_layer", "unknown_feature",
                                   "unknown_asset", "unknown_font", "not_found",
                                   "method_not_allowed", "too_many_features", "body_too_large",
                                   "too_many_rows", "bad_csv",
                                   "unconvertible_coordinate", "not_an_area_layer", "timeout",
                                   "not_ready", "unauthorized", "forbidden", "too_many_attempts",
                                   "conflict", "import_refused", "internal"]},
                "detail": {"type": "string", "description": "A sentence naming the parameter, value and problem."},
            },
        },
    })
}
