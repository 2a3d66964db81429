//! The exporter's endpoints.

use super::Scenario;
use super::exposition::CONTENT_TYPE;
use super::http::{Request, Response};
use super::live::LiveSimulation;

const HELP: &str = "spheroseg-sim: simulated SpherosegV4 metrics exporter

GET  /metrics    Prometheus metrics (text format 0.0.4)
GET  /scenario   current scenario: normal or incident
POST /scenario   switch scenario; body `normal` or `incident` (or ?name=incident)
GET  /           this help
";

pub fn respond(request: &Request, simulation: &LiveSimulation) -> Response {
    let method = request.method.as_str();
    match (request.path.as_str(), method) {
        ("/", "GET") => Response::text(200, HELP.to_owned()),
        ("/metrics", "GET") => Response::with_type(200, CONTENT_TYPE, simulation.render()),
        ("/scenario", "GET") => Response::text(200, format!("{}\n", simulation.scenario())),
        ("/scenario", "POST") => switch_scenario(request, simulation),
        ("/" | "/metrics", _) => Response::method_not_allowed("GET"),
        ("/scenario", _) => Response::method_not_allowed("GET, POST"),
        _ => Response::text(
            404,
            format!("no such endpoint {:?}; see GET /\n", request.path),
        ),
    }
}

fn switch_scenario(request: &Request, simulation: &LiveSimulation) -> Response {
    let requested = match request.query_param("name") {
        Some(name) => name.to_owned(),
        None => match std::str::from_utf8(&request.body) {
            // Also accept a form body, as sent by `curl -d name=incident`.
            Ok(body) => body.trim().strip_prefix("name=").unwrap_or(body).to_owned(),
            Err(_) => return Response::text(400, "scenario body must be UTF-8 text\n".to_owned()),
        },
    };
    match requested.parse::<Scenario>() {
        Ok(scenario) => {
            simulation.set_scenario(scenario);
            Response::text(200, format!("{scenario}\n"))
        }
        Err(message) => Response::text(400, format!("{message}\n")),
    }
}
