//! The theme: the default templates and static files embedded in the binary, overridden file by file by the site's own.

use include_dir::{Dir, include_dir};

static TEMPLATES: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/templates");
static STATIC: Dir<'_> = include_dir!("$CARGO_MANIFEST_DIR/static");

/// A template and where it came from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TemplateFile {
    /// Name used in `{% extends %}` and by the renderer, e.g. `article.html`.
    pub name: String,
    /// The template text.
    pub text: String,
    /// Path shown in errors: the site file, or the built-in theme.
    pub path: String,
}

/// A static file copied to the output root.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StaticFile {
    /// Path relative to the output folder.
    pub path: String,
    /// Content.
    pub bytes: Vec<u8>,
}

/// Every template and static file of a build.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Theme {
    /// Templates, sorted by name.
    pub templates: Vec<TemplateFile>,
    /// Static files, sorted by path.
    pub statics: Vec<StaticFile>,
}

fn files<'a>(dir: &'a Dir<'a>, out: &mut Vec<&'a include_dir::File<'a>>) {
    for entry in dir.entries() {
        match entry {
            include_dir::DirEntry::Dir(d) => files(d, out),
            include_dir::DirEntry::File(f) => out.push(f),
        }
    }
}

fn rel(path: &std::path::Path) -> String {
    path.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

impl Theme {
    /// The built-in theme.
    pub fn embedded() -> Theme {
        let mut theme = Theme::default();
        let mut list = Vec::new();
        files(&TEMPLATES, &mut list);
        for f in list {
            let name = rel(f.path());
            theme.templates.push(TemplateFile {
                text: String::from_utf8_lossy(f.contents()).into_owned(),
                path: format!("templates/{name} (built-in theme)"),
                name,
            });
        }
        let mut list = Vec::new();
        files(&STATIC, &mut list);
        for f in list {
            theme.statics.push(StaticFile {
                path: rel(f.path()),
                bytes: f.contents().to_vec(),
            });
        }
        theme.templates.sort_by(|a, b| a.name.cmp(&b.name));
        theme.statics.sort_by(|a, b| a.path.cmp(&b.path));
        theme
    }

    /// Replaces or adds a template from the site's `templates/` folder.
    pub fn override_template(&mut self, name: String, text: String) {
        let path = format!("templates/{name}");
        match self.templates.iter_mut().find(|t| t.name == name) {
            Some(t) => *t = TemplateFile { name, text, path },
            None => {
                self.templates.push(TemplateFile { name, text, path });
                self.templates.sort_by(|a, b| a.name.cmp(&b.name));
            }
        }
    }

    /// Replaces or adds a static file from the site's `static/` folder.
    pub fn override_static(&mut self, path: String, bytes: Vec<u8>) {
        match self.statics.iter_mut().find(|s| s.path == path) {
            Some(s) => s.bytes = bytes,
            None => {
                self.statics.push(StaticFile { path, bytes });
                self.statics.sort_by(|a, b| a.path.cmp(&b.path));
            }
        }
    }

    /// Whether template `name` is the built-in theme's, unchanged (an override with the
    /// same text counts as unchanged).
    pub fn is_built_in(&self, name: &str) -> bool {
        let built_in = TEMPLATES.get_file(name).map(|f| f.contents());
        let ours = self.templates.iter().find(|t| t.name == name);
        matches!((ours, built_in), (Some(t), Some(b)) if t.text.as_bytes() == b)
    }

    /// The display path and text of a template, for error snippets.
    pub fn describe(&self, name: &str) -> (String, &str) {
        match self.templates.iter().find(|t| t.name == name) {
            Some(t) => (t.path.clone(), t.text.as_str()),
            None => (format!("templates/{name}"), ""),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_template_is_built_in_while_its_text_is_the_built_in_one() {
        let built_in = Theme::embedded().describe("article.html").1.to_string();
        let cases: [(&str, Option<&str>, bool); 5] = [
            ("article.html", None, true),
            ("article.html", Some(built_in.as_str()), true),
            ("article.html", Some("{% extends \"base.html\" %}"), false),
            ("mine.html", Some("{% extends \"base.html\" %}"), false),
            ("missing.html", None, false),
        ];
        for (name, text, expected) in cases {
            let mut theme = Theme::embedded();
            if let Some(text) = text {
                theme.override_template(name.to_string(), text.to_string());
            }
            assert_eq!(theme.is_built_in(name), expected, "{name} {text:?}");
        }
    }
}
