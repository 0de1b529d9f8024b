//! Request checks of the development server: which Host and WebSocket Origin values it answers
//! (against DNS rebinding and cross-site sockets), and which request paths may be looked up at all.
//!
//! Pure functions of header and path strings, unit-tested here.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// The outcome of checking a request's `Host`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum HostCheck {
    /// A name this server answers to.
    Accepted,
    /// No `Host` header (HTTP/1.1 requires one): 400.
    Missing,
    /// Not a host or host:port at all: 400.
    Malformed,
    /// A well-formed host this server does not answer to: 403.
    Foreign,
}

/// The host names and port a running server answers to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hosts {
    /// The address the server listens on.
    pub bound: IpAddr,
    /// The port it listens on.
    pub port: u16,
}

impl Hosts {
    /// Checks a `Host` header value (or the authority of an absolute-form request target).
    /// Accepted: `localhost`, `*.localhost`, loopback addresses (`127.0.0.1`, `[::1]`), and the
    /// bound address (any address, when bound to `0.0.0.0` or `[::]`), with any port.
    pub fn check_host(&self, value: Option<&str>) -> HostCheck {
        let Some(value) = value else {
            return HostCheck::Missing;
        };
        match split_host_port(value) {
            None => HostCheck::Malformed,
            Some((host, _)) if self.accepts_name(&host) => HostCheck::Accepted,
            Some(_) => HostCheck::Foreign,
        }
    }

    /// Checks the `Origin` of a WebSocket upgrade: it must be exactly `http://<accepted host>:<our port>`
    /// (the port may be left out only when it is 80). Missing and `null` origins are refused.
    pub fn check_origin(&self, origin: Option<&str>) -> bool {
        let Some(rest) = origin.and_then(|o| o.strip_prefix("http://")) else {
            return false;
        };
        match split_host_port(rest) {
            Some((host, port)) => self.accepts_name(&host) && port.unwrap_or(80) == self.port,
            None => false,
        }
    }

    /// Is this host name (lowercase, without port; IPv6 in brackets) one we answer to?
    fn accepts_name(&self, host: &str) -> bool {
        if host == "localhost" {
            return true;
        }
        if let Some(sub) = host.strip_suffix(".localhost") {
            return !sub.is_empty() && sub.split('.').all(is_dns_label);
        }
        let ip = match host.strip_prefix('[').and_then(|h| h.strip_suffix(']')) {
            Some(inner) => inner.parse::<Ipv6Addr>().map(IpAddr::V6),
            None => host.parse::<Ipv4Addr>().map(IpAddr::V4),
        };
        ip.is_ok_and(|ip| ip.is_loopback() || ip == self.bound || self.bound.is_unspecified())
    }
}

/// A DNS label: letters, digits and inner hyphens.
fn is_dns_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= 63
        && label
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-')
        && !label.starts_with('-')
        && !label.ends_with('-')
}

/// Splits `host[:port]` (IPv6 as `[addr][:port]`) into a lowercase host and the port.
/// `None` when the value is not of that form (paths, user info, spaces, bad ports…).
fn split_host_port(value: &str) -> Option<(String, Option<u16>)> {
    let (host, port) = if value.starts_with('[') {
        let end = value.find(']')?;
        let (host, rest) = value.split_at(end + 1);
        match rest {
            "" => (host, None),
            _ => (host, Some(rest.strip_prefix(':')?)),
        }
    } else {
        match value.split_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (value, None),
        }
    };
    let port = match port {
        Some(p) if !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()) => {
            Some(p.parse::<u16>().ok()?)
        }
        Some(_) => return None,
        None => None,
    };
    let valid = !host.is_empty()
        && host
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'[' | b']' | b':'));
    valid.then(|| (host.to_ascii_lowercase(), port))
}

