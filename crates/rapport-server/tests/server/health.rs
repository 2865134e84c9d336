//! `GET /healthz`: 200 while the database answers, 503 once it does not, so a load
//! balancer or service manager takes the server out of rotation.

use axum::http::StatusCode;

use crate::harness::on_both;

on_both! {
    fn healthz_is_503_when_the_database_does_not_answer(s) {
        let r = s.get(None, "/healthz").await;
        assert_eq!(r.status, StatusCode::OK);
        assert_eq!(r.text(), "ok\n");
        s.state.db.close().await;
        let r = s.get(None, "/healthz").await;
        assert_eq!(r.status, StatusCode::SERVICE_UNAVAILABLE);
        assert!(r.text().contains("database"), "{}", r.text());
    }
}
