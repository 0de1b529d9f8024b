//! brief: a static site generator for annotated briefings.
//!
//! The build is a pipeline of plain values; only the first and last stages touch the disk:
//! `load` (files) → `parse` (articles, registries, config, theme) → `assemble` (site) →
//! `render` (pages) → `write` (output folder).

// Diagnostics are returned by value on cold error paths; their size does not matter there.
#![allow(clippy::result_large_err)]

pub mod config;
pub mod content;
pub mod diag;
pub mod fingerprint;
pub mod incremental;
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod suggest;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rayon::prelude::*;

use content::load;
use content::{Article, SourceFile, registry};
use diag::Diagnostic;
use render::{Page, Pages, Theme};

/// What a build is asked to do.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// The site folder (holding `brief.yaml` and `content/`).
    pub root: PathBuf,
    /// Output folder; default `<root>/site`.
    pub output: Option<PathBuf>,
    /// Include drafts.
    pub drafts: bool,
    /// Override of `base_url`.
    pub base_url: Option<String>,
    /// Write into a non-empty folder brief did not create.
    pub force: bool,
    /// Called by [`build`] once it has freed the articles' bodies (a fifth of a large
    /// site's memory), with the number of bytes freed, before it renders the other pages:
    /// the program's allocator can give that memory back to the system there (see
    /// `main.rs`).
    pub bodies_freed: Option<fn(usize)>,
    /// The most page URLs one sitemap file lists, at least 1; default (None)
    /// [`config::SITEMAP_MAX_URLS`], the limit of the sitemap protocol.
    pub sitemap_max_urls: Option<usize>,
}

impl Options {
    /// The output folder.
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("site"))
    }
}

/// An article file as loaded.
#[derive(Debug)]
pub enum ArticleFile {
    /// Read from disk.
    Read(SourceFile),
    /// Not read: an incremental build knows it unchanged since it last read it (path).
    Unchanged(String),
}

/// What identifies a version of a file without reading it: size and modification time.
pub type Stamp = (u64, Option<std::time::SystemTime>);

fn stamp(meta: &std::fs::Metadata) -> Stamp {
    (meta.len(), meta.modified().ok())
}

/// Every input file of a site, read from disk.
#[derive(Debug, Default)]
pub struct Inputs {
    /// `brief.yaml`.
    pub config: Option<SourceFile>,
    /// Article files, sorted by path.
    pub articles: Vec<ArticleFile>,
    /// The stamp of every article file (read or not), by path.
    pub stamps: Vec<(String, Stamp)>,
    /// `content/_sources.yaml`.
    pub sources: Option<SourceFile>,
    /// `content/_entities.yaml`.
    pub entities: Option<SourceFile>,
    /// The embedded theme with the site's overrides applied.
    pub theme: Theme,
}

/// Stage 1: reads every input file. Problems with single files are collected, not fatal.
pub fn load(root: &Path) -> (Inputs, Vec<Diagnostic>) {
    load_reusing(root, &|_, _| false)
}

/// Which article files an incremental build reads.
pub enum Articles<'a> {
    /// Walk `content/`, and read the files except those `unchanged(path, stamp)` says were
    /// not modified since they were last read.
    Walk(&'a (dyn Fn(&str, &Stamp) -> bool + Sync)),
    /// No walk: the article files of the previous build, in its order and with the stamps
    /// it read them with, of which only `changed` (reported by the file watcher) are read.
    Known {
        /// Paths and stamps.
        files: &'a [(String, Stamp)],
        /// Paths relative to the site folder.
        changed: &'a std::collections::BTreeSet<String>,
    },
}

/// [`load`], except for the articles `unchanged(path, stamp)` says were not modified since
/// they were last read: those are not read again.
pub fn load_reusing(
    root: &Path,
    unchanged: &(dyn Fn(&str, &Stamp) -> bool + Sync),
) -> (Inputs, Vec<Diagnostic>) {
    load_articles(root, Articles::Walk(unchanged))
}

