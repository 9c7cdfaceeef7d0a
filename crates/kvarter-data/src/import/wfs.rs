//! Reading a layer from a WFS (`GetFeature`, GeoJSON output), as the city's GeoServer at
//! `wfs-kbhkort.kk.dk/k101/ows` serves its layers: paged with `count` and `startIndex` until
//! a page comes back short or `numberMatched` features have arrived. HTTP by `ureq` (blocking,
//! small; the importer is a command, not a server).
//!
//! Refused, each with what the server answered: an HTTP error status, an OGC exception report
//! (GeoServer answers errors as XML even when GeoJSON was asked for), a body that is not a
//! GeoJSON `FeatureCollection`, a page larger than [`Limits::max_page_bytes`], more than
//! [`Limits::max_pages`] pages, and a server that ignores `startIndex` (the same page again).

use std::io::Read as _;
use std::time::Duration;

use sha2::{Digest as _, Sha256};

use super::Event;
use super::formats::{Digest, declared_by_name, from_source};
use super::read::{Declared, Format, RawFile, ReadError};
use crate::source;

/// Bounds on what a WFS may send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Limits {
    /// Features asked for per page, unless the URL has its own `count` (or `maxFeatures`).
    pub page_size: u64,
    /// Pages at most.
    pub max_pages: usize,
    /// Bytes per page at most.
    pub max_page_bytes: u64,
    /// Time for one page, connecting included.
    pub timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            page_size: 1000,
            max_pages: 10_000,
            max_page_bytes: 512 << 20,
            timeout: Duration::from_mins(2),
        }
    }
}

/// Keys the importer sets itself on every page (WFS keys are case-insensitive).
const PAGING_KEYS: [&str; 3] = ["startindex", "count", "maxfeatures"];

/// Reads every page of the `GetFeature` request `url`.
pub fn read(
    url: &str,
    limits: &Limits,
    on: &mut dyn FnMut(Event),
) -> Result<(RawFile, Digest), ReadError> {
    let request = Request::parse(url, limits.page_size)?;
    let agent = ureq::AgentBuilder::new().timeout(limits.timeout).build();
    let mut hasher = Sha256::new();
    let mut bytes = 0_u64;
    let mut features = Vec::new();
    let mut crs = Declared::Missing;
    let mut previous_first: Option<String> = None;
    for page in 0..limits.max_pages {
        let start = features.len();
        let page_url = request.page(start);
        let body = fetch(&agent, &page_url, limits.max_page_bytes)?;
        hasher.update(&body);
        bytes += body.len() as u64;
        let wfs_error = |reason: String| ReadError::Wfs {
            url: page_url.clone(),
            reason,
        };
        let text = std::str::from_utf8(&body)
            .map_err(|_| wfs_error("answered with a body that is not UTF-8 text".into()))?;
        if text.trim_start().starts_with('<') {
            return Err(wfs_error(exception(text)));
        }
        let collection = source::parse_collection(text, &page_url)
            .map_err(|e| wfs_error(from_source(e, Format::Wfs).to_string()))?;
        let members = collection.foreign_members.as_ref();
        let matched = members
            .and_then(|m| m.get("numberMatched").or_else(|| m.get("totalFeatures")))
            .and_then(serde_json::Value::as_u64);
        if page == 0 {
            crs = declared_by_name(source::crs_name(members).or_else(|| request.srs_name.clone()));
        }
        let first = collection
            .features
            .first()
            .map(|f| serde_json::to_string(f).unwrap_or_default());
        if page > 0 && first.is_some() && first == previous_first {
            return Err(wfs_error(
                "answered the same page again: it ignores startIndex, so the layer cannot be paged"
                    .into(),
            ));
        }
        previous_first = first;
        let returned = collection.features.len();
        let mut page_features = source::raw_features(collection.features, url, start)
            .map_err(|e| from_source(e, Format::Wfs))?;
        features.append(&mut page_features);
        on(Event::Page {
            features: features.len(),
            matched,
        });
        let short = (returned as u64) < request.count;
        let all = matched.is_some_and(|m| features.len() as u64 >= m);
        if returned == 0 || short || all {
            let sha256 = crate::manifest::hex(&hasher.finalize());
            let raw = RawFile {
                origin: url.to_owned(),
                format: Format::Wfs,
                crs,
                features,
            };
            return Ok((raw, Digest { sha256, bytes }));
        }
    }
    Err(ReadError::Wfs {
        url: url.to_owned(),
        reason: format!(
            "had more than {} pages of {} features; ask for fewer features (a filter, a bbox)",
            limits.max_pages, request.count
        ),
    })
}

/// A `GetFeature` URL taken apart for paging.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Request {
    /// Everything before `?`.
    base: String,
    /// The query's pairs (as written), without the paging keys.
    pairs: Vec<String>,
    /// Features per page.
    count: u64,
    /// The `srsName` asked for, if any.
    srs_name: Option<String>,
}

