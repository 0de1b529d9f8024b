//! Incremental builds for `serve` and `watch`: each build keeps what the next can reuse, so a
//! change re-parses only the files that changed and re-renders only the pages whose values did.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use bytes::Bytes;

use crate::diag::{self, Diagnostic};
use crate::render::{self, Fingerprints, Output, Page};
use crate::{ArticleFile, Caches, Inputs, Options, Prepared, Stamp, fingerprint, output};

/// What one build leaves for the next. Start with [`Session::default`].
#[derive(Default)]
pub struct Session {
    caches: Caches,
    /// The last good build, to apply an edit of one article's body in place.
    last: Option<Last>,
    /// What the last good build rendered, with the fingerprint of the templates and
    /// configuration it was rendered with: after a change there, every page is rendered.
    rendered: Option<Rendered>,
    /// The files of the last good build, by path in the output folder.
    files: Files,
    /// The last good build changed only what it rendered differently and trusted the
    /// output folder for the rest (see [`Session::finish_output`]).
    unchecked: bool,
    /// Edits of one article leave their changed files to [`Session::finish_output`]
    /// (see [`Session::deferring_writes`]).
    defer_writes: bool,
    /// Files whose bytes in `files` are not in the output folder yet.
    unwritten: Vec<Arc<str>>,
    /// No edit of one article's front matter has replaced the largest pages since the last
    /// build that was not one (see [`Session::make_room_for_edits`]).
    room_needed: bool,
}

/// What [`Session::finish_output`] wrote.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Finished {
    /// Files of the last build written now.
    pub written: usize,
    /// Files written again because they were missing or of another size on disk.
    pub restored: usize,
}

/// What the last good build of a session rendered.
struct Rendered {
    /// Fingerprint of the templates and configuration.
    key: u64,
    /// Every page's fingerprint.
    fingerprints: Fingerprints,
    /// What it made per item of its site (see [`render::Items`]): taken by position by
    /// the next build when that build's site is the same but for an edit of one article,
    /// and by fingerprint otherwise (see [`render::PartMemo`]).
    items: Option<render::Items>,
}

/// The last good build of a session.
struct Last {
    prepared: Prepared,
    /// Fingerprint of every input but the article files (and of the options).
    others: u64,
    /// The article files, in load order, with their stamps when it read them.
    articles: Vec<(String, Stamp)>,
    /// Index in the site of each article file (drafts left out are absent).
    article_at: HashMap<String, usize>,
    /// The warnings it printed (an edit applied in place changes none).
    warnings: Vec<Diagnostic>,
}

impl std::fmt::Debug for Session {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Session")
            .field("files", &self.files.len())
            .field("last", &self.last.is_some())
            .finish_non_exhaustive()
    }
}

/// Every input but the article files, and the options: what an edit in place requires unchanged.
fn others_key(inputs: &Inputs, options: &Options, strict: bool) -> u64 {
    fn registry(f: &Option<crate::content::SourceFile>) -> Option<&str> {
        f.as_ref().map(|f| f.text.as_str())
    }
    let statics: Vec<(&str, &[u8])> = inputs
        .theme
        .statics
        .iter()
        .map(|f| (f.path.as_str(), f.bytes.as_slice()))
        .collect();
    fingerprint::of(&(
        templates_key(inputs, options),
        registry(&inputs.sources),
        registry(&inputs.entities),
        statics,
        strict,
    ))
}

/// Every file of a site, by path in the output folder. The paths are shared, so that
/// handing a copy to the server after each build costs no allocation per file (cloning a
/// map of 15,000 `String`s took a tenth of an in-place rebuild at 10k articles).
pub type Files = ahash::AHashMap<std::sync::Arc<str>, Bytes>;

/// `path` as the last build's files hold it, shared rather than allocated again for each
/// of the 15,000 files of 10k articles.
fn shared_path(files: &Files, path: &str) -> Arc<str> {
    match files.get_key_value(path) {
        Some((path, _)) => Arc::clone(path),
        None => path.into(),
    }
}