/// [`load`], reading the article files `articles` says.
pub fn load_articles(root: &Path, articles: Articles<'_>) -> (Inputs, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let mut inputs = Inputs {
        theme: Theme::embedded(),
        ..Inputs::default()
    };
    let mut read = |rel: &str| -> Option<SourceFile> {
        let path = root.join(rel);
        if !path.exists() {
            return None;
        }
        load::read_text(root, &path)
            .map_err(|d| problems.push(d))
            .ok()
    };
    inputs.config = read(config::FILE_NAME);
    inputs.sources = read("content/_sources.yaml");
    inputs.entities = read("content/_entities.yaml");

    // Per file: its path and stamp (when it could be read at all), and the file or the problem.
    type Loaded = (Option<(String, Stamp)>, Result<ArticleFile, Diagnostic>);
    // The metadata gives both the stamp and the checks before reading (one `statx` per
    // file; there were three).
    let read_seen = |p: &Path, meta: &std::fs::Metadata, seen: (String, Stamp)| -> Loaded {
        (
            Some(seen),
            load::read_text_with(root, p, meta).map(ArticleFile::Read),
        )
    };
    let read_article = |p: &Path, meta: std::io::Result<std::fs::Metadata>| -> Loaded {
        match meta {
            Ok(meta) => read_seen(p, &meta, (load::rel_path(root, p), stamp(&meta))),
            Err(_) => (None, load::read_text(root, p).map(ArticleFile::Read)),
        }
    };
    let results: Vec<Loaded> = match articles {
        Articles::Walk(unchanged) => {
            let content = root.join("content");
            let (files, walk_problems) = load::walk(root, &content, |name| name.ends_with(".md"));
            problems.extend(walk_problems);
            files
                .par_iter()
                .map(|p| {
                    let meta = match std::fs::metadata(p) {
                        Ok(meta) => meta,
                        Err(e) => return read_article(p, Err(e)),
                    };
                    let (rel, stamp) = (load::rel_path(root, p), stamp(&meta));
                    if unchanged(&rel, &stamp) {
                        return (Some((rel.clone(), stamp)), Ok(ArticleFile::Unchanged(rel)));
                    }
                    read_seen(p, &meta, (rel, stamp))
                })
                .collect()
        }
        Articles::Known { files, changed } => files
            .iter()
            .map(|(rel, stamp)| {
                if changed.contains(rel) {
                    let path = root.join(rel);
                    let meta = std::fs::metadata(&path);
                    read_article(&path, meta)
                } else {
                    (
                        Some((rel.clone(), *stamp)),
                        Ok(ArticleFile::Unchanged(rel.clone())),
                    )
                }
            })
            .collect(),
    };
    for (seen, r) in results {
        match r {
            Ok(file) => {
                inputs.articles.push(file);
                inputs.stamps.extend(seen);
            }
            Err(d) => problems.push(d),
        }
    }

    let (templates, walk_problems) = load::walk(root, &root.join("templates"), |_| true);
    problems.extend(walk_problems);
    for path in templates {
        match load::read_text(root, &path) {
            Ok(file) => {
                let name = file.path.trim_start_matches("templates/").to_string();
                inputs.theme.override_template(name, file.text);
            }
            Err(d) => problems.push(d),
        }
    }
    let (statics, walk_problems) = load::walk(root, &root.join("static"), |_| true);
    problems.extend(walk_problems);
    for path in statics {
        match load::read_bytes(root, &path) {
            Ok(bytes) => inputs
                .theme
                .override_static(load::rel_path(&root.join("static"), &path), bytes),
            Err(d) => problems.push(d),
        }
    }
    (inputs, problems)
}

/// A site ready to render: parsed, checked and assembled, with its templates compiled.
pub struct Prepared {
    /// The assembled site.
    pub site: model::Site,
    /// Templates and static files.
    pub theme: Theme,
    /// The compiled templates.
    pub tera: tera::Tera,
}

/// What an incremental build (`serve`, `watch`) keeps from one build to the next, so that
/// only the articles whose files changed are parsed and rendered again.
#[derive(Debug, Default)]
pub struct Caches {
    /// Parse results by article path, with the fingerprint of the text they came from.
    articles: ArticleCache,
    /// Rendered bodies.
    bodies: model::BodyCache,
    /// The registry files as last parsed.
    registries: RegistryCache,
    /// The stamp of every article file when it was last read.
    stamps: std::collections::HashMap<String, Stamp>,
    /// The article files of the last build, in load order, with those stamps.
    order: Vec<(String, Stamp)>,
}

