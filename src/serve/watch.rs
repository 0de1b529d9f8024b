//! Watching a site and rebuilding it: file-system events → change kinds → one full rebuild in
//! memory on a dedicated thread → the output folder and whoever listens.
//!
//! Threads: notify's own event thread feeds a channel; one rebuild thread owns the watcher,
//! waits for the events to settle, coalesces what arrives while it waits or builds (at most
//! one build running and one pending), and never runs on the async executor.

use std::collections::BTreeSet;
use std::panic::{self, AssertUnwindSafe};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError, Sender};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use notify::event::{AccessKind, AccessMode, MetadataKind, ModifyKind, RenameMode};
use notify::{Event, EventKind, RecommendedWatcher, RecursiveMode, Watcher as _};

use super::change::{self, ChangeKind};
use crate::config;
use crate::diag::Diagnostic;
use crate::incremental::Session;

/// Quiet time before a rebuild starts when the last event finished a save: a file closed
/// after writing, or renamed over its name (see [`finishes_a_save`]). The file is whole
/// then; the wait only gathers the other files of a burst (`git checkout`, a search and
/// replace), whose events come well under a millisecond apart. A save of one article at
/// 10k articles is built 2–3 ms after it is written (13–18 ms with notify-debouncer-full,
/// whose timeout and tick came on top of the quiet time).
const SETTLE_SAVED: Duration = Duration::from_millis(2);
/// Quiet time after any other event (a file created, truncated or written but still open,
/// removed, renamed away): more may follow, such as the new file of an editor that renames
/// the old one first. A save that an editor spreads over longer than this may be built
/// half-written; its last event builds it again.
const SETTLE: Duration = Duration::from_millis(10);
/// Longest a rebuild is put off by a stream of events that never settles.
const MAX_DELAY: Duration = Duration::from_secs(2);
/// Most diagnostics printed (and shown in the overlay) per build; the rest are counted.
const MAX_SHOWN: usize = 50;
/// Most changed paths named in a log line.
const MAX_NAMED: usize = 3;

/// What to build, and how.
#[derive(Debug, Clone)]
pub struct Settings {
    /// The build options, exactly as `brief build` would get them.
    pub options: crate::Options,
    /// Warnings fail the build.
    pub strict: bool,
}

/// A site held in memory: the files of one good build, keyed by their path in the output folder.
#[derive(Debug, Clone, Default)]
pub struct SiteFiles {
    /// `articles/x/index.html` → bytes.
    pub files: crate::incremental::Files,
    /// The path of `base_url` (`/` or `/sub/path/`), under which the site is served.
    pub base_path: String,
    /// How many of the files this build rendered (the others were reused).
    pub rendered: usize,
}

/// Two sites are equal when they serve the same bytes at the same paths (however many
/// files their builds rendered). Files an incremental build reused share their buffer with
/// the previous site, so comparing a large site costs little.
impl PartialEq for SiteFiles {
    fn eq(&self, other: &SiteFiles) -> bool {
        self.base_path == other.base_path
            && self.files.len() == other.files.len()
            && self.files.iter().all(|(path, bytes)| {
                other.files.get(path).is_some_and(|theirs| {
                    (theirs.as_ptr() == bytes.as_ptr() && theirs.len() == bytes.len())
                        || theirs == bytes
                })
            })
    }
}

impl Eq for SiteFiles {}

/// The result of one build.
#[derive(Debug, Clone)]
pub enum Built {
    /// Everything built and was written to the output folder.
    Good(SiteFiles),
    /// The build failed; the output folder is unchanged.
    Failed {
        /// The diagnostics, as printed.
        errors: String,
        /// The path of `base_url`, if the configuration could be read.
        base_path: Option<String>,
    },
}

/// What the rebuild thread is told.
enum Msg {
    Changes(Changes),
    Stop,
}