impl Request {
    fn parse(url: &str, default_count: u64) -> Result<Self, ReadError> {
        let (base, query) = url.split_once('?').unwrap_or((url, ""));
        let mut pairs = Vec::new();
        let mut count = default_count;
        let mut srs_name = None;
        let mut output = None;
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let key_lower = key.to_ascii_lowercase();
            if PAGING_KEYS.contains(&key_lower.as_str()) {
                if key_lower != "startindex"
                    && let Ok(n) = value.parse::<u64>()
                    && n > 0
                {
                    count = n;
                }
                continue;
            }
            match key_lower.as_str() {
                "srsname" => srs_name = Some(decode(value)),
                "outputformat" => output = Some(decode(value).to_ascii_lowercase()),
                _ => {}
            }
            pairs.push(pair.to_owned());
        }
        match output {
            None => pairs.push("outputFormat=application%2Fjson".into()),
            Some(format) if format.contains("json") => {}
            Some(format) => {
                return Err(ReadError::Wfs {
                    url: url.to_owned(),
                    reason: format!(
                        "is asked for outputFormat={format}; Kvarter reads GeoJSON (outputFormat=application/json)"
                    ),
                });
            }
        }
        Ok(Self {
            base: base.to_owned(),
            pairs,
            count,
            srs_name,
        })
    }

    /// The URL of the page starting at `start`.
    fn page(&self, start: usize) -> String {
        let mut pairs = self.pairs.clone();
        pairs.push(format!("count={}", self.count));
        pairs.push(format!("startIndex={start}"));
        format!("{}?{}", self.base, pairs.join("&"))
    }
}

/// `%XX` and `+` decoded (enough for the values read here: `srsName` and `outputFormat`).
fn decode(value: &str) -> String {
    let bytes = value.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'%' if i + 2 < bytes.len() => match u8::from_str_radix(&value[i + 1..i + 3], 16) {
                Ok(byte) => {
                    out.push(byte);
                    i += 3;
                    continue;
                }
                Err(_) => out.push(b'%'),
            },
            b'+' => out.push(b' '),
            byte => out.push(byte),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// One page's body, refused on an error status or when larger than `max_bytes`.
fn fetch(agent: &ureq::Agent, url: &str, max_bytes: u64) -> Result<Vec<u8>, ReadError> {
    let wfs_error = |reason: String| ReadError::Wfs {
        url: url.to_owned(),
        reason,
    };
    let response = match agent.get(url).call() {
        Ok(response) => response,
        Err(ureq::Error::Status(status, response)) => {
            let body = response.into_string().unwrap_or_default();
            let detail = if body.trim_start().starts_with('<') {
                exception(&body)
            } else {
                shorten(&body)
            };
            return Err(wfs_error(format!("answered HTTP {status}: {detail}")));
        }
        Err(error) => return Err(wfs_error(format!("could not be reached: {error}"))),
    };
    let mut body = Vec::new();
    response
        .into_reader()
        .take(max_bytes + 1)
        .read_to_end(&mut body)
        .map_err(|e| wfs_error(format!("broke off while sending a page: {e}")))?;
    if body.len() as u64 > max_bytes {
        return Err(wfs_error(format!(
            "sent a page larger than {max_bytes} bytes; ask for a smaller count"
        )));
    }
    Ok(body)
}

/// The text of an OGC exception report, or the start of an XML body.
fn exception(xml: &str) -> String {
    let text = ["ExceptionText>", "ServiceException>"]
        .iter()
        .find_map(|tag| {
            let start = xml.find(tag)? + tag.len();
            let end = xml[start..].find("</")? + start;
            Some(xml[start..end].trim().to_owned())
        });
    match text {
        Some(text) => format!("answered with an exception report: {}", shorten(&text)),
        None => format!("answered XML, not GeoJSON: {}", shorten(xml)),
    }
}

fn shorten(text: &str) -> String {
    let text = text.trim();
    match text.char_indices().nth(300) {
        Some((at, _)) => format!("{}…", &text[..at]),
        None => text.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paging_replaces_the_urls_own_paging_and_asks_for_geojson() {
        let request = Request::parse(
            "https://wfs-kbhkort.kk.dk/k101/ows?service=WFS&version=2.0.0&request=GetFeature&typeNames=k101:f_udsatte_byomraader&srsName=EPSG:25832&startIndex=40&count=50",
            1000,
        )
        .unwrap();
        assert_eq!(request.count, 50);
        assert_eq!(request.srs_name.as_deref(), Some("EPSG:25832"));
        assert_eq!(
            request.page(100),
            "https://wfs-kbhkort.kk.dk/k101/ows?service=WFS&version=2.0.0&request=GetFeature&typeNames=k101:f_udsatte_byomraader&srsName=EPSG:25832&outputFormat=application%2Fjson&count=50&startIndex=100"
        );
    }

    #[test]
    fn gml_output_is_refused_with_what_to_ask_for() {
        let error = Request::parse("http://x/ows?outputFormat=GML3", 10).unwrap_err();
        assert!(error.to_string().contains("application/json"), "{error}");
    }

    #[test]
    fn exception_reports_are_quoted() {
        let xml = r#"<?xml version="1.0"?><ows:ExceptionReport><ows:Exception exceptionCode="InvalidParameterValue"><ows:ExceptionText>Feature type k101:nope unknown</ows:ExceptionText></ows:Exception></ows:ExceptionReport>"#;
        assert_eq!(
            exception(xml),
            "answered with an exception report: Feature type k101:nope unknown"
        );
        assert_eq!(decode("application%2Fjson+x"), "application/json x");
        assert_eq!(decode("100%"), "100%");
    }
}
