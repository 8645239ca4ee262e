//! Our own requests for the registry operations whose answers must be read in full: blob HEAD,
//! blob upload (`POST` then `PUT`), manifest PUT and a manifest GET with a size cap. oci-client
//! turns a failed answer into an error without its headers, so a `Retry-After` would be lost;
//! here the status, a bounded piece of the body and `Retry-After` all reach the retry loop.
//! Credentials are oci-client's token (or the Basic pair), sent only to the registry's own
//! origin: never to an upload `Location` on another host.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use oci_client::errors::OciDistributionError;
use reqwest::header::{HeaderMap, HeaderValue, AUTHORIZATION, CONTENT_TYPE, LOCATION};
use reqwest::{Response, Url};

/// Why one request of ours failed.
pub enum OpError {
    /// From oci-client (token fetch, its own operations) or the transport.
    Client(OciDistributionError),
    /// The registry answered with an unexpected status.
    Http {
        code: u16,
        /// At most `MAX_ERROR_BODY` bytes of the answer, lossily decoded.
        body: String,
        /// How long the registry asked us to wait (`Retry-After`), if it said.
        retry_after: Option<Duration>,
    },
}

impl From<OciDistributionError> for OpError {
    fn from(e: OciDistributionError) -> OpError {
        OpError::Client(e)
    }
}

impl From<reqwest::Error> for OpError {
    fn from(e: reqwest::Error) -> OpError {
        OpError::Client(e.into())
    }
}

/// An error body is only shown, cut to one line: 4 KiB of it is plenty.
const MAX_ERROR_BODY: u64 = 4 << 10;

/// Where and as whom one operation talks: `base` is `scheme://host[:port]`.
#[derive(Clone)]
pub struct Endpoint {
    pub http: reqwest::Client,
    pub base: String,
    pub repository: String,
    /// The `Authorization` value for the registry's origin (marked sensitive), if any.
    pub authz: Option<HeaderValue>,
}

impl Endpoint {
    fn url(&self, rest: &str) -> String {
        format!("{}/v2/{}/{rest}", self.base, self.repository)
    }

    /// A request to `url`, with credentials only when `url` is on the registry's origin.
    fn request(&self, method: reqwest::Method, url: Url) -> reqwest::RequestBuilder {
        let same_origin = Url::parse(&self.base)
            .map(|b| b.origin() == url.origin())
            .unwrap_or(false);
        let mut req = self.http.request(method, url);
        if let (true, Some(a)) = (same_origin, &self.authz) {
            req = req.header(AUTHORIZATION, a.clone());
        }
        req
    }

    fn parse(&self, url: &str) -> Result<Url, OpError> {
        Url::parse(url).map_err(|_| generic(format!("bad registry URL {url:?}")))
    }

    /// `HEAD` a blob: whether the repository has it.
    pub async fn has_blob(&self, digest: &str) -> Result<bool, OpError> {
        let url = self.parse(&self.url(&format!("blobs/{digest}")))?;
        let resp = self.request(reqwest::Method::HEAD, url).send().await?;
        match resp.status().as_u16() {
            200 => Ok(true),
            404 => Ok(false),
            _ => Err(failed(resp).await),
        }
    }

    /// Uploads a blob in one piece: `POST` opens the upload, `PUT` to its `Location` sends the
    /// bytes and the digest. A failed try starts again from the `POST`.
    pub async fn put_blob(&self, digest: &str, data: bytes::Bytes) -> Result<(), OpError> {
        let start = self.parse(&self.url("blobs/uploads/"))?;
        let resp = self
            .request(reqwest::Method::POST, start.clone())
            .header(reqwest::header::CONTENT_LENGTH, "0")
            .send()
            .await?;
        if resp.status().as_u16() != 202 {
            return Err(failed(resp).await);
        }
        let location = resp
            .headers()
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .ok_or_else(|| generic("upload started without a Location".into()))?;
        // Relative locations are resolved against the upload URL, as HTTP says.
        let mut url = start
            .join(location)
            .map_err(|_| generic("upload Location is not a URL".into()))?;
        if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
            return Err(generic(
                "upload Location is not an http(s) URL with a host".into(),
            ));
        }
        url.query_pairs_mut().append_pair("digest", digest);
        let resp = self
            .request(reqwest::Method::PUT, url)
            .header(CONTENT_TYPE, "application/octet-stream")
            .body(data)
            .send()
            .await?;
        match resp.status().as_u16() {
            201 | 204 => Ok(()),
            _ => Err(failed(resp).await),
        }
    }

    /// `PUT` a manifest under a tag or its digest.
    pub async fn put_manifest(
        &self,
        reference: &str,
        media_type: HeaderValue,
        data: bytes::Bytes,
    ) -> Result<(), OpError> {
        let url = self.parse(&self.url(&format!("manifests/{reference}")))?;
        let resp = self
            .request(reqwest::Method::PUT, url)
            .header(CONTENT_TYPE, media_type)
            .body(data)
            .send()
            .await?;
        match resp.status().as_u16() {
            200 | 201 | 204 => Ok(()),
            _ => Err(failed(resp).await),
        }
    }

    /// `GET` a manifest, reading at most `limit` bytes of it; `None` on 404. Returns the body
    /// and the `Content-Type` without parameters.
    pub async fn get_manifest(
        &self,
        reference: &str,
        accept: &str,
        limit: u64,
    ) -> Result<Option<(Vec<u8>, Option<String>)>, OpError> {
        let url = self.parse(&self.url(&format!("manifests/{reference}")))?;
        let mut resp = self
            .request(reqwest::Method::GET, url)
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await?;
        match resp.status().as_u16() {
            200 => {}
            404 => return Ok(None),
            _ => return Err(failed(resp).await),
        }
        let too_big = || {
            generic(format!(
                "manifest {reference} is over the {limit}-byte limit"
            ))
        };
        if resp.content_length().is_some_and(|len| len > limit) {
            return Err(too_big());
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(too_big());
            }
            body.extend_from_slice(&chunk);
        }
        let media_type = resp
            .headers()
            .get(CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(|v| v.split(';').next().unwrap_or(v).trim().to_string());
        Ok(Some((body, media_type)))
    }
}

