//! Shared helpers for integration tests: fixture sites in temp folders, running the binary, reading the output.
#![allow(dead_code)]

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A site folder in a temporary directory.
pub struct Fixture {
    pub dir: tempfile::TempDir,
}

/// What a run of the binary produced.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

pub const CONFIG: &str = "title: Test Briefing\ndescription: A test.\nbase_url: https://example.org/briefings/\nlanguage: en\nauthors: [Desk]\n";

impl Fixture {
    /// An empty site with a `brief.yaml`.
    pub fn new() -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        f.write("brief.yaml", CONFIG);
        f
    }

    /// A copy of the repository's example briefing (config and content only).
    pub fn example() -> Fixture {
        let f = Fixture {
            dir: tempfile::tempdir().expect("temp dir"),
        };
        let repo = Path::new(env!("CARGO_MANIFEST_DIR"));
        f.write(
            "brief.yaml",
            &fs::read_to_string(repo.join("brief.yaml")).expect("brief.yaml"),
        );
        for entry in fs::read_dir(repo.join("content")).expect("content") {
            let path = entry.expect("entry").path();
            let name = path
                .file_name()
                .expect("name")
                .to_string_lossy()
                .to_string();
            f.write(
                &format!("content/{name}"),
                &fs::read_to_string(&path).expect("read"),
            );
        }
        f
    }

    pub fn root(&self) -> &Path {
        self.dir.path()
    }

    pub fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    pub fn write(&self, rel: &str, text: &str) {
        self.write_bytes(rel, text.as_bytes());
    }

    pub fn write_bytes(&self, rel: &str, bytes: &[u8]) {
        let path = self.path(rel);
        fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        fs::write(path, bytes).expect("write");
    }

    pub fn read(&self, rel: &str) -> String {
        fs::read_to_string(self.path(rel)).unwrap_or_else(|e| panic!("read {rel}: {e}"))
    }

    /// Runs `brief ARGS --root <fixture>`.
    pub fn run(&self, args: &[&str]) -> Run {
        let out = Command::new(env!("CARGO_BIN_EXE_brief"))
            .args(args)
            .arg("--root")
            .arg(self.root())
            .output()
            .expect("run brief");
        Run {
            code: out.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&out.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&out.stderr).into_owned(),
        }
    }

    /// `brief build`, asserting success.
    pub fn build_ok(&self, extra: &[&str]) -> Run {
        let mut args = vec!["build"];
        args.extend_from_slice(extra);
        let run = self.run(&args);
        assert_eq!(run.code, 0, "build failed:\n{}", run.stderr);
        run
    }

    /// Every file under a folder of the fixture, with its bytes.
    pub fn tree(&self, rel: &str) -> BTreeMap<String, Vec<u8>> {
        tree(&self.path(rel))
    }
}

/// Every file under `dir`, keyed by relative path.
pub fn tree(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(dir).sort_by_file_name() {
        let entry = entry.expect("walk");
        if entry.file_type().is_file() {
            let rel = entry
                .path()
                .strip_prefix(dir)
                .expect("prefix")
                .to_string_lossy()
                .replace('\\', "/");
            files.insert(rel, fs::read(entry.path()).expect("read"));
        }
    }
    files
}

/// A minimal valid article.
pub fn article(title: &str, date: &str, body: &str) -> String {
    format!("---\ntitle: {title}\ndate: {date}\n---\n{body}\n")
}

/// The `<main>` element of a page, for snapshots.
pub fn main_html(page: &str) -> String {
    let doc = scraper::Html::parse_document(page);
    let sel = scraper::Selector::parse("main").expect("selector");
    doc.select(&sel)
        .next()
        .map(|m| m.html())
        .unwrap_or_default()
}

/// Checks every internal link and fragment of a built site; returns the problems.
pub fn broken_links(site: &Path, base_path: &str) -> Vec<String> {
    let files = tree(site);
    let mut ids: BTreeMap<String, std::collections::BTreeSet<String>> = BTreeMap::new();
    let mut links: Vec<(String, String)> = Vec::new();
    let all = scraper::Selector::parse("[id], [href], [src]").expect("selector");
    for (rel, bytes) in &files {
        if !rel.ends_with(".html") {
            continue;
        }
        let doc = scraper::Html::parse_document(&String::from_utf8_lossy(bytes));
        let mut page_ids = std::collections::BTreeSet::new();
        for el in doc.select(&all) {
            if let Some(id) = el.value().attr("id") {
                page_ids.insert(id.to_string());
            }
            for attr in ["href", "src"] {
                if let Some(url) = el.value().attr(attr) {
                    links.push((rel.clone(), url.to_string()));
                }
            }
        }
        ids.insert(rel.clone(), page_ids);
    }
    let mut problems = Vec::new();
    for (from, url) in links {
        if url.starts_with("http://") || url.starts_with("https://") || url.starts_with("mailto:") {
            continue;
        }
        let (path, fragment) = url
            .split_once('#')
            .map_or((url.as_str(), None), |(p, f)| (p, Some(f)));
        let target = if path.is_empty() {
            from.clone()
        } else if let Some(inside) = path.strip_prefix(base_path) {
            if inside.is_empty() || inside.ends_with('/') {
                format!("{inside}index.html")
            } else {
                inside.to_string()
            }
        } else {
            problems.push(format!("{from}: link {url} is not under {base_path}"));
            continue;
        };
        if !files.contains_key(&target) {
            problems.push(format!("{from}: broken link {url}"));
            continue;
        }
        if let Some(fragment) = fragment
            && target.ends_with(".html")
            && !ids.get(&target).is_some_and(|set| set.contains(fragment))
        {
            problems.push(format!("{from}: missing anchor {url}"));
        }
    }
    problems
}

/// A CSS selector (panics with the selector text if it is invalid).
pub fn sel(css: &str) -> scraper::Selector {
    scraper::Selector::parse(css).unwrap_or_else(|e| panic!("selector {css}: {e:?}"))
}

/// A built page of the fixture, parsed.
pub fn page(f: &Fixture, rel: &str) -> scraper::Html {
    scraper::Html::parse_document(&f.read(rel))
}

/// The text of an element, whitespace collapsed.
pub fn text(el: scraper::ElementRef<'_>) -> String {
    el.text()
        .collect::<String>()
        .split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
}

/// The one element matching `css` (fails unless there is exactly one).
pub fn one<'a>(doc: &'a scraper::Html, css: &str) -> scraper::ElementRef<'a> {
    let found: Vec<scraper::ElementRef<'a>> = doc.select(&sel(css)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {css}, found {}",
        found.len()
    );
    found[0]
}

/// The one element under `el` matching `css` (fails unless there is exactly one).
pub fn child<'a>(el: scraper::ElementRef<'a>, css: &str) -> scraper::ElementRef<'a> {
    let found: Vec<scraper::ElementRef<'a>> = el.select(&sel(css)).collect();
    assert_eq!(
        found.len(),
        1,
        "expected exactly one {css}, found {}",
        found.len()
    );
    found[0]
}

/// The first line of stderr that mentions `needle`.
pub fn line_with<'a>(run: &'a Run, needle: &str) -> &'a str {
    run.stderr
        .lines()
        .find(|l| l.contains(needle))
        .unwrap_or_else(|| panic!("no line with {needle:?} in\n{}", run.stderr))
}
