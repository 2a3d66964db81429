//! What every request carries besides the query: a credential (basic auth or a bearer
//! token) and the headers a gateway asks for (a tenant for Mimir or Cortex, an API key for
//! a proxy). Values are checked once, marked sensitive and never shown; a refusal names
//! the credential that was sent, never its secret.

use super::error::ClientError;
use reqwest::RequestBuilder;
use reqwest::header::{AUTHORIZATION, HeaderMap, HeaderName, HeaderValue};
use url::Url;

/// The header multi-tenant backends (Mimir, Cortex, Thanos' tenancy) read the tenant from.
pub const TENANT_HEADER: &str = "X-Scope-OrgID";

/// A basic-auth user and password given apart from the URL.
#[derive(Clone, PartialEq, Eq)]
pub struct BasicAuth {
    pub user: String,
    pub password: String,
}

impl std::fmt::Debug for BasicAuth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BasicAuth")
            .field("user", &self.user)
            .field("password", &"***")
            .finish()
    }
}

#[derive(Clone)]
pub(super) enum Auth {
    None,
    Basic {
        user: String,
        password: Option<String>,
    },
    /// The whole `Authorization` value, checked once and marked sensitive.
    Bearer(HeaderValue),
}

impl Auth {
    /// A bearer token wins over basic auth given apart, which wins over the URL's
    /// `user:password@`.
    pub(super) fn choose(
        bearer_token: Option<&str>,
        basic_auth: Option<&BasicAuth>,
        url: &Url,
    ) -> Result<Self, ClientError> {
        if let Some(token) = bearer_token {
            return Ok(Auth::Bearer(bearer(token)?));
        }
        if let Some(basic) = basic_auth {
            if basic.user.is_empty() || basic.user.contains(':') {
                return Err(ClientError::BasicAuthUser);
            }
            return Ok(Auth::Basic {
                user: basic.user.clone(),
                password: Some(basic.password.clone()),
            });
        }
        if url.username().is_empty() {
            return Ok(Auth::None);
        }
        Ok(Auth::Basic {
            user: url.username().to_string(),
            password: url.password().map(str::to_string),
        })
    }

    pub(super) fn apply(&self, request: RequestBuilder) -> RequestBuilder {
        match self {
            Auth::None => request,
            Auth::Basic { user, password } => request.basic_auth(user, password.as_ref()),
            Auth::Bearer(value) => request.header(AUTHORIZATION, value.clone()),
        }
    }

    /// The basic-auth password, which a server may quote decoded.
    pub(super) fn password(&self) -> Option<&str> {
        match self {
            Auth::Basic { password, .. } => password.as_deref(),
            Auth::None | Auth::Bearer(_) => None,
        }
    }

    /// Why the server said 401 or 403, naming what was sent (never its secret).
    pub(super) fn refused(&self, status: u16, header_given: bool) -> String {
        let sent = match self {
            Auth::Basic { user, .. } => format!("basic auth as {user}"),
            Auth::Bearer(_) => "the bearer token".to_string(),
            Auth::None if header_given => "the Authorization header given".to_string(),
            Auth::None if status == 403 => return "not authorised: forbidden".to_string(),
            Auth::None => {
                return "not authorised: no credentials were sent (give --basic-auth USER or \
                        --bearer-token-file FILE)"
                    .to_string();
            }
        };
        if status == 403 {
            return format!(
                "credentials refused: {sent} is forbidden here (a permission or tenant?)"
            );
        }
        let hint = match self {
            Auth::Basic { .. } => "wrong user or password?",
            _ => "wrong or expired?",
        };
        format!("credentials refused: {sent} ({hint})")
    }
}

