//! The HTTP API's settings — the `[server]` table of the config file: CORS origins, the request
//! timeout, the size limit of a features answer, tiles and the map images' cache, the limits of a
//! batch lookup, the admin token — and their checks. They are plain data without HTTP types, kept
//! here rather than in `kvarter-server` so that every reader of the config file (the binary, the
//! fuzz targets) reads and checks them as start-up does; `kvarter-server` re-exports them as
//! `kvarter_server::ServerConfig`, `kvarter_server::config::AdminToken` and
//! `kvarter_server::ConfigError`. Every key is optional.

use serde::{Deserialize, Serialize};

/// How the HTTP API behaves. Unknown keys are rejected, so a typo in the config file is an error
/// rather than a silently ignored setting.
///
/// ```
/// let config: kvarter_service::server_config::ServerConfig =
///     serde_json::from_str(r#"{"request_timeout_secs": 10}"#).unwrap();
/// assert_eq!(config.max_features, 20_000);
/// assert!(config.cors_allowed_origins.is_empty());
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    /// Origins a browser may call the API from (CORS), e.g. `["https://kort.kk.dk"]`. Empty (the
    /// default) or containing `"*"`: any origin. Only `GET`, `HEAD` and `OPTIONS` are ever allowed.
    pub cors_allowed_origins: Vec<String>,
    /// Seconds a request may take before it is answered `503 {"error":"timeout"}`. Default 30;
    /// 0 turns the timeout off.
    pub request_timeout_secs: u64,
    /// The most features one `/api/layers/{id}/features` answer may hold. A request that would
    /// return more is answered `413` naming the count and suggesting `bbox=`. Default 20 000.
    pub max_features: usize,
    /// MiB of memory for rendered tiles (each kept with its gzip and brotli bytes). Default 256;
    /// 0 turns the cache off, so every tile request renders.
    pub tile_cache_mb: u64,
    /// The `Cache-Control` header of tile and TileJSON responses, and of map images. Default
    /// `public, max-age=3600`.
    pub tile_cache_control: String,
    /// MiB of memory for rendered map images (`/api/static/…`). Default 64; 0 turns the cache
    /// off, so every image request renders.
    pub image_cache_mb: u64,
    /// The service's public base URL (e.g. `https://kort.kk.dk/kvarter`), for the tile URLs in
    /// TileJSON. Default: taken from each request's `Host` (and `X-Forwarded-Proto`) header.
    pub public_url: Option<String>,
    /// How tiles are cut (`[server.tiles]`: `extent`, `buffer`, `simplify`, `maxzoom`).
    pub tiles: kvarter_tiles::TileConfig,
    /// The largest CSV body `POST /api/lookup/batch` accepts, in bytes; a larger one is answered
    /// `413`. Default 5 MiB (5 242 880). Only that route reads a body.
    pub batch_max_bytes: usize,
    /// The most data rows (header not counted) one `POST /api/lookup/batch` may hold; more is
    /// answered `413`. Default 10 000.
    pub batch_max_rows: usize,
    /// The bearer token of the admin routes (`/admin/reload`, `/admin/status`); the binary also
    /// takes it from `KVARTER_ADMIN_TOKEN`. Without one the admin routes answer 404 and the
    /// service is read-only. At least 16 characters, all of them ones a client can send in
    /// `Authorization: Bearer <token>` (visible ASCII, spaces and tabs only inside).
    pub admin_token: Option<AdminToken>,
    /// The largest upload `POST /admin/layers` accepts, in bytes; larger is answered `413`.
    /// Default 512 MiB.
    pub admin_upload_max_bytes: usize,
    /// How long an admin request (an upload and its import) may take, in seconds, instead of
    /// `request_timeout_secs`. Default 600.
    pub admin_timeout_secs: u64,
}

/// The admin token: compared in constant time, never printed (its `Debug` says `<redacted>`).
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
pub struct AdminToken(String);

impl AdminToken {
    /// The token `text`.
    pub fn new(text: impl Into<String>) -> Self {
        Self(text.into())
    }

    /// Whether `given` is the token. Both are hashed first and the digests compared byte by
    /// byte without stopping early, so the time taken says nothing about how much of a guess
    /// was right.
    pub fn matches(&self, given: &str) -> bool {
        use sha2::{Digest, Sha256};
        let (a, b) = (
            Sha256::digest(self.0.as_bytes()),
            Sha256::digest(given.as_bytes()),
        );
        a.iter()
            .zip(b.iter())
            .fold(0_u8, |diff, (x, y)| diff | (x ^ y))
            == 0
    }