/// Relevant changes gathered from one or more events.
#[derive(Debug, Default)]
struct Changes {
    kinds: BTreeSet<ChangeKind>,
    /// Changed paths relative to the root (a few are named in the log line).
    paths: BTreeSet<String>,
    /// A top-level folder appeared, vanished or moved: watch it anew.
    rewatch: bool,
    /// The last relevant event finished a save (see [`SETTLE_SAVED`]).
    saved: bool,
}

impl Changes {
    fn from_event(root: &Path, output: &Path, event: &Event) -> Changes {
        let mut changes = Changes::default();
        if event.need_rescan() {
            changes.kinds.extend(ChangeKind::FOLDERS);
            changes.kinds.insert(ChangeKind::Config);
            changes.rewatch = true;
            return changes;
        }
        if !is_relevant(&event.kind) {
            return changes;
        }
        for path in &event.paths {
            changes.rewatch |= change::is_top_level_folder(root, path);
            if let Some(kind) = change::classify(root, output, path) {
                changes.kinds.insert(kind);
                changes
                    .paths
                    .insert(crate::content::load::rel_path(root, path));
            }
        }
        changes.saved = !changes.is_empty() && finishes_a_save(&event.kind);
        changes
    }

    fn is_empty(&self) -> bool {
        self.kinds.is_empty() && !self.rewatch
    }

    /// Adds changes that came later.
    fn merge(&mut self, later: Changes) {
        self.kinds.extend(later.kinds);
        self.paths.extend(later.paths);
        self.rewatch |= later.rewatch;
        self.saved = later.saved;
    }

    /// `content, templates (content/a.md, templates/x.html and 3 more)`.
    fn describe(&self) -> String {
        let kinds: Vec<&str> = self.kinds.iter().map(|k| k.name()).collect();
        let mut text = if kinds.is_empty() {
            "folders".to_string()
        } else {
            kinds.join(", ")
        };
        if !self.paths.is_empty() {
            let named: Vec<&str> = self
                .paths
                .iter()
                .take(MAX_NAMED)
                .map(String::as_str)
                .collect();
            let mut list = named.join(", ");
            let more = self.paths.len() - named.len();
            if more > 0 {
                list.push_str(&format!(" and {more} more"));
            }
            text.push_str(&format!(" ({list})"));
        }
        text
    }
}

/// Reading a file (our own build does) is not a change; nor is a new access time. Closing a
/// file written to is: it may be the only event of a write that changed no byte.
fn is_relevant(kind: &EventKind) -> bool {
    !matches!(
        kind,
        EventKind::Access(
            AccessKind::Open(_)
                | AccessKind::Read
                | AccessKind::Close(AccessMode::Read | AccessMode::Execute | AccessMode::Any)
                | AccessKind::Any
                | AccessKind::Other
        )
    ) && !matches!(
        kind,
        EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime))
    )
}

/// After this event a file is whole: closed after writing (an editor writing in place), or
/// renamed over the name it is read by (an editor writing a temporary file first).
fn finishes_a_save(kind: &EventKind) -> bool {
    matches!(
        kind,
        EventKind::Access(AccessKind::Close(AccessMode::Write))
            | EventKind::Modify(ModifyKind::Name(RenameMode::To | RenameMode::Both))
    )
}

type Watcher = RecommendedWatcher;

/// Watches the site's root (not recursively: `brief.yaml` and the top-level folders) and
/// `content/`, `templates/`, `static/` (recursively) as far as they exist.
fn watch_all(watcher: &mut Watcher, root: &Path) -> Result<(), String> {
    watcher
        .watch(root, RecursiveMode::NonRecursive)
        .map_err(|e| watch_error(root, &e))?;
    for kind in ChangeKind::FOLDERS {
        let dir = root.join(kind.top_level());
        if dir.is_dir() {
            watcher
                .watch(&dir, RecursiveMode::Recursive)
                .map_err(|e| watch_error(&dir, &e))?;
        }
    }
    Ok(())
}

