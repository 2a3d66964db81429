//! Which backends a run shows: one Prometheus (or HA group), as before, or several side by
//! side (`--prometheus NAME=URL` repeated, `--profile` repeated, a profile's `backends`),
//! each with its own server and connection settings. Mistakes stop the start (exit 2).

use super::InvalidInput;
use crate::cli::Options;
use crate::config::backends::{MAX_BACKENDS, check_name};
use crate::config::profile::Profile;
use crate::model::text::mask_userinfo;

/// One backend: a server (or HA group) and how to reach it.
#[derive(Clone, Debug)]
pub struct Backend {
    /// `None` for the one backend of a run that names none.
    pub name: Option<String>,
    /// The run's options with this backend's server and connection (`prometheus` holds its
    /// URL alone).
    pub options: Options,
}

/// The names the app shows side by side: none for one backend.
pub fn names(backends: &[Backend]) -> Vec<String> {
    match backends {
        [_] => Vec::new(),
        several => several.iter().filter_map(|b| b.name.clone()).collect(),
    }
}

/// Where the data comes from, for the status bar and reports: each backend's server,
/// named when there are several (`eu http://… · us http://…`); `urls` as displayed.
pub fn label(backends: &[Backend], urls: &[&str]) -> String {
    let named = backends.len() > 1;
    backends
        .iter()
        .zip(urls)
        .map(|(backend, url)| match &backend.name {
            Some(name) if named => format!("{name} {url}"),
            _ => url.to_string(),
        })
        .collect::<Vec<_>>()
        .join(" · ")
}

/// The backends `--prometheus` gives: one bare URL (or none: the default) is the one
/// unnamed backend; several must each be `NAME=URL`.
pub fn from_flags(options: &Options) -> Result<Vec<Backend>, InvalidInput> {
    let given: Vec<(Option<&str>, &str)> = options.prometheus.iter().map(|v| split(v)).collect();
    if let [] | [(None, _)] = given.as_slice() {
        return Ok(vec![Backend {
            name: None,
            options: options.clone(),
        }]);
    }
    let mut backends = Vec::new();
    for (name, url) in given {
        let Some(name) = name else {
            return Err(InvalidInput(format!(
                "--prometheus {}: several servers need a name each, NAME=URL",
                mask_userinfo(url)
            )));
        };
        let mut options = options.clone();
        options.prometheus = vec![url.to_string()];
        // The profile's HA group belongs to the profile's server, not to these.
        options.standbys.clear();
        backends.push(Backend {
            name: Some(name.to_string()),
            options,
        });
    }
    checked(backends, "--prometheus")
}

/// The backends of several profiles, each named after its profile and reached as it says;
/// `options` holds the flags (and a group profile's settings) all of them share.
pub fn from_profiles(
    options: &Options,
    profiles: &[(&str, &Profile)],
) -> Result<Vec<Backend>, InvalidInput> {
    if !options.prometheus.is_empty() {
        return Err(InvalidInput(
            "--prometheus and several profiles: give the servers one way (NAME=URL, or a profile each)"
                .into(),
        ));
    }
    let backends = profiles
        .iter()
        .map(|(name, profile)| {
            let mut options = options.clone();
            options.apply_profile(profile);
            Backend {
                name: Some(name.to_string()),
                options,
            }
        })
        .collect();
    checked(backends, "--profile")
}

/// `NAME=URL` as its name and URL; anything else (a URL whose query has an `=`) is a URL.
fn split(value: &str) -> (Option<&str>, &str) {
    match value.split_once('=') {
        Some((name, url)) if !name.contains([':', '/']) => (Some(name), url),
        _ => (None, value),
    }
}

