//! The address routes: search (`/api/search`), reverse geocoding (`/api/reverse`) and the batch
//! lookup of a CSV of addresses, with the schemas of their answers.

use kvarter_service::reverse::{DEFAULT_RADIUS_M, MAX_RADIUS_M};
use serde_json::{Value, json};

use super::{extend, json_response, query, response, schema};
use crate::BATCH_ROUTE;
use crate::search::{DEFAULT_LIMIT, MAX_LIMIT};

/// The search, reverse and batch paths.
pub(super) fn paths() -> Value {
    json!({
        "/api/search": {"get": {
            "operationId": "search",
            "summary": "Search addresses, streets, place names and postcodes by text, best first, each with the \
                areas it lies in (the /api/lookup answer at its point).",
            "description": "Matching is on normalised names (case, punctuation, æ/ae, ø/oe/o, å/aa); floor and door \
                are ignored. A name still being typed matches by prefix; when nothing starts with it, names \
                within 1 (4–7 characters) or 2 (8+) edits match (fuzzy, with `distance`). Score: name (exact \
                100, prefix 70–90, fuzzy 60 − 15 per edit) + house number (same number and letter +30, same \
                number +20; without a number in the query streets, places and postcodes +20) + postcode (same \
                +15, other −25; or district same +10, other −10). An unknown address is a 200 with no results; \
                a service without a gazetteer answers no results and a `note`.",
            "parameters": [
                {"name": "q", "in": "query", "required": true,
                 "description": "The text (at most 200 characters, not only blanks).",
                 "schema": {"type": "string", "minLength": 1, "maxLength": 200, "pattern": "\\S"},
                 "example": "Mjølnerparken 2, 2200 København N"},
                query("limit", "The most results.",
                      &json!({"type": "integer", "minimum": 1, "maximum": MAX_LIMIT, "default": DEFAULT_LIMIT}),
                      &json!(5)),
                query("types", "Comma-separated kinds to search: address, street, place, postcode (default: all).",
                      &json!({"type": "string"}), &json!("address,street")),
                query("postcode", "Only entries with this postcode (a filter; a postcode inside q only ranks).",
                      &json!({"type": "integer", "minimum": 1000, "maximum": 9999}), &json!(2200)),
            ],
            "responses": {
                "200": json_response("The results, best first.", "SearchAnswer"),
                "400": response("BadRequest"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
        "/api/reverse": {"get": {
            "operationId": "reverse",
            "summary": "The nearest address within a radius, else the nearest street or place within it, with \
                its great-circle distance and the areas at its point.",
            "description": "The point is given as for /api/lookup (lon/lat, or x, y and srid). Nothing within the \
                radius, or a service without a gazetteer, is a 200 with result null and a note.",
            "parameters": [
                query("lon", "Longitude, degrees (−180…180).", &json!({"type": "number"}), &json!(12.5426)),
                query("lat", "Latitude, degrees (−90…90).", &json!({"type": "number"}), &json!(55.7009)),
                query("x", "Easting (with srid=25832, metres) or longitude (srid=4326).",
                      &json!({"type": "number"}), &json!(724_400)),
                query("y", "Northing (with srid=25832, metres) or latitude (srid=4326).",
                      &json!({"type": "number"}), &json!(6_176_400)),
                query("srid", "CRS of x and y; required with them.",
                      &json!({"type": "integer", "enum": [25832, 4326]}), &json!(25832)),
                query("radius", "Search radius in metres.",
                      &json!({"type": "number", "minimum": 0, "maximum": MAX_RADIUS_M, "default": DEFAULT_RADIUS_M}),
                      &json!(100)),
            ],
            "responses": {
                "200": json_response("The nearest entry, or null.", "ReverseAnswer"),
                "400": response("BadRequest"),
                "422": response("Unconvertible"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
        (BATCH_ROUTE): {"post": {
            "operationId": "lookupBatch",
            "summary": "Look up a CSV of addresses: the same CSV back with the best match, its confidence and \
                point, and one column per designation layer naming the designated area(s) each address is in.",
            "description": "Body (UTF-8, `,` or — when the first line has one — `;`): a header naming an \
                `address` (or `adresse`) column, or `vejnavn`, `husnr` and `postnr` columns; or no header and one \
                address per line (commas inside need no quotes). Answer: the input columns (header `address` when \
                there was none), then matched_address, match (exact | prefix | fuzzy), confidence (0–1, as for \
                /api/lookup?address=), lon, lat, and per designation layer a column named by its id holding the \
                `;`-joined names of the areas containing the point (empty outside). Rows without a match have \
                these columns empty; so does every row when the service has no gazetteer. Limits: \
                `server.batch_max_bytes` (default 5 MiB) and `server.batch_max_rows` (default 10 000).",
            "requestBody": {"required": true,
                            "content": {"text/csv": {"schema": {"type": "string", "minLength": 1},
                                                     "example": "address\nMjølnerparken 2, 2200 København N\n"}}},
            "responses": {
                "200": {"description": "The CSV.", "content": {"text/csv": {"schema": {"type": "string"}}}},
                "400": response("BadRequest"),
                "413": json_response("The body is larger than batch_max_bytes (body_too_large) or has more rows \
                    than batch_max_rows (too_many_rows).", "Error"),
                "422": json_response("The CSV cannot be read: not UTF-8, no rows, a header naming only some of \
                    vejnavn/husnr/postnr, a row with another number of fields than the header; the detail \
                    names the line (bad_csv).", "Error"),
                "500": response("Internal"),
                "503": response("Timeout"),
            },
        }},
    })
}

/// The answers of the address routes.
pub(super) fn schemas() -> Value {
    let found = json!({
        "type": {"type": "string", "enum": ["address", "street", "place", "postcode"]},
        "id": {"type": "string"}, "text": {"type": "string"},
        "point": {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 2,
                  "description": "[lon, lat]"},
    });
    let mut matched = found.clone();
    extend(
        &mut matched,
        json!({
            "score": {"type": "number"},
            "match": {"type": "string", "enum": ["exact", "prefix", "fuzzy"]},
            "distance": {"type": "integer", "description": "Edits between typed and found name (fuzzy only)."},
        }),
    );
    let mut search_result = matched.clone();
    extend(&mut search_result, json!({"areas": schema("AreasAt")}));
    let mut address_match = matched;
    extend(
        &mut address_match,
        json!({"confidence": {"type": "number", "minimum": 0, "maximum": 1,
        "description": "min(score, 130) / 130, × 0.6 when the query has a house number but the match is not \
            an address, × 0.5 when another entry with another point scores the same; two decimals."}}),
    );
    let mut nearest = found;
    extend(
        &mut nearest,
        json!({"distance_m": {"type": "number", "description": "Great-circle metres."},
                                "areas": schema("AreasAt")}),
    );
    json!({
        "AreasAt": {"type": "object", "required": ["summary", "designations", "units"],
                    "description": "The /api/lookup answer at the result's point, without its query."},
        "SearchAnswer": {
            "type": "object", "required": ["query", "results"],
            "properties": {
                "query": {"type": "string"},
                "results": {"type": "array", "items": {"type": "object", "properties": search_result,
                            "required": ["type", "id", "text", "point", "score", "match", "areas"]}},
                "note": {"type": "string", "description": "Only when the service has no gazetteer."},
            },
        },
        "ReverseAnswer": {
            "type": "object", "required": ["query", "result"],
            "properties": {
                "query": {"type": "object", "properties": {"lon": {"type": "number"}, "lat": {"type": "number"},
                                                           "radius_m": {"type": "number"}}},
                "result": {"type": ["object", "null"], "properties": nearest},
                "note": {"type": "string", "description": "Why result is null."},
            },
        },
        "AddressLookupAnswer": {
            "description": "The address as given, the best match (or null with a note), and — with a match — \
                every member of LookupAnswer for its point.",
            "type": "object", "required": ["address", "match"],
            "properties": {
                "address": {"type": "string"},
                "match": {"type": ["object", "null"], "properties": address_match},
                "note": {"type": "string"},
                "query": {"type": "object"}, "summary": {"type": "string"},
                "designations": {"type": "array"}, "units": {"type": "array"},
            },
        },
    })
}
