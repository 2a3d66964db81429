use super::*;

const FILE: &str = r#"
default_profile = "prod"

[profiles.prod]
prometheus = "https://ops:hunter2@prom.example:9090"
ca_cert = "company-ca.pem"
basic_auth = "ops"
password_file = "~/pw"
headers = { X-Api-Key = "k3y-s3cret" }
tenant = "team-a"
refresh = "2s"
rules = ["rules/a.yml"]
layout = "layouts/ours.toml"
theme = "light"

[profiles.prod.alertmanager]
url = "https://am.example"
bearer_token_file = "/run/am-token"

[profiles.lab]
prometheus = "http://127.0.0.1:9090"
alertmanager = "http://127.0.0.1:9093"
"#;

fn parse(text: &str) -> Result<Profiles, ConfigError> {
    Profiles::parse(Path::new("/etc/sst/config.toml"), text)
}

#[test]
fn prometheus_may_be_an_ha_group_listed_with_its_passwords_masked() {
    let text = "[profiles.pair]\nprometheus = [\"https://ops:pw1@a:9090\", \"https://b:9090\"]\n";
    let profiles = parse(text).unwrap();
    let pair = profiles.select(Some("pair")).unwrap().unwrap();
    assert_eq!(pair.prometheus.as_deref(), Some("https://ops:pw1@a:9090"));
    assert_eq!(pair.standbys, vec!["https://b:9090".to_string()]);
    let listed = pair.keys();
    assert!(
        listed.contains(&(
            "prometheus".into(),
            "[\"https://ops:***@a:9090/\", \"https://b:9090\"]".into()
        )),
        "{listed:?}"
    );
    let one = parse("[profiles.one]\nprometheus = [\"http://a\"]\n").unwrap();
    let one = one.select(Some("one")).unwrap().unwrap();
    assert!(one.standbys.is_empty());
}

#[test]
fn allow_silences_is_a_profile_key_off_by_default() {
    let text = "[profiles.oncall]\nallow_silences = true\n[profiles.viewer]\n";
    let profiles = parse(text).unwrap();
    let oncall = profiles.select(Some("oncall")).unwrap().unwrap();
    assert!(oncall.allow_silences);
    assert!(
        oncall
            .keys()
            .contains(&("allow_silences".into(), "true".into()))
    );
    let viewer = profiles.select(Some("viewer")).unwrap().unwrap();
    assert!(!viewer.allow_silences);
    assert!(parse("[profiles.a]\nallow_silences = \"yes\"\n").is_err());
}

#[test]
fn profiles_resolve_paths_and_take_both_alertmanager_forms() {
    let profiles = parse(FILE).unwrap();
    let prod = profiles.select(None).unwrap().unwrap();
    assert_eq!(prod.refresh, Some(Duration::from_secs(2)));
    assert_eq!(
        prod.connection.ca_cert.as_deref(),
        Some(Path::new("/etc/sst/company-ca.pem"))
    );
    assert_eq!(prod.rules, vec![PathBuf::from("/etc/sst/rules/a.yml")]);
    assert_eq!(prod.layout.as_deref(), Some("/etc/sst/layouts/ours.toml"));
    assert_eq!(
        prod.theme.as_deref(),
        Some("light"),
        "a bundled name stays one"
    );
    assert_eq!(prod.connection.tenant.as_deref(), Some("team-a"));
    assert_eq!(prod.alertmanager.as_deref(), Some("https://am.example"));
    assert_eq!(
        prod.alertmanager_connection.bearer_token_file.as_deref(),
        Some(Path::new("/run/am-token"))
    );
    let lab = profiles.select(Some("lab")).unwrap().unwrap();
    assert_eq!(lab.alertmanager.as_deref(), Some("http://127.0.0.1:9093"));
}

#[test]
fn an_unknown_profile_names_the_known_ones() {
    let profiles = parse(FILE).unwrap();
    let said = profiles.select(Some("staging")).unwrap_err().to_string();
    assert!(
        said.contains("\"staging\"") && said.contains("lab, prod"),
        "{said}"
    );
}