/// Percent-decodes a request path for lookup. `None` for paths that must never match anything:
/// not starting with `/`, bad escapes, invalid UTF-8, or (after decoding) `..`, `\`, NUL,
/// control characters or an empty segment (`//`).
pub fn decode_path(raw: &str) -> Option<String> {
    if !raw.starts_with('/') {
        return None;
    }
    let bytes = raw.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = raw.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    let path = String::from_utf8(out).ok()?;
    let refused = path.contains("..")
        || path.contains("//")
        || path.chars().any(|c| c == '\\' || c.is_control());
    (!refused).then_some(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn loopback(port: u16) -> Hosts {
        Hosts {
            bound: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port,
        }
    }

    #[test]
    fn host_header_is_checked() {
        use HostCheck::*;
        let hosts = loopback(1111);
        let cases: &[(Option<&str>, HostCheck)] = &[
            (Some("127.0.0.1:1111"), Accepted),
            (Some("127.0.0.1"), Accepted),
            (Some("127.0.0.1:8080"), Accepted),
            (Some("localhost:1111"), Accepted),
            (Some("LOCALHOST:1111"), Accepted),
            (Some("localhost"), Accepted),
            (Some("briefing.localhost:1111"), Accepted),
            (Some("a.b.localhost"), Accepted),
            (Some("[::1]:1111"), Accepted),
            (Some("[::1]"), Accepted),
            (Some("127.0.0.2:1111"), Accepted),
            (Some("evil.example"), Foreign),
            (Some("evil.example:1111"), Foreign),
            (Some("127.0.0.1.evil.example"), Foreign),
            (Some("localhost.evil.example"), Foreign),
            (Some("evil-localhost"), Foreign),
            (Some(".localhost"), Foreign),
            (Some("a..localhost"), Foreign),
            (Some("-a.localhost"), Foreign),
            (Some("192.168.1.5:1111"), Foreign),
            (Some("[fe80::1]:1111"), Foreign),
            (Some("0.0.0.0:1111"), Foreign),
            (Some("2130706433"), Foreign),
            (Some("localhost:"), Malformed),
            (Some("localhost:99999"), Malformed),
            (Some("localhost:11a"), Malformed),
            (Some("user@localhost"), Malformed),
            (Some("localhost/path"), Malformed),
            (Some("local host"), Malformed),
            (Some("[::1"), Malformed),
            (Some("[::1]x"), Malformed),
            (Some(""), Malformed),
            (None, Missing),
        ];
        for (value, want) in cases {
            assert_eq!(hosts.check_host(*value), *want, "{value:?}");
        }
    }

    #[test]
    fn the_bound_address_is_accepted_and_unspecified_binds_accept_any_address() {
        let lan = Hosts {
            bound: "192.168.1.5".parse().expect("ip"),
            port: 80,
        };
        assert_eq!(lan.check_host(Some("192.168.1.5")), HostCheck::Accepted);
        assert_eq!(lan.check_host(Some("192.168.1.6")), HostCheck::Foreign);
        let any = Hosts {
            bound: "0.0.0.0".parse().expect("ip"),
            port: 80,
        };
        assert_eq!(any.check_host(Some("10.0.0.7:80")), HostCheck::Accepted);
        assert_eq!(any.check_host(Some("[fe80::1]")), HostCheck::Accepted);
        assert_eq!(
            any.check_host(Some("evil.example")),
            HostCheck::Foreign,
            "names are never accepted by address"
        );
    }

    #[test]
    fn websocket_origin_must_be_this_server() {
        let hosts = loopback(1111);
        let cases: &[(Option<&str>, bool)] = &[
            (Some("http://127.0.0.1:1111"), true),
            (Some("http://localhost:1111"), true),
            (Some("http://briefing.localhost:1111"), true),
            (Some("http://[::1]:1111"), true),
            (None, false),
            (Some("null"), false),
            (Some(""), false),
            (Some("http://evil.example"), false),
            (Some("http://evil.example:1111"), false),
            (Some("http://127.0.0.1.evil.example:1111"), false),
            (Some("http://127.0.0.1:2222"), false),
            (Some("http://127.0.0.1"), false),
            (Some("https://127.0.0.1:1111"), false),
            (Some("ws://127.0.0.1:1111"), false),
            (Some("http://127.0.0.1:1111/"), false),
            (Some("http://user@127.0.0.1:1111"), false),
            (Some("http://127.0.0.1:1111 "), false),
        ];
        for (origin, want) in cases {
            assert_eq!(hosts.check_origin(*origin), *want, "{origin:?}");
        }
        assert!(
            loopback(80).check_origin(Some("http://localhost")),
            "port 80 may be implicit"
        );
    }

    #[test]
    fn request_paths_are_decoded_and_traversal_never_matches() {
        let cases: &[(&str, Option<&str>)] = &[
            ("/", Some("/")),
            ("/briefings/articles/x/", Some("/briefings/articles/x/")),
            ("/a%20b.html", Some("/a b.html")),
            ("/caf%C3%A9/", Some("/café/")),
            ("/%252e%252e/etc/passwd", Some("/%2e%2e/etc/passwd")),
            ("/../../etc/passwd", None),
            ("/%2e%2e/%2e%2e/etc/passwd", None),
            ("/..%2f..%2fetc/passwd", None),
            ("/..\\..\\etc\\passwd", None),
            ("/..%5c..%5cetc%5cpasswd", None),
            ("/a%5cb", None),
            ("//etc/passwd", None),
            ("/a//b", None),
            ("/index.html%00.png", None),
            ("/a%0a", None),
            ("/briefing/..;/..;/x", None),
            ("/%zz", None),
            ("/%4", None),
            ("/%ff", None),
            ("*", None),
            ("etc/passwd", None),
        ];
        for (raw, want) in cases {
            assert_eq!(decode_path(raw).as_deref(), *want, "{raw}");
        }
    }
}
