//! The development server: answers from the last good build held in memory (never from the
//! file system), injects the live-reload script into HTML responses, shows build errors in an
//! overlay, and pushes "reload" / "errors" over a WebSocket.

use std::sync::Arc;

use axum::Router;
use axum::body::{Body, Bytes};
use axum::extract::ws::{Message, WebSocket, WebSocketUpgrade};
use axum::extract::{FromRequestParts as _, Request, State};
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse as _, Response};
use tokio::sync::watch;

use super::guard::{self, HostCheck, Hosts};
use super::watch::{Built, SiteFiles};

/// Folder of the server's own endpoints under the site's base path: `<base>__brief/reload`
/// (WebSocket) and `<base>__brief/errors` (the current build errors as text). No page can
/// live there: names starting with `_` are never inputs.
const INTERNAL: &str = "__brief/";

/// The live-reload script, with `"__BRIEF_BASE__"` standing for the base path,
/// `"__BRIEF_OVERLAY_STYLE__"` for the overlay's style, `"__BRIEF_ERRORS_STYLE__"` for
/// its text's and `"__BRIEF_OVERLAY_TITLE__"` for its title.
const RELOAD_JS: &str = include_str!("reload.js");

/// What the server shows: the last good site, and the errors of the last build if it failed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Snapshot {
    /// The last good build; `None` until one succeeds.
    pub site: Option<Arc<SiteFiles>>,
    /// The diagnostics of the latest build, when it failed (terminal text, not yet escaped).
    pub errors: Option<Arc<str>>,
    /// Where the site is served: the last good build's base path or, before there is one,
    /// the configured one (`/` when even the configuration is broken).
    pub base_path: String,
}

impl Snapshot {
    /// The state after a build, given the state before it.
    pub fn after(current: &Snapshot, built: Built) -> Snapshot {
        match built {
            Built::Good(site) => Snapshot {
                base_path: site.base_path.clone(),
                site: Some(Arc::new(site)),
                errors: None,
            },
            Built::Failed { errors, base_path } => Snapshot {
                base_path: match &current.site {
                    Some(site) => site.base_path.clone(),
                    None => base_path.unwrap_or_else(|| "/".into()),
                },
                site: current.site.clone(),
                errors: Some(errors.into()),
            },
        }
    }

    /// The path the site is served under.
    pub fn base_path(&self) -> &str {
        if self.base_path.is_empty() {
            "/"
        } else {
            &self.base_path
        }
    }
}

/// Shared with every request handler.
#[derive(Clone)]
struct App {
    snapshots: watch::Receiver<Arc<Snapshot>>,
    hosts: Hosts,
}

/// The router: one handler for everything, so that every request goes through the same checks.
pub fn router(snapshots: watch::Receiver<Arc<Snapshot>>, hosts: Hosts) -> Router {
    Router::new()
        .fallback(handle)
        .with_state(App { snapshots, hosts })
}

/// A response with the headers every answer carries.
fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Body>) -> Response {
    let mut response = Response::new(body.into());
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    secure(headers);
    response
}

fn secure(headers: &mut HeaderMap) {
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
}

/// A one-line plain-text answer.
fn plain(status: StatusCode, line: &'static str) -> Response {
    respond(status, "text/plain; charset=utf-8", line)
}

fn redirect(status: StatusCode, location: &str) -> Response {
    let mut response = plain(status, "moved\n");
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
}

