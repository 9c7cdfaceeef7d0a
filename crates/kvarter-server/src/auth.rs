//! Who may use the admin routes: the bearer token in the `Authorization` header, nowhere else,
//! and not too many wrong guesses from one address.
//!
//! * Without a configured token the admin routes answer 404, as if they did not exist.
//! * A token in the query string or in a cookie is refused with 403, even the right one: URLs
//!   end up in access logs, browser histories and proxies, and cookies are sent by the browser
//!   on its own (cross-site request forgery). Telling the client beats silently ignoring it.
//! * A missing or wrong token is 401 with `WWW-Authenticate: Bearer`.
//! * After [`FREE_FAILURES`] wrong tokens from one address, that address waits before its next
//!   attempt — 1 s, then 2, 4, … up to [`MAX_WAIT`] — and attempts inside the wait are answered
//!   429 with `Retry-After`, without looking at the token, so guessing is slowed to a crawl
//!   while a person who mistyped waits seconds. A right token clears the address's record;
//!   records older than [`FORGET_AFTER`] are dropped. The address is the TCP peer's: behind a
//!   reverse proxy every client shares the proxy's address, so the proxy should limit too.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use std::sync::Arc;

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::request::Parts;
use axum::http::{HeaderMap, Uri, header};

use crate::error::{ApiError, shortened};
use crate::state::AppState;

/// Wrong tokens an address may give before it has to wait.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait.
pub const MAX_WAIT: Duration = Duration::from_mins(5);
/// How long an address's wrong tokens are remembered after its last one.
pub const FORGET_AFTER: Duration = Duration::from_mins(15);
/// Addresses remembered at most; beyond it the oldest records are dropped.
const MAX_ADDRESSES: usize = 10_000;

/// One address's wrong tokens.
#[derive(Debug, Clone, Copy)]
struct Record {
    failures: u32,
    last: Instant,
}

impl Record {
    /// How long after its last failure this address must wait.
    fn wait(self) -> Duration {
        match self.failures.checked_sub(FREE_FAILURES) {
            None => Duration::ZERO,
            Some(over) => Duration::from_secs(1_u64 << over.min(16)).min(MAX_WAIT),
        }
    }
}

/// The wrong tokens per address; see the [module docs](self).
#[derive(Debug, Default)]
pub struct Failures {
    records: Mutex<HashMap<IpAddr, Record>>,
}

impl Failures {
    /// How long `address` must still wait, if it must.
    fn must_wait(&self, address: IpAddr, now: Instant) -> Option<Duration> {
        let records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        let record = records.get(&address)?;
        let until = record.last + record.wait();
        (until > now).then(|| until - now)
    }

    /// Notes a wrong token from `address`.
    fn failed(&self, address: IpAddr, now: Instant) {
        let mut records = self.records.lock().unwrap_or_else(PoisonError::into_inner);
        if records.len() >= MAX_ADDRESSES {
            records.retain(|_, r| now.duration_since(r.last) < FORGET_AFTER);
            if records.len() >= MAX_ADDRESSES {
                // Many addresses guessing at once: forget the quietest half rather than grow.
                let mut lasts: Vec<Instant> = records.values().map(|r| r.last).collect();
                lasts.sort_unstable();
                let cut = lasts[lasts.len() / 2];
                records.retain(|_, r| r.last > cut);
            }
        }
        let record = records.entry(address).or_insert(Record {
            failures: 0,
            last: now,
        });
        if now.duration_since(record.last) >= FORGET_AFTER {
            record.failures = 0;
        }
        record.failures += 1;
        record.last = now;
    }

    /// Forgets `address`'s wrong tokens (it gave the right one).
    fn succeeded(&self, address: IpAddr) {
        self.records
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(&address);
    }
}

/// An admin request with the right token: a handler that takes it runs only for one. `who` is
/// the token's id, for the log ([`AdminToken::id`](crate::config::AdminToken::id)).
#[derive(Debug, Clone)]
pub struct Admin {
    /// The token's id.
    pub who: String,
}

impl FromRequestParts<Arc<AppState>> for Admin {
    type Rejection = ApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        authorize(state, parts).map(|who| Admin { who })
    }
}

