//! End-to-end tests of `brief serve` and `brief watch`: the binary on a fixture site, spoken to over
//! raw TCP and a real WebSocket. Every wait polls with a deadline; nothing asserts on timing.

mod common;

use std::io::{BufRead as _, BufReader, Read as _, Write as _};
use std::net::TcpStream;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex, mpsc};
use std::time::{Duration, Instant};

use common::{Fixture, article, tree};

/// Longest any single wait may take before the test fails.
const PATIENCE: Duration = Duration::from_secs(15);
const ARTICLE: &str = "/briefings/articles/alpha/";

/// A running `brief` child process whose stderr is collected.
struct Brief {
    child: Child,
    stderr: Arc<Mutex<String>>,
    /// The thread collecting stderr; it ends when the process does.
    stderr_reader: Option<std::thread::JoinHandle<()>>,
    /// Lines printed on stdout.
    stdout: mpsc::Receiver<String>,
}

impl Brief {
    fn spawn(root: &Path, args: &[&str]) -> Brief {
        let mut child = Command::new(env!("CARGO_BIN_EXE_brief"))
            .args(args)
            .arg("--root")
            .arg(root)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn brief");
        let stderr = Arc::new(Mutex::new(String::new()));
        let (pipe, sink) = (child.stderr.take().expect("stderr"), stderr.clone());
        let stderr_reader = std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                let mut all = sink.lock().expect("lock");
                all.push_str(&line);
                all.push('\n');
            }
        });
        let (lines, stdout) = mpsc::channel();
        let pipe = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            for line in BufReader::new(pipe).lines().map_while(Result::ok) {
                if lines.send(line).is_err() {
                    break;
                }
            }
        });
        Brief {
            child,
            stderr,
            stderr_reader: Some(stderr_reader),
            stdout,
        }
    }

    fn stderr(&self) -> String {
        self.stderr.lock().expect("lock").clone()
    }

    /// Waits for the process to exit by itself; its exit code.
    fn wait_exit(&mut self) -> i32 {
        let deadline = Instant::now() + PATIENCE;
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                if let Some(reader) = self.stderr_reader.take() {
                    let _ = reader.join();
                }
                return status.code().unwrap_or(-1);
            }
            assert!(
                Instant::now() < deadline,
                "brief did not exit; stderr:\n{}",
                self.stderr()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Ctrl-C (SIGINT on Unix), then waits for a clean exit.
    fn interrupt(&mut self) {
        #[cfg(unix)]
        {
            let status = Command::new("kill")
                .arg("-INT")
                .arg(self.child.id().to_string())
                .status()
                .expect("kill -INT");
            assert!(status.success());
            let code = self.wait_exit();
            assert_eq!(code, 0, "exit after Ctrl-C; stderr:\n{}", self.stderr());
        }
        #[cfg(not(unix))]
        {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

impl Drop for Brief {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `brief serve --port 0` with its address read from stdout.
struct Server {
    brief: Brief,
    port: u16,
}

impl Server {
    fn start(f: &Fixture) -> Server {
        let brief = Brief::spawn(f.root(), &["serve", "--port", "0"]);
        let line = brief
            .stdout
            .recv_timeout(PATIENCE)
            .unwrap_or_else(|e| panic!("no 'serving at' line ({e}); stderr:\n{}", brief.stderr()));
        let url = line
            .strip_prefix("serving at http://127.0.0.1:")
            .unwrap_or_else(|| panic!("unexpected line: {line}"));
        let (port, path) = url.split_once('/').expect("port/path");
        assert_eq!(path, "briefings/", "served under the path of base_url");
        Server {
            port: port.parse().expect("port"),
            brief,
        }
    }

    fn host(&self) -> String {
        format!("127.0.0.1:{}", self.port)
    }

    /// Sends raw request bytes (the request line and headers; `Connection: close` is the caller's).
    fn raw(&self, request: &str) -> Reply {
        let mut stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream.set_read_timeout(Some(PATIENCE)).expect("timeout");
        stream.write_all(request.as_bytes()).expect("send");
        let mut bytes = Vec::new();
        let _ = stream.read_to_end(&mut bytes);
        Reply::parse(&bytes)
    }

    fn request(&self, method: &str, path: &str, extra_headers: &str) -> Reply {
        self.raw(&format!(
            "{method} {path} HTTP/1.1\r\nHost: {}\r\n{extra_headers}Connection: close\r\n\r\n",
            self.host()
        ))
    }

    fn get(&self, path: &str) -> Reply {
        self.request("GET", path, "")
    }

    /// A live-reload WebSocket, connected the way the injected script does.
    fn socket(&self) -> Socket {
        use tungstenite::client::IntoClientRequest as _;
        let mut request = format!("ws://{}/briefings/__brief/reload", self.host())
            .into_client_request()
            .expect("request");
        request.headers_mut().insert(
            "Origin",
            format!("http://{}", self.host()).parse().expect("origin"),
        );
        let stream = TcpStream::connect(("127.0.0.1", self.port)).expect("connect");
        stream
            .set_read_timeout(Some(Duration::from_millis(100)))
            .expect("timeout");
        let (socket, response) =
            tungstenite::client(request, stream).unwrap_or_else(|e| panic!("handshake: {e}"));
        assert_eq!(response.status().as_u16(), 101);
        Socket(socket)
    }
}

struct Socket(tungstenite::WebSocket<TcpStream>);

impl Socket {
    /// Waits for the next text message.
    fn next(&mut self, stderr: impl Fn() -> String) -> String {
        let deadline = Instant::now() + PATIENCE;
        loop {
            match self.0.read() {
                Ok(tungstenite::Message::Text(text)) => return text.as_str().to_string(),
                Ok(_) => {}
                Err(tungstenite::Error::Io(e))
                    if matches!(
                        e.kind(),
                        std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                    ) => {}
                Err(e) => panic!("websocket: {e}; stderr:\n{}", stderr()),
            }
            assert!(
                Instant::now() < deadline,
                "no websocket message; stderr:\n{}",
                stderr()
            );
        }
    }
}

/// A parsed HTTP response.
#[derive(Debug)]
struct Reply {
    status: u16,
    headers: Vec<(String, String)>,
    body: String,
}

impl Reply {
    fn parse(bytes: &[u8]) -> Reply {
        let text = String::from_utf8_lossy(bytes);
        let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
        let mut lines = head.lines();
        let status = lines
            .next()
            .and_then(|l| l.split(' ').nth(1))
            .and_then(|s| s.parse().ok())
            .unwrap_or(0);
        let headers = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(k, v)| (k.trim().to_ascii_lowercase(), v.trim().to_string()))
            .collect();
        Reply {
            status,
            headers,
            body: body.to_string(),
        }
    }

    fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

/// Saves a file the way many editors do: a temporary file renamed over the original, so a
/// build never sees it half-written.
fn save(f: &Fixture, rel: &str, text: &str) {
    let temp = format!("{rel}.tmp");
    f.write(&temp, text);
    std::fs::rename(f.path(&temp), f.path(rel)).expect("rename");
}

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.write(
        "content/alpha.md",
        &article("Alpha report", "2020-01-03", "The first article."),
    );
    f.write(
        "content/beta.md",
        &article("Beta report", "2020-01-02", "The second article."),
    );
    f
}

/// The live-reload snippet removed from a served page: what is left must be the file on disk.
fn without_script(page: &str) -> String {
    let start = page
        .find("<script data-brief-live-reload>")
        .expect("injected script");
    let end = start + page[start..].find("</script>\n").expect("script end") + "</script>\n".len();
    format!("{}{}", &page[..start], &page[end..])
}

fn wait_until(what: &str, mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + PATIENCE;
    while !done() {
        assert!(Instant::now() < deadline, "timed out waiting for {what}");
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[test]
fn pages_are_served_with_the_reload_script_which_never_reaches_the_disk() {
    let f = fixture();
    let server = Server::start(&f);
    let page = server.get(ARTICLE);
    assert_eq!(page.status, 200, "{page:?}");
    assert_eq!(
        page.header("content-type"),
        Some("text/html; charset=utf-8")
    );
    assert_eq!(page.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(page.header("cache-control"), Some("no-store"));
    assert!(page.body.contains("Alpha report"));
    assert!(
        page.body.contains("<script data-brief-live-reload>")
            && page.body.contains("__brief/reload")
    );
    let on_disk = f.read("site/articles/alpha/index.html");
    assert!(!on_disk.contains("brief-live-reload") && !on_disk.contains("__brief"));
    assert_eq!(
        without_script(&page.body),
        on_disk,
        "served page = file on disk + script"
    );

    let css = server.get("/briefings/style.css");
    assert_eq!(
        (css.status, css.header("content-type")),
        (200, Some("text/css; charset=utf-8"))
    );
    assert!(!css.body.contains("brief-live-reload"));
    let moved = server.get("/briefings/articles/alpha?x=1");
    assert_eq!(
        (moved.status, moved.header("location")),
        (301, Some("/briefings/articles/alpha/"))
    );
    assert_eq!(
        server.get("/briefings/articles/alpha/?raw??").status,
        200,
        "query strings are ignored"
    );
    let missing = server.get("/briefings/articles/nope/");
    assert_eq!(missing.status, 404);
    assert!(
        missing.body.contains("<script data-brief-live-reload>"),
        "the site's 404 page, with the script"
    );
    let root = server.get("/");
    assert_eq!(
        (root.status, root.header("location")),
        (302, Some("/briefings/"))
    );
    let head = server.request("HEAD", ARTICLE, "");
    assert_eq!((head.status, head.body.as_str()), (200, ""));
}

#[test]
fn edits_reload_bad_edits_show_an_overlay_and_site_stays_what_build_writes() {
    let f = fixture();
    let mut server = Server::start(&f);
    let stderr = || server.brief.stderr();
    let mut socket = server.socket();

    // (2) An edit: "reload" once the new page is served; site/ gets it right after, with
    // a file deleted from it by hand meanwhile.
    std::fs::remove_file(f.path("site/404.html")).expect("rm");
    save(
        &f,
        "content/alpha.md",
        &article("Alpha report, revised", "2020-01-03", "The first article."),
    );
    assert_eq!(socket.next(stderr), "reload");
    assert!(server.get(ARTICLE).body.contains("Alpha report, revised"));
    wait_until("404.html written again", || {
        stderr().contains("wrote again 1 file(s) missing or cut short in the output folder")
    });
    assert!(f.read("site/404.html").contains("</html>"));
    let good_site = f.tree("site");
    assert!(
        String::from_utf8_lossy(&good_site["articles/alpha/index.html"])
            .contains("Alpha report, revised")
    );

    // (3) Broken front matter: the old page, plus the escaped errors; site/ untouched.
    save(
        &f,
        "content/alpha.md",
        "---\ntitle: \"Alpha <b>broken\ndate: 2020-01-03\n---\nBody.\n",
    );
    assert_eq!(socket.next(stderr), "errors");
    let page = server.get(ARTICLE);
    assert_eq!(page.status, 200);
    assert!(
        page.body.contains("Alpha report, revised"),
        "last good page"
    );
    let overlay = &page.body[page.body.find("id=\"brief-errors\"").expect("overlay")..];
    assert!(
        overlay.contains("content/alpha.md:2:8: error["),
        "{overlay}"
    );
    assert!(
        overlay.contains("title: &quot;Alpha &lt;b&gt;broken"),
        "escaped snippet: {overlay}"
    );
    assert!(!page.body.contains("<b>broken"), "never raw");
    assert!(
        server
            .get("/briefings/__brief/errors")
            .body
            .contains("content/alpha.md:2:8")
    );
    assert!(
        server
            .get("/briefings/")
            .body
            .contains("id=\"brief-errors\""),
        "every page shows it"
    );
    assert_eq!(
        f.tree("site"),
        good_site,
        "a failed build changes nothing on disk"
    );
    // Printed before the message was sent, but read from the pipe by another thread.
    wait_until("errors printed in the terminal", || {
        stderr().contains("content/alpha.md:2:8: error[")
    });

    // (4) Fixed: reload, no overlay.
    save(
        &f,
        "content/alpha.md",
        &article("Alpha report, fixed", "2020-01-03", "The first article."),
    );
    assert_eq!(socket.next(stderr), "reload");
    let page = server.get(ARTICLE);
    assert!(
        page.body.contains("Alpha report, fixed") && !page.body.contains("id=\"brief-errors\"")
    );
    assert_eq!(server.get("/briefings/__brief/errors").body, "");

    // A deleted article disappears, from memory and from disk.
    std::fs::remove_file(f.path("content/beta.md")).expect("rm");
    assert_eq!(socket.next(stderr), "reload");
    assert_eq!(server.get("/briefings/articles/beta/").status, 404);
    assert!(!f.path("site/articles/beta/index.html").exists());

    // (6) After Ctrl-C, site/ is exactly what `brief build` writes.
    server.brief.interrupt();
    f.build_ok(&["--output", f.path("fresh").to_str().expect("utf8")]);
    assert_eq!(f.tree("site"), f.tree("fresh"));
}

#[test]
fn atomic_saves_new_folders_and_files_in_them_are_seen() {
    let f = fixture();
    let server = Server::start(&f);
    let stderr = || server.brief.stderr();
    let mut socket = server.socket();

    // Write a temporary file, then rename it over the article (how many editors save).
    f.write(
        "content/.alpha.md.tmp",
        &article("Alpha, saved atomically", "2020-01-03", "Body."),
    );
    std::fs::rename(f.path("content/.alpha.md.tmp"), f.path("content/alpha.md")).expect("rename");
    assert_eq!(socket.next(stderr), "reload");
    assert!(server.get(ARTICLE).body.contains("Alpha, saved atomically"));

    // A new folder with a new folder and a file inside it.
    f.write(
        "content/2020/january/gamma.md",
        &article("Gamma in a new folder", "2020-01-04", "Body."),
    );
    wait_until("the new article", || {
        server
            .get("/briefings/articles/gamma/")
            .body
            .contains("Gamma in a new folder")
    });
    // A file created later inside the new folder is seen too (the folder is watched now).
    f.write(
        "content/2020/january/delta.md",
        &article("Delta, later", "2020-01-05", "Body."),
    );
    wait_until("the later article", || {
        server.get("/briefings/articles/delta/").status == 200
    });

    // A new static file.
    f.write("static/extra.txt", "hello\n");
    wait_until("the static file", || {
        server.get("/briefings/extra.txt").body == "hello\n"
    });
    // Editor leftovers trigger nothing visible and are never published.
    f.write("content/alpha.md~", "not an article");
    f.write("content/.alpha.md.swp", "not an article");
    assert_eq!(server.get("/briefings/articles/alpha~/").status, 404);
    assert!(
        !f.tree("site")
            .keys()
            .any(|k| k.contains('~') || k.contains("swp"))
    );
}

#[test]
fn hostile_requests_are_refused() {
    let f = fixture();
    f.write("site-leak/secret.txt", "TOP SECRET");
    let server = Server::start(&f);
    let paths = [
        "/../../../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc/passwd",
        "/%252e%252e/%252e%252e/etc/passwd",
        "/..\\..\\etc\\passwd",
        "/..%5c..%5cetc%5cpasswd",
        "//etc/passwd",
        "/C:/Windows/win.ini",
        "/index.html%00.png",
        "/briefings/..;/..;/x",
        "/briefings/..%2f..%2fsite-leak/secret.txt",
        "/..%2fsite-leak/secret.txt",
        "/briefings/../site-leak/secret.txt",
        "/briefings/.brief-manifest",
        "/briefings/%2e%2e/brief.yaml",
    ];
    for path in paths {
        let reply = server.get(path);
        assert!(matches!(reply.status, 400 | 404), "{path}: {reply:?}");
        assert!(
            !reply.body.contains("root:")
                && !reply.body.contains("TOP SECRET")
                && !reply.body.contains("base_url"),
            "{path}"
        );
    }

    let foreign =
        server.raw("GET /briefings/ HTTP/1.1\r\nHost: evil.example\r\nConnection: close\r\n\r\n");
    assert_eq!(foreign.status, 403);
    assert_eq!(foreign.body.lines().count(), 1, "a one-line body");
    assert!(!foreign.body.contains("Alpha"));
    let forwarded = server.raw(&format!(
        "GET /briefings/ HTTP/1.1\r\nHost: evil.example:{}\r\nX-Forwarded-Host: localhost\r\nConnection: close\r\n\r\n",
        server.port
    ));
    assert_eq!(forwarded.status, 403, "X-Forwarded-Host is ignored");
    let no_host = server.raw("GET /briefings/ HTTP/1.1\r\nConnection: close\r\n\r\n");
    assert_eq!(no_host.status, 400);
    let absolute = server.raw(&format!(
        "GET http://evil.example/briefings/ HTTP/1.1\r\nHost: {}\r\nConnection: close\r\n\r\n",
        server.host()
    ));
    assert_eq!(
        absolute.status, 403,
        "absolute-form target naming another host"
    );
    for host in ["localhost", "sub.localhost:9", "[::1]:1"] {
        let ok = server.raw(&format!(
            "GET /briefings/ HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
        ));
        assert_eq!(ok.status, 200, "{host}");
    }

    let upgrade = |origin: &str| {
        server.request(
            "GET",
            "/briefings/__brief/reload",
            &format!("Upgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n{origin}"),
        )
    };
    for origin in [
        "Origin: http://evil.example\r\n",
        "",
        "Origin: null\r\n",
        &format!("Origin: http://127.0.0.1.evil.example:{}\r\n", server.port),
    ] {
        assert_eq!(upgrade(origin).status, 403, "{origin:?}");
    }

    let post = server.request("POST", "/briefings/", "Content-Length: 0\r\n");
    assert_eq!(
        (post.status, post.header("allow")),
        (405, Some("GET, HEAD"))
    );
    for method in ["PUT", "DELETE"] {
        assert_eq!(
            server
                .request(method, "/briefings/index.html", "Content-Length: 0\r\n")
                .status,
            405
        );
    }
    let cross = server.request("GET", ARTICLE, "Origin: http://evil.example\r\n");
    assert_eq!(cross.status, 200);
    assert_eq!(
        cross.header("access-control-allow-origin"),
        None,
        "never CORS"
    );
    assert!(
        f.path("site-leak/secret.txt").exists() && f.read("site/index.html").contains("Alpha"),
        "nothing written by requests"
    );
}

/// After a title edit, `site/` is written once the reload is sent. When that write fails,
/// the browser is told (the errors overlay over the new pages), and the next good build
/// writes what was left.
#[test]
fn a_write_that_fails_after_the_reload_shows_its_error_until_the_next_build() {
    let f = fixture();
    let server = Server::start(&f);
    let stderr = || server.brief.stderr();
    let mut socket = server.socket();

    std::fs::remove_dir_all(f.path("site/articles/alpha")).expect("rm");
    f.write("site/articles/alpha", "in the way");
    save(
        &f,
        "content/alpha.md",
        &article("Alpha report, blocked", "2020-01-03", "The first article."),
    );
    // The new pages were built: "reload" (then "errors", unless both came as one change,
    // when the reloaded page shows the errors).
    assert_eq!(socket.next(stderr), "reload");
    wait_until("the error of the write", || {
        !server.get("/briefings/__brief/errors").body.is_empty()
    });
    let errors = server.get("/briefings/__brief/errors").body;
    assert!(
        errors.starts_with("the new pages are served, but the output folder could not be written")
            && errors.contains("error[FS-WRITE]")
            && errors.contains("site/articles/alpha"),
        "{errors}"
    );
    let page = server.get(ARTICLE);
    assert!(
        page.body.contains("Alpha report, blocked") && page.body.contains("id=\"brief-errors\""),
        "the new page, with the error over it"
    );
    assert_eq!(f.read("site/articles/alpha"), "in the way");

    std::fs::remove_file(f.path("site/articles/alpha")).expect("rm");
    // Skip an "errors" message still unread, if any.
    let _ = std::mem::replace(&mut socket, server.socket());
    save(
        &f,
        "content/alpha.md",
        &article(
            "Alpha report, unblocked",
            "2020-01-03",
            "The first article.",
        ),
    );
    assert_eq!(socket.next(stderr), "reload");
    assert_eq!(server.get("/briefings/__brief/errors").body, "");
    wait_until("the page written", || {
        std::fs::read_to_string(f.path("site/articles/alpha/index.html"))
            .is_ok_and(|page| page.contains("Alpha report, unblocked"))
    });
}

#[test]
fn a_site_broken_from_the_start_is_served_as_its_errors_until_fixed() {
    let f = fixture();
    f.write(
        "content/alpha.md",
        "---\ntitle: Alpha\ndate: 2019-13-45\n---\nBody.\n",
    );
    let server = Server::start(&f);
    let page = server.get(ARTICLE);
    assert_eq!(page.status, 503);
    assert!(
        page.body.contains("content/alpha.md:3:")
            && page.body.contains("error[FM-DATE]")
            && page.body.contains("the site does not build")
            && page.body.contains("<script data-brief-live-reload>"),
        "{}",
        page.body
    );
    assert!(!f.path("site").exists(), "nothing written");
    let stderr = || server.brief.stderr();
    let mut socket = server.socket();
    save(
        &f,
        "content/alpha.md",
        &article("Alpha report", "2020-01-03", "Body."),
    );
    assert_eq!(socket.next(stderr), "reload");
    assert_eq!(server.get(ARTICLE).status, 200);
    assert!(f.path("site/articles/alpha/index.html").exists());
}

#[test]
fn a_busy_port_and_a_bad_bind_address_are_clear_errors() {
    let f = fixture();
    let taken = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
    let port = taken.local_addr().expect("addr").port().to_string();
    let mut busy = Brief::spawn(f.root(), &["serve", "--port", &port]);
    assert_eq!(busy.wait_exit(), 1);
    assert!(
        busy.stderr()
            .contains(&format!("port {port} is already in use")),
        "{}",
        busy.stderr()
    );
    let mut bad = Brief::spawn(f.root(), &["serve", "--bind", "not-an-ip"]);
    assert_eq!(bad.wait_exit(), 2);
    assert!(bad.stderr().contains("--bind"), "{}", bad.stderr());
}

#[test]
fn watch_rebuilds_the_output_folder_and_keeps_it_on_a_bad_edit() {
    let f = fixture();
    let mut watch = Brief::spawn(f.root(), &["build", "--watch"]);
    let page =
        || std::fs::read_to_string(f.path("site/articles/alpha/index.html")).unwrap_or_default();
    wait_until("the initial build", || page().contains("Alpha report"));
    wait_until("the watcher", || watch.stderr().contains("watching"));
    save(
        &f,
        "content/alpha.md",
        &article("Alpha, watched", "2020-01-03", "Body."),
    );
    wait_until("the rebuild", || page().contains("Alpha, watched"));
    let good = f.tree("site");
    save(
        &f,
        "content/alpha.md",
        "---\ntitle: [unclosed\ndate: 2020-01-03\n---\n",
    );
    wait_until("the failed build", || {
        watch.stderr().contains("build failed")
    });
    assert!(
        watch.stderr().contains("content/alpha.md:"),
        "{}",
        watch.stderr()
    );
    assert_eq!(f.tree("site"), good, "the last good site is kept");
    save(
        &f,
        "content/alpha.md",
        &article("Alpha, fixed", "2020-01-03", "Body."),
    );
    wait_until("the recovery", || page().contains("Alpha, fixed"));
    watch.interrupt();
    f.build_ok(&["--output", f.path("fresh").to_str().expect("utf8")]);
    assert_eq!(tree(&f.path("site")), tree(&f.path("fresh")));
}

#[test]
fn config_and_template_changes_are_seen_and_bursts_coalesce() {
    let f = fixture();
    let server = Server::start(&f);
    let stderr = || server.brief.stderr();
    let mut socket = server.socket();

    save(
        &f,
        "brief.yaml",
        &common::CONFIG.replace("Test Briefing", "Renamed Briefing"),
    );
    assert_eq!(socket.next(stderr), "reload");
    assert!(server.get("/briefings/").body.contains("Renamed Briefing"));

    f.write(
        "templates/404.html",
        "<!doctype html><html lang=\"en\"><body><p>Custom not found</p></body></html>\n",
    );
    assert_eq!(socket.next(stderr), "reload");
    let missing = server.get("/briefings/nope/");
    assert_eq!(missing.status, 404);
    assert!(missing.body.contains("Custom not found"));

    // A burst of saves: a bounded number of rebuilds, and the last save wins.
    let before = stderr().matches("change in").count();
    for i in 0..200 {
        f.write(
            "content/alpha.md",
            &article(&format!("Alpha burst {i}"), "2020-01-03", "Body."),
        );
    }
    save(
        &f,
        "content/alpha.md",
        &article("Alpha after the burst", "2020-01-03", "Body."),
    );
    wait_until("the final save", || {
        server.get(ARTICLE).body.contains("Alpha after the burst")
    });
    let rebuilds = stderr().matches("change in").count() - before;
    assert!(
        rebuilds < 20,
        "{rebuilds} rebuilds for one burst:\n{}",
        stderr()
    );
}

/// Not a test: measures the time from saving an article of the example briefing to the "reload"
/// message. Run with `cargo test --release --test serve -- --ignored --nocapture`.
#[test]
#[ignore]
fn measure_save_to_reload_latency() {
    let f = Fixture::example();
    let server = Server::start(&f);
    let stderr = || server.brief.stderr();
    let mut socket = server.socket();
    let path = f.path("content/iraq-protests.md");
    let original = std::fs::read_to_string(&path).expect("read");
    let mut times = Vec::new();
    for i in 0..11 {
        let text = original.replacen("title: ", &format!("title: Edit {i} — "), 1);
        let started = Instant::now();
        std::fs::write(&path, text).expect("write");
        assert_eq!(socket.next(stderr), "reload");
        times.push(started.elapsed());
        std::thread::sleep(Duration::from_millis(300));
    }
    times.sort();
    println!(
        "save → reload: median {:?}, min {:?}, max {:?} over {} saves",
        times[times.len() / 2],
        times[0],
        times[times.len() - 1],
        times.len()
    );
}