impl Caches {
    /// Makes the next build read these files (paths relative to the site root) whatever
    /// their stamps say: a file rewritten within the file system's timestamp granularity
    /// with the same size keeps its stamp, but the watcher saw it change.
    pub fn forget<'a>(&mut self, paths: impl IntoIterator<Item = &'a str>) {
        for path in paths {
            self.stamps.remove(path);
        }
    }

    /// Records an article read and parsed outside [`prepare_cached`] (an edit applied in
    /// place); its rendered body is forgotten, to be rendered by the next full build.
    pub(crate) fn record(&mut self, path: &str, stamp: Stamp, text: &str, parsed: Arc<Article>) {
        self.stamps.insert(path.to_string(), stamp);
        if let Some(entry) = self.order.iter_mut().find(|(p, _)| p == path) {
            entry.1 = stamp;
        }
        self.articles
            .insert(path.to_string(), (fingerprint::of(text), Ok(parsed)));
        self.bodies.forget(path);
    }

    /// Makes the next build read every file.
    pub fn forget_all(&mut self) {
        self.stamps.clear();
        self.order.clear();
    }

    /// The article files of the last build, in load order, when every path of `changed`
    /// is one of them: then a build can read just those (see [`Articles::Known`]).
    pub fn known_files(
        &self,
        root: &Path,
        changed: &std::collections::BTreeSet<String>,
    ) -> Option<&[(String, Stamp)]> {
        let known = !self.order.is_empty()
            && !changed.is_empty()
            && changed
                .iter()
                .all(|p| self.stamps.contains_key(p) && root.join(p).is_file());
        known.then_some(self.order.as_slice())
    }

    /// Was this article file read and parsed in this state before?
    pub fn knows(&self, path: &str, stamp: &Stamp) -> bool {
        self.stamps.get(path) == Some(stamp) && self.articles.contains_key(path)
    }
}

/// An article as parsed (shared with the cache of an incremental build), or its problems.
type Parsed = Result<Arc<Article>, Vec<Diagnostic>>;

/// A registry file as parsed: its valid entries and its problems.
type RegistryParse<T> = (Vec<T>, Vec<Diagnostic>);

/// The registry files as an incremental build last parsed them, each with the fingerprint
/// of its path and text. Unchanged, they are not parsed again: at 10k articles the two
/// files hold 720 KB of YAML, which took about 100 ms of every rebuild after an edit of
/// an article's front matter.
#[derive(Debug, Default)]
struct RegistryCache {
    sources: Option<(u64, RegistryParse<content::Source>)>,
    entities: Option<(u64, RegistryParse<content::Entity>)>,
}

/// Parses a registry file with `parse`, or takes its result from `cache` when the file is
/// the one parsed last time (and refreshes `cache` otherwise).
fn parse_registry<T: Clone>(
    file: Option<SourceFile>,
    cache: Option<&mut Option<(u64, RegistryParse<T>)>>,
    parse: fn(SourceFile) -> RegistryParse<T>,
) -> RegistryParse<T> {
    let Some(file) = file else {
        return (Vec::new(), Vec::new());
    };
    let Some(cache) = cache else {
        return parse(file);
    };
    let key = fingerprint::of(&(&file.path, &file.text));
    if let Some((cached_key, parsed)) = cache.as_ref()
        && *cached_key == key
    {
        return parsed.clone();
    }
    let parsed = parse(file);
    *cache = Some((key, parsed.clone()));
    parsed
}

fn parse_article(file: SourceFile) -> Parsed {
    content::article::parse(file).map(Arc::new)
}

/// Parse results by article path, with the fingerprint of the text they came from.
type ArticleCache = std::collections::HashMap<String, (u64, Parsed)>;

/// Parses the articles, reusing `cache` (and refreshing it) when given.
fn parse_articles(files: Vec<ArticleFile>, cache: Option<&mut ArticleCache>) -> Vec<Parsed> {
    let Some(cache) = cache else {
        return files
            .into_par_iter()
            .map(|file| match file {
                ArticleFile::Read(file) => parse_article(file),
                // Only an incremental build (with caches) leaves files unread.
                ArticleFile::Unchanged(path) => {
                    Err(vec![Diagnostic::error("FS-READ", &path, None, "not read")])
                }
            })
            .collect();
    };
    let previous = &*cache;
    let parsed: Vec<(String, u64, Parsed)> = files
        .into_par_iter()
        .map(|file| match file {
            ArticleFile::Unchanged(path) => match previous.get(&path) {
                Some((key, result)) => (path, *key, result.clone()),
                None => (
                    path.clone(),
                    0,
                    Err(vec![Diagnostic::error("FS-READ", &path, None, "not read")]),
                ),
            },
            ArticleFile::Read(file) => {
                let key = fingerprint::of(&file.text);
                let path = file.path.clone();
                match previous.get(&path).filter(|(k, _)| *k == key) {
                    Some((_, result)) => (path, key, result.clone()),
                    None => (path, key, parse_article(file)),
                }
            }
        })
        .collect();
    *cache = parsed
        .iter()
        .map(|(path, key, result)| (path.clone(), (*key, result.clone())))
        .collect();
    parsed.into_iter().map(|(_, _, result)| result).collect()
}

