//! TLS beyond the defaults: a company CA trusted besides the system's and webpki's roots, a
//! client certificate for mutual TLS, and no verification at all when asked for by name.
//! The files are read and checked here, at start, so a wrong path or a key that does not
//! belong to its certificate is told with the file and the reason, never found out by the
//! first handshake. No message quotes a file's content: a key is a secret.

use crate::config::file;
use reqwest::{Certificate, ClientBuilder, Identity};
use rustls::pki_types::pem::{self, PemObject};
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use std::path::{Path, PathBuf};

/// What the status bar keeps saying while certificates go unchecked.
pub const INSECURE_NOTE: &str = "⚠ TLS certificates NOT verified (--insecure-skip-verify)";

/// What the client trusts and presents.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct TlsOptions {
    /// PEM file of CA certificates trusted besides the system's store and webpki's roots.
    pub ca_cert: Option<PathBuf>,
    /// PEM certificate (chain) presented to servers that ask for one (mutual TLS).
    pub client_cert: Option<PathBuf>,
    /// The PEM private key of `client_cert`.
    pub client_key: Option<PathBuf>,
    /// Accept any certificate: encrypted, but to a server nobody vouches for.
    pub insecure_skip_verify: bool,
}

/// Why the TLS files cannot be used; the path and the reason, never the content.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read the {what} {}: {reason}", path.display())]
    Read {
        what: &'static str,
        path: PathBuf,
        reason: std::io::Error,
    },
    #[error("the {what} {} {reason}", path.display())]
    Invalid {
        what: &'static str,
        path: PathBuf,
        reason: String,
    },
    #[error("a client certificate needs its key and a key its certificate: {0} is missing")]
    Unpaired(&'static str),
}

const CA: &str = "CA certificate file";
const CLIENT_CERT: &str = "client certificate file";
const CLIENT_KEY: &str = "client key file";

/// `builder` with the CA, the client certificate and the verification `options` ask for.
pub(super) fn configure(
    mut builder: ClientBuilder,
    options: &TlsOptions,
) -> Result<ClientBuilder, TlsError> {
    if let Some(path) = &options.ca_cert {
        for der in trusted_cas(path)? {
            let certificate = Certificate::from_der(&der)
                .map_err(|_| invalid(CA, path, "is not a certificate"))?;
            builder = builder.add_root_certificate(certificate);
        }
    }
    match (&options.client_cert, &options.client_key) {
        (Some(cert), Some(key)) => builder = builder.identity(identity(cert, key)?),
        (Some(_), None) => return Err(TlsError::Unpaired("the key")),
        (None, Some(_)) => return Err(TlsError::Unpaired("the certificate")),
        (None, None) => {}
    }
    Ok(builder.danger_accept_invalid_certs(options.insecure_skip_verify))
}

/// The certificates of a CA file, each checked to be usable as a trust anchor.
fn trusted_cas(path: &Path) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let text = read(CA, path)?;
    let certificates = certificates(CA, path, &text)?;
    for der in &certificates {
        webpki::anchor_from_trusted_cert(der)
            .map_err(|_| invalid(CA, path, "holds a certificate that cannot be a CA"))?;
    }
    Ok(certificates)
}

/// The client's certificate chain and key, checked to belong together.
fn identity(cert: &Path, key: &Path) -> Result<Identity, TlsError> {
    let cert_text = read(CLIENT_CERT, cert)?;
    let chain = certificates(CLIENT_CERT, cert, &cert_text)?;
    let key_text = read(CLIENT_KEY, key)?;
    let private = PrivateKeyDer::from_pem_slice(&key_text).map_err(|e| match e {
        pem::Error::NoItemsFound => invalid(CLIENT_KEY, key, "holds no private key (PEM)"),
        e => invalid(CLIENT_KEY, key, pem_problem(&e)),
    })?;
    let provider = rustls::crypto::ring::default_provider();
    rustls::sign::CertifiedKey::from_der(chain, private, &provider).map_err(|e| match e {
        rustls::Error::InconsistentKeys(_) => invalid(
            CLIENT_KEY,
            key,
            &format!("is not the key of {}", cert.display()),
        ),
        _ => invalid(CLIENT_KEY, key, "is not a key this client can sign with"),
    })?;
    // reqwest takes one PEM text holding both.
    let mut both = cert_text;
    both.push(b'\n');
    both.extend_from_slice(&key_text);
    Identity::from_pem(&both)
        .map_err(|_| invalid(CLIENT_KEY, key, "cannot be used with the certificate"))
}

fn read(what: &'static str, path: &Path) -> Result<Vec<u8>, TlsError> {
    let kind = if what == CLIENT_KEY {
        file::Kind::PrivateKey
    } else {
        file::Kind::Certificate
    };
    file::read(path, kind).map_err(|reason| TlsError::Read {
        what,
        path: path.to_path_buf(),
        reason,
    })
}

/// Every certificate in a PEM text; none is an error.
fn certificates(
    what: &'static str,
    path: &Path,
    text: &[u8],
) -> Result<Vec<CertificateDer<'static>>, TlsError> {
    let certificates = CertificateDer::pem_slice_iter(text)
        .collect::<Result<Vec<_>, _>>()
        .map_err(|e| invalid(what, path, pem_problem(&e)))?;
    if certificates.is_empty() {
        return Err(invalid(what, path, "holds no certificate (PEM)"));
    }
    Ok(certificates)
}

/// A PEM parse error in words that quote nothing of the file.
fn pem_problem(error: &pem::Error) -> &'static str {
    match error {
        pem::Error::MissingSectionEnd { .. } => "is cut short: a PEM section has no END line",
        pem::Error::IllegalSectionStart { .. } => "has a malformed BEGIN line",
        pem::Error::Base64Decode(_) => "is damaged: a PEM section is not valid base64",
        _ => "is not PEM",
    }
}

fn invalid(what: &'static str, path: &Path, reason: &str) -> TlsError {
    TlsError::Invalid {
        what,
        path: path.to_path_buf(),
        reason: reason.to_string(),
    }
}