/// The `Authorization` value for `token`, refused when it could only fail: empty, or
/// with characters a header cannot carry (a token file with two lines, say).
pub(super) fn bearer(token: &str) -> Result<HeaderValue, ClientError> {
    if token.trim().is_empty() {
        return Err(ClientError::BearerToken("is empty"));
    }
    if token.chars().any(char::is_control) {
        return Err(ClientError::BearerToken(
            "contains a control character (a line break?)",
        ));
    }
    let mut value = HeaderValue::from_str(&format!("Bearer {token}"))
        .map_err(|_| ClientError::BearerToken("is not a valid HTTP header value"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The extra headers of every request: `headers` as given, then the tenant (which wins
/// over an `X-Scope-OrgID` among them). An `Authorization` among them is refused when a
/// credential is set too: the server would get two.
pub(super) fn headers(
    headers: &[(String, String)],
    tenant: Option<&str>,
    has_credential: bool,
) -> Result<HeaderMap, ClientError> {
    let tenant = tenant.map(|id| (TENANT_HEADER.to_string(), id.to_string()));
    let mut map = HeaderMap::new();
    for (name, value) in headers.iter().chain(tenant.as_ref()) {
        let bad = |reason| ClientError::Header {
            name: name.clone(),
            reason,
        };
        let header = HeaderName::from_bytes(name.trim().as_bytes())
            .map_err(|_| bad("is not a valid header name"))?;
        if header == AUTHORIZATION && has_credential {
            return Err(bad(
                "would be sent twice: basic auth or a bearer token is given as well",
            ));
        }
        let mut value = HeaderValue::from_str(value.trim())
            .map_err(|_| bad("has a value HTTP cannot carry (a line break or non-ASCII?)"))?;
        // Header values may be API keys: never in a debug dump.
        value.set_sensitive(true);
        map.insert(header, value);
    }
    Ok(map)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refusals_name_the_credential_never_the_secret() {
        let url = Url::parse("http://127.0.0.1:9090").unwrap();
        let basic = BasicAuth {
            user: "ops".into(),
            password: "hunter2".into(),
        };
        let auth = Auth::choose(None, Some(&basic), &url).unwrap();
        let said = auth.refused(401, false);
        assert!(said.contains("basic auth as ops"), "{said}");
        assert!(!said.contains("hunter2") && !format!("{basic:?}").contains("hunter2"));
        let token = Auth::choose(Some("t0ken"), Some(&basic), &url).unwrap();
        assert_eq!(
            token.refused(401, false),
            "credentials refused: the bearer token (wrong or expired?)"
        );
        let none = Auth::choose(None, None, &url).unwrap();
        assert!(none.refused(401, false).contains("no credentials"));
        assert!(none.refused(401, true).contains("Authorization header"));
        assert!(auth.refused(403, false).contains("forbidden"));
        let from_url = Auth::choose(None, None, &Url::parse("http://ops:pw@h:1").unwrap());
        assert!(from_url.unwrap().refused(401, false).contains("as ops"));
    }

    #[test]
    fn users_with_a_colon_cannot_be_sent() {
        let url = Url::parse("http://127.0.0.1:9090").unwrap();
        let basic = BasicAuth {
            user: "a:b".into(),
            password: "pw".into(),
        };
        assert!(Auth::choose(None, Some(&basic), &url).is_err());
    }

    #[test]
    fn headers_are_checked_and_the_tenant_wins() {
        let given = vec![
            ("X-Scope-OrgID".to_string(), "other".to_string()),
            ("X-Api-Key".to_string(), " k3y ".to_string()),
        ];
        let map = headers(&given, Some("team-a"), false).unwrap();
        assert_eq!(map["x-scope-orgid"], "team-a");
        assert_eq!(map["x-api-key"], "k3y");
        assert!(map["x-api-key"].is_sensitive());

        let bad_name = headers(&[("X Key".into(), "v".into())], None, false).unwrap_err();
        assert!(bad_name.to_string().contains("X Key"), "{bad_name}");
        let bad_value = headers(&[("X-Key".into(), "s3cret\nx".into())], None, false);
        let said = bad_value.unwrap_err().to_string();
        assert!(said.contains("X-Key") && !said.contains("s3cret"), "{said}");
        let twice = headers(&[("Authorization".into(), "x".into())], None, true);
        assert!(twice.unwrap_err().to_string().contains("twice"));
        assert!(headers(&[("Authorization".into(), "ApiKey x".into())], None, false).is_ok());
    }
}