/// Stages 2–3: parses and assembles the site and compiles the templates. Returns the
/// prepared site only when there is no error.
pub fn prepare(inputs: Inputs, options: &Options) -> (Option<Prepared>, Vec<Diagnostic>) {
    prepare_cached(inputs, options, None)
}

/// [`prepare`], reusing and refreshing `caches` when given.
pub fn prepare_cached(
    inputs: Inputs,
    options: &Options,
    mut caches: Option<&mut Caches>,
) -> (Option<Prepared>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let config = match &inputs.config {
        Some(file) => config::parse(file, options.base_url.as_deref())
            .map(|mut config| {
                if let Some(most) = options.sitemap_max_urls {
                    config.sitemap_max_urls = most.max(1);
                }
                config
            })
            .map_err(|d| problems.extend(d))
            .ok(),
        None => {
            problems.push(
                Diagnostic::error("CFG-MISSING", config::FILE_NAME, None, "no brief.yaml in the site folder")
                    .with_help("create brief.yaml with at least `title:` and `base_url:`, or pass --root to the site folder"),
            );
            None
        }
    };
    if let Some(caches) = caches.as_deref_mut() {
        caches.stamps = inputs.stamps.iter().cloned().collect();
        caches.order = inputs.stamps;
    }
    // The registries and the templates do not depend on the articles: they are read on
    // the other threads while the articles are parsed.
    let (sources_file, entities_file, theme) = (inputs.sources, inputs.entities, &inputs.theme);
    let (article_cache, source_cache, entity_cache) = match caches.as_deref_mut() {
        Some(c) => (
            Some(&mut c.articles),
            Some(&mut c.registries.sources),
            Some(&mut c.registries.entities),
        ),
        None => (None, None, None),
    };
    let (parsed, (sources, entities, tera)) = rayon::join(
        || parse_articles(inputs.articles, article_cache),
        || {
            (
                parse_registry(sources_file, source_cache, registry::parse_sources),
                parse_registry(entities_file, entity_cache, registry::parse_entities),
                render::compile(theme),
            )
        },
    );
    let mut articles = Vec::with_capacity(parsed.len());
    for r in parsed {
        match r {
            Ok(a) if a.draft && !options.drafts => {}
            Ok(a) => articles.push(a),
            Err(d) => problems.extend(d),
        }
    }
    let ((sources, source_problems), (entities, entity_problems)) = (sources, entities);
    // A broken registry entry is reported once; references to it are not also reported as unknown.
    let sources_incomplete = !source_problems.is_empty();
    let entities_incomplete = !entity_problems.is_empty();
    problems.extend(source_problems);
    problems.extend(entity_problems);
    let (registry, registry_problems) = registry::build(sources, entities, &articles);
    problems.extend(registry_problems);
    let tera = tera.map_err(|d| problems.extend(d)).ok();

    let (Some(config), Some(tera)) = (config, tera) else {
        return (None, problems);
    };
    let bodies = caches.map(|c| &mut c.bodies);
    let (site, site_problems) = model::assemble_cached(config, articles, registry, bodies);
    problems.extend(site_problems.into_iter().filter(|d| {
        let consequence = match d.code {
            "CITE-UNKNOWN" | "SOURCE-UNKNOWN" => sources_incomplete,
            "ENTITY-UNKNOWN" => entities_incomplete,
            _ => false,
        };
        !consequence
    }));
    if problems.iter().any(Diagnostic::is_error) {
        return (None, problems);
    }
    let prepared = Prepared {
        site,
        theme: inputs.theme,
        tera,
    };
    (Some(prepared), problems)
}

/// Result of a build.
#[derive(Debug, Default)]
pub struct Outcome {
    /// Every problem found, sorted.
    pub diagnostics: Vec<Diagnostic>,
    /// What was written, when the build succeeded.
    pub written: Option<output::WriteReport>,
    /// Number of files in the site.
    pub pages: usize,
}

impl Outcome {
    /// Did the build fail (any error, or any warning when `strict`)?
    pub fn failed(&self, strict: bool) -> bool {
        self.diagnostics.iter().any(|d| d.is_error() || strict)
    }
}