/// Lets an admin request through when it carries the admin token, answering the token's id for
/// the log ([`AdminToken::id`](crate::config::AdminToken::id)); see the [module docs](self).
fn authorize(state: &AppState, parts: &Parts) -> Result<String, ApiError> {
    let Some(token) = &state.config.admin_token else {
        return Err(ApiError::NoRoute {
            path: shortened(parts.uri.path()),
        });
    };
    refuse_token_elsewhere(&parts.uri, &parts.headers)?;
    // Without a peer address (a router called in a test without a socket), everyone is one.
    let address = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED), |info| info.0.ip());
    let now = Instant::now();
    if let Some(wait) = state.auth_failures.must_wait(address, now) {
        tracing::warn!(path = parts.uri.path(), %address, "admin request refused: too many wrong tokens");
        return Err(ApiError::TooManyAttempts {
            retry_after_secs: wait.as_secs() + u64::from(wait.subsec_nanos() > 0),
        });
    }
    let given = parts
        .headers
        .get(header::AUTHORIZATION)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.strip_prefix("Bearer "));
    match given {
        Some(given) if token.matches(given.trim()) => {
            state.auth_failures.succeeded(address);
            Ok(token.id())
        }
        Some(_) => {
            state.auth_failures.failed(address, now);
            tracing::warn!(path = parts.uri.path(), %address, "admin request with a wrong token");
            Err(ApiError::Unauthorized {
                reason: "the admin token is wrong",
            })
        }
        None => {
            tracing::warn!(path = parts.uri.path(), %address, "admin request without a token");
            Err(ApiError::Unauthorized {
                reason: "the admin routes need the admin token: Authorization: Bearer <token>",
            })
        }
    }
}

/// 403 when the request carries something token-like in its query string or a cookie.
fn refuse_token_elsewhere(uri: &Uri, headers: &HeaderMap) -> Result<(), ApiError> {
    let token_like = |name: &str| {
        let name = name.trim().to_ascii_lowercase();
        name.contains("token") || name == "key" || name == "api_key" || name == "auth"
    };
    let in_query = uri.query().is_some_and(|query| {
        query
            .split('&')
            .any(|pair| token_like(pair.split('=').next().unwrap_or_default()))
    });
    if in_query {
        return Err(ApiError::Forbidden {
            reason: "the admin token goes in the Authorization header (Bearer), never in the query string, where logs and histories keep it; this request was refused — if the token was in a shared URL, replace it".into(),
        });
    }
    let in_cookie = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .any(|pair| token_like(pair.split('=').next().unwrap_or_default()));
    if in_cookie {
        return Err(ApiError::Forbidden {
            reason: "the admin token goes in the Authorization header (Bearer), never in a cookie, which the browser sends on its own; this request was refused".into(),
        });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_wait_starts_after_the_free_failures_and_doubles_up_to_the_maximum() {
        let wait = |failures| {
            Record {
                failures,
                last: Instant::now(),
            }
            .wait()
        };
        assert_eq!(wait(FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(wait(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(wait(FREE_FAILURES + 1), Duration::from_secs(2));
        assert_eq!(wait(FREE_FAILURES + 3), Duration::from_secs(8));
        assert_eq!(wait(FREE_FAILURES + 40), MAX_WAIT);
    }

    #[test]
    fn an_address_waits_after_its_free_failures_and_a_right_token_clears_it() {
        let failures = Failures::default();
        let (address, other) = ([10, 0, 0, 1].into(), [10, 0, 0, 2].into());
        let start = Instant::now();
        for _ in 0..FREE_FAILURES - 1 {
            failures.failed(address, start);
        }
        assert_eq!(failures.must_wait(address, start), None);
        failures.failed(address, start);
        assert_eq!(
            failures.must_wait(address, start),
            Some(Duration::from_secs(1))
        );
        assert_eq!(failures.must_wait(other, start), None);
        assert_eq!(
            failures.must_wait(address, start + Duration::from_secs(1)),
            None
        );
        failures.succeeded(address);
        failures.failed(address, start);
        assert_eq!(failures.must_wait(address, start), None);
    }

    #[test]
    fn old_failures_are_forgotten() {
        let failures = Failures::default();
        let address = [10, 0, 0, 1].into();
        let start = Instant::now();
        for _ in 0..FREE_FAILURES + 2 {
            failures.failed(address, start);
        }
        let later = start + FORGET_AFTER;
        failures.failed(address, later);
        assert_eq!(failures.must_wait(address, later), None);
    }

    #[test]
    fn a_token_in_the_query_or_a_cookie_is_refused() {
        let headers = HeaderMap::new();
        for query in ["/admin/status?token=x", "/admin/status?a=1&access_token=x"] {
            let error = refuse_token_elsewhere(&query.parse().unwrap(), &headers).unwrap_err();
            assert!(matches!(error, ApiError::Forbidden { .. }), "{query}");
        }
        let mut cookies = HeaderMap::new();
        cookies.insert(header::COOKIE, "theme=dark; admin_token=x".parse().unwrap());
        let uri: Uri = "/admin/status".parse().unwrap();
        assert!(refuse_token_elsewhere(&uri, &cookies).is_err());
        let mut harmless = HeaderMap::new();
        harmless.insert(header::COOKIE, "theme=dark".parse().unwrap());
        assert!(refuse_token_elsewhere(&uri, &harmless).is_ok());
        assert!(refuse_token_elsewhere(&"/admin/status?page=2".parse().unwrap(), &headers).is_ok());
    }
}
