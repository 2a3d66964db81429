//! What Prometheus says about itself and what it scrapes: targets (`/api/v1/targets`),
//! cardinality (`/api/v1/status/tsdb`), version, runtime and configuration
//! (`/api/v1/status/{buildinfo,runtimeinfo,config}`), and the metadata endpoints
//! (`/api/v1/series`, `/api/v1/labels`, `/api/v1/label/NAME/values`) that tell why a query
//! finds nothing. Plain data: recorded and replayed like query answers.

use super::api::timestamp;
use super::client::PromClient;
use super::decode::{Capped, data};
use super::error::PromError;
use super::secrets::{LabelList, Scrub, Secrets};
use crate::model::Labels;
use serde::{Deserialize, Serialize};
use std::time::Duration;

/// A scrape target's health as Prometheus reports it.
#[derive(
    Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize,
)]
#[serde(rename_all = "lowercase")]
pub enum TargetHealth {
    /// Down sorts first: it is what an operator looks for.
    Down,
    #[default]
    Unknown,
    Up,
}

impl TargetHealth {
    pub fn as_str(self) -> &'static str {
        match self {
            TargetHealth::Down => "down",
            TargetHealth::Unknown => "unknown",
            TargetHealth::Up => "up",
        }
    }
}

/// One active scrape target.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Target {
    /// The scrape pool (the job's name, usually).
    pub pool: String,
    /// The target's labels after relabelling (`job`, `instance`, …): those of its series.
    pub labels: Labels,
    pub scrape_url: String,
    pub health: TargetHealth,
    /// The last scrape's error; `None` when it succeeded.
    pub last_error: Option<String>,
    /// Unix seconds of the last scrape; `None` before the first.
    pub last_scrape: Option<f64>,
    /// Seconds the last scrape took.
    pub last_scrape_duration: f64,
    pub scrape_interval: Option<Duration>,
    pub scrape_timeout: Option<Duration>,
    /// Samples of the last scrape, when the server reports them (Prometheus 2.47+).
    pub samples: Option<u64>,
}

impl Target {
    /// `job` and `instance`, how targets are named in words.
    pub fn job(&self) -> &str {
        self.labels
            .get("job")
            .map_or(self.pool.as_str(), String::as_str)
    }

    pub fn instance(&self) -> &str {
        self.labels.get("instance").map_or("", String::as_str)
    }