/// Stages 1–3 from disk, plus the check of every output path: the prepared site, or the
/// problems that prevent building it.
fn prepare_from_disk(options: &Options) -> (Option<Prepared>, Vec<Diagnostic>) {
    let (inputs, mut diagnostics) = load(&options.root);
    let (prepared, more) = prepare(inputs, options);
    diagnostics.extend(more);
    let prepared = prepared.filter(|p| {
        if diagnostics.iter().any(Diagnostic::is_error) {
            return false;
        }
        let paths = render::paths(&p.site, &p.theme);
        let path_problems =
            output::check_paths(paths.iter().map(String::as_str), &options.output_dir());
        let ok = path_problems.is_empty();
        diagnostics.extend(path_problems);
        ok
    });
    (prepared, diagnostics)
}

/// Checks a site without writing anything: every page is rendered and dropped.
pub fn check(options: &Options) -> Outcome {
    let (prepared, mut diagnostics) = prepare_from_disk(options);
    let mut outcome = Outcome::default();
    if let Some(p) = prepared {
        p.site.release_texts();
        let count = std::sync::atomic::AtomicUsize::new(0);
        let report = render::render_each(&p.site, &p.theme, &p.tera, false, None, &|_| {
            count.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        });
        let failed = !report.problems.is_empty();
        diagnostics.extend(report.problems);
        if !failed {
            outcome.pages = count.into_inner();
        }
    }
    diag::sort(&mut diagnostics);
    outcome.diagnostics = diagnostics;
    outcome
}

/// Builds the site into the output folder. Nothing is written unless the whole site
/// rendered without error (and, with `strict`, without warning). Pages go to the output
/// folder as they are rendered (one writer thread, since creating files from several
/// threads was slower here), so the site is never held in memory as a whole.
pub fn build(options: &Options, strict: bool) -> Outcome {
    let out = options.output_dir();
    if let Err(d) = output::check_location(&options.root, &out, options.force) {
        return Outcome {
            diagnostics: vec![d],
            ..Outcome::default()
        };
    }
    let (prepared, mut diagnostics) = prepare_from_disk(options);
    let mut outcome = Outcome::default();
    let prepared = prepared.filter(|_| !strict || diagnostics.is_empty());
    if let Some(mut p) = prepared {
        p.site.release_texts();
        match write_streaming(&mut p, &out, options) {
            Ok((report, pages)) => {
                outcome.written = Some(report);
                outcome.pages = pages;
            }
            Err(problems) => diagnostics.extend(problems),
        }
        free_in_background(p);
    }
    diag::sort(&mut diagnostics);
    outcome.diagnostics = diagnostics;
    outcome
}

/// Frees `value` on a thread of its own. A site's values are millions of small
/// allocations: freeing them took 0.1 s of the critical path of a build of 10k articles,
/// and a command that ends right after need not wait for it at all.
pub(crate) fn free_in_background<T: Send + 'static>(value: T) {
    // When no thread can be started, the closure, and `value` with it, is dropped here.
    let _ = std::thread::Builder::new()
        .name("free".into())
        .spawn(move || drop(value));
}

/// Renders the prepared site straight into the output folder: all or nothing. The pages
/// that print the articles' bodies come first, then the bodies are freed and the rest
/// follows: at 10k articles that took the peak memory from about 640 to 530 MB.
fn write_streaming(
    p: &mut Prepared,
    out: &Path,
    options: &Options,
) -> Result<(output::WriteReport, usize), Vec<Diagnostic>> {
    let mut staging = output::Staging::open(out).map_err(|d| vec![d])?;
    // A bounded queue: rendering waits for the writer rather than piling up pages.
    let (sender, receiver) = std::sync::mpsc::sync_channel::<Page>(64);
    let (report, count) = std::thread::scope(|scope| {
        let writer = scope.spawn(|| {
            let mut count = 0;
            for page in receiver {
                staging.stage(&page);
                count += 1;
            }
            count
        });
        let sink = |output| {
            if let render::Output::Fresh(page) = output {
                // The writer only stops when every sender is gone.
                let _ = sender.send(page);
            }
        };
        let (theme, tera) = (&p.theme, &p.tera);
        let mut report =
            render::render_part(&p.site, theme, tera, false, None, Pages::WithBodies, &sink);
        let freed = p.site.release_bodies();
        if let Some(hook) = options.bodies_freed {
            hook(freed);
        }
        let rest = render::render_part(
            &p.site,
            theme,
            tera,
            false,
            None,
            Pages::WithoutBodies,
            &sink,
        );
        report.problems.extend(rest.problems);
        drop(sender);
        (report, writer.join().unwrap_or(0))
    });
    if !report.problems.is_empty() {
        staging.abandon();
        return Err(report.problems);
    }
    staging
        .commit()
        .map(|written| (written, count))
        .map_err(|d| vec![d])
}
