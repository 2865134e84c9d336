//! The API's OpenAPI 3 description (`GET /api/v1/openapi.json`), made from the route
//! table, so every JSON route, its access and its parameters are described and none
//! can be forgotten.

use serde_json::{Map, Value, json};

use crate::access::{Access, Route};

/// The request body each JSON route takes, as a JSON Schema.
fn request_schema(path: &str, method: &str) -> Option<Value> {
    let object = |required: &[&str], properties: Value| json!({"type": "object", "required": required, "properties": properties});
    let number_map = json!({"type": "object", "additionalProperties": {"type": "number"}});
    Some(match (method, path) {
        ("post", "/api/v1/login") => object(
            &["email", "password"],
            json!({"email": {"type": "string"}, "password": {"type": "string"}}),
        ),
        ("post", "/api/v1/password") => object(
            &["current", "new"],
            json!({"current": {"type": "string"}, "new": {"type": "string", "minLength": 12}}),
        ),
        ("post", "/api/v1/users") => object(
            &["email", "name", "role", "password"],
            json!({
            "email": {"type": "string"}, "name": {"type": "string"},
            "role": {"type": "string", "enum": ["admin", "supervisor", "counsellor"]},
            "password": {"type": "string", "minLength": 12},
            "supervisor": {"type": ["integer", "null"]}}),
        ),
        ("put", "/api/v1/users/{id}/supervisor") => object(
            &["supervisor"],
            json!({"supervisor": {"type": ["integer", "null"]}}),
        ),
        ("put", "/api/v1/settings") => object(
            &["link_expiry_hours", "instruments", "scoring"],
            json!({
            "link_expiry_hours": {"type": "integer", "minimum": 1, "maximum": 720},
            "instruments": {"type": "array", "items": {"type": "string"}},
            "scoring": {"type": "object"}}),
        ),
        ("post", "/api/v1/clients") => object(
            &["code"],
            json!({"code": {"type": "string", "maxLength": 40}}),
        ),
        ("post", "/api/v1/clients/{id}/links") => object(
            &["instruments", "session"],
            json!({
            "instruments": {"type": "array", "items": {"type": "string"}},
            "session": {"type": "integer", "minimum": 0}}),
        ),
        ("post", "/api/v1/clients/{id}/responses") => object(
            &["session", "date", "instrument", "answers"],
            json!({
            "session": {"type": "integer", "minimum": 0}, "date": {"type": "string", "format": "date"},
            "instrument": {"type": "string"}, "answers": number_map}),
        ),
        ("post", "/api/v1/clients/{id}/consents") => object(
            &["scope", "given"],
            json!({
            "scope": {"type": "string", "enum": ["measures", "transcripts"]}, "given": {"type": "boolean"}}),
        ),
        ("post", "/api/v1/alerts/acknowledge") => object(
            &["client", "kind", "instrument", "session", "note"],
            json!({
            "client": {"type": "integer"},
            "kind": {"type": "string", "enum": ["self_harm_item", "rupture", "below_cutoff", "reliable_deterioration", "not_answered"]},
            "instrument": {"type": "string"}, "session": {"type": "integer"}, "note": {"type": "string"}}),
        ),
        ("post", "/api/v1/clients/{id}/sessions/{n}/comments") => object(
            &["body"],
            json!({"body": {"type": "string", "maxLength": 4000}}),
        ),
        ("post", "/api/v1/tokens") => object(
            &["name", "scope"],
            json!({"name": {"type": "string"}, "scope": {"type": "string", "enum": ["read", "write"]}}),
        ),
        ("post", "/a/{token}") => object(
            &["answers"],
            json!({"answers": {"type": "object", "additionalProperties": number_map}}),
        ),
        _ => return None,
    })
}