#[test]
fn the_listing_masks_secrets() {
    let listing = parse(FILE).unwrap().listing(&[]);
    for secret in ["hunter2", "k3y-s3cret"] {
        assert!(!listing.contains(secret), "{listing}");
    }
    assert!(
        listing.contains("https://ops:***@prom.example:9090"),
        "{listing}"
    );
    assert!(listing.contains("\"X-Api-Key\" = \"***\""), "{listing}");
    assert!(listing.contains("* prod (default)"), "{listing}");
    assert!(
        listing.contains("alertmanager.bearer_token_file"),
        "{listing}"
    );
}

#[test]
fn mistakes_are_located_and_keep_values_out() {
    let text = "[profiles.prod]\nprometheus = \"https://ops:hunter2@h\"\npromethus = \"https://ops:hunter2@h\"\n";
    let error = parse(text).unwrap_err().to_string();
    assert!(error.starts_with("/etc/sst/config.toml:3:1: "), "{error}");
    assert!(
        error.contains("promethus") && !error.contains("hunter2"),
        "{error}"
    );

    let nested = "[profiles.prod.alertmanager]\nurl = \"http://h\"\ntoken = \"x\"\n";
    let error = parse(nested).unwrap_err().to_string();
    assert!(error.starts_with("/etc/sst/config.toml:3:1: "), "{error}");

    for (text, key, line) in [
        (
            "[profiles.a]\nclient_cert = \"c.pem\"\n",
            "profiles.a.client_cert",
            2,
        ),
        (
            "[profiles.a]\nbasic_auth = \"u\"\nbearer_token_file = \"t\"\n",
            "profiles.a.bearer_token_file",
            3,
        ),
        (
            "[profiles.a]\npassword_file = \"p\"\n",
            "profiles.a.password_file",
            2,
        ),
        (
            "[profiles.a]\nrefresh = \"10ms\"\n",
            "profiles.a.refresh",
            2,
        ),
        (
            "default_profile = \"b\"\n[profiles.a]\n",
            "default_profile",
            1,
        ),
        (
            "[profiles.a.alertmanager]\nclient_key = \"k\"\n",
            "profiles.a.alertmanager.client_key",
            2,
        ),
    ] {
        let error = parse(text).unwrap_err();
        let located = error.location().unwrap();
        assert_eq!((located.key.as_str(), located.line), (key, line), "{error}");
    }
}

#[test]
fn backends_name_profiles_with_a_server_each_once() {
    let servers = "[profiles.eu]\nprometheus = \"http://127.0.0.1:9090\"\n\
                   [profiles.us]\nprometheus = \"http://127.0.0.1:9091\"\n";
    let both =
        format!("{servers}[profiles.all]\nbackends = [\"eu\", \"us\"]\nlayout = \"x.toml\"\n");
    let profiles = parse(&both).unwrap();
    let all = profiles.select(Some("all")).unwrap().unwrap();
    assert_eq!(all.backends, ["eu", "us"]);
    assert!(
        all.keys()
            .contains(&("backends".into(), "[\"eu\", \"us\"]".into()))
    );
    for (group, why) in [
        ("backends = [\"eu\", \"eu\"]", "listed twice"),
        (
            "backends = [\"mars\"]",
            "no profile named \"mars\" (all, eu, us)",
        ),
        ("backends = [\"all\"]", "names backends itself"),
        ("backends = []", "0 backends: 1 to 8"),
        (
            "backends = [\"eu\"]\nprometheus = \"http://h\"",
            "no prometheus",
        ),
    ] {
        let text = format!("{servers}[profiles.all]\n{group}\n");
        let error = parse(&text).unwrap_err();
        let located = error.location().unwrap();
        assert_eq!(located.key, "profiles.all.backends", "{error}");
        assert_eq!(located.line, 6, "{error}");
        assert!(error.to_string().contains(why), "{error}");
    }
    let nameless = "[profiles.\"eu west\"]\nprometheus = \"http://h\"\n\
                    [profiles.all]\nbackends = [\"eu west\"]\n";
    let error = parse(nameless).unwrap_err().to_string();
    assert!(error.contains("cannot name a backend"), "{error}");
}
