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
pub mod markdown;
pub mod model;
pub mod output;
pub mod render;
pub mod scaffold;
pub mod serve;
pub mod suggest;
pub mod yaml;

use std::path::{Path, PathBuf};

use rayon::prelude::*;

use content::load;
use content::{Article, SourceFile, registry};
use diag::Diagnostic;
use render::{Page, Theme};

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
}

impl Options {
    /// The output folder.
    pub fn output_dir(&self) -> PathBuf {
        self.output
            .clone()
            .unwrap_or_else(|| self.root.join("site"))
    }
}

/// Every input file of a site, read from disk.
#[derive(Debug, Default)]
pub struct Inputs {
    /// `brief.yaml`.
    pub config: Option<SourceFile>,
    /// Article files, sorted by path.
    pub articles: Vec<SourceFile>,
    /// `content/_sources.yaml`.
    pub sources: Option<SourceFile>,
    /// `content/_entities.yaml`.
    pub entities: Option<SourceFile>,
    /// The embedded theme with the site's overrides applied.
    pub theme: Theme,
}

/// Stage 1: reads every input file. Problems with single files are collected, not fatal.
pub fn load(root: &Path) -> (Inputs, Vec<Diagnostic>) {
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

    let content = root.join("content");
    let (files, walk_problems) = load::walk(root, &content, |name| name.ends_with(".md"));
    problems.extend(walk_problems);
    let results: Vec<Result<SourceFile, Diagnostic>> =
        files.par_iter().map(|p| load::read_text(root, p)).collect();
    for r in results {
        match r {
            Ok(file) => inputs.articles.push(file),
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

/// Stages 2–4: parses, assembles and renders a site held in memory. Returns the pages only when there is no error.
pub fn build_pages(inputs: Inputs, options: &Options) -> (Option<Vec<Page>>, Vec<Diagnostic>) {
    let mut problems = Vec::new();
    let config = match &inputs.config {
        Some(file) => config::parse(file, options.base_url.as_deref())
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
    let parsed: Vec<Result<Article, Vec<Diagnostic>>> = inputs
        .articles
        .into_par_iter()
        .map(content::article::parse)
        .collect();
    let mut articles = Vec::with_capacity(parsed.len());
    for r in parsed {
        match r {
            Ok(a) if a.draft && !options.drafts => {}
            Ok(a) => articles.push(a),
            Err(d) => problems.extend(d),
        }
    }
    let (sources, source_problems) = inputs
        .sources
        .map(registry::parse_sources)
        .unwrap_or_default();
    let (entities, entity_problems) = inputs
        .entities
        .map(registry::parse_entities)
        .unwrap_or_default();
    // A broken registry entry is reported once; references to it are not also reported as unknown.
    let sources_incomplete = !source_problems.is_empty();
    let entities_incomplete = !entity_problems.is_empty();
    problems.extend(source_problems);
    problems.extend(entity_problems);
    let (registry, registry_problems) = registry::build(sources, entities, &articles);
    problems.extend(registry_problems);
    let tera = render::compile(&inputs.theme)
        .map_err(|d| problems.extend(d))
        .ok();

    let (Some(config), Some(tera)) = (config, tera) else {
        return (None, problems);
    };
    let (site, site_problems) = model::assemble(config, articles, registry);
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
    let (pages, render_problems) = render::render(&site, &inputs.theme, &tera);
    problems.extend(render_problems);
    let ok = !problems.iter().any(Diagnostic::is_error);
    (ok.then_some(pages), problems)
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

/// Stages 1–4 from disk: every page of the site in memory, or the problems that prevent it.
pub fn pages(options: &Options) -> (Option<Vec<Page>>, Vec<Diagnostic>) {
    let (inputs, mut diagnostics) = load(&options.root);
    let (pages, more) = build_pages(inputs, options);
    diagnostics.extend(more);
    let pages = pages.filter(|pages| {
        let path_problems = output::check_pages(pages, &options.output_dir());
        let ok = path_problems.is_empty();
        diagnostics.extend(path_problems);
        ok
    });
    diag::sort(&mut diagnostics);
    (
        pages.filter(|_| !diagnostics.iter().any(Diagnostic::is_error)),
        diagnostics,
    )
}

/// Checks a site without writing anything.
pub fn check(options: &Options) -> Outcome {
    let (pages, diagnostics) = pages(options);
    Outcome {
        pages: pages.map_or(0, |p| p.len()),
        diagnostics,
        written: None,
    }
}

/// Builds the site into the output folder. Nothing is written unless the whole site
/// rendered without error (and, with `strict`, without warning).
pub fn build(options: &Options, strict: bool) -> Outcome {
    let out = options.output_dir();
    if let Err(d) = output::check_location(&options.root, &out, options.force) {
        return Outcome {
            diagnostics: vec![d],
            ..Outcome::default()
        };
    }
    let (pages, mut diagnostics) = pages(options);
    let mut outcome = Outcome {
        pages: pages.as_ref().map_or(0, Vec::len),
        ..Outcome::default()
    };
    if let Some(pages) = pages.filter(|_| !strict || diagnostics.is_empty()) {
        match output::write(&out, &pages) {
            Ok(report) => outcome.written = Some(report),
            Err(d) => diagnostics.push(d),
        }
    }
    outcome.diagnostics = diagnostics;
    outcome
}
