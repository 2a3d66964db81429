//! Proxies from the environment: a server on this machine is reached directly even when
//! `HTTP_PROXY` and friends name a proxy (which could not reach it for us). One test in its
//! own binary, since it sets the process' environment.

#![allow(clippy::unwrap_used)]

mod fake_prometheus;

use fake_prometheus::{Behaviour, FakePrometheus};
use spheroseg_top::prom::{ClientOptions, PromClient, ProxyPolicy};
use std::time::Duration;

fn options() -> ClientOptions {
    ClientOptions {
        timeout: Duration::from_secs(5),
        bearer_token: None,
        ..ClientOptions::default()
    }
}

#[test]
fn loopback_servers_are_reached_without_the_proxy() {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        // The "proxy" is another fake: it would answer 404 to proxied requests, and it
        // records them.
        let proxy = FakePrometheus::start().await;
        for name in [
            "HTTP_PROXY",
            "HTTPS_PROXY",
            "ALL_PROXY",
            "http_proxy",
            "https_proxy",
        ] {
            // SAFETY: this binary's only test, on a single-threaded runtime, sets the
            // environment before any client reads it.
            unsafe { std::env::set_var(name, proxy.url()) };
        }
        let prometheus = FakePrometheus::start().await;
        prometheus.set("direct", Behaviour::Value(4.0));
        for url in [
            prometheus.url(),
            format!("http://localhost:{}", prometheus.port()),
        ] {
            let samples = PromClient::new(&url, options())
                .unwrap()
                .instant("direct", 0.0)
                .await
                .unwrap_or_else(|e| panic!("{url}: {e}"))
                .samples;
            assert_eq!(samples[0].value, 4.0, "{url}");
        }
        let samples = PromClient::new(
            &prometheus.url(),
            ClientOptions {
                proxy: ProxyPolicy::Off,
                ..options()
            },
        )
        .unwrap()
        .instant("direct", 0.0)
        .await
        .unwrap()
        .samples;
        assert_eq!(samples[0].value, 4.0);
        assert!(
            proxy.requests().is_empty(),
            "went through the proxy: {:?}",
            proxy.requests()
        );
        assert_eq!(prometheus.instant_count("direct"), 3);
    });
}
