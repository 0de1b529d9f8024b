//! `brief serve` and `brief watch`: rebuild on every save; serve the last good build from memory
//! with live reload, or just keep the output folder up to date.
//!
//! Layout: [`change`] classifies changed paths, [`watch`] turns settled events into full
//! rebuilds on a thread of its own, [`server`] answers HTTP and WebSocket requests from the last
//! good build, [`guard`] holds the Host, Origin and path checks. The async side runs on a
//! current-thread tokio runtime; builds never run on it.

pub mod change;
pub mod guard;
pub mod server;
pub mod watch;

use std::io::Write as _;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::Arc;

use tokio::sync::watch as channel;

use guard::Hosts;
use server::Snapshot;
use watch::{Built, Settings, Watch};

/// What `brief serve` is asked to do.
#[derive(Debug, Clone)]
pub struct ServeOptions {
    /// The site folder.
    pub root: PathBuf,
    /// Port to listen on; 0 picks a free one.
    pub port: u16,
    /// Address to listen on.
    pub bind: IpAddr,
    /// Include drafts.
    pub drafts: bool,
    /// Open the site in a browser once it is served.
    pub open: bool,
}

/// Builds, then serves the site at `http://<bind>:<port><base path>` and rebuilds it on every
/// change until interrupted (Ctrl-C). The output folder is kept equal to what `brief build` writes.
/// Returns the message to print when the server cannot run (exit status 1).
pub fn serve(opts: &ServeOptions) -> Result<(), String> {
    let settings = Settings {
        options: crate::Options {
            root: opts.root.clone(),
            drafts: opts.drafts,
            ..crate::Options::default()
        },
        strict: false,
    };
    preflight(&settings)?;
    let address = SocketAddr::new(opts.bind, opts.port);
    if !opts.bind.is_loopback() {
        eprintln!(
            "warning: listening on {}: the site, its build errors and the reload channel are visible to other machines on the network",
            opts.bind
        );
    }
    let listener = std::net::TcpListener::bind(address).map_err(|e| bind_error(address, &e))?;
    listener
        .set_nonblocking(true)
        .map_err(|e| format!("error: cannot listen on {address}: {e}"))?;
    let port = listener
        .local_addr()
        .map_err(|e| format!("error: cannot listen on {address}: {e}"))?
        .port();
    let hosts = Hosts {
        bound: opts.bind,
        port,
    };
    let runtime = runtime()?;
    runtime.block_on(async move {
        let mut interrupt = Interrupt::new()?;
        let listener = tokio::net::TcpListener::from_std(listener).map_err(|e| format!("error: cannot listen on {address}: {e}"))?;
        let (sender, mut receiver) = channel::channel(Arc::new(Snapshot::default()));
        let watcher = Watch::start(settings, move |built| publish(&sender, built)).map_err(|e| format!("error: {e}"))?;
        tokio::select! {
            _ = receiver.changed() => {}
            _ = interrupt.recv() => {
                watcher.stop();
                return Ok(());
            }
        }
        let base = receiver.borrow().base_path().to_string();
        let url = format!("http://{}{base}", SocketAddr::new(display_ip(opts.bind), port));
        println!("serving at {url}");
        let _ = std::io::stdout().flush();
        eprintln!("watching {} for changes; press Ctrl-C to stop", opts.root.display());
        if opts.open {
            open_browser(&url);
        }
        let app = server::router(receiver, hosts);
        let outcome = tokio::select! {
            result = axum::serve(listener, app).into_future() => result.map_err(|e| format!("error: the server stopped: {e}")),
            _ = interrupt.recv() => Ok(()),
        };
        eprintln!("stopping: finishing the current build");
        watcher.stop();
        outcome
    })
}

