//! The answer to CloudFormation: a JSON body PUT to the request's pre-signed `ResponseURL`.
//!
//! The body may not exceed 4096 bytes: [`Response::body`] cuts `Reason` first (keeping its
//! start, where the first problem is named) and then drops `Data` entries from the least
//! important end. The PUT carries an empty `Content-Type` (the URL is signed without one) and
//! is retried with backoff on transport errors and 5xx answers, within the caller's deadline.
//! The URL is a bearer credential: it is never logged, and its `Debug` form is redacted.

use std::fmt;
use std::time::Duration;

use aws_lambda_events::cloudformation::{
    CloudFormationCustomResourceResponse, CloudFormationCustomResourceResponseStatus,
};
use aws_smithy_http_client::tls::{rustls_provider::CryptoMode, Provider};
use aws_smithy_http_client::Connector;
use aws_smithy_runtime_api::client::http::HttpConnector;
use aws_smithy_runtime_api::client::orchestrator::HttpRequest;
use aws_smithy_types::body::SdkBody;
use tokio::time::Instant;

/// Largest body CloudFormation accepts.
pub const MAX_BODY_BYTES: usize = 4096;
/// Appended to a `Reason` that had to be cut.
pub const CUT_MARKER: &str = " [cut: the full message is in the function's log]";
/// Attempts of the PUT.
pub const PUT_ATTEMPTS: u32 = 5;
/// Pause before the second attempt; doubled each time.
pub const FIRST_RETRY_PAUSE: Duration = Duration::from_millis(500);
/// Time allowed for one attempt.
pub const PUT_ATTEMPT_TIMEOUT: Duration = Duration::from_secs(10);

/// The pre-signed S3 URL a response goes to. A bearer credential: `Debug` and `Display` never
/// show it.
#[derive(Clone, PartialEq, Eq)]
pub struct ResponseUrl(String);

impl ResponseUrl {
    /// Wraps the URL.
    pub fn new(url: impl Into<String>) -> Self {
        Self(url.into())
    }

    /// The URL itself, for the PUT only.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

/// Hosts a response URL may name besides CloudFormation's response buckets
/// (`SECURE_MLOPS_ALLOWED_RESPONSE_HOST`: a comma-separated list of `host` or `host:port`, for
/// an emulator's local CloudFormation; empty in a real account).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AllowedResponseHosts(Vec<String>);

impl AllowedResponseHosts {
    /// No host beyond CloudFormation's buckets.
    pub fn none() -> Self {
        Self::default()
    }

    /// Reads `host[:port]` entries separated by commas (blank entries ignored, case folded).
    pub fn parse(text: &str) -> Self {
        Self(
            text.split(',')
                .map(|h| h.trim().to_ascii_lowercase())
                .filter(|h| !h.is_empty())
                .collect(),
        )
    }

    /// Whether `authority` (`host` or `host:port`, no user info) is listed.
    fn allows(&self, authority: &str) -> bool {
        let authority = authority.to_ascii_lowercase();
        self.0.contains(&authority)
    }
}

/// Why a response URL is refused. Names the host at most, never the query (a signature).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("refused the ResponseURL: {0}; the function answers only CloudFormation's response buckets (https://cloudformation-custom-resource-response-<region>.s3[.-<region>].amazonaws.com[.cn]/), or a host listed in SECURE_MLOPS_ALLOWED_RESPONSE_HOST")]
pub struct RefusedUrl(String);

/// The bucket CloudFormation signs custom-resource response URLs for, in each region: its
/// name ends with the region, written without dashes (`useast1`) or with them.
const RESPONSE_BUCKET_PREFIX: &str = "cloudformation-custom-resource-response-";

/// `true` for a region name with its dashes: `us-east-1`, `cn-north-1`, `us-gov-west-1`.
fn is_region(text: &str) -> bool {
    let parts: Vec<&str> = text.split('-').collect();
    parts.len() >= 3
        && parts[..parts.len() - 1]
            .iter()
            .all(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_lowercase()))
        && parts[parts.len() - 1].bytes().all(|b| b.is_ascii_digit())
        && !parts[parts.len() - 1].is_empty()
}

/// `true` for the region in a response bucket's name: written without dashes (`useast1`, as
/// CloudFormation names its buckets) or with them.
fn is_bucket_region(text: &str) -> bool {
    let digits = text.trim_start_matches(|c: char| c.is_ascii_lowercase());
    let letters = text.len() - digits.len();
    is_region(text)
        || (letters >= 4 && !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()))
}