    /// The last error's cause: Prometheus names the URL first (`Get "…": dial tcp …:
    /// connect: connection refused`), the cause is what is read first.
    pub fn error_cause(&self) -> Option<&str> {
        let error = self.last_error.as_deref()?;
        Some(error.rsplit(": ").next().unwrap_or(error).trim())
    }
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct TargetsData {
    #[serde(default)]
    active_targets: Vec<RawTarget>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTarget {
    #[serde(default)]
    labels: Labels,
    #[serde(default)]
    scrape_pool: String,
    #[serde(default)]
    scrape_url: String,
    #[serde(default)]
    last_error: String,
    last_scrape: Option<String>,
    #[serde(default)]
    last_scrape_duration: f64,
    #[serde(default)]
    health: TargetHealth,
    scrape_interval: Option<String>,
    scrape_timeout: Option<String>,
    last_scrape_samples: Option<u64>,
}

impl RawTarget {
    fn parse(self) -> Result<Target, PromError> {
        Ok(Target {
            last_scrape: match &self.last_scrape {
                Some(t) => timestamp(t)?,
                None => None,
            },
            scrape_interval: self.scrape_interval.as_deref().and_then(prom_duration),
            scrape_timeout: self.scrape_timeout.as_deref().and_then(prom_duration),
            pool: self.scrape_pool,
            labels: self.labels,
            scrape_url: self.scrape_url,
            health: self.health,
            last_error: Some(self.last_error).filter(|e| !e.is_empty()),
            last_scrape_duration: self.last_scrape_duration,
            samples: self.last_scrape_samples,
        })
    }
}

/// A Prometheus duration (`15s`, `1m30s`, `15d`); `None` for one it does not write.
fn prom_duration(text: &str) -> Option<Duration> {
    crate::config::duration::parse(text).ok()
}

/// Parses `/api/v1/targets`: the active targets, down ones first, then by pool and instance.
pub fn parse_targets(status: u16, body: &[u8]) -> Result<Vec<Target>, PromError> {
    let data: TargetsData = data(status, body)?;
    let mut targets = data
        .active_targets
        .into_iter()
        .map(RawTarget::parse)
        .collect::<Result<Vec<_>, _>>()?;
    targets
        .sort_by(|a, b| (a.health, &a.pool, a.instance()).cmp(&(b.health, &b.pool, b.instance())));
    Ok(targets)
}

/// The head block's size and where its series come from (`/api/v1/status/tsdb`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct TsdbStatus {
    pub head_series: u64,
    pub head_chunks: u64,
    pub label_pairs: u64,
    /// Metric names with the most series, most first.
    pub series_by_metric: Vec<(String, u64)>,
    /// Label names with the most distinct values, most first.
    pub values_by_label: Vec<(String, u64)>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawTsdb {
    head_stats: RawHeadStats,
    #[serde(default)]
    series_count_by_metric_name: Vec<NameValue>,
    #[serde(default)]
    label_value_count_by_label_name: Vec<NameValue>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawHeadStats {
    #[serde(default)]
    num_series: u64,
    #[serde(default)]
    num_label_pairs: u64,
    #[serde(default)]
    chunk_count: u64,
}

#[derive(Deserialize)]
struct NameValue {
    name: String,
    value: u64,
}

/// Parses `/api/v1/status/tsdb`.
pub fn parse_tsdb(status: u16, body: &[u8]) -> Result<TsdbStatus, PromError> {
    let raw: RawTsdb = data(status, body)?;
    let pairs = |list: Vec<NameValue>| list.into_iter().map(|p| (p.name, p.value)).collect();
    Ok(TsdbStatus {
        head_series: raw.head_stats.num_series,
        head_chunks: raw.head_stats.chunk_count,
        label_pairs: raw.head_stats.num_label_pairs,
        series_by_metric: pairs(raw.series_count_by_metric_name),
        values_by_label: pairs(raw.label_value_count_by_label_name),
    })
}

/// The server's version (`/api/v1/status/buildinfo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct BuildInfo {
    #[serde(default)]
    pub version: String,
    #[serde(default)]
    pub revision: String,
    #[serde(default)]
    pub go_version: String,
}

/// Parses `/api/v1/status/buildinfo`.
pub fn parse_buildinfo(status: u16, body: &[u8]) -> Result<BuildInfo, PromError> {
    data(status, body)
}

/// How the server runs: when it started, whether its last config reload worked, how long
/// it keeps data (`/api/v1/status/runtimeinfo`).
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct RuntimeInfo {
    pub start_time: Option<f64>,
    pub reload_config_success: bool,
    pub last_config_time: Option<f64>,
    /// As the server writes it (`15d`, `15d or 10GiB`); `None` when it does not say.
    pub storage_retention: Option<String>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawRuntime {
    start_time: Option<String>,
    #[serde(default)]
    reload_config_success: bool,
    last_config_time: Option<String>,
    storage_retention: Option<String>,
}

/// Parses `/api/v1/status/runtimeinfo`.
pub fn parse_runtimeinfo(status: u16, body: &[u8]) -> Result<RuntimeInfo, PromError> {
    let raw: RawRuntime = data(status, body)?;
    let time = |t: &Option<String>| t.as_deref().map_or(Ok(None), timestamp);
    Ok(RuntimeInfo {
        start_time: time(&raw.start_time)?,
        last_config_time: time(&raw.last_config_time)?,
        reload_config_success: raw.reload_config_success,
        storage_retention: raw.storage_retention.filter(|r| !r.is_empty()),
    })
}

#[derive(Deserialize)]
struct RawConfig {
    yaml: String,
}

/// Parses `/api/v1/status/config`: the loaded configuration as YAML text.
pub fn parse_config(status: u16, body: &[u8]) -> Result<String, PromError> {
    data::<RawConfig>(status, body).map(|c| c.yaml)
}

#[derive(Deserialize)]
struct ConfigGlobals {
    #[serde(default)]
    global: Globals,
}

#[derive(Default, Deserialize)]
struct Globals {
    scrape_interval: Option<String>,
}

/// Prometheus' default when the configuration names no global `scrape_interval`.
const DEFAULT_SCRAPE_INTERVAL: Duration = Duration::from_secs(60);

/// The global `scrape_interval` of a Prometheus configuration (its default, 1m, when unset).
pub fn global_scrape_interval(yaml: &str) -> Result<Duration, PromError> {
    let config: ConfigGlobals = serde_yaml_ng::from_str(yaml)
        .map_err(|e| PromError::Decode(format!("configuration YAML: {e}")))?;
    match config.global.scrape_interval {
        None => Ok(DEFAULT_SCRAPE_INTERVAL),
        Some(text) => crate::config::duration::parse(&text)
            .map_err(|e| PromError::Decode(format!("global scrape_interval: {e}"))),
    }
}

/// Series matching a selector, and how many there were beyond those kept.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct SeriesList {
    pub series: Vec<Labels>,
    pub total: usize,
}

/// Parses `/api/v1/series`: each series' labels (with `__name__`).
pub fn parse_series(status: u16, body: &[u8]) -> Result<SeriesList, PromError> {
    let Capped { items, total } = data::<Capped<Labels>>(status, body)?;
    Ok(SeriesList {
        series: items,
        total,
    })
}

/// Parses `/api/v1/labels` and `/api/v1/label/NAME/values`: a list of strings.
pub fn parse_names(status: u16, body: &[u8]) -> Result<Vec<String>, PromError> {
    data(status, body)
}

/// A time window of a metadata request, Unix seconds.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Window {
    pub start: f64,
    pub end: f64,
}

impl Window {
    fn form(self, selector: Option<&str>) -> Vec<(&'static str, String)> {
        let mut form = vec![
            ("start", format!("{:.3}", self.start)),
            ("end", format!("{:.3}", self.end)),
        ];
        if let Some(selector) = selector {
            form.push(("match[]", selector.to_string()));
        }
        form
    }
}

/// What the dashboard tells about the server: its version, how it runs, its scrape
/// interval and its head's cardinality.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct ServerFacts {
    pub build: BuildInfo,
    pub runtime: RuntimeInfo,
    /// The global `scrape_interval`; `None` when the configuration could not be read
    /// (some proxies and VictoriaMetrics do not serve it).
    pub scrape_interval: Option<Duration>,
    pub tsdb: TsdbStatus,
}

