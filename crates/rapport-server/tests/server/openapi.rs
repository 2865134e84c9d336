//! The OpenAPI description at `/api/v1/openapi.json` lists every API route of the table
//! (and the client's answer route), with its method, parameters and who may call it,
//! and nothing else.

use axum::http::StatusCode;
use rapport_server::access::Access;
use rapport_server::routes;

use crate::harness::on_both;

on_both! {
    fn the_description_lists_every_api_route_of_the_table(s) {
        let r = s.get(None, "/api/v1/openapi.json").await;
        assert_eq!(r.status, StatusCode::OK);
        let doc = r.json();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
        let paths = doc["paths"].as_object().unwrap();
        let mut described = 0;
        for route in routes().iter().filter(|r| r.api || r.path.starts_with("/a/")) {
            let method = route.method.as_str().to_ascii_lowercase();
            let op = &paths.get(route.path).unwrap_or_else(|| panic!("{} is not described", route.path))[&method];
            assert!(op.is_object(), "{} {} is not described", route.method, route.path);
            assert_eq!(op["summary"], route.summary);
            assert_eq!(op["security"].is_array(), route.access != Access::Public, "{}", route.path);
            if route.path.contains('{') {
                assert!(op["parameters"].is_array(), "{}", route.path);
            }
            if ![axum::http::Method::GET, axum::http::Method::DELETE].contains(&route.method) && !["/api/v1/logout", "/api/v1/notifications/seen"].contains(&route.path) {
                assert!(op["requestBody"].is_object(), "{} {} has no request body", route.method, route.path);
            }
            described += 1;
        }
        let operations: usize = paths.values().map(|p| p.as_object().unwrap().len()).sum();
        assert_eq!(operations, described, "the description holds exactly the table's API routes");
        assert!(!paths.contains_key("/admin/users"));
    }
}