/// Builds the site into its output folder, then again on every change, until interrupted.
/// A failed build prints its diagnostics and leaves the output folder as it was.
pub fn watch(settings: Settings) -> Result<(), String> {
    preflight(&settings)?;
    let root = settings.options.root.clone();
    runtime()?.block_on(async move {
        let mut interrupt = Interrupt::new()?;
        let watcher = Watch::start(settings, |_| {}).map_err(|e| format!("error: {e}"))?;
        eprintln!(
            "watching {} for changes; press Ctrl-C to stop",
            root.display()
        );
        interrupt.recv().await;
        eprintln!("stopping: finishing the current build");
        watcher.stop();
        Ok(())
    })
}

/// Refuses to start on a missing site folder or an output folder `brief build` would refuse.
fn preflight(settings: &Settings) -> Result<(), String> {
    let options = &settings.options;
    if !options.root.is_dir() {
        return Err(format!(
            "error: the site folder {} does not exist",
            options.root.display()
        ));
    }
    crate::output::check_location(&options.root, &options.output_dir(), options.force)
        .map_err(|d| d.render())
}

fn runtime() -> Result<tokio::runtime::Runtime, String> {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("error: cannot start the server runtime: {e}"))
}

/// Hands a build to the server: a good one replaces the site; a failed one keeps the last good
/// site and adds its errors. Listeners are told only when what is shown changes.
fn publish(sender: &channel::Sender<Arc<Snapshot>>, built: Built) {
    sender.send_if_modified(|current| {
        let next = Snapshot::after(current, built);
        let changed = **current != next;
        if changed {
            *current = Arc::new(next);
        }
        changed
    });
}

fn bind_error(address: SocketAddr, error: &std::io::Error) -> String {
    match error.kind() {
        std::io::ErrorKind::AddrInUse => format!(
            "error: port {} is already in use on {}: stop the other server or choose another port with --port",
            address.port(),
            address.ip()
        ),
        std::io::ErrorKind::AddrNotAvailable => {
            format!(
                "error: cannot listen on {}: the address does not belong to this machine",
                address.ip()
            )
        }
        std::io::ErrorKind::PermissionDenied => {
            format!(
                "error: not allowed to listen on port {}: choose a port above 1023 with --port",
                address.port()
            )
        }
        _ => format!("error: cannot listen on {address}: {error}"),
    }
}

/// The address to show in the URL: loopback for "every address".
fn display_ip(bind: IpAddr) -> IpAddr {
    match bind {
        IpAddr::V4(ip) if ip.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(ip) if ip.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        ip => ip,
    }
}

/// Opens the URL in the desktop's browser; failures are ignored (the URL is printed anyway).
fn open_browser(url: &str) {
    let mut command = if cfg!(target_os = "macos") {
        std::process::Command::new("open")
    } else if cfg!(windows) {
        let mut c = std::process::Command::new("cmd");
        c.args(["/C", "start", ""]);
        c
    } else {
        std::process::Command::new("xdg-open")
    };
    let _ = command
        .arg(url)
        .stdin(std::process::Stdio::null())
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn();
}

/// Ctrl-C (and, on Unix, SIGTERM), registered as soon as the runtime runs.
struct Interrupt {
    #[cfg(unix)]
    int: tokio::signal::unix::Signal,
    #[cfg(unix)]
    term: tokio::signal::unix::Signal,
}

impl Interrupt {
    fn new() -> Result<Interrupt, String> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{SignalKind, signal};
            let fail = |e: std::io::Error| format!("error: cannot handle Ctrl-C: {e}");
            Ok(Interrupt {
                int: signal(SignalKind::interrupt()).map_err(fail)?,
                term: signal(SignalKind::terminate()).map_err(fail)?,
            })
        }
        #[cfg(not(unix))]
        Ok(Interrupt {})
    }

    async fn recv(&mut self) {
        #[cfg(unix)]
        tokio::select! {
            _ = self.int.recv() => {}
            _ = self.term.recv() => {}
        }
        #[cfg(not(unix))]
        let _ = tokio::signal::ctrl_c().await;
    }
}