impl PromClient {
    /// Build, runtime, configuration and TSDB status in one; only the build info is
    /// required, what else a server does not serve is left empty.
    pub async fn facts(&self) -> Result<ServerFacts, PromError> {
        let build = self.buildinfo().await?;
        let runtime = self.runtimeinfo().await.unwrap_or_default();
        let scrape_interval = match self.config_yaml().await {
            Ok(yaml) => global_scrape_interval(&yaml).ok(),
            Err(_) => None,
        };
        let tsdb = self.tsdb().await.unwrap_or_default();
        Ok(ServerFacts {
            build,
            runtime,
            scrape_interval,
            tsdb,
        })
    }

    /// The active scrape targets, down first (`GET /api/v1/targets?state=active`).
    pub async fn targets(&self) -> Result<Vec<Target>, PromError> {
        self.get("targets?state=active", parse_targets).await
    }

    /// The targets with each one's samples: from the targets API where the server reports
    /// them (2.47+), else from `scrape_samples_scraped`, the series Prometheus itself
    /// writes for every target. Without that series the samples stay unknown.
    pub async fn targets_with_samples(&self, at: f64) -> Result<Vec<Target>, PromError> {
        let mut targets = self.targets().await?;
        if targets.iter().all(|t| t.samples.is_some()) {
            return Ok(targets);
        }
        let Ok(answer) = self.instant("scrape_samples_scraped", at).await else {
            return Ok(targets);
        };
        for target in targets.iter_mut().filter(|t| t.samples.is_none()) {
            target.samples = answer
                .samples
                .iter()
                .find(|s| {
                    s.labels.get("job") == target.labels.get("job")
                        && s.labels.get("instance") == target.labels.get("instance")
                })
                .filter(|s| s.value.is_finite() && s.value >= 0.0)
                .map(|s| s.value as u64);
        }
        Ok(targets)
    }