/// `true` for a virtual-hosted S3 name of CloudFormation's response bucket:
/// `cloudformation-custom-resource-response-<region>` followed by `.s3.amazonaws.com`,
/// `.s3.<region>.amazonaws.com` or `.s3-<region>.amazonaws.com`, in the `aws` and `aws-us-gov`
/// partitions (`amazonaws.com`) and in China (`amazonaws.com.cn`).
pub fn is_cloudformation_response_host(host: &str) -> bool {
    let Some(rest) = host.strip_prefix(RESPONSE_BUCKET_PREFIX) else {
        return false;
    };
    let Some(endpoint) = rest
        .strip_suffix(".amazonaws.com")
        .or_else(|| rest.strip_suffix(".amazonaws.com.cn"))
    else {
        return false;
    };
    // endpoint: <bucket region>.s3 | <bucket region>.s3.<region> | <bucket region>.s3-<region>
    let Some((bucket_region, s3)) = endpoint.split_once('.') else {
        return false;
    };
    if !is_bucket_region(bucket_region) {
        return false;
    }
    match s3 {
        "s3" => true,
        _ => s3
            .strip_prefix("s3.")
            .or_else(|| s3.strip_prefix("s3-"))
            .is_some_and(is_region),
    }
}

impl ResponseUrl {
    /// Checks that the URL is one CloudFormation gives: HTTPS to its response bucket in S3,
    /// no user info, no port but 443. A host listed in `allowed` is accepted over HTTP or
    /// HTTPS (a local emulator). The check reads the URL with the parser the PUT uses
    /// ([`http::Uri`]), so the host checked is the host called.
    pub fn check(&self, allowed: &AllowedResponseHosts) -> Result<(), RefusedUrl> {
        let uri: http::Uri = self
            .0
            .parse()
            .map_err(|_| RefusedUrl("it is not a valid URL".into()))?;
        let scheme = uri.scheme_str().unwrap_or("");
        let authority = uri
            .authority()
            .ok_or_else(|| RefusedUrl("it names no host".into()))?;
        if authority.as_str().contains('@') {
            return Err(RefusedUrl(
                "it carries user information before its host".into(),
            ));
        }
        let host = authority.host().to_ascii_lowercase();
        if allowed.allows(authority.as_str()) && (scheme == "http" || scheme == "https") {
            return Ok(());
        }
        if scheme != "https" {
            return Err(RefusedUrl(format!(
                "its scheme is {scheme:?}, not https (host {host})"
            )));
        }
        if authority.port_u16().is_some_and(|p| p != 443) {
            return Err(RefusedUrl(format!("it names a port on host {host}")));
        }
        if !is_cloudformation_response_host(&host) {
            return Err(RefusedUrl(format!(
                "host {host} is not a CloudFormation response bucket"
            )));
        }
        Ok(())
    }
}

impl fmt::Debug for ResponseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ResponseUrl(<redacted>)")
    }
}

impl fmt::Display for ResponseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<response url>")
    }
}

/// SUCCESS or FAILED.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Status {
    /// The operation succeeded.
    Success,
    /// It failed; `Reason` says why.
    Failed,
}

/// One answer, before it is cut to size.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Response {
    /// SUCCESS or FAILED.
    pub status: Status,
    /// Why it failed (required when FAILED).
    pub reason: Option<String>,
    /// The resource's id; a different one on Update means replacement.
    pub physical_resource_id: String,
    /// Copied from the request.
    pub stack_id: String,
    /// Copied from the request.
    pub request_id: String,
    /// Copied from the request.
    pub logical_resource_id: String,
    /// `Fn::GetAtt` values, most important first (dropped from the end when too large).
    pub data: Vec<(String, String)>,
}

impl Response {
    fn serialize(&self, reason: Option<&str>, data_len: usize) -> Vec<u8> {
        let mut r = CloudFormationCustomResourceResponse::default();
        r.status = match self.status {
            Status::Success => CloudFormationCustomResourceResponseStatus::Success,
            Status::Failed => CloudFormationCustomResourceResponseStatus::Failed,
        };
        r.reason = reason.map(str::to_string);
        r.physical_resource_id = self.physical_resource_id.clone();
        r.stack_id = self.stack_id.clone();
        r.request_id = self.request_id.clone();
        r.logical_resource_id = self.logical_resource_id.clone();
        r.no_echo = false;
        r.data = self.data.iter().take(data_len).cloned().collect();
        // Serialising a struct of strings and a string map cannot fail.
        serde_json::to_vec(&r).unwrap_or_default()
    }