async fn handle(State(app): State<App>, request: Request) -> Response {
    let (mut parts, _body) = request.into_parts();
    let host = parts
        .headers
        .get(header::HOST)
        .map(|v| v.to_str().unwrap_or("\u{0}"));
    let mut check = app.hosts.check_host(host);
    if let (HostCheck::Accepted, Some(authority)) = (check, parts.uri.authority()) {
        check = app.hosts.check_host(Some(authority.as_str()));
    }
    match check {
        HostCheck::Accepted => {}
        HostCheck::Missing => {
            return plain(
                StatusCode::BAD_REQUEST,
                "400 Bad Request: the Host header is missing\n",
            );
        }
        HostCheck::Malformed => {
            return plain(
                StatusCode::BAD_REQUEST,
                "400 Bad Request: malformed Host header\n",
            );
        }
        HostCheck::Foreign => {
            return plain(
                StatusCode::FORBIDDEN,
                "403 Forbidden: this development server only answers to localhost\n",
            );
        }
    }
    if parts.method != Method::GET && parts.method != Method::HEAD {
        let mut response = plain(StatusCode::METHOD_NOT_ALLOWED, "405 Method Not Allowed\n");
        response
            .headers_mut()
            .insert(header::ALLOW, HeaderValue::from_static("GET, HEAD"));
        return response;
    }
    let raw_path = parts.uri.path().to_string();
    let Some(path) = guard::decode_path(&raw_path) else {
        return plain(StatusCode::BAD_REQUEST, "400 Bad Request\n");
    };
    let snapshot = app.snapshots.borrow().clone();
    let base = snapshot.base_path();

    let internal = path
        .strip_prefix(base)
        .and_then(|p| p.strip_prefix(INTERNAL))
        .or_else(|| path.strip_prefix("/__brief/"));
    match internal {
        Some("reload") => {
            let origin = parts
                .headers
                .get(header::ORIGIN)
                .and_then(|v| v.to_str().ok());
            if !app.hosts.check_origin(origin) {
                return plain(
                    StatusCode::FORBIDDEN,
                    "403 Forbidden: WebSocket origin not allowed\n",
                );
            }
            let upgrade = match WebSocketUpgrade::from_request_parts(&mut parts, &()).await {
                // Browsers send nothing on this channel; keep what they could send small.
                Ok(upgrade) => upgrade.max_message_size(1024).max_frame_size(1024),
                Err(rejection) => {
                    let mut response = rejection.into_response();
                    secure(response.headers_mut());
                    return response;
                }
            };
            // Subscribe before answering, so no build finished after the handshake is missed.
            let mut snapshots = app.snapshots.clone();
            snapshots.mark_unchanged();
            let mut response = upgrade.on_upgrade(move |socket| live(socket, snapshots));
            secure(response.headers_mut());
            return response;
        }
        Some("errors") => {
            let text = snapshot.errors.as_deref().unwrap_or_default().to_string();
            return respond(StatusCode::OK, "text/plain; charset=utf-8", text);
        }
        Some(_) => return not_found(&snapshot),
        None => {}
    }

    let Some(site) = &snapshot.site else {
        return error_page(&snapshot);
    };
    match resolve(site, &path, &raw_path) {
        Resolved::File(key, bytes) => {
            let content_type = content_type(key);
            if content_type.starts_with("text/html") {
                respond(StatusCode::OK, content_type, inject(&bytes, &snapshot))
            } else {
                respond(StatusCode::OK, content_type, bytes)
            }
        }
        Resolved::Redirect(status, location) => redirect(status, &location),
        Resolved::NotFound => not_found(&snapshot),
    }
}

/// Where a request path leads in a site.
#[derive(Debug, PartialEq, Eq)]
enum Resolved<'a> {
    File(&'a str, Bytes),
    Redirect(StatusCode, String),
    NotFound,
}

/// Looks a decoded request path up in the site: `/base/x/` → `x/index.html`; `/base/x` → 301 to
/// `/base/x/` when that has an index; `/base` → 301 to `/base/`; `/` → 302 to `/base/`.
/// `raw_path` (as received, already checked) builds redirect locations.
fn resolve<'a>(site: &'a SiteFiles, path: &str, raw_path: &str) -> Resolved<'a> {
    let base = site.base_path.as_str();
    let Some(rel) = path.strip_prefix(base) else {
        if format!("{path}/") == base {
            return Resolved::Redirect(StatusCode::MOVED_PERMANENTLY, format!("{raw_path}/"));
        }
        if path == "/" {
            return Resolved::Redirect(StatusCode::FOUND, base.to_string());
        }
        return Resolved::NotFound;
    };
    let key = if rel.is_empty() || rel.ends_with('/') {
        format!("{rel}index.html")
    } else {
        rel.to_string()
    };
    if let Some((key, bytes)) = site.files.get_key_value(key.as_str()) {
        return Resolved::File(key, bytes.clone());
    }
    if !rel.is_empty()
        && !rel.ends_with('/')
        && site
            .files
            .contains_key(format!("{rel}/index.html").as_str())
    {
        return Resolved::Redirect(StatusCode::MOVED_PERMANENTLY, format!("{raw_path}/"));
    }
    Resolved::NotFound
}

