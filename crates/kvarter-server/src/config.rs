//! The server's settings, read from the `[server]` table of the config file by the binary:
//! [`ServerConfig`] and its checks live in [`kvarter_service::server_config`] (plain data, so the
//! fuzz targets read the table as start-up does) and are re-exported here under their names.
//! What needs HTTP types stays here: an origin as a header value for the CORS layer.

use axum::http::HeaderValue;
use kvarter_service::server_config::is_origin;
pub use kvarter_service::server_config::{AdminToken, ConfigError, ServerConfig};

/// An origin as a header value, or `None` when it cannot be one (`scheme://host[:port]`; see
/// [`is_origin`]).
pub(crate) fn parse_origin(origin: &str) -> Option<HeaderValue> {
    if is_origin(origin) {
        HeaderValue::from_str(origin).ok()
    } else {
        None
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, reason = "a test should fail loudly")]
mod tests {
    use kvarter_service::server_config::is_header_value;

    use super::*;

    /// Strings at and around every byte class `HeaderValue` tells apart: control characters,
    /// tab, space, visible ASCII, DEL, and non-ASCII (obs-text in UTF-8).
    fn samples() -> Vec<String> {
        let mut samples: Vec<String> = (0..=0xff_u8)
            .map(char::from)
            .flat_map(|c| {
                [
                    c.to_string(),
                    format!("public, max-age=3600{c}"),
                    format!("{c}x"),
                ]
            })
            .collect();
        samples.extend(
            [
                "",
                "public, max-age=3600",
                "no-store",
                "public\nx",
                "a\r\nSet-Cookie: x=1",
                "\t",
                "https://kort.kk.dk",
                "https://københavn.dk",
                "https://xn--kbenhavn-54a.dk",
                "http://localhost:5173",
                "http://[::1]:8080",
                "https://a\u{7f}b",
                "https://a\u{0}b",
                "max-age=60 \u{2028}",
                "\u{feff}public",
                "😀",
                "\u{10ffff}",
            ]
            .map(str::to_owned),
        );
        samples
    }

    #[test]
    fn the_header_value_check_agrees_with_the_http_crate() {
        for text in samples() {
            assert_eq!(
                is_header_value(&text),
                HeaderValue::from_str(&text).is_ok(),
                "{text:?}"
            );
        }
    }

    #[test]
    fn an_admin_token_validates_exactly_when_the_auth_extractor_can_read_it_back() {
        let mut tokens: Vec<String> = samples()
            .into_iter()
            .flat_map(|text| {
                [
                    format!("0123456789abcdef{text}"),
                    format!("{text}0123456789abcdef"),
                ]
            })
            .collect();
        tokens.push("correct horse\tbattery staple".to_owned());
        for token in tokens {
            let config = ServerConfig {
                admin_token: Some(AdminToken::new(token.clone())),
                ..ServerConfig::default()
            };
            // As crate::auth reads `Authorization`.
            let header = HeaderValue::from_str(&format!("Bearer {token}"));
            let given = header
                .as_ref()
                .ok()
                .and_then(|value| value.to_str().ok())
                .and_then(|value| value.strip_prefix("Bearer "))
                .map(str::trim);
            assert_eq!(
                config.validate().is_ok(),
                given == Some(token.as_str()),
                "{token:?}"
            );
        }
    }

    #[test]
    fn an_origin_that_validates_is_one_the_cors_layer_can_use() {
        for text in samples() {
            let origin = format!("https://{text}");
            assert_eq!(
                is_origin(&origin),
                parse_origin(&origin).is_some(),
                "{origin:?}"
            );
        }
        assert!(parse_origin("https://kort.kk.dk").is_some());
        assert!(parse_origin("https://kort.kk.dk/").is_none());
    }
}