    /// The JSON body, at most [`MAX_BODY_BYTES`]: `Reason` cut first (to the longest start
    /// that fits), then `Data` entries dropped from the end. Returns the body and the names of
    /// dropped `Data` keys.
    pub fn body(&self) -> (Vec<u8>, Vec<String>) {
        let mut data_len = self.data.len();
        let full = self.serialize(self.reason.as_deref(), data_len);
        if full.len() <= MAX_BODY_BYTES {
            return (full, Vec::new());
        }
        let mut reason = self.reason.clone();
        if let Some(text) = &self.reason {
            let cut = |at: usize| format!("{}{CUT_MARKER}", &text[..at]);
            let fits = |at: usize| self.serialize(Some(&cut(at)), data_len).len() <= MAX_BODY_BYTES;
            // The longest start that fits: escaping makes the serialised length grow faster
            // than the text, so search rather than subtract.
            let (mut lo, mut hi) = (0usize, text.len());
            while lo < hi {
                let mut mid = lo + (hi - lo).div_ceil(2);
                while !text.is_char_boundary(mid) {
                    mid -= 1;
                }
                if mid <= lo {
                    break;
                }
                if fits(mid) {
                    lo = mid;
                } else {
                    hi = mid - 1;
                    while !text.is_char_boundary(hi) {
                        hi -= 1;
                    }
                }
            }
            reason = Some(if fits(lo) { cut(lo) } else { String::new() });
        }
        let mut body = self.serialize(reason.as_deref(), data_len);
        while body.len() > MAX_BODY_BYTES && data_len > 0 {
            data_len -= 1;
            body = self.serialize(reason.as_deref(), data_len);
        }
        let dropped = self.data[data_len..]
            .iter()
            .map(|(k, _)| k.clone())
            .collect();
        (body, dropped)
    }
}

/// Why a response could not be delivered.
#[derive(Debug, thiserror::Error)]
pub enum PutError {
    /// The URL is not a valid URI.
    #[error("the response URL is not a valid URI")]
    BadUrl,
    /// Every attempt failed; the last error.
    #[error("{attempts} attempt(s) failed; last: {last}")]
    Failed {
        /// Attempts made.
        attempts: u32,
        /// What the last one said.
        last: String,
    },
}

/// Sends responses over the AWS SDK's own HTTP stack (hyper, rustls with aws-lc, the system's
/// root certificates).
#[derive(Debug)]
pub struct ResponseSender {
    connector: Connector,
}

impl Default for ResponseSender {
    fn default() -> Self {
        Self::new()
    }
}

impl ResponseSender {
    /// A sender with its own connection pool.
    pub fn new() -> Self {
        ResponseSender {
            connector: Connector::builder()
                .tls_provider(Provider::Rustls(CryptoMode::AwsLc))
                .build(),
        }
    }

    /// PUTs `body` to `url`, retrying transport errors and 5xx answers with backoff until
    /// [`PUT_ATTEMPTS`] or `deadline`. A 4xx answer (an expired or wrong URL) is final.
    pub async fn put(
        &self,
        url: &ResponseUrl,
        body: &[u8],
        deadline: Instant,
    ) -> Result<(), PutError> {
        let uri: http::Uri = url.expose().parse().map_err(|_| PutError::BadUrl)?;
        let mut pause = FIRST_RETRY_PAUSE;
        let mut last = String::new();
        for attempt in 1..=PUT_ATTEMPTS {
            let request = http::Request::builder()
                .method(http::Method::PUT)
                .uri(uri.clone())
                // The URL is signed without a content type: sending one breaks the signature.
                .header(http::header::CONTENT_TYPE, "")
                .header(http::header::CONTENT_LENGTH, body.len().to_string())
                .body(SdkBody::from(body.to_vec()))
                .map_err(|_| PutError::BadUrl)?;
            let request = HttpRequest::try_from(request).map_err(|_| PutError::BadUrl)?;
            let budget = deadline
                .saturating_duration_since(Instant::now())
                .min(PUT_ATTEMPT_TIMEOUT);
            match tokio::time::timeout(budget, self.connector.call(request)).await {
                Ok(Ok(response)) => {
                    let status = response.status().as_u16();
                    if (200..300).contains(&status) {
                        tracing::debug!(attempt, status, "response delivered");
                        return Ok(());
                    }
                    last = format!("HTTP {status}");
                    if (400..500).contains(&status) {
                        return Err(PutError::Failed {
                            attempts: attempt,
                            last,
                        });
                    }
                }
                // The error text names the host at most, never the signed query.
                Ok(Err(e)) => last = format!("transport error: {}", error_kind(&e)),
                Err(_) => last = format!("no answer within {budget:?}"),
            }
            tracing::warn!(attempt, error = %last, "response PUT failed");
            if attempt == PUT_ATTEMPTS || Instant::now() + pause >= deadline {
                return Err(PutError::Failed {
                    attempts: attempt,
                    last,
                });
            }
            tokio::time::sleep(pause).await;
            pause *= 2;
        }
        Err(PutError::Failed {
            attempts: PUT_ATTEMPTS,
            last,
        })
    }
}