/// The OCI 1.1 referrers API, kept apart from the manifest calls above.
impl Endpoint {
    /// `GET /v2/<name>/referrers/<digest>`: the image index of `digest`'s referrers, at most
    /// `limit` bytes; `None` when the registry has no referrers API (it answers 404, as
    /// Distribution 2.x does for an unknown route).
    pub async fn get_referrers(
        &self,
        digest: &str,
        limit: u64,
    ) -> Result<Option<Vec<u8>>, OpError> {
        let url = self.parse(&self.url(&format!("referrers/{digest}")))?;
        let mut resp = self
            .request(reqwest::Method::GET, url)
            .header(reqwest::header::ACCEPT, super::INDEX_V1)
            .send()
            .await?;
        match resp.status().as_u16() {
            200 => {}
            404 | 405 => return Ok(None),
            _ => return Err(failed(resp).await),
        }
        let mut body = Vec::new();
        while let Some(chunk) = resp.chunk().await? {
            if (body.len() + chunk.len()) as u64 > limit {
                return Err(generic(format!(
                    "referrers of {digest}: over the {limit}-byte limit"
                )));
            }
            body.extend_from_slice(&chunk);
        }
        Ok(Some(body))
    }
}

fn generic(message: String) -> OpError {
    OpError::Client(OciDistributionError::GenericError(Some(message)))
}

/// An unexpected answer: its status, `Retry-After`, and the start of its body.
async fn failed(mut resp: Response) -> OpError {
    let code = resp.status().as_u16();
    let retry_after = retry_after(resp.headers(), SystemTime::now());
    let mut body = Vec::new();
    // A body that breaks off is still worth its first bytes in the message.
    while let Ok(Some(chunk)) = resp.chunk().await {
        let room = MAX_ERROR_BODY as usize - body.len();
        body.extend_from_slice(&chunk[..chunk.len().min(room)]);
        if body.len() as u64 >= MAX_ERROR_BODY {
            break;
        }
    }
    OpError::Http {
        code,
        body: String::from_utf8_lossy(&body).into_owned(),
        retry_after,
    }
}

/// `Retry-After` as a wait from `now`: delay-seconds or an HTTP-date (RFC 9110 §10.2.3). A date
/// in the past is a wait of zero; an unreadable value is ignored.
pub fn retry_after(headers: &HeaderMap, now: SystemTime) -> Option<Duration> {
    let v = headers
        .get(reqwest::header::RETRY_AFTER)?
        .to_str()
        .ok()?
        .trim();
    if !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()) {
        // Absurd values saturate; the caller bounds the wait anyway.
        return Some(Duration::from_secs(v.parse().unwrap_or(u64::MAX)));
    }
    let at = UNIX_EPOCH + Duration::from_secs(http_date(v)?);
    Some(at.duration_since(now).unwrap_or(Duration::ZERO))
}