/// 404: the site's own 404.html when it has one.
fn not_found(snapshot: &Snapshot) -> Response {
    match snapshot.site.as_ref().and_then(|s| s.files.get("404.html")) {
        Some(page) => respond(
            StatusCode::NOT_FOUND,
            "text/html; charset=utf-8",
            inject(page, snapshot),
        ),
        None if snapshot.site.is_none() => error_page(snapshot),
        None => plain(StatusCode::NOT_FOUND, "404 Not Found\n"),
    }
}

/// The page shown for every request while no build has succeeded yet.
const ERROR_PAGE: &str = "<!doctype html>\n<html lang=\"en\">\n<head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>brief: the site does not build</title></head>\n<body>\n<h1>The site does not build yet</h1>\n<p>Fix the errors shown below and save: this page reloads by itself.</p>\n</body>\n</html>\n";

/// Every page, while no build has succeeded yet: the errors, and the script that reloads when fixed.
fn error_page(snapshot: &Snapshot) -> Response {
    respond(
        StatusCode::SERVICE_UNAVAILABLE,
        "text/html; charset=utf-8",
        inject(ERROR_PAGE.as_bytes(), snapshot),
    )
}

/// The live-reload script with what never changes filled in once; only the base path is
/// left for each response.
static RELOAD_SCRIPT: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    [
        ("\"__BRIEF_OVERLAY_STYLE__\"", OVERLAY_STYLE),
        ("\"__BRIEF_ERRORS_STYLE__\"", ERRORS_STYLE),
        ("\"__BRIEF_OVERLAY_TITLE__\"", OVERLAY_TITLE),
    ]
    .into_iter()
    .fold(RELOAD_JS.to_string(), |script, (placeholder, value)| {
        script.replace(placeholder, &js_string(value))
    })
});

/// The HTML added to every HTML response: the live-reload script, and the error overlay when
/// the last build failed. Inserted before the last `</body>` (or at the end).
fn inject(html: &[u8], snapshot: &Snapshot) -> Vec<u8> {
    let mut snippet = String::new();
    if let Some(errors) = &snapshot.errors {
        snippet.push_str(&overlay(errors, snapshot.site.is_some()));
    }
    snippet.push_str("<script data-brief-live-reload>");
    snippet
        .push_str(&RELOAD_SCRIPT.replace("\"__BRIEF_BASE__\"", &js_string(snapshot.base_path())));
    snippet.push_str("</script>\n");
    let at = rfind_ascii_case_insensitive(html, b"</body").unwrap_or(html.len());
    let mut out = Vec::with_capacity(html.len() + snippet.len());
    out.extend_from_slice(&html[..at]);
    out.extend_from_slice(snippet.as_bytes());
    out.extend_from_slice(&html[at..]);
    out
}

/// The error overlay, built the same way by the script when errors arrive without a reload.
fn overlay(errors: &str, has_site: bool) -> String {
    let title = if has_site {
        OVERLAY_TITLE
    } else {
        "brief: the site does not build"
    };
    format!(
        "<div id=\"brief-errors\" role=\"alert\" style=\"{OVERLAY_STYLE}\"><strong>{title}</strong><pre style=\"{ERRORS_STYLE}\">{}</pre></div>\n",
        crate::markdown::esc(errors)
    )
}

/// True of a change that failed to build and of one whose pages could not be written to
/// the output folder (the errors say which).
const OVERLAY_TITLE: &str = "brief: the last change has errors — showing the last good build";

/// The errors' text: the overlay's colours whatever the site's style sheet gives `pre`
/// (the default theme's light panel made them unreadable).
const ERRORS_STYLE: &str = "white-space:pre-wrap;margin:.5rem 0 0;padding:0;border:0;border-radius:0;background:none;color:inherit;font:inherit;overflow:visible";

const OVERLAY_STYLE: &str = "position:fixed;left:0;right:0;bottom:0;max-height:60vh;overflow:auto;z-index:2147483647;box-sizing:border-box;margin:0;padding:1rem 1.25rem;background:#2b0b0b;color:#ffecec;font:14px/1.45 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;border-top:4px solid #e5484d;box-shadow:0 -4px 24px rgba(0,0,0,.4)";