/// At most [`MAX_BACKENDS`], each name allowed and given once, each server once.
fn checked(backends: Vec<Backend>, flag: &str) -> Result<Vec<Backend>, InvalidInput> {
    if backends.len() > MAX_BACKENDS {
        return Err(InvalidInput(format!(
            "{flag}: {} backends; at most {MAX_BACKENDS} show side by side",
            backends.len()
        )));
    }
    for (i, backend) in backends.iter().enumerate() {
        let name = backend.name.as_deref().unwrap_or_default();
        check_name(name).map_err(|why| InvalidInput(format!("{flag}: {why}")))?;
        let url = backend.options.prometheus_url();
        for earlier in &backends[..i] {
            if earlier.name.as_deref() == Some(name) {
                return Err(InvalidInput(format!(
                    "{flag}: two backends are named \"{name}\"; each needs its own name"
                )));
            }
            if same_server(earlier.options.prometheus_url(), url) {
                return Err(InvalidInput(format!(
                    "{flag}: {} is given twice (as \"{}\" and \"{name}\"): its series would count twice",
                    mask_userinfo(url),
                    earlier.name.as_deref().unwrap_or_default()
                )));
            }
        }
    }
    Ok(backends)
}

fn same_server(a: &str, b: &str) -> bool {
    a.trim_end_matches('/') == b.trim_end_matches('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser as _;

    fn backends(args: &[&str]) -> Result<Vec<Backend>, String> {
        let cli = crate::cli::Cli::try_parse_from(
            std::iter::once("spheroseg-top").chain(args.iter().copied()),
        )
        .map_err(|e| e.to_string())?;
        from_flags(&cli.options).map_err(|e| e.0)
    }

    #[test]
    fn one_bare_url_is_the_unnamed_backend_of_today() {
        let one = backends(&["--prometheus", "http://127.0.0.1:9090/?a=b"]).unwrap();
        assert_eq!(one.len(), 1);
        assert_eq!(one[0].name, None);
        assert_eq!(
            one[0].options.prometheus_url(),
            "http://127.0.0.1:9090/?a=b"
        );
        let named = backends(&["--prometheus", "eu=http://127.0.0.1:9090"]).unwrap();
        assert_eq!(named[0].name.as_deref(), Some("eu"));
        assert_eq!(named[0].options.prometheus_url(), "http://127.0.0.1:9090");
    }

    #[test]
    fn several_need_names_of_their_own_and_servers_of_their_own() {
        let two = backends(&[
            "--prometheus",
            "eu=http://127.0.0.1:9090",
            "--prometheus",
            "us=http://127.0.0.1:9091",
        ])
        .unwrap();
        let names: Vec<_> = two.iter().map(|b| b.name.clone().unwrap()).collect();
        assert_eq!(names, ["eu", "us"]);
        for (args, why) in [
            (
                vec!["eu=http://127.0.0.1:9090", "http://127.0.0.1:9091"],
                "several servers need a name each",
            ),
            (
                vec!["eu=http://127.0.0.1:9090", "eu=http://127.0.0.1:9091"],
                "two backends are named \"eu\"",
            ),
            (
                vec![
                    "eu=http://u:secret@127.0.0.1:9090",
                    "us=http://u:secret@127.0.0.1:9090/",
                ],
                "is given twice (as \"eu\" and \"us\")",
            ),
            (
                vec!["eu west=http://127.0.0.1:9090", "us=http://127.0.0.1:9091"],
                "\"eu west\" cannot name a backend",
            ),
        ] {
            let flags: Vec<&str> = args.iter().flat_map(|a| ["--prometheus", a]).collect();
            let error = backends(&flags).unwrap_err();
            assert!(
                error.starts_with("--prometheus: ") || error.contains("--prometheus"),
                "{error}"
            );
            assert!(error.contains(why), "{error}");
            assert!(!error.contains("secret"), "{error}");
        }
        let nine: Vec<String> = (0..9)
            .map(|i| format!("b{i}=http://127.0.0.1:{}", 9000 + i))
            .collect();
        let flags: Vec<&str> = nine
            .iter()
            .flat_map(|a| ["--prometheus", a.as_str()])
            .collect();
        let error = backends(&flags).unwrap_err();
        assert!(error.contains("9 backends; at most 8"), "{error}");
    }
}