    /// Head cardinality (`GET /api/v1/status/tsdb`).
    pub async fn tsdb(&self) -> Result<TsdbStatus, PromError> {
        self.get("status/tsdb", parse_tsdb).await
    }

    pub async fn buildinfo(&self) -> Result<BuildInfo, PromError> {
        self.get("status/buildinfo", parse_buildinfo).await
    }

    pub async fn runtimeinfo(&self) -> Result<RuntimeInfo, PromError> {
        self.get("status/runtimeinfo", parse_runtimeinfo).await
    }

    /// The loaded configuration's YAML (`GET /api/v1/status/config`); see
    /// [`global_scrape_interval`].
    pub async fn config_yaml(&self) -> Result<String, PromError> {
        self.get("status/config", parse_config).await
    }

    /// Series matching `selector` within `window` (`POST /api/v1/series`).
    pub async fn series(&self, selector: &str, window: Window) -> Result<SeriesList, PromError> {
        self.post("series", &window.form(Some(selector)), parse_series)
            .await
    }

    /// The values of label `name`, of the series matching `selector` if given
    /// (`GET /api/v1/label/NAME/values`).
    pub async fn label_values(
        &self,
        name: &str,
        selector: Option<&str>,
        window: Window,
    ) -> Result<Vec<String>, PromError> {
        if !crate::model::labels::is_label_name(name) {
            return Err(PromError::Query {
                kind: "bad_data".into(),
                message: format!("\"{name}\" is not a label name"),
            });
        }
        let query = url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(window.form(selector))
            .finish();
        self.get(&format!("label/{name}/values?{query}"), label_list)
            .await
            .map(|values| values.0)
    }
}

/// Label names or values, which answers keep as they are.
fn label_list(status: u16, body: &[u8]) -> Result<LabelList, PromError> {
    parse_names(status, body).map(LabelList)
}

// What the status endpoints answer, with the secrets a server may quote hidden.

impl Scrub for Vec<Target> {
    fn scrub(&mut self, secrets: &Secrets) {
        for target in self {
            secrets.scrub(&mut target.scrape_url);
            if let Some(error) = &mut target.last_error {
                secrets.scrub_message(error);
            }
        }
    }
}

impl Scrub for BuildInfo {
    fn scrub(&mut self, secrets: &Secrets) {
        secrets.scrub(&mut self.version);
        secrets.scrub(&mut self.revision);
        secrets.scrub(&mut self.go_version);
    }
}

impl Scrub for RuntimeInfo {
    fn scrub(&mut self, secrets: &Secrets) {
        if let Some(retention) = &mut self.storage_retention {
            secrets.scrub(retention);
        }
    }
}

impl Scrub for SeriesList {
    fn scrub(&mut self, _: &Secrets) {}
}