/// A JavaScript string literal that is also safe inside a `<script>` element.
fn js_string(text: &str) -> String {
    serde_json::to_string(text)
        .unwrap_or_else(|_| "\"/\"".into())
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
}

fn rfind_ascii_case_insensitive(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    (0..=haystack.len().checked_sub(needle.len())?)
        .rev()
        .find(|&i| haystack[i..i + needle.len()].eq_ignore_ascii_case(needle))
}

/// Content type by file extension.
fn content_type(path: &str) -> &'static str {
    let ext = path
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "html" | "htm" => "text/html; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "js" | "mjs" => "text/javascript; charset=utf-8",
        "json" | "map" => "application/json",
        "xml" => "application/xml",
        "txt" => "text/plain; charset=utf-8",
        "svg" => "image/svg+xml",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "webp" => "image/webp",
        "avif" => "image/avif",
        "ico" => "image/x-icon",
        "woff" => "font/woff",
        "woff2" => "font/woff2",
        "ttf" => "font/ttf",
        "otf" => "font/otf",
        "pdf" => "application/pdf",
        "wasm" => "application/wasm",
        "mp4" => "video/mp4",
        "webm" => "video/webm",
        "mp3" => "audio/mpeg",
        "webmanifest" => "application/manifest+json",
        _ => "application/octet-stream",
    }
}

/// One live-reload connection: sends "reload" after each good build and "errors" after each
/// failed one; whatever the browser sends is ignored.
async fn live(mut socket: WebSocket, mut snapshots: watch::Receiver<Arc<Snapshot>>) {
    let mut shown = snapshots.borrow().site.clone();
    loop {
        tokio::select! {
            changed = snapshots.changed() => {
                if changed.is_err() {
                    break;
                }
                let snapshot = Arc::clone(&snapshots.borrow_and_update());
                let message = live_message(shown.as_ref(), &snapshot);
                shown = snapshot.site.clone();
                if socket.send(Message::text(message)).await.is_err() {
                    break;
                }
            }
            incoming = socket.recv() => match incoming {
                None | Some(Err(_)) | Some(Ok(Message::Close(_))) => break,
                Some(Ok(_)) => {}
            },
        }
    }
}