    /// What the logs name the token by: the first 8 hex digits of its SHA-256, so an operator
    /// with several tokens can tell who acted, and the log never holds the token.
    pub fn id(&self) -> String {
        use sha2::{Digest, Sha256};
        let digest = Sha256::digest(self.0.as_bytes());
        format!(
            "{:02x}{:02x}{:02x}{:02x}",
            digest[0], digest[1], digest[2], digest[3]
        )
    }

    fn len(&self) -> usize {
        self.0.chars().count()
    }

    /// Whether a client can send the token so that it matches: the server reads
    /// `Authorization: Bearer <token>` as text only when every byte is visible ASCII, a space
    /// or a tab (`HeaderValue::to_str`), and trims what follows `Bearer ` at both ends.
    fn can_be_sent(&self) -> bool {
        self.0
            .bytes()
            .all(|b| b == b'\t' || (0x20..0x7f).contains(&b))
            && self.0.trim() == self.0
    }
}

impl std::fmt::Debug for AdminToken {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("<redacted>")
    }
}

impl Default for ServerConfig {
    fn default() -> Self {
        Self {
            cors_allowed_origins: Vec::new(),
            request_timeout_secs: 30,
            max_features: 20_000,
            tile_cache_mb: 256,
            tile_cache_control: "public, max-age=3600".to_owned(),
            image_cache_mb: 64,
            public_url: None,
            tiles: kvarter_tiles::TileConfig::default(),
            batch_max_bytes: 5 * 1024 * 1024,
            batch_max_rows: 10_000,
            admin_token: None,
            admin_upload_max_bytes: 512 * 1024 * 1024,
            admin_timeout_secs: 600,
        }
    }
}

/// Why a [`ServerConfig`] cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum ConfigError {
    /// An entry of `cors_allowed_origins` is not a valid `Origin` header value; write it as
    /// `scheme://host[:port]`, e.g. `https://kort.kk.dk`, without a path or a trailing slash.
    #[error(
        "cors_allowed_origins: {origin:?} is not an origin; write it as scheme://host[:port], e.g. https://kort.kk.dk"
    )]
    BadOrigin {
        /// The entry as given.
        origin: String,
    },
    /// `max_features` is 0, which would refuse every features request; use a positive number.
    #[error("max_features must be at least 1")]
    NoFeaturesAllowed,
    /// The admin token is shorter than 16 characters: too easy to guess for a route that
    /// changes the data.
    #[error("admin_token (KVARTER_ADMIN_TOKEN) must be at least 16 characters")]
    ShortAdminToken,
    /// The admin token holds a character no client can send in `Authorization: Bearer <token>`
    /// (one outside ASCII, a line break or another control character) or starts or ends with
    /// a blank, which the server trims from what it is given: no request could ever match it.
    /// Use visible ASCII, e.g. the output of `openssl rand -hex 24`.
    #[error(
        "admin_token (KVARTER_ADMIN_TOKEN) cannot be sent in Authorization: Bearer <token>; use visible ASCII without blanks at either end, e.g. openssl rand -hex 24"
    )]
    UnsendableAdminToken,
    /// `tile_cache_control` is not a valid header value (no control characters, no line
    /// breaks).
    #[error("tile_cache_control: {0:?} is not a valid Cache-Control header value")]
    BadCacheControl(String),
    /// `public_url` must be an absolute http(s) URL without a query.
    #[error("public_url: {0:?} is not an absolute http:// or https:// URL without a query")]
    BadPublicUrl(String),
    /// `batch_max_bytes` or `batch_max_rows` is 0, which would refuse every batch; use a
    /// positive number.
    #[error("{0} must be at least 1")]
    NoBatchAllowed(&'static str),
    /// A `[server.tiles]` setting is out of range.
    #[error(transparent)]
    Tiles(#[from] kvarter_tiles::TileConfigError),
}

impl ServerConfig {
    /// The settings of the service core: the features limit, the tile cache and how tiles are
    /// cut.
    pub fn service(&self) -> crate::ServiceConfig {
        crate::ServiceConfig {
            max_features: self.max_features,
            tile_cache_mb: self.tile_cache_mb,
            tiles: self.tiles.clone(),
        }
    }

    /// Checks the settings that serde cannot: call this at start-up so a bad value stops the
    /// service with a clear message. (`kvarter-server`'s `app` also copes with a config that fails
    /// this check: it skips bad origins, never widening CORS to more origins than were named.)
    pub fn validate(&self) -> Result<(), ConfigError> {
        for origin in &self.cors_allowed_origins {
            if origin != "*" && !is_origin(origin) {
                return Err(ConfigError::BadOrigin {
                    origin: origin.clone(),
                });
            }
        }
        if self.max_features == 0 {
            return Err(ConfigError::NoFeaturesAllowed);
        }
        if !is_header_value(&self.tile_cache_control) {
            return Err(ConfigError::BadCacheControl(
                self.tile_cache_control.clone(),
            ));
        }
        if let Some(url) = &self.public_url {
            let absolute = url.starts_with("http://") || url.starts_with("https://");
            if !absolute || url.contains(['?', '#', ' ']) {
                return Err(ConfigError::BadPublicUrl(url.clone()));
            }
        }
        if self.batch_max_bytes == 0 {
            return Err(ConfigError::NoBatchAllowed("batch_max_bytes"));
        }
        if self.batch_max_rows == 0 {
            return Err(ConfigError::NoBatchAllowed("batch_max_rows"));
        }
        if self
            .admin_token
            .as_ref()
            .is_some_and(|token| token.len() < 16)
        {
            return Err(ConfigError::ShortAdminToken);
        }
        if self
            .admin_token
            .as_ref()
            .is_some_and(|token| !token.can_be_sent())
        {
            return Err(ConfigError::UnsendableAdminToken);
        }
        self.tiles.validate()?;
        Ok(())
    }

    /// Whether every origin is allowed: no origins named, or `"*"` among them.
    pub fn allows_any_origin(&self) -> bool {
        self.cors_allowed_origins.is_empty() || self.cors_allowed_origins.iter().any(|o| o == "*")
    }
}

/// Whether `origin` is an origin as a browser sends it in `Origin` (`scheme://host[:port]`: a
/// scheme, no path, query or fragment, no blanks) that can be written as a header value.
pub fn is_origin(origin: &str) -> bool {
    let Some((scheme, rest)) = origin.split_once("://") else {
        return false;
    };
    !scheme.is_empty()
        && scheme
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'+' || b == b'-' || b == b'.')
        && !rest.is_empty()
        && !rest.contains(['/', '?', '#', ' '])
        && is_header_value(origin)
}

