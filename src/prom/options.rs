//! What a client is made from: the timeout, credentials, headers, TLS and proxy policy.

use super::auth::BasicAuth;
use super::tls::TlsOptions;
use std::time::Duration;

#[derive(Clone, Debug)]
pub struct ClientOptions {
    /// Per-request deadline; also sent to Prometheus so it stops evaluating.
    pub timeout: Duration,
    /// Wins over every other credential.
    pub bearer_token: Option<String>,
    pub proxy: ProxyPolicy,
    /// Basic auth given apart from the URL; wins over the URL's `user:password@`.
    pub basic_auth: Option<BasicAuth>,
    /// Sent with every request (`--header`); values are kept out of every message.
    pub headers: Vec<(String, String)>,
    /// Sent as [`super::auth::TENANT_HEADER`].
    pub tenant: Option<String>,
    pub tls: TlsOptions,
}

impl Default for ClientOptions {
    fn default() -> Self {
        Self {
            timeout: Duration::from_secs(10),
            bearer_token: None,
            proxy: ProxyPolicy::default(),
            basic_auth: None,
            headers: Vec::new(),
            tenant: None,
            tls: TlsOptions::default(),
        }
    }
}

/// Whether requests may go through a proxy.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ProxyPolicy {
    /// The proxies `HTTP_PROXY`, `HTTPS_PROXY` and `ALL_PROXY` name (`NO_PROXY` honoured),
    /// except for a server on this machine (`localhost`, 127.0.0.0/8, `::1`), which a
    /// proxy elsewhere cannot reach for us.
    #[default]
    Environment,
    /// Never, whatever the environment says (`--no-proxy`).
    Off,
}