/// What a page that shows the site `shown` is told when the state becomes `now`: to reload
/// if the site is another (its pages carry the errors overlay, if any), else to show the
/// errors. The channel keeps only the latest state: a good build followed at once by a
/// failed write of the output folder is one change, which must still reload the page.
fn live_message(shown: Option<&Arc<SiteFiles>>, now: &Snapshot) -> &'static str {
    let same_site = match (shown, &now.site) {
        (Some(shown), Some(now)) => Arc::ptr_eq(shown, now),
        (None, None) => true,
        _ => false,
    };
    if same_site && now.errors.is_some() {
        "errors"
    } else {
        "reload"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn site() -> SiteFiles {
        let files: crate::incremental::Files = [
            "index.html",
            "articles/x/index.html",
            "style.css",
            "404.html",
        ]
        .into_iter()
        .map(|p| (p.into(), Bytes::from_static(b"<html><body>x</body></html>")))
        .collect();
        SiteFiles {
            files,
            base_path: "/briefings/".into(),
            rendered: 0,
        }
    }

    #[test]
    fn paths_resolve_in_the_manifest_only() {
        let site = site();
        let file = |k: &'static str| Resolved::File(k, site.files[k].clone());
        let moved = |l: &str| Resolved::Redirect(StatusCode::MOVED_PERMANENTLY, l.to_string());
        let cases = [
            ("/briefings/", file("index.html")),
            ("/briefings/articles/x/", file("articles/x/index.html")),
            (
                "/briefings/articles/x/index.html",
                file("articles/x/index.html"),
            ),
            ("/briefings/style.css", file("style.css")),
            ("/briefings/articles/x", moved("/briefings/articles/x/")),
            ("/briefings", moved("/briefings/")),
            (
                "/",
                Resolved::Redirect(StatusCode::FOUND, "/briefings/".into()),
            ),
            ("/briefings/articles/", Resolved::NotFound),
            ("/briefings/articles/y/", Resolved::NotFound),
            ("/index.html", Resolved::NotFound),
            ("/briefings/.brief-manifest", Resolved::NotFound),
            ("/etc/passwd", Resolved::NotFound),
        ];
        for (path, want) in cases {
            assert_eq!(resolve(&site, path, path), want, "{path}");
        }
    }

    #[test]
    fn script_and_overlay_go_before_the_last_body_end_and_errors_are_escaped() {
        let snapshot = Snapshot {
            site: Some(Arc::new(site())),
            errors: Some("a.md:1:1: <script>alert(1)</script> & more".into()),
            base_path: "/briefings/".into(),
        };
        let html = String::from_utf8(inject(b"<html><BODY><p>x</p></BODY></html>", &snapshot))
            .expect("utf8");
        assert!(
            html.starts_with("<html><BODY><p>x</p><div id=\"brief-errors\""),
            "{html}"
        );
        assert!(html.ends_with("</script>\n</BODY></html>"), "{html}");
        assert!(
            html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; more"),
            "{html}"
        );
        assert!(!html.contains("<script>alert"), "{html}");
        assert!(html.contains("const base = \"/briefings/\";"), "{html}");
        assert!(
            !html.contains("__BRIEF_"),
            "every placeholder filled: {html}"
        );
        // The script makes the overlay as the server does.
        let (overlay, script) = html.split_once("<script").expect("script");
        for value in [OVERLAY_STYLE, ERRORS_STYLE, OVERLAY_TITLE] {
            assert!(script.contains(&js_string(value)), "{value}");
            assert!(overlay.contains(value), "{value}");
        }
        let clean = Snapshot {
            errors: None,
            ..snapshot
        };
        let html = String::from_utf8(inject(b"no body", &clean)).expect("utf8");
        assert!(
            html.starts_with("no body<script data-brief-live-reload>")
                && !html.contains("id=\"brief-errors\""),
            "{html}"
        );
    }

    #[test]
    fn a_failed_build_keeps_the_last_good_site_and_a_good_one_clears_the_errors() {
        let failed = |base: Option<&str>| Built::Failed {
            errors: "e".into(),
            base_path: base.map(str::to_string),
        };
        let first = Snapshot::after(&Snapshot::default(), failed(Some("/sub/")));
        assert_eq!((first.site.is_none(), first.base_path()), (true, "/sub/"));
        let broken_config = Snapshot::after(&Snapshot::default(), failed(None));
        assert_eq!(broken_config.base_path(), "/");
        let good = Snapshot::after(&first, Built::Good(site()));
        assert_eq!(
            (good.errors.is_none(), good.base_path()),
            (true, "/briefings/")
        );
        let bad = Snapshot::after(&good, failed(Some("/elsewhere/")));
        assert_eq!(bad.site, good.site, "the last good site is kept");
        assert_eq!(
            (bad.errors.as_deref(), bad.base_path()),
            (Some("e"), "/briefings/")
        );
    }

    #[test]
    fn a_page_reloads_for_another_site_and_shows_errors_over_its_own() {
        let failed = || Built::Failed {
            errors: "e".into(),
            base_path: None,
        };
        let none = Snapshot::default();
        let broken = Snapshot::after(&none, failed());
        let good = Snapshot::after(&broken, Built::Good(site()));
        let good_then_failed = Snapshot::after(&good, failed());
        let newer = Snapshot::after(&good, Built::Good(site()));
        let newer_then_failed = Snapshot::after(&newer, failed());
        let cases: &[(&str, &Snapshot, &Snapshot, &str)] = &[
            ("no site yet, still broken", &broken, &broken, "errors"),
            ("the first good build", &broken, &good, "reload"),
            (
                "a failed build after it",
                &good,
                &good_then_failed,
                "errors",
            ),
            ("a good build", &good, &newer, "reload"),
            (
                "a good build, then at once a failure",
                &good,
                &newer_then_failed,
                "reload",
            ),
            ("fixed", &good_then_failed, &good, "reload"),
        ];
        for (what, shown, now, message) in cases {
            assert_eq!(live_message(shown.site.as_ref(), now), *message, "{what}");
        }
    }

    #[test]
    fn base_path_cannot_break_out_of_the_script() {
        assert_eq!(js_string("/a</script>/"), "\"/a\\u003c/script\\u003e/\"");
    }
}