impl Scrub for TsdbStatus {
    fn scrub(&mut self, _: &Secrets) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    const TARGETS: &[u8] = br#"{"status":"success","data":{"activeTargets":[
      {"discoveredLabels":{"__address__":"127.0.0.1:39191"},"labels":{"instance":"127.0.0.1:39191","job":"node"},
       "scrapePool":"node","scrapeUrl":"http://127.0.0.1:39191/metrics","globalUrl":"http://vm:39191/metrics",
       "lastError":"","lastScrape":"2026-11-27T17:38:29.347764004Z","lastScrapeDuration":0.009772299,
       "health":"up","scrapeInterval":"1s","scrapeTimeout":"1s"},
      {"labels":{"instance":"127.0.0.1:39192","job":"node"},"scrapePool":"node",
       "scrapeUrl":"http://127.0.0.1:39192/metrics",
       "lastError":"Get \"http://127.0.0.1:39192/metrics\": dial tcp 127.0.0.1:39192: connect: connection refused",
       "lastScrape":"2026-11-27T17:38:29.183104465Z","lastScrapeDuration":0.000344812,"health":"down",
       "scrapeInterval":"15s","scrapeTimeout":"10s","lastScrapeSamples":0}],"droppedTargets":[]}}"#;

    #[test]
    fn targets_down_first_with_their_error() {
        let targets = parse_targets(200, TARGETS).unwrap();
        assert_eq!(targets.len(), 2);
        let down = &targets[0];
        assert_eq!(down.health, TargetHealth::Down);
        assert_eq!((down.job(), down.instance()), ("node", "127.0.0.1:39192"));
        assert!(
            down.last_error
                .as_deref()
                .unwrap()
                .contains("connection refused")
        );
        assert_eq!(down.scrape_interval, Some(Duration::from_secs(15)));
        assert_eq!(down.scrape_timeout, Some(Duration::from_secs(10)));
        assert_eq!(down.samples, Some(0));
        let up = &targets[1];
        assert_eq!(up.health, TargetHealth::Up);
        assert_eq!(up.last_error, None);
        assert_eq!(up.samples, None);
        assert!((up.last_scrape.unwrap() - 1_795_801_109.347_764).abs() < 1e-3);
        assert!((up.last_scrape_duration - 0.009_772_299).abs() < 1e-9);
    }

    #[test]
    fn tsdb_head_and_top_lists() {
        let body = br#"{"status":"success","data":{"headStats":{"numSeries":517,"numLabelPairs":40,
          "chunkCount":520,"minTime":1,"maxTime":2},
          "seriesCountByMetricName":[{"name":"node_cpu_seconds_total","value":64},{"name":"up","value":2}],
          "labelValueCountByLabelName":[{"name":"__name__","value":300}],
          "memoryInBytesByLabelName":[],"seriesCountByLabelValuePair":[]}}"#;
        let tsdb = parse_tsdb(200, body).unwrap();
        assert_eq!(
            (tsdb.head_series, tsdb.head_chunks, tsdb.label_pairs),
            (517, 520, 40)
        );
        assert_eq!(
            tsdb.series_by_metric[0],
            ("node_cpu_seconds_total".into(), 64)
        );
        assert_eq!(tsdb.values_by_label, vec![("__name__".into(), 300)]);
        assert!(parse_tsdb(200, br#"{"status":"success","data":{}}"#).is_err());
    }

    #[test]
    fn build_and_runtime_info() {
        let body =
            br#"{"status":"success","data":{"version":"2.42.0+ds","revision":"r","branch":"b",
          "buildUser":"u","buildDate":"d","goVersion":"go1.19.8"}}"#;
        let build = parse_buildinfo(200, body).unwrap();
        assert_eq!(
            (build.version.as_str(), build.go_version.as_str()),
            ("2.42.0+ds", "go1.19.8")
        );
        let body =
            br#"{"status":"success","data":{"startTime":"2026-11-27T17:38:19.583019135Z","CWD":"/",
          "reloadConfigSuccess":false,"lastConfigTime":"2026-11-27T17:38:19Z","corruptionCount":0,
          "goroutineCount":26,"GOMAXPROCS":2,"GOGC":"","GODEBUG":"","storageRetention":"15d"}}"#;
        let runtime = parse_runtimeinfo(200, body).unwrap();
        assert!(!runtime.reload_config_success);
        assert_eq!(runtime.storage_retention.as_deref(), Some("15d"));
        assert_eq!(runtime.last_config_time, Some(1_795_801_099.0));
    }

    #[test]
    fn the_global_scrape_interval_from_the_config() {
        let body = br#"{"status":"success","data":{"yaml":"global:\n  scrape_interval: 15s\n  scrape_timeout: 10s\nscrape_configs:\n- job_name: node\n  scrape_interval: 1s\n"}}"#;
        let yaml = parse_config(200, body).unwrap();
        assert_eq!(
            global_scrape_interval(&yaml).unwrap(),
            Duration::from_secs(15)
        );
        assert_eq!(
            global_scrape_interval("scrape_configs: []\n").unwrap(),
            Duration::from_secs(60)
        );
        assert_eq!(
            global_scrape_interval("global:\n  scrape_interval: 1m30s\n").unwrap(),
            Duration::from_secs(90)
        );
        let err = global_scrape_interval("global:\n  scrape_interval: soon\n").unwrap_err();
        assert!(err.to_string().contains("scrape_interval"), "{err}");
        assert!(global_scrape_interval("global: [").is_err());
    }

    #[test]
    fn series_and_label_lists() {
        let body = br#"{"status":"success","data":[{"__name__":"up","instance":"a","job":"node"},
          {"__name__":"up","instance":"b","job":"node"}]}"#;
        let list = parse_series(200, body).unwrap();
        assert_eq!(list.total, 2);
        assert_eq!(list.series[1]["instance"], "b");
        let names = parse_names(200, br#"{"status":"success","data":["__name__","job"]}"#).unwrap();
        assert_eq!(names, vec!["__name__", "job"]);
        let err = parse_names(
            400,
            br#"{"status":"error","errorType":"bad_data","error":"bad match[]"}"#,
        )
        .unwrap_err();
        assert_eq!(err.to_string(), "bad_data: bad match[]");
    }

    /// Answers one HTTP request with `body` and hands back the request's text.
    async fn serve_once(body: &'static str) -> (String, tokio::task::JoinHandle<String>) {
        use tokio::io::{AsyncReadExt, AsyncWriteExt};
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let task = tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut request = vec![0u8; 4096];
            let n = socket.read(&mut request).await.unwrap();
            let response = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{body}",
                body.len()
            );
            socket.write_all(response.as_bytes()).await.unwrap();
            socket.shutdown().await.unwrap();
            String::from_utf8_lossy(&request[..n]).to_string()
        });
        (url, task)
    }

    fn client(url: &str) -> PromClient {
        PromClient::new(url, crate::prom::ClientOptions::default()).unwrap()
    }

    #[tokio::test]
    async fn label_values_are_asked_with_an_encoded_selector() {
        let (url, request) = serve_once(r#"{"status":"success","data":["a","b"]}"#).await;
        let window = Window {
            start: 100.0,
            end: 200.0,
        };
        let values = client(&url)
            .label_values("replica", Some("up{job=\"x\"}"), window)
            .await
            .unwrap();
        assert_eq!(values, vec!["a", "b"]);
        let request = request.await.unwrap();
        assert!(
            request.starts_with(
                "GET /api/v1/label/replica/values?start=100.000&end=200.000&match%5B%5D=up%7Bjob%3D%22x%22%7D "
            ),
            "{request}"
        );
        let refused = client(&url)
            .label_values("a/../b", None, window)
            .await
            .unwrap_err();
        assert!(
            refused.to_string().contains("not a label name"),
            "{refused}"
        );
    }

    #[tokio::test]
    async fn series_are_posted_with_the_selector() {
        let (url, request) =
            serve_once(r#"{"status":"success","data":[{"__name__":"up","job":"x"}]}"#).await;
        let list = client(&url)
            .series(
                "up",
                Window {
                    start: 1.0,
                    end: 2.0,
                },
            )
            .await
            .unwrap();
        assert_eq!(list.series[0]["job"], "x");
        let request = request.await.unwrap();
        assert!(request.starts_with("POST /api/v1/series "), "{request}");
        assert!(
            request.ends_with("start=1.000&end=2.000&match%5B%5D=up"),
            "{request}"
        );
    }
}