/// What kind of transport error it was, without its text (which may quote the URL).
fn error_kind(e: &aws_smithy_runtime_api::client::result::ConnectorError) -> &'static str {
    if e.is_timeout() {
        "timeout"
    } else if e.is_io() {
        "connection failed"
    } else if e.is_user() {
        "invalid request"
    } else {
        "other"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn response(reason: Option<String>, data: Vec<(String, String)>) -> Response {
        Response {
            status: Status::Failed,
            reason,
            physical_resource_id: "team-a-dev".into(),
            stack_id: "arn:aws:cloudformation:us-east-1:123456789012:stack/s/1".into(),
            request_id: "req-1".into(),
            logical_resource_id: "Env".into(),
            data,
        }
    }

    fn parsed(body: &[u8]) -> serde_json::Value {
        serde_json::from_slice(body).unwrap()
    }

    #[test]
    fn small_bodies_are_sent_as_they_are() {
        let (body, dropped) = response(Some("bad".into()), vec![]).body();
        let v = parsed(&body);
        assert_eq!(v["Status"], "FAILED");
        assert_eq!(v["Reason"], "bad");
        assert_eq!(v["PhysicalResourceId"], "team-a-dev");
        assert_eq!(v["LogicalResourceId"], "Env");
        assert!(dropped.is_empty());
    }

    #[test]
    fn a_long_reason_is_cut_to_fit_keeping_its_start() {
        let reason = format!("Network.VpcCidr: first problem; {}", "é\"x\n".repeat(3000));
        let (body, _) = response(Some(reason), vec![]).body();
        assert!(body.len() <= MAX_BODY_BYTES, "{}", body.len());
        assert!(
            body.len() > MAX_BODY_BYTES - 200,
            "cut no more than needed: {}",
            body.len()
        );
        let v = parsed(&body);
        let text = v["Reason"].as_str().unwrap();
        assert!(text.starts_with("Network.VpcCidr: first problem"));
        assert!(text.ends_with(CUT_MARKER));
    }

    #[test]
    fn data_is_dropped_from_the_end_when_it_alone_is_too_large() {
        let data: Vec<(String, String)> = (0..100)
            .map(|i| (format!("Key{i:03}"), "v".repeat(60)))
            .collect();
        let mut r = response(None, data);
        r.status = Status::Success;
        let (body, dropped) = r.body();
        assert!(body.len() <= MAX_BODY_BYTES);
        let v = parsed(&body);
        assert!(v["Data"]["Key000"].is_string(), "the first keys stay");
        assert!(!dropped.is_empty());
        assert_eq!(dropped.last().map(String::as_str), Some("Key099"));
    }

    fn check(url: &str) -> Result<(), RefusedUrl> {
        ResponseUrl::new(url).check(&AllowedResponseHosts::none())
    }

    const QUERY: &str = "?X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIA%2F20240101%2Fus-east-1%2Fs3%2Faws4_request&X-Amz-Date=20240101T000000Z&X-Amz-Expires=7200&X-Amz-SignedHeaders=host&X-Amz-Signature=abcdef0123";

    #[test]
    fn cloudformations_response_urls_are_accepted() {
        for host in [
            // us-east-1: the global endpoint, the region written without dashes.
            "cloudformation-custom-resource-response-useast1.s3.amazonaws.com",
            "cloudformation-custom-resource-response-useast1.s3.us-east-1.amazonaws.com",
            // eu-west-1: the older dash form and the dotted one.
            "cloudformation-custom-resource-response-euwest1.s3-eu-west-1.amazonaws.com",
            "cloudformation-custom-resource-response-euwest1.s3.eu-west-1.amazonaws.com",
            "cloudformation-custom-resource-response-eu-west-1.s3.eu-west-1.amazonaws.com",
            // China and GovCloud.
            "cloudformation-custom-resource-response-cnnorth1.s3.cn-north-1.amazonaws.com.cn",
            "cloudformation-custom-resource-response-cnnorth1.s3-cn-north-1.amazonaws.com.cn",
            "cloudformation-custom-resource-response-usgovwest1.s3.us-gov-west-1.amazonaws.com",
        ] {
            let url = format!("https://{host}/arn%3Aaws%3Acloudformation%3Aus-east-1%3A123456789012%3Astack/s/1%7CEnv%7Creq-1{QUERY}");
            assert_eq!(check(&url), Ok(()), "{host}");
            let upper = format!("https://{}/x{QUERY}", host.to_uppercase());
            assert_eq!(check(&upper), Ok(()), "hosts are case-insensitive: {upper}");
            assert_eq!(check(&format!("https://{host}:443/x")), Ok(()));
        }
    }

    #[test]
    fn other_urls_are_refused() {
        for url in [
            "http://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "ftp://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com:8443/x",
            "https://evil.com/?x=s3.amazonaws.com",
            "https://evil.com/cloudformation-custom-resource-response-useast1.s3.amazonaws.com",
            "https://cloudformation-custom-resource-response-us-east-1.s3.amazonaws.com@evil.com/",
            "https://user:pw@cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com.evil.com/x",
            "https://cloudformation-custom-resource-response-useast1.evil.com/x",
            "https://cloudformation-custom-resource-response-useast1.s3.amazonaws.co/x",
            "https://attacker-bucket.s3.amazonaws.com/x",
            "https://s3.amazonaws.com/cloudformation-custom-resource-response-useast1/x",
            "https://xcloudformation-custom-resource-response-useast1.s3.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-.s3.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-useast1.s3.evil.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-useast1.s3.us-east-1.s3.amazonaws.com/x",
            "https://cloudformation-custom-resource-response-useast1.s3-.amazonaws.com/x",
            "https://127.0.0.1:4566/x",
            "/relative/path",
            "",
            "not a url",
        ] {
            assert!(check(url).is_err(), "{url} must be refused");
        }
    }

    #[test]
    fn an_allowed_host_is_accepted_over_http_and_only_that_host() {
        let allowed = AllowedResponseHosts::parse(" 127.0.0.1:4566 , localhost:5000,");
        let ok = |u: &str| ResponseUrl::new(u).check(&allowed);
        assert_eq!(
            ok("http://127.0.0.1:4566/cloudformation_us-east-1/cfnresponse?q=1"),
            Ok(())
        );
        assert_eq!(ok("https://127.0.0.1:4566/x"), Ok(()));
        assert_eq!(ok("http://LOCALHOST:5000/x"), Ok(()));
        assert!(ok("http://127.0.0.1:4567/x").is_err(), "another port");
        assert!(
            ok("http://127.0.0.1/x").is_err(),
            "no port is another authority"
        );
        assert!(ok("http://evil.com:4566/x").is_err());
        assert!(ok("http://127.0.0.1:4566@evil.com/x").is_err());
        assert!(ok("file://127.0.0.1:4566/x").is_err());
        // The real buckets stay accepted next to the allowed host.
        assert_eq!(
            ok("https://cloudformation-custom-resource-response-useast1.s3.amazonaws.com/x"),
            Ok(())
        );
    }

    #[test]
    fn a_refusal_never_quotes_the_query() {
        let e = check("https://evil.com/x?X-Amz-Signature=secret").unwrap_err();
        let text = e.to_string();
        assert!(!text.contains("secret"), "{text}");
        assert!(text.contains("evil.com"), "names the host: {text}");
    }

    #[test]
    fn the_response_url_is_never_shown() {
        let url = ResponseUrl::new("https://bucket.s3.amazonaws.com/x?X-Amz-Signature=secret");
        assert!(!format!("{url:?} {url}").contains("secret"));
    }
}