/// The description of `routes` (the router's table) as JSON.
pub fn describe(routes: &[Route]) -> Value {
    let mut paths: Map<String, Value> = Map::new();
    for route in routes.iter().filter(|r| r.api || r.path.starts_with("/a/")) {
        let method = route.method.as_str().to_ascii_lowercase();
        let mut operation = json!({
            "summary": route.summary,
            "description": format!("Who may call it: {}.", route.access.describe()),
            "responses": {
                "200": {"description": "done"},
                "201": {"description": "created"},
                "202": {"description": "accepted: queued for coding"},
                "204": {"description": "done, nothing to return"},
                "400": {"description": "malformed request"},
                "401": {"description": "not signed in"},
                "403": {"description": "role not allowed, or CSRF token missing"},
                "404": {"description": "not found, or not the caller's to see"},
                "409": {"description": "conflicts with what is stored"},
                "410": {"description": "the link is used or expired"},
                "422": {"description": "a value is not acceptable; `item` names it"},
            },
        });
        if route.access != Access::Public {
            operation["security"] = if crate::tokens::may_call(route) {
                json!([{"session": [], "csrf": []}, {"token": []}])
            } else {
                json!([{"session": [], "csrf": []}])
            };
        }
        let parameters: Vec<Value> = route
            .path
            .split('/')
            .filter_map(|part| part.strip_prefix('{')?.strip_suffix('}'))
            .map(|name| {
                json!({"name": name, "in": "path", "required": true,
                       "schema": {"type": if name == "id" || name == "n" { "integer" } else { "string" }}})
            })
            .collect();
        if !parameters.is_empty() {
            operation["parameters"] = json!(parameters);
        }
        if route.path == "/api/v1/import" {
            let file = json!({"type": "string"});
            operation["requestBody"] = json!({"required": true, "content": {
                "text/csv": {"schema": file}, "application/fhir+json": {"schema": {"type": "object"}}}});
            operation["parameters"] = json!([
                {"name": "format", "in": "query", "required": true, "schema": {"type": "string", "enum": ["csv", "fhir"]}},
                {"name": "name", "in": "query", "required": false, "schema": {"type": "string"}}]);
        } else if route.path.ends_with("/transcript") && method == "post" {
            // The transcript itself: a raw body named by ?format=, or a multipart form.
            let file = json!({"type": "string", "format": "binary"});
            operation["requestBody"] = json!({"required": true, "content": {
                "text/plain": {"schema": file},
                "application/octet-stream": {"schema": file},
                "multipart/form-data": {"schema": {"type": "object", "required": ["file"], "properties": {
                    "file": file, "format": {"type": "string"}, "counselor": {"type": "string"}}}},
            }});
            if let Some(list) = operation["parameters"].as_array_mut() {
                for (name, what) in [
                    (
                        "format",
                        "vtt, srt, txt, csv or json (else from the file name's extension)",
                    ),
                    (
                        "counselor",
                        "the counsellor's name as the transcript writes it",
                    ),
                    ("name", "the file's name, shown in the report"),
                ] {
                    list.push(json!({"name": name, "in": "query", "required": false,
                                     "description": what, "schema": {"type": "string"}}));
                }
            }
        } else if let Some(schema) = request_schema(route.path, &method) {
            operation["requestBody"] =
                json!({"required": true, "content": {"application/json": {"schema": schema}}});
        }
        let entry = paths
            .entry(route.path.to_string())
            .or_insert_with(|| json!({}));
        entry[method] = operation;
    }
    json!({
        "openapi": "3.0.3",
        "info": {
            "title": "Rapport clinic server",
            "version": env!("CARGO_PKG_VERSION"),
            "description": "Clients answer alliance and outcome measures by one-time link; counsellors and supervisors see alerts and trends. Every state-changing call by a signed-in user carries the session's CSRF token in X-CSRF-Token.",
        },
        "components": {"securitySchemes": {
            "session": {"type": "apiKey", "in": "cookie", "name": crate::sessions::COOKIE},
            "csrf": {"type": "apiKey", "in": "header", "name": "X-CSRF-Token"},
            "token": {"type": "http", "scheme": "bearer", "description": "An API token an admin made (rpt_...); read-only tokens call GET routes only"},
        }},
        "paths": paths,
    })
}