/// Whether `text` can be an HTTP header value as the `http` crate (and so the server) accepts
/// one: every byte a tab, visible ASCII, a space, or obs-text (0x80–0xFF, which every byte of a
/// non-ASCII character in UTF-8 is) — no other control character, no DEL. (`kvarter-server`'s
/// tests compare this with `http::HeaderValue::from_str`.)
pub fn is_header_value(text: &str) -> bool {
    text.bytes().all(|b| b == b'\t' || (b >= 0x20 && b != 0x7f))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use super::*;

    #[test]
    fn an_empty_config_gives_the_documented_defaults() {
        let config: ServerConfig = serde_json::from_str("{}").unwrap();
        assert_eq!(config, ServerConfig::default());
        assert_eq!(config.request_timeout_secs, 30);
        assert_eq!(config.max_features, 20_000);
        assert_eq!(config.batch_max_bytes, 5 * 1024 * 1024);
        assert_eq!(config.batch_max_rows, 10_000);
        assert!(config.allows_any_origin());
    }

    #[test]
    fn unknown_keys_are_rejected() {
        let err = serde_json::from_str::<ServerConfig>(r#"{"max_feature": 5}"#).unwrap_err();
        assert!(err.to_string().contains("max_feature"), "{err}");
    }

    #[test]
    fn origins_with_a_path_or_without_a_scheme_fail_validation() {
        for bad in [
            "kort.kk.dk",
            "https://kort.kk.dk/",
            "https://",
            "https://a b",
        ] {
            let config = ServerConfig {
                cors_allowed_origins: vec![bad.to_owned()],
                ..ServerConfig::default()
            };
            assert!(
                matches!(config.validate(), Err(ConfigError::BadOrigin { .. })),
                "{bad}"
            );
        }
        let good = ServerConfig {
            cors_allowed_origins: vec!["https://kort.kk.dk".into(), "http://localhost:5173".into()],
            ..ServerConfig::default()
        };
        assert_eq!(good.validate(), Ok(()));
        assert!(!good.allows_any_origin());
    }

    #[test]
    fn tile_settings_are_checked() {
        let bad = [
            r#"{"tile_cache_control": "public\nx"}"#,
            r#"{"public_url": "kort.kk.dk"}"#,
            r#"{"tiles": {"extent": 1000}}"#,
            r#"{"tiles": {"buffer": 5000}}"#,
        ];
        for text in bad {
            let config: ServerConfig = serde_json::from_str(text).unwrap();
            assert!(config.validate().is_err(), "{text}");
        }
        let good: ServerConfig = serde_json::from_str(
            r#"{"public_url": "https://kort.kk.dk/kvarter", "tile_cache_mb": 0}"#,
        )
        .unwrap();
        assert_eq!(good.validate(), Ok(()));
    }

    #[test]
    fn a_zero_feature_limit_fails_validation() {
        let config = ServerConfig {
            max_features: 0,
            ..ServerConfig::default()
        };
        assert_eq!(config.validate(), Err(ConfigError::NoFeaturesAllowed));
    }

    #[test]
    fn zero_batch_limits_fail_validation() {
        for (text, key) in [
            (r#"{"batch_max_bytes": 0}"#, "batch_max_bytes"),
            (r#"{"batch_max_rows": 0}"#, "batch_max_rows"),
        ] {
            let config: ServerConfig = serde_json::from_str(text).unwrap();
            assert_eq!(config.validate(), Err(ConfigError::NoBatchAllowed(key)));
        }
    }

    #[test]
    fn origins_are_scheme_host_and_port_without_anything_else() {
        for good in [
            "https://kort.kk.dk",
            "http://localhost:5173",
            "app+x-y.z://h",
            "https://københavn.dk",
        ] {
            assert!(is_origin(good), "{good}");
        }
        for bad in [
            "",
            "://kort.kk.dk",
            "kort.kk.dk",
            "https://",
            "https://kort.kk.dk/",
            "https://kort.kk.dk?x",
            "https://kort.kk.dk#x",
            "https://a b",
            "ht_tp://kort.kk.dk",
            "https://a\u{7f}",
            "https://a\nb",
        ] {
            assert!(!is_origin(bad), "{bad:?}");
        }
    }

    #[test]
    fn a_config_that_validates_writes_as_toml_and_reads_back_the_same() {
        let config = ServerConfig {
            cors_allowed_origins: vec!["https://kort.kk.dk".into(), "*".into()],
            public_url: Some("https://kort.kk.dk/kvarter".into()),
            admin_token: Some(AdminToken::new("a token of 16+ characters")),
            tile_cache_control: "public, max-age=60\t\u{e6}".into(),
            ..ServerConfig::default()
        };
        assert_eq!(config.validate(), Ok(()));
        let written = toml::to_string(&config).unwrap();
        let again: ServerConfig = toml::from_str(&written).unwrap();
        assert_eq!(again, config, "{written}");
    }

    #[test]
    fn the_admin_token_is_never_printed_and_matches_only_itself() {
        let token = AdminToken::new("correct horse battery staple");
        assert_eq!(format!("{token:?}"), "<redacted>");
        assert!(token.matches("correct horse battery staple"));
        assert!(!token.matches("correct horse battery stapl"));
        assert_eq!(token.id().len(), 8);
        let config = ServerConfig {
            admin_token: Some(AdminToken::new("fifteen chars!!")),
            ..ServerConfig::default()
        };
        assert_eq!(config.validate(), Err(ConfigError::ShortAdminToken));
    }

    #[test]
    fn an_admin_token_no_client_can_send_fails_validation() {
        for bad in [
            "ææææææææææææææææ",
            "0123456789abcdef\n",
            "0123456789abcdef\r",
            " 0123456789abcdef",
            "0123456789abcdef\t",
            "0123456789\u{7f}abcdef",
        ] {
            let config = ServerConfig {
                admin_token: Some(AdminToken::new(bad)),
                ..ServerConfig::default()
            };
            assert_eq!(
                config.validate(),
                Err(ConfigError::UnsendableAdminToken),
                "{bad:?}"
            );
        }
        for good in [
            "0123456789abcdef",
            "correct horse\tbattery staple",
            "~!@#$%^&*()_+'\"=-",
        ] {
            let config = ServerConfig {
                admin_token: Some(AdminToken::new(good)),
                ..ServerConfig::default()
            };
            assert_eq!(config.validate(), Ok(()), "{good:?}");
        }
    }
}