/// A top-level folder was created, removed or renamed: drop its old watch and watch what is there now.
fn rewatch(watcher: &mut Watcher, root: &Path) {
    for kind in ChangeKind::FOLDERS {
        let dir = root.join(kind.top_level());
        let _ = watcher.unwatch(&dir);
        if dir.is_dir()
            && let Err(e) = watcher.watch(&dir, RecursiveMode::Recursive)
        {
            eprintln!("warning: {}", watch_error(&dir, &e));
        }
    }
}

fn watch_error(path: &Path, error: &notify::Error) -> String {
    let hint = match error.kind {
        notify::ErrorKind::MaxFilesWatch => {
            "; the system's limit of watched folders is reached: raise it (Linux: sysctl fs.inotify.max_user_watches=524288)"
        }
        _ => "",
    };
    format!("cannot watch {}: {error}{hint}", path.display())
}

/// A running watcher with its rebuild thread.
pub struct Watch {
    sender: Sender<Msg>,
    stopping: Arc<AtomicBool>,
    thread: JoinHandle<()>,
}

impl Watch {
    /// Starts watching `settings.options.root`, then builds the site once and again after every
    /// settled change, on a thread of its own. Each build's result goes to `publish`, after the
    /// output folder has been written.
    pub fn start(
        settings: Settings,
        publish: impl FnMut(Built) + Send + 'static,
    ) -> Result<Watch, String> {
        let root = settings.options.root.canonicalize().map_err(|e| {
            format!(
                "cannot open the site folder {}: {e}",
                settings.options.root.display()
            )
        })?;
        let output = crate::output::canonical_lenient(&settings.options.output_dir());
        let (sender, receiver) = mpsc::channel();
        let events = sender.clone();
        let (event_root, event_output) = (root.clone(), output);
        let handler = move |result: notify::Result<Event>| match result {
            Ok(event) => {
                let changes = Changes::from_event(&event_root, &event_output, &event);
                if !changes.is_empty() {
                    let _ = events.send(Msg::Changes(changes));
                }
            }
            Err(error) => {
                let path = error
                    .paths
                    .first()
                    .cloned()
                    .unwrap_or_else(|| event_root.clone());
                eprintln!("warning: {}", watch_error(&path, &error));
            }
        };
        let mut watcher = notify::recommended_watcher(handler)
            .map_err(|e| format!("cannot start watching files: {e}"))?;
        watch_all(&mut watcher, &root)?;
        let stopping = Arc::new(AtomicBool::new(false));
        let worker = Worker {
            settings,
            root,
            watcher,
            receiver,
            stopping: stopping.clone(),
            publish: Box::new(publish),
        };
        let thread = std::thread::Builder::new()
            .name("brief-rebuild".into())
            .spawn(move || worker.run())
            .map_err(|e| format!("cannot start the rebuild thread: {e}"))?;
        Ok(Watch {
            sender,
            stopping,
            thread,
        })
    }

    /// Stops watching. A build in progress is finished (so the output folder is complete);
    /// changes not yet built are dropped.
    pub fn stop(self) {
        self.stopping.store(true, Ordering::SeqCst);
        let _ = self.sender.send(Msg::Stop);
        let _ = self.thread.join();
    }
}

/// The rebuild thread's state.
struct Worker {
    settings: Settings,
    root: PathBuf,
    watcher: Watcher,
    receiver: Receiver<Msg>,
    stopping: Arc<AtomicBool>,
    publish: Box<dyn FnMut(Built) + Send>,
}

impl Worker {
    fn run(mut self) {
        let mut session = Session::deferring_writes();
        let started = Instant::now();
        let built = build_once(&self.settings, &mut session, None);
        log_build(None, &built, started);
        (self.publish)(built);
        session.make_room_for_edits();
        while let Some(changes) = self.next_changes() {
            if changes.rewatch {
                rewatch(&mut self.watcher, &self.root);
            }
            if self.stopping.load(Ordering::SeqCst) {
                break;
            }
            let started = Instant::now();
            let changed = if changes.rewatch {
                // Events may have been missed: read every file again.
                session.forget_all();
                None
            } else {
                Some(&changes.paths)
            };
            let built = build_once(&self.settings, &mut session, changed);
            log_build(Some(&changes), &built, started);
            (self.publish)(built);
            if let Some(failed) = finish_output(&self.settings, &mut session) {
                (self.publish)(failed);
            }
            session.make_room_for_edits();
        }
    }

