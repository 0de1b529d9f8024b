//! What a changed path means for the site: content, templates, static files, configuration, or nothing.
//!
//! A pure function of paths, table-tested, so the watcher and its log line agree on what counts.
//! The rule for ignored names is the loader's own ([`crate::content::load::is_ignored_name`]).

use std::fmt;
use std::path::{Component, Path};

use crate::config;
use crate::content::load::is_ignored_name;

/// The kind of input a changed path belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum ChangeKind {
    /// `brief.yaml`.
    Config,
    /// An article, a folder of articles, or a registry under `content/`.
    Content,
    /// A template override under `templates/`.
    Templates,
    /// A static file under `static/`.
    Static,
}

impl ChangeKind {
    /// The word used in log lines.
    pub fn name(self) -> &'static str {
        match self {
            ChangeKind::Config => "config",
            ChangeKind::Content => "content",
            ChangeKind::Templates => "templates",
            ChangeKind::Static => "static",
        }
    }

    /// The folder (or file) of the site root this kind lives in.
    pub fn top_level(self) -> &'static str {
        match self {
            ChangeKind::Config => config::FILE_NAME,
            ChangeKind::Content => "content",
            ChangeKind::Templates => "templates",
            ChangeKind::Static => "static",
        }
    }

    /// The kinds that are folders, watched recursively.
    pub const FOLDERS: [ChangeKind; 3] = [
        ChangeKind::Content,
        ChangeKind::Templates,
        ChangeKind::Static,
    ];
}

impl fmt::Display for ChangeKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// Registries in `content/` whose names start with `_` but are inputs all the same.
const CONTENT_REGISTRIES: [&str; 2] = ["_sources.yaml", "_entities.yaml"];

/// Classifies a changed path (absolute, or relative in the same way as `root`).
///
/// Returns `None` for anything the build does not read: paths outside the site root, inside the
/// output folder, other files at the root, hidden and private names (`.git`, `_drafts/`) and
/// editor leftovers (`a.md~`, `.a.md.swp`, `4913`, …) — except `content/_sources.yaml` and
/// `content/_entities.yaml`. Any other path under `content/`, `templates/` or `static/`
/// counts, files and folders alike (a removed folder is one event for all its files).
pub fn classify(root: &Path, output: &Path, path: &Path) -> Option<ChangeKind> {
    if path.starts_with(output) {
        return None;
    }
    let rel = path.strip_prefix(root).ok()?;
    let mut names = Vec::new();
    for component in rel.components() {
        match component {
            Component::Normal(name) => names.push(name.to_str()?),
            _ => return None,
        }
    }
    let (&first, rest) = names.split_first()?;
    let kind = match first {
        config::FILE_NAME if rest.is_empty() => return Some(ChangeKind::Config),
        "content" => ChangeKind::Content,
        "templates" => ChangeKind::Templates,
        "static" => ChangeKind::Static,
        _ => return None,
    };
    let registry =
        kind == ChangeKind::Content && rest.len() == 1 && CONTENT_REGISTRIES.contains(&rest[0]);
    if !registry && rest.iter().any(|name| is_ignored_name(name)) {
        return None;
    }
    Some(kind)
}

/// Is this path one of the watched top-level folders itself (created, removed or renamed)?
/// Such a change means the folder's watch must be set up again.
pub fn is_top_level_folder(root: &Path, path: &Path) -> bool {
    path.strip_prefix(root).ok().is_some_and(|rel| {
        let mut components = rel.components();
        matches!(
            (components.next(), components.next()),
            (Some(Component::Normal(name)), None) if ChangeKind::FOLDERS.iter().any(|k| name == k.top_level())
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_classified_by_where_they_are() {
        use ChangeKind::*;
        let root = Path::new("/site-root");
        let output = Path::new("/site-root/site");
        let cases: &[(&str, Option<ChangeKind>)] = &[
            ("/site-root/brief.yaml", Some(Config)),
            ("/site-root/content/a.md", Some(Content)),
            ("/site-root/content/2020/january/a.md", Some(Content)),
            ("/site-root/content/new-folder", Some(Content)),
            ("/site-root/content", Some(Content)),
            ("/site-root/content/_sources.yaml", Some(Content)),
            ("/site-root/content/_entities.yaml", Some(Content)),
            ("/site-root/content/picture.png", Some(Content)),
            ("/site-root/templates/article.html", Some(Templates)),
            ("/site-root/templates", Some(Templates)),
            ("/site-root/static/style.css", Some(Static)),
            ("/site-root/static/fonts/a.woff2", Some(Static)),
            // Editor leftovers, hidden and private files: what the loader skips.
            ("/site-root/content/a.md~", None),
            ("/site-root/content/.a.md.swp", None),
            ("/site-root/content/.a.md.swx", None),
            ("/site-root/content/4913", None),
            ("/site-root/content/.#a.md", None),
            ("/site-root/content/#a.md#", None),
            ("/site-root/content/a.md.tmp", None),
            ("/site-root/content/a.md___jb_tmp___", None),
            ("/site-root/content/_drafts/a.md", None),
            ("/site-root/content/_notes.yaml", None),
            ("/site-root/content/sub/_sources.yaml", None),
            ("/site-root/content/.git/index", None),
            ("/site-root/templates/.article.html.swp", None),
            ("/site-root/static/.DS_Store", None),
            // Other things at the root, the output folder, elsewhere.
            ("/site-root/site", None),
            ("/site-root/site/index.html", None),
            ("/site-root/brief.yaml~", None),
            ("/site-root/.brief.yaml.swp", None),
            ("/site-root/README.md", None),
            ("/site-root/target/debug/x", None),
            ("/site-root/content-old/a.md", None),
            ("/site-root/brief.yaml/x", None),
            ("/site-root", None),
            ("/elsewhere/content/a.md", None),
            ("/site-root/../x/content/a.md", None),
        ];
        for (path, want) in cases {
            assert_eq!(classify(root, output, Path::new(path)), *want, "{path}");
        }
    }

    #[test]
    fn an_output_folder_inside_an_input_folder_is_still_ignored() {
        let root = Path::new("/r");
        assert_eq!(
            classify(
                root,
                Path::new("/r/static/out"),
                Path::new("/r/static/out/index.html")
            ),
            None
        );
        assert_eq!(
            classify(
                root,
                Path::new("/r/static/out"),
                Path::new("/r/static/outer.css")
            ),
            Some(ChangeKind::Static)
        );
    }

    #[test]
    fn top_level_folders_are_recognised() {
        let root = Path::new("/r");
        let cases = [
            ("/r/content", true),
            ("/r/templates", true),
            ("/r/static", true),
            ("/r/content/a", false),
            ("/r/brief.yaml", false),
            ("/r/site", false),
            ("/r", false),
        ];
        for (path, want) in cases {
            assert_eq!(is_top_level_folder(root, Path::new(path)), want, "{path}");
        }
    }
}
