//! Site configuration: `brief.yaml` decoded strictly into a [`Config`].

use serde::Deserialize;

use crate::content::SourceFile;
use crate::diag::{Diagnostic, Pos};
use crate::yaml::{self, Placement, Root, Seg};

/// Name of the configuration file at the site root.
pub const FILE_NAME: &str = "brief.yaml";

/// How raw HTML in Markdown bodies is treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum RawHtml {
    /// Cleaned with an allow-list sanitiser (default).
    #[default]
    Sanitise,
    /// Passed through unchanged: only for sites whose every author is trusted.
    Trusted,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawConfig {
    title: String,
    #[serde(default)]
    description: Option<String>,
    base_url: String,
    #[serde(default = "default_language")]
    language: String,
    #[serde(default)]
    authors: Vec<String>,
    #[serde(default)]
    raw_html: RawHtml,
}

fn default_language() -> String {
    "en".into()
}

/// The validated site configuration.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Site title.
    pub title: String,
    /// One or two sentences about the briefing.
    pub description: Option<String>,
    /// Absolute base URL, always ending in `/`.
    pub base_url: String,
    /// The path part of `base_url` (`/` or `/sub/path/`): every internal link starts with it.
    pub base_path: String,
    /// BCP 47 language tag for `<html lang>`.
    pub language: String,
    /// Authors named in the feed.
    pub authors: Vec<String>,
    /// Raw HTML policy.
    pub raw_html: RawHtml,
    /// The most page URLs one sitemap file lists (see [`SITEMAP_MAX_URLS`]); not read from
    /// `brief.yaml` (see [`crate::Options::sitemap_max_urls`]).
    pub sitemap_max_urls: usize,
}

/// The most URLs a sitemap file may list (sitemaps.org): a site with more pages gets a
/// sitemap index in `sitemap.xml` and its URLs in `sitemap-1.xml`, `sitemap-2.xml`, ….
pub const SITEMAP_MAX_URLS: usize = 50_000;

/// Parses `brief.yaml`; `base_url_override` comes from `--base-url`.
pub fn parse(
    file: &SourceFile,
    base_url_override: Option<&str>,
) -> Result<Config, Vec<Diagnostic>> {
    let at = Placement {
        path: &file.path,
        file_text: &file.text,
        line_offset: 0,
    };
    let raw: RawConfig = yaml::decode(&file.text, Root::Mapping, &at)?;
    let located = |seg: &str| {
        let pos = yaml::locate(&file.text, &[Seg::Key(seg)], false).unwrap_or(Pos::START);
        move |code, message: String| at.error(code, pos, message)
    };
    let (base_url, base_path) = match base_url_override {
        Some(url) => parse_base_url(url).map_err(|why| {
            vec![
                Diagnostic::error(
                    "CFG-BASE-URL",
                    "--base-url",
                    None,
                    format!("invalid base URL '{url}': {why}"),
                )
                .with_help("use an absolute URL such as https://example.org/briefing/"),
            ]
        })?,
        None => parse_base_url(&raw.base_url).map_err(|why| {
            vec![
                located("base_url")(
                    "CFG-BASE-URL",
                    format!("invalid base_url '{}': {why}", raw.base_url),
                )
                .with_help("use an absolute URL such as https://example.org/briefing/"),
            ]
        })?,
    };
    if raw.title.trim().is_empty() {
        return Err(vec![located("title")(
            "CFG-EMPTY",
            "'title' must not be empty".into(),
        )]);
    }
    Ok(Config {
        title: raw.title.trim().to_string(),
        description: raw
            .description
            .map(|d| d.trim().to_string())
            .filter(|d| !d.is_empty()),
        base_url,
        base_path,
        language: raw.language,
        authors: raw.authors,
        raw_html: raw.raw_html,
        sitemap_max_urls: SITEMAP_MAX_URLS,
    })
}

/// Splits a base URL into its normalised form (ending in `/`) and its path.
pub fn parse_base_url(url: &str) -> Result<(String, String), String> {
    crate::content::article::check_url(url)?;
    if url.contains(['?', '#']) {
        return Err("it must not contain a query or fragment".into());
    }
    let after_scheme = url.split_once("://").map_or("", |(_, rest)| rest);
    let path = after_scheme.find('/').map_or("/", |i| &after_scheme[i..]);
    if path.split('/').any(|seg| seg == ".." || seg == ".") {
        return Err("its path must not contain . or .. segments".into());
    }
    let mut base_path = path.to_string();
    if !base_path.ends_with('/') {
        base_path.push('/');
    }
    let mut base_url = url.to_string();
    if !base_url.ends_with('/') {
        base_url.push('/');
    }
    Ok((base_url, base_path))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base_urls_give_their_path() {
        let cases = [
            ("https://example.org", Ok(("https://example.org/", "/"))),
            (
                "https://example.org/briefings/",
                Ok(("https://example.org/briefings/", "/briefings/")),
            ),
            (
                "https://example.org/sub/briefing",
                Ok(("https://example.org/sub/briefing/", "/sub/briefing/")),
            ),
        ];
        for (input, want) in cases {
            let got = parse_base_url(input);
            assert_eq!(
                got.as_ref().map(|(a, b)| (a.as_str(), b.as_str())),
                want.map_err(|e: &str| e.to_string()).as_ref().map(|x| *x),
                "{input}"
            );
        }
        for bad in [
            "example.org",
            "javascript:alert(1)",
            "https://x/?q",
            "https://x/../y",
        ] {
            assert!(parse_base_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn unknown_keys_are_errors_with_a_suggestion() {
        let file = SourceFile {
            path: "brief.yaml".into(),
            text: "title: T\nbase_url: https://x.org/\ntitel: y\n".into(),
        };
        let errs = parse(&file, None).expect_err("unknown key");
        assert_eq!(errs[0].code, "FM-UNKNOWN-KEY");
        assert_eq!(errs[0].pos, Some(Pos { line: 3, col: 1 }));
        assert!(
            errs[0]
                .help
                .as_deref()
                .unwrap_or_default()
                .contains("did you mean 'title'?")
        );
    }
}