/// The pages that every edit of an article's front matter makes again (its title, date or
/// summary shows on them) and that grow with the site: at 10k articles, 29–37 MB each for
/// the timeline, and 6.5 MB for the front page.
const REMADE_LARGE_PAGES: [&str; 3] = ["timeline/index.html", "timeline.json", "index.html"];

/// The room the next versions of [`REMADE_LARGE_PAGES`] take, from the last ones in
/// `files`: their size with room to grow, as rendering reserves it.
fn room_for_edits(files: &Files) -> Vec<usize> {
    (REMADE_LARGE_PAGES.iter())
        .filter_map(|path| files.get(*path))
        .map(|bytes| bytes.len() + bytes.len() / 8 + render::PAGE_CAPACITY)
        .collect()
}

/// The one article file a build read (see `Session::edited_article`).
struct Edited<'i> {
    file: &'i crate::content::SourceFile,
    /// Its position in the last build's site.
    index: usize,
    /// Its new version.
    article: crate::content::Article,
}

/// Stages again the files of `sizes` (path, size) that are missing on disk or of another
/// size; `bytes` gives the content of the one at that position. Returns how many.
fn restore(
    staging: &mut output::Staging,
    sizes: &[(&str, usize)],
    bytes: impl Fn(usize) -> Vec<u8>,
) -> usize {
    let missing = staging.keep_all(sizes);
    for &at in &missing {
        staging.stage(&Page {
            path: sizes[at].0.to_string(),
            bytes: bytes(at),
        });
    }
    missing.len()
}

/// Pages as [`output::Staging::stage_changed`] takes them.
fn borrowed(pages: &[Page]) -> Vec<(&str, &[u8])> {
    pages
        .iter()
        .map(|page| (page.path.as_str(), page.bytes.as_slice()))
        .collect()
}

/// A failed build's result: its problems, in the order they are printed.
fn failed(mut diagnostics: Vec<Diagnostic>) -> Result<Rebuilt, Vec<Diagnostic>> {
    diag::sort(&mut diagnostics);
    Err(diagnostics)
}

/// A good incremental build.
#[derive(Debug)]
pub struct Rebuilt {
    /// Every file of the site (shared with the session: cloning is cheap).
    pub files: Files,
    /// Warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Pages rendered by this build (the others had the same values as before).
    pub rendered: usize,
    /// Pages reused from the previous build.
    pub reused: usize,
    /// The edit of one article's body was applied in place: nothing else was parsed,
    /// assembled or rendered.
    pub in_place: bool,
    /// The site was assembled again from every article. `false` when the edit was applied
    /// to the last build's site: in place, or an edit of what only pages print of one
    /// article (see [`crate::model::assembles_alike`]), after which every page is checked.
    pub assembled: bool,
    /// What this build wrote to the output folder: after an edit of what pages print of
    /// one article, in a session that defers writes, nothing yet (see
    /// [`Session::finish_output`]).
    pub written: output::WriteReport,
}

/// Everything the templates' output depends on besides the views: templates, configuration,
/// build options.
fn templates_key(inputs: &Inputs, options: &Options) -> u64 {
    let templates: Vec<(&str, &str)> = inputs
        .theme
        .templates
        .iter()
        .map(|t| (t.name.as_str(), t.text.as_str()))
        .collect();
    let config = inputs.config.as_ref().map(|c| c.text.as_str());
    fingerprint::of(&(templates, config, options.drafts, &options.base_url))
}

impl Session {
    /// A session for `serve` and `watch`: after an edit of one article that keeps the
    /// site's pages (see [`Rebuilt::assembled`]), the build returns the new site without
    /// writing the files that changed, and [`Session::finish_output`] writes them. The
    /// server reloads the browser from the site in memory in between: writing the 70 MB
    /// that a title edit changes at 10k articles took 10–16 ms of the wait.
    pub fn deferring_writes() -> Session {
        Session {
            defer_writes: true,
            room_needed: false,
            ..Session::default()
        }
    }

