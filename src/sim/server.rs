//! The exporter's TCP server and the handle that owns it.

use std::io;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::net::TcpListener;
use tokio::task::{JoinHandle, JoinSet};
use tokio::time::MissedTickBehavior;

use super::Scenario;
use super::http;
use super::live::LiveSimulation;
use super::model::Simulation;
use super::rng::clock_seed;
use super::routes;

/// Keeps the simulation moving between scrapes.
const TICK: Duration = Duration::from_millis(250);
/// Pause after a failed accept (e.g. out of file descriptors) instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(100);

/// A running simulator; dropping it stops the server.
pub struct SimHandle {
    addr: SocketAddr,
    simulation: Arc<LiveSimulation>,
    server: JoinHandle<()>,
}

impl SimHandle {
    /// The bound address (useful when listening on port 0).
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    pub fn set_scenario(&self, scenario: Scenario) {
        self.simulation.set_scenario(scenario);
    }

    /// Restarts the simulated service in place: counters start from zero and
    /// `process_start_time_seconds` moves to now (what a deploy looks like to Prometheus).
    pub fn restart(&self) {
        let scenario = self.simulation.scenario();
        self.simulation
            .restart(Simulation::new(clock_seed(), scenario));
    }
}

impl Drop for SimHandle {
    fn drop(&mut self) {
        // Aborting the server task also drops its JoinSet, which aborts in-flight connections.
        self.server.abort();
    }
}

/// Binds `listen` (use `127.0.0.1:0` for a free port) and serves in a spawned tokio task.
pub async fn spawn(listen: SocketAddr, scenario: Scenario) -> io::Result<SimHandle> {
    let listener = TcpListener::bind(listen).await?;
    let addr = listener.local_addr()?;
    let simulation = Arc::new(LiveSimulation::new(Simulation::new(clock_seed(), scenario)));
    let server = tokio::spawn(serve(listener, Arc::clone(&simulation)));
    Ok(SimHandle {
        addr,
        simulation,
        server,
    })
}

async fn serve(listener: TcpListener, simulation: Arc<LiveSimulation>) {
    let mut ticker = tokio::time::interval(TICK);
    ticker.set_missed_tick_behavior(MissedTickBehavior::Skip);
    let mut connections = JoinSet::new();
    loop {
        tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok((stream, _peer)) => {
                    let simulation = Arc::clone(&simulation);
                    connections.spawn(http::serve_connection(stream, move |request| {
                        routes::respond(request, &simulation)
                    }));
                }
                Err(err) => {
                    log::warn!("spheroseg-sim: accept failed: {err}");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                }
            },
            _ = ticker.tick() => simulation.advance_to_now(),
            // Reap finished connections so the set does not grow without bound.
            Some(_) = connections.join_next(), if !connections.is_empty() => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;

    /// Sends raw bytes, returns `(status, head, body)`.
    async fn exchange(addr: SocketAddr, raw: &[u8]) -> (u16, String, String) {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        stream.write_all(raw).await.unwrap();
        let mut reply = String::new();
        stream.read_to_string(&mut reply).await.unwrap();
        let (head, body) = reply.split_once("\r\n\r\n").unwrap();
        let status = head.split(' ').nth(1).unwrap().parse().unwrap();
        (status, head.to_owned(), body.to_owned())
    }

    fn post(path: &str, body: &str) -> Vec<u8> {
        format!(
            "POST {path} HTTP/1.1\r\nHost: x\r\nContent-Length: {}\r\n\r\n{body}",
            body.len()
        )
        .into_bytes()
    }

    #[tokio::test]
    async fn serves_metrics_and_switches_scenario_over_http() {
        let handle = spawn(SocketAddr::from(([127, 0, 0, 1], 0)), Scenario::Normal)
            .await
            .unwrap();
        let addr = handle.addr();

        let (status, head, body) =
            exchange(addr, b"GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n").await;
        assert_eq!(status, 200);
        assert!(
            head.contains("Content-Type: text/plain; version=0.0.4; charset=utf-8"),
            "{head}"
        );
        assert!(body.contains("# TYPE http_request_duration_seconds histogram"));
        assert!(body.contains("spheroseg_sim_scenario{scenario=\"normal\"} 1"));

        assert_eq!(
            exchange(addr, &post("/scenario", "incident\n")).await.2,
            "incident\n"
        );
        assert_eq!(
            exchange(addr, b"GET /scenario HTTP/1.1\r\n\r\n").await.2,
            "incident\n"
        );
        assert_eq!(handle.simulation.scenario(), Scenario::Incident);

        assert_eq!(
            exchange(addr, &post("/scenario?name=normal", "")).await.0,
            200
        );
        assert_eq!(handle.simulation.scenario(), Scenario::Normal);
        handle.set_scenario(Scenario::Incident);
        assert_eq!(
            exchange(addr, b"GET /scenario HTTP/1.0\r\n\r\n").await.2,
            "incident\n"
        );

        let (status, _, body) = exchange(addr, &post("/scenario", "chaos")).await;
        assert_eq!(status, 400);
        assert!(body.contains("expected"), "{body}");
        assert_eq!(handle.simulation.scenario(), Scenario::Incident);

        assert_eq!(exchange(addr, b"garbage\r\n\r\n").await.0, 400);
        assert_eq!(exchange(addr, b"GET /nope HTTP/1.1\r\n\r\n").await.0, 404);
        let (status, head, _) = exchange(addr, &post("/metrics", "")).await;
        assert_eq!(status, 405);
        assert!(head.contains("Allow: GET"));
        assert!(
            exchange(addr, b"GET / HTTP/1.1\r\n\r\n")
                .await
                .2
                .contains("POST /scenario")
        );
    }

    #[tokio::test]
    async fn refuses_oversized_requests_with_a_readable_answer() {
        let handle = spawn(SocketAddr::from(([127, 0, 0, 1], 0)), Scenario::Normal)
            .await
            .unwrap();
        let addr = handle.addr();

        let (status, head, body) = exchange(addr, &post("/scenario", &"x".repeat(70_000))).await;
        assert_eq!(status, 413);
        assert!(head.contains("Connection: close"), "{head}");
        assert_eq!(body, "request body exceeds 65536 bytes\n");

        let huge_head = format!("GET / HTTP/1.1\r\nX-Big: {}\r\n\r\n", "a".repeat(40_000));
        assert_eq!(exchange(addr, huge_head.as_bytes()).await.0, 431);
        assert_eq!(handle.simulation.scenario(), Scenario::Normal);
    }

    #[tokio::test]
    async fn dropping_the_handle_stops_the_server() {
        let handle = spawn(SocketAddr::from(([127, 0, 0, 1], 0)), Scenario::Normal)
            .await
            .unwrap();
        let addr = handle.addr();
        drop(handle);
        tokio::time::sleep(Duration::from_millis(50)).await;
        assert!(TcpStream::connect(addr).await.is_err());
    }
}