/// Seconds since the epoch of an HTTP-date in any of its three forms: IMF-fixdate
/// (`Sun, 06 Nov 1994 08:49:37 GMT`), RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime
/// (`Sun Nov  6 08:49:37 1994`).
pub fn http_date(s: &str) -> Option<u64> {
    let words: Vec<&str> = s.split_ascii_whitespace().collect();
    let (day, month, year, time) = match words.as_slice() {
        [wd, d, m, y, t, "GMT"] if wd.ends_with(',') => (*d, *m, y.parse::<u64>().ok()?, *t),
        [wd, dmy, t, "GMT"] if wd.ends_with(',') => {
            let mut p = dmy.split('-');
            let (d, m, y) = (p.next()?, p.next()?, p.next()?);
            if p.next().is_some() || y.len() != 2 {
                return None;
            }
            // RFC 9110: a two-digit year more than 50 years ahead is in the past century.
            let y: u64 = y.parse().ok()?;
            (d, m, if y < 70 { 2000 + y } else { 1900 + y }, *t)
        }
        [_, m, d, t, y] => (*d, *m, y.parse::<u64>().ok()?, *t),
        _ => return None,
    };
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let month = MONTHS.iter().position(|m| *m == month)? as u64 + 1;
    let day: u64 = day.parse().ok()?;
    let mut hms = time.split(':').map(|x| x.parse::<u64>().ok());
    let (h, mi, sec) = (hms.next()??, hms.next()??, hms.next()??);
    if hms.next().is_some() || !(1..=31).contains(&day) || h > 23 || mi > 59 || sec > 60 {
        return None;
    }
    if !(1970..=9999).contains(&year) {
        return None;
    }
    Some(days_from_civil(year, month, day) * 86400 + h * 3600 + mi * 60 + sec)
}

/// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (year ≥ 1970).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    // Howard Hinnant's algorithm, with March as the first month so leap days come last.
    let y = if m <= 2 { y - 1 } else { y };
    let era = y / 400;
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146097 + doe - 719468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn http_dates_in_all_three_forms() {
        let t = 784111777; // Sun, 06 Nov 1994 08:49:37 GMT
        assert_eq!(http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(t));
        assert_eq!(http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(t));
        assert_eq!(http_date("Sun Nov  6 08:49:37 1994"), Some(t));
        assert_eq!(http_date("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date("Tue, 29 Feb 2028 12:00:00 GMT"), Some(1835438400));
        for bad in [
            "",
            "Sun, 06 Nov 1994 08:49:37 UTC",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "Sun, 32 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 24:00:00 GMT",
            "Sun, 06 Nov 1994 08:49 GMT",
            "Sun, 06 Nov 99999999999999999999 08:49:37 GMT",
            "Sun, 06 Nov 1969 08:49:37 GMT",
        ] {
            assert_eq!(http_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = UNIX_EPOCH + Duration::from_secs(784111777);
        let h = |v: &str| {
            let mut m = HeaderMap::new();
            m.insert(
                reqwest::header::RETRY_AFTER,
                HeaderValue::from_str(v).unwrap(),
            );
            retry_after(&m, now)
        };
        assert_eq!(h("3"), Some(Duration::from_secs(3)));
        assert_eq!(h(" 120 "), Some(Duration::from_secs(120)));
        assert_eq!(
            h("Sun, 06 Nov 1994 08:49:47 GMT"),
            Some(Duration::from_secs(10))
        );
        assert_eq!(h("Sun, 06 Nov 1994 08:00:00 GMT"), Some(Duration::ZERO));
        assert!(h("99999999999999999999999").is_some());
        assert_eq!(h("-1"), None);
        assert_eq!(h("1.5"), None);
        assert_eq!(h("soon"), None);
        assert_eq!(retry_after(&HeaderMap::new(), now), None);
    }

    #[test]
    fn retry_after_values_parse_or_are_ignored() {
        use crate::proptests::{check, CASES};
        use proptest::prelude::*;
        // Near-valid dates in the three forms (fields out of range included), and anything.
        let input = || {
            let date = (
                0u32..40,
                prop::sample::select(vec!["Jan", "Feb", "Nov", "Dec", "Foo", ""]),
                prop_oneof![1900u64..2200, any::<u64>()],
                (0u32..30, 0u32..70, 0u32..70),
                0u8..3,
            )
                .prop_map(|(d, m, y, (h, mi, s), form)| match form {
                    0 => format!("Sun, {d:02} {m} {y} {h:02}:{mi:02}:{s:02} GMT"),
                    1 => format!(
                        "Sunday, {d:02}-{m}-{:02} {h:02}:{mi:02}:{s:02} GMT",
                        y % 100
                    ),
                    _ => format!("Sun {m} {d:>2} {h:02}:{mi:02}:{s:02} {y}"),
                });
            prop_oneof![date, any::<String>(), "[0-9]{1,30}"]
        };
        check("Retry-After values", CASES, input, |text| {
            let Ok(v) = HeaderValue::from_str(&text) else {
                return Ok(());
            };
            let mut m = HeaderMap::new();
            m.insert(reqwest::header::RETRY_AFTER, v);
            let now = UNIX_EPOCH + Duration::from_secs(1_800_000_000);
            let wait = retry_after(&m, now);
            if let Some(t) = http_date(&text) {
                // A date parses to within years 1970..=9999.
                prop_assert!(t < 253_402_300_800, "{text}: {t}");
            }
            if text.trim().bytes().all(|b| b.is_ascii_digit()) && !text.trim().is_empty() {
                prop_assert!(wait.is_some(), "{text}");
            }
            Ok(())
        });
    }
}