    /// Waits for a change, then for things to settle: everything that arrives until the
    /// events pause for [`SETTLE_SAVED`] after a finished save, [`SETTLE`] after any other
    /// event (or [`MAX_DELAY`] has passed) is one rebuild.
    /// Events that arrive during a build queue up in the channel and make the next one.
    fn next_changes(&self) -> Option<Changes> {
        let mut changes = match self.receiver.recv() {
            Ok(Msg::Changes(c)) => c,
            Ok(Msg::Stop) | Err(_) => return None,
        };
        let deadline = Instant::now() + MAX_DELAY;
        loop {
            let settle = if changes.saved { SETTLE_SAVED } else { SETTLE };
            let wait = settle.min(deadline.saturating_duration_since(Instant::now()));
            if wait.is_zero() {
                return Some(changes);
            }
            match self.receiver.recv_timeout(wait) {
                Ok(Msg::Changes(more)) => changes.merge(more),
                Ok(Msg::Stop) | Err(RecvTimeoutError::Disconnected) => return None,
                Err(RecvTimeoutError::Timeout) => return Some(changes),
            }
        }
    }
}

/// One build, with the same checks and output as `brief build` (location check, all-or-nothing
/// write), reusing what `session` kept from the previous good build; the diagnostics are
/// printed. A panic in the build is caught and reported as a failed build, and the session
/// then starts afresh (its caches may be half updated).
pub fn build_once(
    settings: &Settings,
    session: &mut Session,
    changed: Option<&BTreeSet<String>>,
) -> Built {
    let options = &settings.options;
    let base_path = base_path(options);
    let result = panic::catch_unwind(AssertUnwindSafe(|| match changed {
        Some(changed) => session.build_after(options, settings.strict, changed),
        None => session.build(options, settings.strict),
    }));
    let result = match result {
        Ok(result) => result,
        Err(payload) => {
            session.reset();
            let why = payload
                .downcast_ref::<&str>()
                .map(|s| s.to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_default();
            let text = format!(
                "internal error: the build panicked ({why}); this is a bug in brief, please report it\n"
            );
            eprint!("{text}");
            return Built::Failed {
                errors: text,
                base_path,
            };
        }
    };
    match result {
        Ok(rebuilt) => {
            print_diagnostics(&rebuilt.diagnostics);
            Built::Good(SiteFiles {
                files: rebuilt.files,
                base_path: base_path.unwrap_or_else(|| "/".into()),
                rendered: rebuilt.rendered,
            })
        }
        Err(diagnostics) => failed(&diagnostics, base_path),
    }
}

/// After a build that left part of the output folder for later (an edit of one article),
/// writes the files it changed and those deleted or cut short there by hand since (see
/// [`Session::finish_output`]). A failure is a failed build: printed, and shown in the
/// browser until the next good build.
fn finish_output(settings: &Settings, session: &mut Session) -> Option<Built> {
    match session.finish_output(&settings.options) {
        Ok(finished) => {
            if finished.restored > 0 {
                eprintln!(
                    "wrote again {} file(s) missing or cut short in the output folder",
                    finished.restored
                );
            }
            None
        }
        Err(d) => {
            let note = "the new pages are served, but the output folder could not be written \
                        (the next build writes them first):";
            eprintln!("{note}");
            Some(Built::Failed {
                errors: format!("{note}\n{}", print_diagnostics(&[d])),
                base_path: base_path(&settings.options),
            })
        }
    }
}

/// The path of the configured `base_url`, read the way the build reads it.
fn base_path(options: &crate::Options) -> Option<String> {
    let file =
        crate::content::load::read_text(&options.root, &options.root.join(config::FILE_NAME))
            .ok()?;
    config::parse(&file, options.base_url.as_deref())
        .ok()
        .map(|c| c.base_path)
}

/// Prints the diagnostics of a failed build and returns them as text for the browser overlay.
fn failed(diagnostics: &[Diagnostic], base_path: Option<String>) -> Built {
    Built::Failed {
        errors: print_diagnostics(diagnostics),
        base_path,
    }
}

/// Prints diagnostics to the terminal (at most [`MAX_SHOWN`]) and returns what was printed.
fn print_diagnostics(diagnostics: &[Diagnostic]) -> String {
    let mut text = String::new();
    for d in diagnostics.iter().take(MAX_SHOWN) {
        text.push_str(&d.render());
        text.push('\n');
    }
    if diagnostics.len() > MAX_SHOWN {
        text.push_str(&format!("… and {} more\n", diagnostics.len() - MAX_SHOWN));
    }
    let errors = diagnostics.iter().filter(|d| d.is_error()).count();
    let warnings = diagnostics.len() - errors;
    if !diagnostics.is_empty() {
        text.push_str(&format!("{errors} error(s), {warnings} warning(s)\n"));
    }
    eprint!("{text}");
    text
}

fn log_build(changes: Option<&Changes>, built: &Built, started: Instant) {
    let took = started.elapsed().as_secs_f64();
    let what = changes.map_or_else(
        || "initial build".to_string(),
        |c| format!("change in {}", c.describe()),
    );
    match built {
        Built::Good(site) => eprintln!(
            "{what}: built {} files ({} rendered) in {took:.2} s",
            site.files.len(),
            site.rendered
        ),
        Built::Failed { .. } => eprintln!("{what}: build failed; keeping the last good site"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::body::Bytes;
    use notify::event::{CreateKind, DataChange, RemoveKind};

    fn event(kind: EventKind, paths: &[&str]) -> Event {
        let mut e = Event::new(kind);
        for p in paths {
            e = e.add_path(PathBuf::from(p));
        }
        e
    }

    /// The changes of `events`, merged in order as the rebuild thread merges them.
    fn changes_of(events: &[Event]) -> Changes {
        let mut changes = Changes::default();
        for event in events {
            let one = Changes::from_event(Path::new("/r"), Path::new("/r/site"), event);
            if !one.is_empty() {
                changes.merge(one);
            }
        }
        changes
    }

    #[test]
    fn events_become_changes_and_reads_are_not_changes() {
        let events = [
            event(
                EventKind::Access(AccessKind::Open(AccessMode::Any)),
                &["/r/content/a.md"],
            ),
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Read)),
                &["/r/content/a.md"],
            ),
            event(
                EventKind::Modify(ModifyKind::Metadata(MetadataKind::AccessTime)),
                &["/r/content/a.md"],
            ),
            event(EventKind::Create(CreateKind::File), &["/r/site/index.html"]),
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                &["/r/site/index.html"],
            ),
        ];
        assert!(changes_of(&events).is_empty());

        let events = [
            event(
                EventKind::Modify(ModifyKind::Name(RenameMode::Both)),
                &["/r/content/.a.md.tmp", "/r/content/a.md"],
            ),
            event(
                EventKind::Modify(ModifyKind::Data(DataChange::Any)),
                &["/r/templates/article.html"],
            ),
            event(EventKind::Remove(RemoveKind::File), &["/r/content/4913"]),
        ];
        let changes = changes_of(&events);
        assert_eq!(
            changes.kinds,
            BTreeSet::from([ChangeKind::Content, ChangeKind::Templates])
        );
        assert_eq!(
            changes.describe(),
            "content, templates (content/a.md, templates/article.html)"
        );
        assert!(!changes.rewatch);

        let changes = changes_of(&[event(EventKind::Create(CreateKind::Folder), &["/r/static"])]);
        assert!(changes.rewatch && changes.kinds.contains(&ChangeKind::Static));
    }

    /// Whether the rebuild waits the short quiet time: only when the last relevant event
    /// left a file whole.
    #[test]
    fn a_save_is_finished_by_a_close_after_writing_or_a_rename_into_place() {
        let write = |path| {
            event(
                EventKind::Modify(ModifyKind::Data(DataChange::Any)),
                &[path],
            )
        };
        let closed = |path| {
            event(
                EventKind::Access(AccessKind::Close(AccessMode::Write)),
                &[path],
            )
        };
        let renamed = |mode, path| event(EventKind::Modify(ModifyKind::Name(mode)), &[path]);
        let created = |path| event(EventKind::Create(CreateKind::File), &[path]);
        let removed = |path| event(EventKind::Remove(RemoveKind::File), &[path]);
        let cases: &[(&str, Vec<Event>, bool)] = &[
            ("written, still open", vec![write("/r/content/a.md")], false),
            (
                "written and closed",
                vec![write("/r/content/a.md"), closed("/r/content/a.md")],
                true,
            ),
            (
                "renamed over the article",
                vec![
                    closed("/r/content/a.md.tmp"),
                    renamed(RenameMode::From, "/r/content/a.md.tmp"),
                    renamed(RenameMode::To, "/r/content/a.md"),
                ],
                true,
            ),
            (
                "renamed away first (the new file comes next)",
                vec![renamed(RenameMode::From, "/r/content/a.md")],
                false,
            ),
            (
                "an editor's backup is not the article",
                vec![
                    renamed(RenameMode::From, "/r/content/a.md"),
                    renamed(RenameMode::To, "/r/content/a.md~"),
                ],
                false,
            ),
            ("created", vec![created("/r/content/b.md")], false),
            ("removed", vec![removed("/r/content/b.md")], false),
            (
                "a save, then a file of the burst still open",
                vec![closed("/r/content/a.md"), write("/r/content/b.md")],
                false,
            ),
            (
                "a save, then a read",
                vec![
                    closed("/r/content/a.md"),
                    event(
                        EventKind::Access(AccessKind::Open(AccessMode::Any)),
                        &["/r/content/b.md"],
                    ),
                ],
                true,
            ),
        ];
        for (what, events, saved) in cases {
            let changes = changes_of(events);
            assert!(!changes.is_empty(), "{what}");
            assert_eq!(changes.saved, *saved, "{what}");
        }
    }

    #[test]
    fn sites_are_equal_when_they_serve_the_same_bytes() {
        let site = |pairs: &[(&str, &str)], rendered| SiteFiles {
            files: pairs
                .iter()
                .map(|(p, b)| ((*p).into(), Bytes::from(b.to_string())))
                .collect(),
            base_path: "/".into(),
            rendered,
        };
        let a = site(&[("index.html", "A"), ("x/index.html", "X")], 2);
        let cases = [
            (site(&[("index.html", "A"), ("x/index.html", "X")], 0), true),
            (
                site(&[("index.html", "A"), ("x/index.html", "Y")], 2),
                false,
            ),
            (site(&[("index.html", "A")], 2), false),
            (
                site(&[("index.html", "A"), ("y/index.html", "X")], 2),
                false,
            ),
        ];
        for (b, equal) in cases {
            assert_eq!(a == b, equal, "{b:?}");
        }
        let shared = a.clone();
        assert_eq!(a, shared, "shared buffers");
    }

    #[test]
    fn merged_changes_name_a_few_paths_and_count_the_rest() {
        let mut changes = Changes::default();
        for i in 0..5 {
            let path = format!("/r/content/{i}.md");
            changes.merge(changes_of(&[event(
                EventKind::Create(CreateKind::File),
                &[&path],
            )]));
        }
        assert_eq!(
            changes.describe(),
            "content (content/0.md, content/1.md, content/2.md and 2 more)"
        );
    }
}