    /// Drops everything the session kept: its next build is a first build (as after a
    /// panic, when the caches may be half updated). It still defers writes if it did.
    pub fn reset(&mut self) {
        *self = Session {
            defer_writes: self.defer_writes,
            room_needed: false,
            ..Session::default()
        };
    }

    /// Makes the next build read these files again (paths relative to the site root), as
    /// the watcher reports them changed.
    pub fn forget<'a>(&mut self, paths: impl IntoIterator<Item = &'a str>) {
        self.caches.forget(paths);
    }

    /// Makes the next build read every file again (what it parsed and rendered is still
    /// reused where the files turn out unchanged).
    pub fn forget_all(&mut self) {
        self.caches.forget_all();
    }

    /// Builds the site as `brief build` would (same checks, same output folder, all or
    /// nothing), reusing what the previous good build of this session made. On failure the
    /// output folder and the session's last good site are unchanged.
    pub fn build(&mut self, options: &Options, strict: bool) -> Result<Rebuilt, Vec<Diagnostic>> {
        let caches = &self.caches;
        let loaded = crate::load_reusing(&options.root, &|path, stamp| caches.knows(path, stamp));
        self.build_from(loaded, options, strict)
    }

    /// [`Session::build`] after the file watcher reported `changed` (paths relative to the
    /// site folder) and nothing else: when they are all article files of the last build that
    /// still exist, only they are read (no walk through `content/`); otherwise they are
    /// read again whatever their stamps say, and the build walks as usual.
    pub fn build_after(
        &mut self,
        options: &Options,
        strict: bool,
        changed: &std::collections::BTreeSet<String>,
    ) -> Result<Rebuilt, Vec<Diagnostic>> {
        if let Some(files) = self.caches.known_files(&options.root, changed) {
            let loaded =
                crate::load_articles(&options.root, crate::Articles::Known { files, changed });
            return self.build_from(loaded, options, strict);
        }
        self.forget(changed.iter().map(String::as_str));
        self.build(options, strict)
    }

    fn build_from(
        &mut self,
        (inputs, mut diagnostics): (Inputs, Vec<Diagnostic>),
        options: &Options,
        strict: bool,
    ) -> Result<Rebuilt, Vec<Diagnostic>> {
        let out = options.output_dir();
        output::check_location(&options.root, &out, options.force).map_err(|d| vec![d])?;
        self.write_unwritten(&out).map_err(|d| vec![d])?;
        if diagnostics.is_empty()
            && let Some(rebuilt) = self.edit_one_article(&inputs, options, strict, &out)
        {
            return rebuilt;
        }
        let others = others_key(&inputs, options, strict);
        let articles = inputs.stamps.clone();
        let key = templates_key(&inputs, options);
        let (prepared, more) = crate::prepare_cached(inputs, options, Some(&mut self.caches));
        diagnostics.extend(more);
        let Some(p) = prepared.filter(|_| !diagnostics.iter().any(Diagnostic::is_error)) else {
            return failed(diagnostics);
        };
        let paths = render::paths(&p.site, &p.theme);
        let path_problems = output::check_paths(paths.iter().map(String::as_str), &out);
        if !path_problems.is_empty() {
            diagnostics.extend(path_problems);
            return failed(diagnostics);
        }
        if strict && !diagnostics.is_empty() {
            return failed(diagnostics);
        }
        let last = Last {
            article_at: HashMap::new(),
            prepared: p,
            others,
            articles,
            warnings: diagnostics,
        };
        self.render_and_write(last, key, &out, None)
    }

    /// Renders a prepared site, reusing the pages and parts of the last good build whose
    /// inputs are the same, writes what changed (all or nothing) and keeps the site as the
    /// last good build. On failure the output folder is unchanged. `edited`: the site is
    /// the last good build's but for what pages print of that article (otherwise it was
    /// assembled anew).
    fn render_and_write(
        &mut self,
        mut last: Last,
        key: u64,
        out: &std::path::Path,
        edited: Option<usize>,
    ) -> Result<Rebuilt, Vec<Diagnostic>> {
        let p = &last.prepared;
        let same_templates = self.rendered.as_ref().is_some_and(|r| r.key == key);
        let kept = self.rendered.as_mut().and_then(|r| r.items.take());
        let (items, memo) = match (kept, edited) {
            (Some(mut items), Some(edited)) if same_templates => {
                items.forget_article(&p.site, edited);
                (Some(items), None)
            }
            (Some(kept), None) if same_templates => {
                let memo = kept.memo();
                // Made for another site: freed elsewhere (tens of thousands of parts).
                crate::free_in_background(kept);
                (None, Some(memo))
            }
            (kept, _) => {
                if let Some(kept) = kept {
                    crate::free_in_background(kept);
                }
                (None, None)
            }
        };
        // The items of the last build, by position: this build's pages are that build's.
        let positional = items.is_some();
        let previous = self.rendered.as_ref().filter(|_| same_templates);
        let previous = previous.map(|r| render::Previous {
            fingerprints: &r.fingerprints,
            parts: memo.as_ref(),
            items,
        });
        // Each file as it is made, with whether its bytes are the last build's: compared on
        // the thread that made it while the other renders (one after another, after
        // rendering, comparing the 60 MB that a title edit at 10k articles changes took
        // 12 ms).
        let outputs = Mutex::new(Vec::with_capacity(self.files.len()));
        let last_files = &self.files;
        let report = render::render_each(&p.site, &p.theme, &p.tera, true, previous, &|o| {
            let same = match &o {
                Output::Fresh(page) => (last_files.get(page.path.as_str()))
                    .is_some_and(|last| last[..] == page.bytes[..]),
                Output::Same(_) => true,
            };
            if let Ok(mut outputs) = outputs.lock() {
                outputs.push((o, same));
            }
        });
        if !report.problems.is_empty() {
            let mut diagnostics = last.warnings;
            diagnostics.extend(report.problems);
            return failed(diagnostics);
        }
        let outputs = outputs.into_inner().unwrap_or_default();
        self.room_needed = !positional;
        if positional {
            return self.apply_changes(last, out, outputs, report);
        }

        // After this session's first good build, the folder holds no leftovers of ours; an
        // edit that kept the site's pages keeps its list of files, and the manifest.
        let staging = match (&self.rendered, edited) {
            (Some(_), Some(_)) => Ok(output::Staging::open_for_changes(out)),
            (Some(_), None) => output::Staging::reopen(out),
            (None, _) => output::Staging::open(out),
        };
        let mut staging = staging.map_err(|d| vec![d])?;
        let mut files = Files::with_capacity(outputs.len());
        let mut reused = 0;
        // After an edit of one article, the files it did not change are taken to be as this
        // session left them, as after an edit in place: checking 15,000 of them on disk was a
        // tenth of a title edit at 10k articles. `finish_output` checks them afterwards.
        let check_kept = edited.is_none();
        // The files this build changed are written by `finish_output` (the list of files
        // and the manifest stay the same).
        let defer = edited.is_some() && self.defer_writes;
        // Files this build makes as the last one did: checked on disk together, below.
        let mut kept: Vec<(String, Bytes)> = Vec::new();
        // Files this build makes differently: written together, below.
        let mut changed: Vec<Page> = Vec::new();
        for (o, same_bytes) in outputs {
            match o {
                Output::Fresh(page) => match self.files.get_key_value(page.path.as_str()) {
                    // Other values, same bytes (a view field the template ignores).
                    Some((path, last)) if same_bytes => {
                        files.insert(Arc::clone(path), last.clone());
                        if check_kept {
                            kept.push((page.path, last.clone()));
                        }
                    }
                    Some(_) => changed.push(page),
                    None => {
                        staging.stage(&page);
                        files.insert(page.path.into(), Bytes::from(page.bytes));
                    }
                },
                Output::Same(path) => {
                    // Fingerprints are kept only with the files they describe.
                    let (shared, bytes) = match self.files.get_key_value(path.as_str()) {
                        Some((shared, bytes)) => (Arc::clone(shared), bytes.clone()),
                        None => (path.as_str().into(), Bytes::new()),
                    };
                    reused += 1;
                    files.insert(shared, bytes.clone());
                    if check_kept {
                        kept.push((path, bytes));
                    }
                }
            }
        }
        if !defer {
            staging.stage_changed(&borrowed(&changed));
        }
        let mut unwritten = Vec::new();
        for page in changed {
            let path = shared_path(&self.files, &page.path);
            if defer {
                unwritten.push(Arc::clone(&path));
            }
            files.insert(path, Bytes::from(page.bytes));
        }
        if check_kept {
            let sizes: Vec<(&str, usize)> =
                kept.iter().map(|(p, b)| (p.as_str(), b.len())).collect();
            restore(&mut staging, &sizes, |at| kept[at].1.to_vec());
        }
        let written = staging.commit().map_err(|d| vec![d])?;
        self.unchecked = !check_kept;
        self.unwritten = unwritten;
        let replaced = self.rendered.replace(Rendered {
            key,
            fingerprints: report.fingerprints,
            items: report.items,
        });
        // Freeing the previous site (hundreds of megabytes in small pieces on a large site)
        // takes a tenth of a second: not while the browser waits for its reload.
        let previous = (
            std::mem::replace(&mut self.files, files),
            self.last.take(),
            replaced,
        );
        let _ = std::thread::Builder::new()
            .name("brief-free".into())
            .spawn(move || drop(previous));
        if edited.is_none() {
            last.article_at = (last.prepared.site.articles.iter().enumerate())
                .map(|(i, a)| (a.article.doc.path.clone(), i))
                .collect();
        }
        let assembled = edited.is_none();
        Ok(self.keep_as_last(last, report.rendered, reused, assembled, written))
    }

    /// Keeps `last` as the last good build, whose files are now the session's, and
    /// reports it.
    fn keep_as_last(
        &mut self,
        mut last: Last,
        rendered: usize,
        reused: usize,
        assembled: bool,
        written: output::WriteReport,
    ) -> Rebuilt {
        diag::sort(&mut last.warnings);
        let diagnostics = last.warnings.clone();
        self.last = Some(last);
        Rebuilt {
            files: self.files.clone(),
            diagnostics,
            rendered,
            reused,
            in_place: false,
            assembled,
            written,
        }
    }

    /// The end of [`Session::render_and_write`] after an edit of what pages print of one
    /// article (see [`render::Previous::items`]): the site has the same pages, `outputs`
    /// holds those rendered again, and the session's files and fingerprints are updated in
    /// place (filing all 56k anew at 10k articles with sources of their own took a fifth of
    /// such an edit). The files it changes are written now or by
    /// [`Session::finish_output`], and the others are checked on disk there too.
    fn apply_changes(
        &mut self,
        last: Last,
        out: &std::path::Path,
        outputs: Vec<(Output, bool)>,
        report: render::RenderReport,
    ) -> Result<Rebuilt, Vec<Diagnostic>> {
        let mut staging = output::Staging::open_for_changes(out);
        let defer = self.defer_writes;
        // The files this build makes differently from the last one (all of them the last
        // one's: such an edit keeps every slug, tag, source and entity).
        let changed: Vec<Page> = (outputs.into_iter())
            .filter_map(|(o, same_bytes)| match o {
                Output::Fresh(page) if !same_bytes => Some(page),
                Output::Fresh(_) | Output::Same(_) => None,
            })
            .collect();
        if !defer {
            staging.stage_changed(&borrowed(&changed));
        }
        let written = staging.commit().map_err(|d| vec![d])?;
        let mut unwritten = Vec::new();
        for page in changed {
            let path = shared_path(&self.files, &page.path);
            if defer {
                unwritten.push(Arc::clone(&path));
            }
            self.files.insert(path, Bytes::from(page.bytes));
        }
        self.unchecked = true;
        self.unwritten = unwritten;
        let pages = match &mut self.rendered {
            Some(rendered) => {
                rendered.fingerprints.extend(report.fingerprints);
                rendered.items = report.items;
                rendered.fingerprints.len()
            }
            None => 0,
        };
        let reused = pages.saturating_sub(report.rendered);
        Ok(self.keep_as_last(last, report.rendered, reused, false, written))
    }

    /// After a build that was not an edit of one article's front matter, faults in and
    /// frees memory for the largest pages that such an edit makes again, so that the first
    /// one does not wait for fresh memory: the last build's versions of those pages are
    /// still served while the new ones are made, and `serve` and `watch` keep the memory
    /// they free for their next allocations (`main.rs`). Later edits reuse what the edit
    /// before them freed. Returns how many bytes (0 when the last build was such an edit,
    /// or room was made since).
    /// At 10k articles with sources of their own, the first title edit after `serve`
    /// started spent 112 ms of CPU in page faults (perf), against 3 ms for the next ones;
    /// with this, it reloaded after 76–100 ms (median 81) instead of 98–123 ms (median
    /// 106), five starts of each version taken in turn. It holds the room (84 MB there)
    /// from the start instead of from the first edit on.
    pub fn make_room_for_edits(&mut self) -> usize {
        if !std::mem::take(&mut self.room_needed) {
            return 0;
        }
        let sizes = room_for_edits(&self.files);
        // Written, not only allocated: memory the system hands out is faulted in on the
        // first write. `black_box` keeps the compiler from leaving the buffers out.
        let buffers: Vec<Vec<u8>> = sizes.iter().map(|&size| vec![1u8; size]).collect();
        std::hint::black_box(&buffers);
        sizes.iter().sum()
    }

    /// Completes the output folder after a build that left part of it for later (an edit
    /// of one article): writes the files it changed, if the session defers them (see
    /// [`Session::deferring_writes`]), and writes again the files that are missing from the
    /// folder or have another size there (deleted or cut short by hand since), which that
    /// build trusted instead of checking. `serve` and `watch` call it once the reload is
    /// sent, so that none of this delays it. All or nothing, like a build: on failure the
    /// folder is as it was, and the next call (or build) tries again.
    pub fn finish_output(&mut self, options: &Options) -> Result<Finished, Diagnostic> {
        if self.unwritten.is_empty() && !self.unchecked {
            return Ok(Finished::default());
        }
        let mut staging = output::Staging::open_for_changes(&options.output_dir());
        let written = self.stage_unwritten(&mut staging);
        let mut restored = 0;
        if self.unchecked {
            let being_written: ahash::AHashSet<&str> =
                self.unwritten.iter().map(|path| &**path).collect();
            let files = &self.files;
            let sizes: Vec<(&str, usize)> = (files.iter())
                .filter(|(path, _)| !being_written.contains(&***path))
                .map(|(path, bytes)| (&**path, bytes.len()))
                .collect();
            restored = restore(&mut staging, &sizes, |at| files[sizes[at].0].to_vec());
        }
        staging.commit()?;
        self.unwritten.clear();
        self.unchecked = false;
        Ok(Finished { written, restored })
    }

    /// Writes the files that the last build left to [`Session::finish_output`], if it was
    /// not called or failed: a build starts from the folder the last one made.
    fn write_unwritten(&mut self, out: &std::path::Path) -> Result<(), Diagnostic> {
        if self.unwritten.is_empty() {
            return Ok(());
        }
        let mut staging = output::Staging::open_for_changes(out);
        self.stage_unwritten(&mut staging);
        staging.commit()?;
        self.unwritten.clear();
        Ok(())
    }

    /// Stages the files of the last build not written yet; returns how many.
    fn stage_unwritten(&self, staging: &mut output::Staging) -> usize {
        let pages: Vec<(&str, &[u8])> = (self.unwritten.iter())
            .filter_map(|path| Some((&**path, &self.files.get(path)?[..])))
            .collect();
        staging.stage_changed(&pages);
        pages.len()
    }

    /// The one article file read by this build, if every other input is as the last good
    /// build read it and that build printed no warning about this file: the file, its
    /// position in the last build's site and its new version.
    fn edited_article<'i>(
        &self,
        inputs: &'i Inputs,
        options: &Options,
        strict: bool,
    ) -> Option<Edited<'i>> {
        let last = self.last.as_ref()?;
        let mut read = inputs.articles.iter().filter_map(|a| match a {
            ArticleFile::Read(file) => Some(file),
            ArticleFile::Unchanged(_) => None,
        });
        let (file, None) = (read.next()?, read.next()) else {
            return None;
        };
        // Every other input is as the last good build read it: a file that changed since,
        // even if a failed build has read it meanwhile, makes this a full build.
        let same_files = inputs.stamps.len() == last.articles.len()
            && inputs
                .stamps
                .iter()
                .zip(&last.articles)
                .all(|(now, then)| now.0 == then.0 && (now.1 == then.1 || now.0 == file.path));
        if !same_files || last.others != others_key(inputs, options, strict) {
            return None;
        }
        // The last build said nothing about this file (a warning about it might change).
        if last.warnings.iter().any(|d| d.path == file.path) {
            return None;
        }
        let index = *last.article_at.get(&file.path)?;
        let article = crate::content::article::parse(file.clone()).ok()?;
        Some(Edited {
            file,
            index,
            article,
        })
    }

    /// An edit of one article file and nothing else, applied to the last good build's site
    /// when it can be: in place when its front matter is byte for byte the same, or without
    /// assembling the site again when it changed only in what pages print. `None`: neither,
    /// so the caller builds as usual.
    fn edit_one_article(
        &mut self,
        inputs: &Inputs,
        options: &Options,
        strict: bool,
        out: &std::path::Path,
    ) -> Option<Result<Rebuilt, Vec<Diagnostic>>> {
        let edited = self.edited_article(inputs, options, strict)?;
        let old = &self.last.as_ref()?.prepared.site.articles[edited.index].article;
        let front =
            |doc: &crate::content::Doc| doc.read().text().get(..doc.body.start).map(str::to_string);
        if front(&edited.article.doc)? == front(&old.doc)? {
            self.edit_in_place(inputs, edited, out)
        } else if crate::model::assembles_alike(old, &edited.article) {
            self.edit_front_matter(inputs, options, edited, out)
        } else {
            None
        }
    }

    /// An edit of what only pages print of one article (its title, summary, `updated`, change
    /// log, claims' text and status, and its body alike), applied to the last good build's
    /// site instead of assembling every article again (0.16 s at 10k articles); then every
    /// page is checked as after any edit. `None`: its body cites, mentions or marks
    /// something else, so the caller builds as usual.
    fn edit_front_matter(
        &mut self,
        inputs: &Inputs,
        options: &Options,
        edited: Edited,
        out: &std::path::Path,
    ) -> Option<Result<Rebuilt, Vec<Diagnostic>>> {
        let index = edited.index;
        self.replace_in_last_site(inputs, edited)?;
        // From here on the site in memory holds the new version: on failure it is dropped,
        // and the next build assembles anew.
        let last = self.last.take()?;
        let key = templates_key(inputs, options);
        Some(self.render_and_write(last, key, out, Some(index)))
    }

    /// Puts the edited article, with its body rendered again, in the last good build's
    /// site, when the body cites, mentions and marks what the old one did (see
    /// [`crate::model::replace_body`]); otherwise leaves the site as it was (`None`).
    fn replace_in_last_site(&mut self, inputs: &Inputs, edited: Edited) -> Option<()> {
        let Edited {
            file,
            index,
            article,
        } = edited;
        let stamp = inputs.stamps.iter().find(|(p, _)| *p == file.path)?.1;
        let last = self.last.as_mut()?;
        let article = Arc::new(article);
        crate::model::replace_body(&mut last.prepared.site, index, Arc::clone(&article))?;
        self.caches.record(&file.path, stamp, &file.text, article);
        // The site in memory now holds this version of the file.
        if let Some(entry) = last.articles.iter_mut().find(|(p, _)| *p == file.path) {
            entry.1 = stamp;
        }
        Some(())
    }

    /// The most common edit, typing in an article's text, done in place: when one article
    /// file changed, its front matter is byte for byte the same, and its new body cites,
    /// mentions and marks what the old one did, only its page and the feed are rendered;
    /// nothing else is parsed, assembled or rendered. `None`: not such an edit (or a
    /// problem), so the caller builds as usual.
    fn edit_in_place(
        &mut self,
        inputs: &Inputs,
        edited: Edited,
        out: &std::path::Path,
    ) -> Option<Result<Rebuilt, Vec<Diagnostic>>> {
        let index = edited.index;
        self.replace_in_last_site(inputs, edited)?;
        let last = self.last.as_mut()?;

        let pages = Mutex::new(Vec::new());
        let p = &last.prepared;
        let report = render::render_body_pages(&p.site, &p.theme, &p.tera, index, &|o| {
            if let (Output::Fresh(page), Ok(mut pages)) = (o, pages.lock()) {
                pages.push(page);
            }
        });
        if !report.problems.is_empty() {
            // The site in memory has the new body: it is no longer the last good build.
            self.last = None;
            return Some(Err(report.problems));
        }
        let result = (|| {
            let mut staging = output::Staging::open_for_changes(out);
            let pages = pages.into_inner().unwrap_or_default();
            let (changed, others): (Vec<Page>, Vec<Page>) = pages.into_iter().partition(|page| {
                (self.files.get(page.path.as_str())).is_some_and(|last| last[..] != page.bytes[..])
            });
            staging.stage_changed(&borrowed(&changed));
            for page in &others {
                staging.stage(page);
            }
            let written = staging.commit().map_err(|d| vec![d])?;
            Ok((
                changed.into_iter().chain(others).collect::<Vec<_>>(),
                written,
            ))
        })();
        let (pages, written) = match result {
            Ok(done) => done,
            Err(d) => {
                self.last = None;
                return Some(Err(d));
            }
        };
        let rendered = pages.len();
        for page in pages {
            self.files.insert(page.path.into(), Bytes::from(page.bytes));
        }
        self.unchecked = true;
        if let Some(rendered) = &mut self.rendered {
            rendered.fingerprints.extend(report.fingerprints);
            if let Some(items) = &mut rendered.items {
                items.forget_body(index);
            }
        }
        let diagnostics = self
            .last
            .as_ref()
            .map(|l| l.warnings.clone())
            .unwrap_or_default();
        Some(Ok(Rebuilt {
            reused: self.files.len() - rendered,
            files: self.files.clone(),
            diagnostics,
            rendered,
            in_place: true,
            assembled: false,
            written,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn room_is_made_for_the_large_pages_that_edits_make_again() {
        let spare = |n: usize| n + n / 8 + render::PAGE_CAPACITY;
        // (path and size of each file, the room made)
        type Row<'t> = (&'t [(&'t str, usize)], Vec<usize>);
        let table: [Row; 4] = [
            (&[], vec![]),
            (&[("articles/a/index.html", 800), ("feed.xml", 64)], vec![]),
            (
                &[("index.html", 8_000), ("timeline/index.html", 16_000)],
                vec![spare(16_000), spare(8_000)],
            ),
            (
                &[
                    ("timeline.json", 24),
                    ("index.html", 8),
                    ("timeline/index.html", 0),
                    ("sources/index.html", 99_000),
                ],
                vec![spare(0), spare(24), spare(8)],
            ),
        ];
        for (pages, sizes) in table {
            let files: Files = (pages.iter())
                .map(|&(path, len)| (Arc::from(path), Bytes::from(vec![b'x'; len])))
                .collect();
            assert_eq!(room_for_edits(&files), sizes, "{pages:?}");
        }
    }
}
