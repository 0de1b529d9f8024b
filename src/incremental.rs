//! Incremental builds for `serve` and `watch`: each build keeps what the next can reuse, so a
//! change re-parses only the files that changed and re-renders only the pages whose values did.

use std::collections::HashMap;
use std::sync::Mutex;

use bytes::Bytes;

use crate::diag::{self, Diagnostic};
use crate::render::{self, Fingerprints, Output, Page};
use crate::{Caches, Inputs, Options, fingerprint, output};

/// What one build leaves for the next. Start with [`Session::default`].
#[derive(Debug, Default)]
pub struct Session {
    caches: Caches,
    /// Fingerprints of the last good build's pages, with the fingerprint of the templates and
    /// configuration they were rendered with: after a change there, every page is rendered.
    rendered: Option<(u64, Fingerprints)>,
    /// The files of the last good build, by path in the output folder.
    files: HashMap<String, Bytes>,
}

/// A good incremental build.
#[derive(Debug)]
pub struct Rebuilt {
    /// Every file of the site (shared with the session: cloning is cheap).
    pub files: HashMap<String, Bytes>,
    /// Warnings.
    pub diagnostics: Vec<Diagnostic>,
    /// Pages rendered by this build (the others had the same values as before).
    pub rendered: usize,
    /// Pages reused from the previous build.
    pub reused: usize,
    /// What was written to the output folder.
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
        let out = options.output_dir();
        output::check_location(&options.root, &out, options.force).map_err(|d| vec![d])?;
        let caches = &self.caches;
        let (inputs, mut diagnostics) =
            crate::load_reusing(&options.root, &|path, stamp| caches.knows(path, stamp));
        let key = templates_key(&inputs, options);
        let (prepared, more) = crate::prepare_cached(inputs, options, Some(&mut self.caches));
        diagnostics.extend(more);
        let failed = |mut diagnostics: Vec<Diagnostic>| {
            diag::sort(&mut diagnostics);
            Err(diagnostics)
        };
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

        let previous = self
            .rendered
            .as_ref()
            .filter(|(k, _)| *k == key)
            .map(|(_, fingerprints)| fingerprints);
        let outputs = Mutex::new(Vec::with_capacity(paths.len()));
        let report = render::render_each(&p.site, &p.theme, &p.tera, true, previous, &|o| {
            if let Ok(mut outputs) = outputs.lock() {
                outputs.push(o);
            }
        });
        if !report.problems.is_empty() {
            diagnostics.extend(report.problems);
            return failed(diagnostics);
        }
        let outputs = outputs.into_inner().unwrap_or_default();

        let mut staging = output::Staging::open(&out).map_err(|d| vec![d])?;
        let mut files = HashMap::with_capacity(outputs.len());
        let mut reused = 0;
        for o in outputs {
            match o {
                Output::Fresh(page) => {
                    staging.stage(&page);
                    files.insert(page.path, Bytes::from(page.bytes));
                }
                Output::Same(path) => {
                    // Fingerprints are kept only with the files they describe.
                    let bytes = self.files.get(&path).cloned().unwrap_or_default();
                    if !staging.keep(&path, bytes.len()) {
                        // Deleted or changed on disk since: write it again.
                        staging.stage(&Page {
                            path: path.clone(),
                            bytes: bytes.to_vec(),
                        });
                    }
                    reused += 1;
                    files.insert(path, bytes);
                }
            }
        }
        let written = staging.commit().map_err(|d| vec![d])?;
        self.files = files;
        self.rendered = Some((key, report.fingerprints));
        diag::sort(&mut diagnostics);
        Ok(Rebuilt {
            files: self.files.clone(),
            diagnostics,
            rendered: report.rendered,
            reused,
            written,
        })
    }
}
