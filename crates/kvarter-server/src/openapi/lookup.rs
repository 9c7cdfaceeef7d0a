//! The point lookup, `/api/lookup`: which designations and admin units contain a point (or an
//! address's point).

use serde_json::{Value, json};

use super::{query, response, schema};

/// The path of the lookup.
pub(super) fn paths() -> Value {
    json!({
        "/api/lookup": {"get": {
            "operationId": "lookup",
            "summary": "Which designations (per year, with status) and admin units contain a point.",
            "description": "Give lon and lat (EPSG:4326), or x, y and srid (25832 = ETRS89 / UTM 32N metres, \
                or 4326), not both. Every designation layer asked for (or in force on `at`) is listed, \
                with designated=false when the point is in none of its areas.",
            "parameters": [
                query("lon", "Longitude, degrees (−180…180).", &json!({"type": "number"}), &json!(12.4622)),
                query("lat", "Latitude, degrees (−90…90).", &json!({"type": "number"}), &json!(55.7134)),
                query("x", "Easting (with srid=25832, metres) or longitude (srid=4326).",
                      &json!({"type": "number"}), &json!(717_600)),
                query("y", "Northing (with srid=25832, metres) or latitude (srid=4326).",
                      &json!({"type": "number"}), &json!(6_178_800)),
                query("srid", "CRS of x and y; required with them.",
                      &json!({"type": "integer", "enum": [25832, 4326]}), &json!(25832)),
                query("at", "Only designation layers in force on this day (admin units unaffected).",
                      &json!({"type": "string", "format": "date"}), &json!("2025-01-01")),
                query("layers", "Comma-separated layer ids to consider (default: all but base maps). \
                      Base-map layers named here are answered under base_map.",
                      &json!({"type": "string"}), &json!("udsatte-byomraader-2011,udsatte-byomraader-2017")),
                query("address", "Instead of a point: an address text (typos, missing æøå, floor and door are \
                      tolerated). The answer is the best match with its confidence and the lookup at its \
                      point (AddressLookupAnswer); no match is a 200 with match null and a note. Not together \
                      with lon/lat or x/y/srid.",
                      &json!({"type": "string", "maxLength": 200}), &json!("Mjølnerparken 2, 2200 København N")),
            ],
            "responses": {
                "200": {"description": "What contains the point (LookupAnswer), or, with address=, the best \
                            match and what contains its point (AddressLookupAnswer).",
                        "content": {"application/json": {"schema": {"oneOf": [schema("LookupAnswer"),
                                                                              schema("AddressLookupAnswer")]}}}},
                "400": response("BadRequest"),
                "422": response("Unconvertible"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
    })
}

/// The lookup's answer. (Its answer for an address is with the address routes.)
pub(super) fn schemas() -> Value {
    json!({
        "LookupArea": {
            "type": "object", "required": ["id", "name", "parent", "area_m2", "on_boundary", "properties"],
            "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]},
                           "parent": {"type": ["string", "null"]}, "area_m2": {"type": ["number", "null"]},
                           "on_boundary": {"type": "boolean", "description": "The point lies on the area's boundary (counted as inside)."},
                           "properties": {"type": "object"}},
        },
        "LayerAreas": {
            "type": "object", "required": ["layer", "areas"],
            "properties": {"layer": schema("LayerReference"),
                           "areas": {"type": "array", "items": schema("LookupArea")}},
        },
        "DesignationLayer": {
            "type": "object", "required": ["layer", "designated", "areas"],
            "properties": {"layer": schema("LayerReference"), "designated": {"type": "boolean"},
                           "part_of": {"type": "string", "description": "Only for a state list that counts as part of a \
                               municipal designation of the 2025 kind (every state-listed estate is part of the 2025–2035 \
                               designation): that layer's id. The list is then answered in that layer's year group."},
                           "areas": {"type": "array", "items": schema("LookupArea")}},
        },
        "DesignatedBy": {
            "type": "object", "required": ["layer", "kind", "status", "areas"],
            "description": "A layer of the year group whose areas hold the point.",
            "properties": {"layer": {"type": "string"}, "kind": schema("LayerKind"), "status": schema("Status"),
                           "part_of": {"type": "string", "description": "For a state list: the municipal layer it is part of."},
                           "areas": {"type": "array", "items": {"type": "object", "required": ["id", "name"],
                               "properties": {"id": {"type": "string"}, "name": {"type": ["string", "null"]}}}}},
        },
        "LookupAnswer": {
            "type": "object", "required": ["data_version", "query", "summary", "designations", "units"],
            "properties": {
                "data_version": {"type": "string", "description": "The data version the whole answer comes from (a reload never mixes two)."},
                "query": {
                    "type": "object", "required": ["lon", "lat", "input", "at", "layers"],
                    "properties": {
                        "lon": {"type": "number"}, "lat": {"type": "number"},
                        "input": {"type": ["object", "null"], "description": "x, y and srid as given, when the point was given so.",
                                  "properties": {"x": {"type": "number"}, "y": {"type": "number"}, "srid": {"type": "integer"}}},
                        "at": {"type": ["string", "null"], "format": "date"},
                        "layers": {"type": ["array", "null"], "items": {"type": "string"}},
                    },
                },
                "summary": {"type": "string", "description": "One sentence per layer naming the status of each designation, e.g. \
                    \"2011 (reconstructed, in force 2011-01-01 – 2017-06-22): Husum/Tingbjerg.\""},
                "designations": {"type": "array", "description": "Designation layers grouped by the year of valid_from, ascending (undated last, year null).",
                                 "items": {"type": "object", "required": ["year", "layers", "designated", "designated_by"],
                                           "properties": {"year": {"type": ["integer", "null"]},
                                                          "layers": {"type": "array", "items": schema("DesignationLayer")},
                                                          "designated": {"type": "boolean", "description": "Whether any layer of the group has the point in an area."},
                                                          "designated_by": {"type": "array", "items": schema("DesignatedBy")}}}},
                "units": {"type": "array", "items": schema("LayerAreas"),
                          "description": "Every admin-unit layer considered, with empty areas where the point is in none."},
                "base_map": {"type": "array", "items": schema("LayerAreas"),
                             "description": "Only when base-map layers were named in layers=."},
            },
        },
    })
}
