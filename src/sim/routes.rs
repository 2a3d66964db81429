//! The exporter's endpoints.

use hyper::body::Bytes;
use hyper::{Method, Request, Response, StatusCode};

use super::Scenario;
use super::exposition::CONTENT_TYPE;
use super::http::{Body, method_not_allowed, text, with_type};
use super::live::LiveSimulation;

const HELP: &str = "spheroseg-sim: simulated SpherosegV4 metrics exporter

GET  /metrics    Prometheus metrics (text format 0.0.4)
GET  /scenario   current scenario: normal or incident
POST /scenario   switch scenario; body `normal` or `incident` (or ?name=incident)
GET  /           this help
";

pub fn respond(request: &Request<Bytes>, simulation: &LiveSimulation) -> Response<Body> {
    let path = request.uri().path();
    match (path, request.method()) {
        ("/", &Method::GET) => text(StatusCode::OK, HELP.to_owned()),
        ("/metrics", &Method::GET) => with_type(StatusCode::OK, CONTENT_TYPE, simulation.render()),
        ("/scenario", &Method::GET) => text(StatusCode::OK, format!("{}\n", simulation.scenario())),
        ("/scenario", &Method::POST) => switch_scenario(request, simulation),
        ("/" | "/metrics", _) => method_not_allowed("GET"),
        ("/scenario", _) => method_not_allowed("GET, POST"),
        _ => text(
            StatusCode::NOT_FOUND,
            format!("no such endpoint {path:?}; see GET /\n"),
        ),
    }
}

fn switch_scenario(request: &Request<Bytes>, simulation: &LiveSimulation) -> Response<Body> {
    let requested = match query_param(request, "name") {
        Some(name) => name.to_owned(),
        None => match std::str::from_utf8(request.body()) {
            // Also accept a form body, as sent by `curl -d name=incident`.
            Ok(body) => body.trim().strip_prefix("name=").unwrap_or(body).to_owned(),
            Err(_) => {
                return text(
                    StatusCode::BAD_REQUEST,
                    "scenario body must be UTF-8 text\n".to_owned(),
                );
            }
        },
    };
    match requested.parse::<Scenario>() {
        Ok(scenario) => {
            simulation.set_scenario(scenario);
            text(StatusCode::OK, format!("{scenario}\n"))
        }
        Err(message) => text(StatusCode::BAD_REQUEST, format!("{message}\n")),
    }
}

/// The value of `key` in the query string, as sent (not percent-decoded).
fn query_param<'a>(request: &'a Request<Bytes>, key: &str) -> Option<&'a str> {
    request
        .uri()
        .query()?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find_map(|(name, value)| (name == key).then_some(value))
}
