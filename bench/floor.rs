//! The benchmark floor: the minimum work any build of a corpus must do.
//!
//! ```sh
//! cargo run --release --example floor -- DIR OUT [--sequential]
//! ```
//!
//! Reads `DIR/content/_sources.yaml`, `DIR/content/_entities.yaml` and every article,
//! parses each front matter with serde_yaml, renders each body with pulldown-cmark
//! (tables, footnotes, strikethrough, smart punctuation, wiki links) and writes one
//! `OUT/articles/<slug>/index.html` per article through a one-line `format!` template.
//! No validation, no cross-references, no timeline, no index pages, no change detection.
//! Parallel with rayon by default (faster on 2 cores; see bench/README.md);
//! `--sequential` runs on one thread.

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use pulldown_cmark::{Options, Parser, html};
use rayon::prelude::*;
use serde::Deserialize;

/// The few front-matter fields the floor page shows; serde still parses the whole document.
#[derive(Deserialize)]
struct Front {
    title: String,
    date: serde_yaml::Value,
    summary: Option<String>,
    slug: Option<String>,
    #[serde(default)]
    tags: Vec<String>,
}

fn is_article(path: &Path) -> bool {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    name.ends_with(".md") && !name.starts_with(['_', '.'])
}

fn render(path: &Path, out: &Path) -> Result<(), String> {
    let text = fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let rest = text
        .strip_prefix("---\n")
        .ok_or_else(|| format!("{}: no front matter", path.display()))?;
    let end = rest
        .find("\n---\n")
        .ok_or_else(|| format!("{}: unclosed front matter", path.display()))?;
    let (yaml, body) = (&rest[..end + 1], &rest[end + 5..]);
    let front: Front =
        serde_yaml::from_str(yaml).map_err(|e| format!("{}: {e}", path.display()))?;

    let options = Options::ENABLE_TABLES
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_SMART_PUNCTUATION
        | Options::ENABLE_WIKILINKS;
    let mut body_html = String::with_capacity(body.len() * 3 / 2);
    html::push_html(&mut body_html, Parser::new_ext(body, options));

    let slug = front.slug.clone().unwrap_or_else(|| {
        path.file_stem()
            .and_then(|s| s.to_str())
            .unwrap_or("x")
            .to_string()
    });
    let date = match &front.date {
        serde_yaml::Value::String(s) => s.clone(),
        other => serde_yaml::to_string(other)
            .unwrap_or_default()
            .trim()
            .to_string(),
    };
    let page = format!(
        "<!doctype html><html lang=en><meta charset=utf-8><title>{}</title><meta name=description content=\"{}\"><article><h1>{}</h1><p>{date} · {}</p>{body_html}</article></html>\n",
        front.title,
        front.summary.as_deref().unwrap_or(""),
        front.title,
        front.tags.join(", ")
    );
    let dir = out.join("articles").join(&slug);
    fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    fs::write(dir.join("index.html"), page).map_err(|e| format!("{}: {e}", dir.display()))
}

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let sequential = args.iter().any(|a| a == "--sequential");
    let paths: Vec<&String> = args.iter().filter(|a| !a.starts_with("--")).collect();
    let [root, out] = paths.as_slice() else {
        eprintln!("usage: floor DIR OUT [--sequential]");
        std::process::exit(2);
    };
    let (root, out) = (PathBuf::from(root), PathBuf::from(out));
    let started = Instant::now();

    // The registries: parsed, not used further.
    let mut registry_items = 0;
    for name in ["_sources.yaml", "_entities.yaml"] {
        let path = root.join("content").join(name);
        if let Ok(text) = fs::read_to_string(&path) {
            let value: serde_yaml::Value = serde_yaml::from_str(&text).unwrap_or_else(|e| {
                eprintln!("{}: {e}", path.display());
                std::process::exit(1);
            });
            registry_items += value.as_sequence().map_or(0, Vec::len);
        }
    }

    let mut files: Vec<PathBuf> = walkdir::WalkDir::new(root.join("content"))
        .into_iter()
        .filter_entry(|e| {
            e.depth() == 0
                || !e
                    .file_name()
                    .to_str()
                    .is_some_and(|n| n.starts_with(['_', '.']))
        })
        .filter_map(Result::ok)
        .filter(|e| e.file_type().is_file() && is_article(e.path()))
        .map(walkdir::DirEntry::into_path)
        .collect();
    files.sort();

    let results: Vec<Result<(), String>> = if sequential {
        files.iter().map(|p| render(p, &out)).collect()
    } else {
        files.par_iter().map(|p| render(p, &out)).collect()
    };
    let errors: Vec<String> = results.into_iter().filter_map(Result::err).collect();
    for e in errors.iter().take(10) {
        eprintln!("{e}");
    }
    eprintln!(
        "floor: {} articles, {registry_items} registry items, {} errors, {:.3} s ({})",
        files.len(),
        errors.len(),
        started.elapsed().as_secs_f64(),
        if sequential { "sequential" } else { "rayon" }
    );
    if !errors.is_empty() {
        std::process::exit(1);
    }
}
