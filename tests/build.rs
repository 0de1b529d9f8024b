//! Integration tests of `brief build`: fixture sites built into temp folders, output inspected.

mod common;

use common::{Fixture, article, broken_links};

#[test]
fn example_briefing_builds_with_every_link_resolving() {
    let f = Fixture::example();
    let run = f.build_ok(&[]);
    assert!(run.stderr.contains("built "), "{}", run.stderr);
    let site = f.tree("site");
    for page in [
        "index.html",
        "timeline/index.html",
        "sources/index.html",
        "entities/index.html",
        "tags/index.html",
        "404.html",
        "feed.xml",
        "sitemap.xml",
        "timeline.json",
    ] {
        assert!(site.contains_key(page), "missing {page}");
    }
    let articles = site
        .keys()
        .filter(|k| k.starts_with("articles/") && k.ends_with("index.html"))
        .count();
    assert!(articles >= 4, "{articles} articles");
    let problems = broken_links(&f.path("site"), "/briefings/");
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn article_pages_and_the_feed_carry_the_whole_bodies() {
    // A build frees the bodies once the pages that print them are made: every one of those
    // pages must have been made with its body.
    let f = Fixture::new();
    let slugs: Vec<String> = (0..40).map(|i| format!("a{i:02}")).collect();
    for (i, slug) in slugs.iter().enumerate() {
        f.write(
            &format!("content/{slug}.md"),
            &article(
                &format!("Article {i}"),
                &format!("2020-01-{:02}", i % 28 + 1),
                &format!("Body of {slug}, *emphasised*.\n\nSecond paragraph of {slug}."),
            ),
        );
    }
    f.build_ok(&[]);
    // Atom's `type="html"` content is escaped HTML: read as markup, each entry's content
    // is text that is the body's HTML.
    let feed = scraper::Html::parse_document(&f.read("site/feed.xml"));
    let entries: std::collections::BTreeMap<String, String> = feed
        .select(&common::sel("entry"))
        .map(|entry| {
            let id = common::text(common::child(entry, "id"));
            let content = common::child(entry, "content");
            assert_eq!(content.value().attr("type"), Some("html"));
            assert!(
                content.children().all(|c| c.value().is_text()),
                "{id}: markup in content"
            );
            (id, content.text().collect())
        })
        .collect();
    assert_eq!(entries.len(), slugs.len());
    for slug in &slugs {
        let page = f.read(&format!("site/articles/{slug}/index.html"));
        let doc = scraper::Html::parse_document(&page);
        let body = common::one(&doc, ".article-body").inner_html();
        assert!(
            body.contains(&format!("<p>Body of {slug}, <em>emphasised</em>.</p>"))
                && body.contains(&format!("<p>Second paragraph of {slug}.</p>")),
            "{slug}: {body}"
        );
        let content = &entries[&format!("https://example.org/briefings/articles/{slug}/")];
        assert!(
            content.contains(&format!("<p>Body of {slug}, <em>emphasised</em>.</p>"))
                && content.contains(&format!("<p>Second paragraph of {slug}.</p>")),
            "{slug}: {content}"
        );
    }
}

#[test]
fn a_build_calls_the_bodies_freed_hook_once_and_a_check_never() {
    static CALLS: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    static FREED: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    fn count(bytes: usize) {
        CALLS.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        FREED.fetch_add(bytes, std::sync::atomic::Ordering::SeqCst);
    }
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body of a."));
    let options = brief::Options {
        root: f.root().to_path_buf(),
        bodies_freed: Some(count),
        ..brief::Options::default()
    };
    assert!(brief::check(&options).diagnostics.is_empty());
    assert_eq!(CALLS.load(std::sync::atomic::Ordering::SeqCst), 0);
    let outcome = brief::build(&options, false);
    assert!(outcome.written.is_some(), "{:?}", outcome.diagnostics);
    assert_eq!(CALLS.load(std::sync::atomic::Ordering::SeqCst), 1);
    // The one body, `<p>Body of a.</p>` and a newline at least.
    assert!(FREED.load(std::sync::atomic::Ordering::SeqCst) >= 18);
    assert!(f.read("site/articles/a/index.html").contains("Body of a."));
}

#[test]
fn subpath_base_url_is_honoured_by_every_link() {
    let f = Fixture::example();
    f.build_ok(&["--base-url", "https://example.org/sub/briefing/"]);
    let problems = broken_links(&f.path("site"), "/sub/briefing/");
    assert!(problems.is_empty(), "{problems:#?}");
    let index = f.read("site/index.html");
    assert!(
        index.contains("href=\"/sub/briefing/timeline/\""),
        "nav link under the subpath"
    );
    assert!(
        !index.contains("href=\"/briefings/"),
        "no link to the configured path"
    );
    let feed = f.read("site/feed.xml");
    assert!(
        feed.contains("https://example.org/sub/briefing/articles/"),
        "feed uses absolute URLs"
    );
}

#[test]
fn two_builds_are_byte_identical() {
    let f = Fixture::example();
    f.build_ok(&["--output", f.path("one").to_str().expect("utf8")]);
    f.build_ok(&["--output", f.path("two").to_str().expect("utf8")]);
    assert_eq!(f.tree("one"), f.tree("two"));
}

#[test]
fn a_rebuild_without_changes_writes_nothing_and_stale_pages_go() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    f.write("content/b.md", &article("B", "2020-01-02", "Body"));
    f.build_ok(&[]);
    let before = std::fs::metadata(f.path("site/articles/a/index.html"))
        .and_then(|m| m.modified())
        .expect("mtime");
    let run = f.build_ok(&[]);
    assert!(run.stderr.contains("(0 written"), "{}", run.stderr);
    let after = std::fs::metadata(f.path("site/articles/a/index.html"))
        .and_then(|m| m.modified())
        .expect("mtime");
    assert_eq!(before, after);

    f.write("site/CNAME", "example.org\n");
    std::fs::remove_file(f.path("content/b.md")).expect("rm");
    f.build_ok(&[]);
    assert!(!f.path("site/articles/b").exists(), "stale page removed");
    assert!(f.path("site/articles/a/index.html").exists());
    assert_eq!(
        f.read("site/CNAME"),
        "example.org\n",
        "files brief did not write are kept"
    );
}

#[test]
fn a_foreign_output_folder_is_refused_unless_forced() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    f.write("site/notes.txt", "mine");
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("error[CFG-OUTDIR-FOREIGN]"),
        "{}",
        run.stderr
    );
    assert_eq!(f.tree("site").len(), 1, "nothing written");
    f.build_ok(&["--force"]);
    assert_eq!(f.read("site/notes.txt"), "mine");
    assert!(f.path("site/index.html").exists());
}

#[test]
fn output_folders_that_hold_the_inputs_are_refused() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    for out in [".", "..", "content", "content/x"] {
        let run = f.run(&["build", "--output", f.path(out).to_str().expect("utf8")]);
        assert_eq!(run.code, 1, "{out}: {}", run.stderr);
        assert!(
            run.stderr.contains("error[CFG-OUTDIR]"),
            "{out}: {}",
            run.stderr
        );
    }
    assert!(!f.path("content/index.html").exists());
}

#[test]
fn drafts_are_built_only_when_asked() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    f.write(
        "content/d.md",
        "---\ntitle: D\ndate: 2020-01-02\ndraft: true\n---\nDraft\n",
    );
    f.build_ok(&[]);
    assert!(!f.path("site/articles/d").exists());
    f.build_ok(&["--drafts"]);
    assert!(f.path("site/articles/d/index.html").exists());
}

#[test]
fn a_site_with_only_config_and_content_uses_the_embedded_theme() {
    let f = Fixture::new();
    f.write(
        "content/sub/folder/Ünïcödé Title.md",
        &article("Unicode", "1998", "Hello *world*."),
    );
    f.build_ok(&[]);
    let page = f.read("site/articles/unicode-title/index.html");
    assert!(page.contains("<em>world</em>"));
    assert!(
        f.path("site/style.css").exists(),
        "static files of the theme are copied"
    );
}

#[test]
fn site_templates_override_the_theme_file_by_file() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    f.write(
        "templates/404.html",
        "<!doctype html><title>gone</title><p>Custom {{ site.title }}</p>",
    );
    f.write("static/extra.txt", "extra");
    f.build_ok(&[]);
    assert!(
        f.read("site/404.html")
            .contains("<p>Custom Test Briefing</p>")
    );
    assert_eq!(f.read("site/extra.txt"), "extra");
    assert!(
        f.read("site/articles/a/index.html").contains("<h1"),
        "other templates stay built-in"
    );
}

#[test]
fn a_template_looping_over_a_value_sees_its_fields_in_their_documented_order() {
    // Template maps keep the order of the view's fields, so a theme that loops over one
    // makes the same page on every build (a hash order would differ from run to run).
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    f.write(
        "templates/404.html",
        "{% for key, value in site %}{{ key }} {% endfor %}",
    );
    let fields = "title description base_url base_path language authors \
                  article_count event_count source_count entity_count footer_html ";
    for _ in 0..3 {
        f.build_ok(&[]);
        assert_eq!(f.read("site/404.html"), fields);
    }
}

#[test]
fn content_is_escaped_everywhere() {
    let f = Fixture::new();
    let title = "\"><script>alert(1)</script><img src=x onerror=alert(1)>";
    f.write(
        "content/x.md",
        &format!("---\ntitle: '{title}'\ndate: 2020-01-01\nsummary: 'x\" onmouseover=\"alert(1)'\ntags: ['<b>tag</b>']\n---\n<script>alert(1)</script>\n\n<img src=x onerror=alert(1)>\n"),
    );
    f.build_ok(&[]);
    for (path, bytes) in f.tree("site") {
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains("<script>alert"), "{path}");
        assert!(!text.contains("<img src=x onerror"), "{path}");
        assert!(!text.contains("\" onmouseover"), "{path}");
        assert!(!text.contains("<b>tag"), "{path}");
    }
}

#[test]
fn bom_and_crlf_files_give_the_same_site() {
    let text =
        "---\ntitle: Same\ndate: 2020-01-01\ntags: [a]\n---\n# Heading\n\nLine one\nline two\n";
    let plain = Fixture::new();
    plain.write("content/a.md", text);
    plain.build_ok(&[]);
    let variant = Fixture::new();
    let mut bytes = b"\xEF\xBB\xBF".to_vec();
    bytes.extend(text.replace('\n', "\r\n").into_bytes());
    variant.write_bytes("content/a.md", &bytes);
    variant.build_ok(&[]);
    assert_eq!(plain.tree("site"), variant.tree("site"));
}

#[test]
fn editor_leftovers_and_private_files_are_not_articles() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    for junk in [
        "content/a.md~",
        "content/.a.md.swp",
        "content/4913",
        "content/a.md0HlVyu.bck",
        "content/_notes.md",
        "content/.hidden.md",
        "content/_drafts/x.md",
    ] {
        f.write(junk, "not an article at all");
    }
    f.build_ok(&[]);
    let articles: Vec<String> = f
        .tree("site")
        .into_keys()
        .filter(|k| k.starts_with("articles/"))
        .collect();
    assert_eq!(articles, ["articles/a/index.html"]);
}

#[cfg(unix)]
#[test]
fn symlinks_leaving_the_site_and_special_files_are_errors() {
    let f = Fixture::new();
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    let outside = tempfile::tempdir().expect("tmp");
    std::fs::write(
        outside.path().join("secret.md"),
        article("Secret", "2020-01-01", "TOP-SECRET-BODY"),
    )
    .expect("write");
    std::os::unix::fs::symlink(outside.path().join("secret.md"), f.path("content/x.md"))
        .expect("symlink");
    std::os::unix::fs::symlink(f.path("content/missing.md"), f.path("content/dangling.md"))
        .expect("symlink");
    std::os::unix::fs::symlink(f.path("content"), f.path("content/loop")).expect("symlink");
    let fifo = std::process::Command::new("mkfifo")
        .arg(f.path("content/pipe.md"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    for want in [
        "content/x.md: error[FS-SYMLINK-ESCAPE]",
        "content/dangling.md: error[FS-SYMLINK-DANGLING]",
        "content/pipe.md: error[FS-NOT-REGULAR]",
        "content/loop",
    ] {
        assert!(run.stderr.contains(want), "{want} in\n{}", run.stderr);
    }
    assert!(
        !run.stderr.contains("TOP-SECRET-BODY"),
        "the outside file is never read: {}",
        run.stderr
    );
    assert!(!f.path("site").exists(), "nothing written");
}

#[test]
fn new_scaffolds_an_article_that_builds_as_a_draft() {
    let f = Fixture::new();
    let run = f.run(&["new", "Café talks: what's next?"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let text = f.read("content/cafe-talks-what-s-next.md");
    assert!(
        text.contains("title: \"Café talks: what's next?\""),
        "{text}"
    );
    f.build_ok(&["--drafts"]);
    assert!(
        f.path("site/articles/cafe-talks-what-s-next/index.html")
            .exists()
    );
    let again = f.run(&["new", "Café talks: what's next?"]);
    assert_eq!(again.code, 1, "refuses to overwrite");
}

/// The embedded theme's `components.html`, with `from` replaced by `to` (which must occur).
fn components_with(from: &str, to: &str) -> String {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let text = std::fs::read_to_string(repo.join("templates/components.html")).expect("read");
    assert!(text.contains(from), "{from:?} not in components.html");
    text.replace(from, to)
}

#[test]
fn every_page_shows_the_footer_of_the_site_footer_component_and_a_base_without_it_its_own() {
    // brief prints the footer once per build, with the `site_footer` component that
    // base.html defines, and every page pastes it.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::fs::read_to_string(repo.join("templates/base.html")).expect("read");
    let plain = Fixture::example();
    plain.build_ok(&[]);
    let custom = Fixture::example();
    let (from, to) = (
        "<p class=\"footer-feed\">",
        "<p class=\"footer-feed mine\">",
    );
    assert_eq!(base.matches(from).count(), 1);
    custom.write("templates/base.html", &base.replace(from, to));
    custom.build_ok(&[]);
    // A base.html of its own with the footer written in place, as before the component
    // (a theme copied from an older brief): no `site_footer`, and its footer shows.
    let start = base.find("{% component site_footer").expect("component");
    let end_tag = "{%- endcomponent site_footer -%}\n";
    let end = base.find(end_tag).expect("end") + end_tag.len();
    let footer = &base[base.find("<footer").expect("footer")..base.find("</footer>").expect("/")];
    let call = "{% if site.footer_html %}{{ site.footer_html }}{% else %}{{ <site_footer site={site} /> }}{% endif %}";
    assert!(base.contains(call));
    let inline = format!("{}{}", &base[..start], &base[end..]).replace(
        call,
        &format!(
            "{}</footer>",
            footer.replace(from, "<p class=\"footer-feed old\">")
        ),
    );
    assert!(!inline.contains("site_footer"));
    let older = Fixture::example();
    older.write("templates/base.html", &inline);
    older.build_ok(&[]);
    let (plain, custom, older) = (plain.tree("site"), custom.tree("site"), older.tree("site"));
    let mut pages = 0;
    for (path, bytes) in &plain {
        if !path.ends_with(".html") {
            continue;
        }
        pages += 1;
        let text = String::from_utf8_lossy(bytes);
        assert_eq!(text.matches(from).count(), 1, "{path}");
        assert_eq!(
            text.replace(from, to),
            String::from_utf8_lossy(&custom[path]),
            "{path}"
        );
        let old = text.replace(from, "<p class=\"footer-feed old\">");
        assert_eq!(old, String::from_utf8_lossy(&older[path]), "{path}");
    }
    assert!(pages > 40, "{pages} pages");
}

#[test]
fn the_header_and_footer_printed_once_are_what_base_html_prints_calling_their_components() {
    // brief prints `site_header` once per section and kind of page, and `site_footer`
    // once, with the values base.html would give them; base.html calling the components
    // on every page must make the same site, byte for byte.
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let base = std::fs::read_to_string(repo.join("templates/base.html")).expect("read");
    let mut direct = base.clone();
    for value in ["page.header_html", "site.footer_html"] {
        let start = direct.find(&format!("{{% if {value} %}}")).expect(value);
        let call_start = start + direct[start..].find("{% else %}").expect("else") + 10;
        let call_end = call_start + direct[call_start..].find("{% endif %}").expect("endif");
        let call = direct[call_start..call_end].to_string();
        assert!(call.starts_with("{{ <site_"), "{call}");
        direct.replace_range(start..call_end + 11, &call);
    }
    assert!(!direct.contains("{% if page.header_html"), "{direct}");
    assert!(!direct.contains("{% if site.footer_html"), "{direct}");
    let plain = Fixture::example();
    plain.build_ok(&[]);
    let called = Fixture::example();
    called.write("templates/base.html", &direct);
    called.build_ok(&[]);
    let (plain, called) = (plain.tree("site"), called.tree("site"));
    assert_eq!(plain, called);
    // Each kind of page shows its section as current, the section's own page as the page.
    let table = [
        ("index.html", "Briefing", "page"),
        (
            "articles/baghdad-airport-strike/index.html",
            "Briefing",
            "true",
        ),
        ("timeline/index.html", "Timeline", "page"),
        ("sources/index.html", "Sources", "page"),
        ("sources/ap-esper/index.html", "Sources", "true"),
        ("tags/index.html", "Topics", "page"),
        ("404.html", "", ""),
    ];
    for (path, link, current) in table {
        let doc = scraper::Html::parse_document(&String::from_utf8_lossy(&plain[path]));
        let marked: Vec<(String, String)> = doc
            .select(&common::sel(".site-nav a[aria-current]"))
            .map(|a| {
                let text = a.text().collect::<String>();
                let value = a.value().attr("aria-current").unwrap_or_default();
                (text, value.to_string())
            })
            .collect();
        let expected = [(link.to_string(), current.to_string())];
        assert_eq!(marked, &expected[..usize::from(!link.is_empty())], "{path}");
    }
}

/// Class changes made to the components whose output is kept once per build, and
/// nowhere else in the theme.
const OVERRIDDEN: [(&str, &str); 5] = [
    ("<li class=\"event\">", "<li class=\"event mine\">"),
    (
        "<li class=\"article-item\">",
        "<li class=\"article-item mine\">",
    ),
    ("<li class=\"claim claim-", "<li class=\"mine claim claim-"),
    ("<span class=\"kind\">", "<span class=\"kind mine\">"),
    (
        "<span class=\"badge badge-",
        "<span class=\"mine badge badge-",
    ),
];

#[test]
fn fragments_printed_once_per_build_follow_the_site_components() {
    // Events and claims on source and entity pages, articles on topic pages, source facts
    // in reference lists and the badges of the claims legend and of every claim are printed
    // once per build by the theme's own components, then pasted: an override of those
    // components must show there exactly as where the component is called directly.
    let plain = Fixture::example();
    plain.build_ok(&[]);
    let custom = Fixture::example();
    let mut components = components_with(OVERRIDDEN[0].0, OVERRIDDEN[0].1);
    for (from, to) in &OVERRIDDEN[1..] {
        assert!(components.contains(from), "{from}");
        components = components.replace(from, to);
    }
    custom.write("templates/components.html", &components);
    custom.build_ok(&[]);
    let before = plain.tree("site");
    let after = custom.tree("site");
    assert_eq!(
        before.keys().collect::<Vec<_>>(),
        after.keys().collect::<Vec<_>>()
    );
    let mut changed = Vec::new();
    for (path, bytes) in &before {
        let mut expected = String::from_utf8_lossy(bytes).into_owned();
        for (from, to) in OVERRIDDEN {
            expected = expected.replace(from, to);
        }
        assert_eq!(
            expected,
            String::from_utf8_lossy(&after[path]),
            "{path} differs from the plain build beyond the overridden classes"
        );
        if expected.as_bytes() != bytes.as_slice() {
            changed.push(path.as_str());
        }
    }
    for kind in ["sources/", "entities/", "articles/", "tags/"] {
        assert!(
            changed
                .iter()
                .any(|p| p.starts_with(kind) && p.len() > kind.len() + 11),
            "no {kind} page shows the overridden components: {changed:?}"
        );
    }
    let doc = common::page(&custom, "site/entities/soleimani/index.html");
    let items: Vec<_> = doc
        .select(&common::sel(".entity-timeline li.event"))
        .collect();
    assert!(!items.is_empty());
    assert!(
        items
            .iter()
            .all(|li| li.value().classes().any(|c| c == "mine"))
    );
    let doc = common::page(&custom, "site/articles/baghdad-airport-strike/index.html");
    for css in [".legend .badge", ".ref-facts .kind"] {
        let found: Vec<_> = doc.select(&common::sel(css)).collect();
        assert!(!found.is_empty(), "{css}");
        assert!(
            found
                .iter()
                .all(|e| e.value().classes().any(|c| c == "mine")),
            "{css}"
        );
    }
}

#[test]
fn a_failing_component_is_reported_on_the_page_that_lists_it() {
    let f = Fixture::example();
    f.build_ok(&[]);
    let before = f.tree("site");
    f.write(
        "templates/components.html",
        &components_with(
            "<span class=\"claim-body\">",
            "{% if not in_article %}{{ claim.nope.deeper }}{% endif %}<span class=\"claim-body\">",
        ),
    );
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let first = run.stderr.lines().next().unwrap_or_default();
    assert!(
        first.starts_with("templates/components.html:")
            && first.contains("error[TPL-RENDER]: Field `nope` is not defined")
            && (first.contains("(while rendering sources/")
                || first.contains("(while rendering entities/")),
        "{}",
        run.stderr
    );
    assert_eq!(f.tree("site"), before, "a failed build changes nothing");
}

#[test]
fn pages_longer_than_their_buffer_are_reported() {
    // 200 articles, each with three events about one entity and from one source, all on
    // one topic: the front page, the topic's, entity's and source's pages and the
    // timeline each list hundreds of items and run past the buffer a page starts with.
    // Their lists are far shorter than those that get a buffer of their size (the
    // timeline of 50k articles), so these pages are grown, and the report says which.
    let f = Fixture::new();
    f.write(
        "content/_entities.yaml",
        "- id: council\n  name: The Council\n  kind: organisation\n",
    );
    f.write(
        "content/_sources.yaml",
        "- id: minutes\n  title: Minutes of the council\n  kind: official\n  published: 2020-12-31\n",
    );
    for i in 0..200 {
        let events: String = (0..3)
            .map(|e| {
                format!(
                    "  - id: e{i}-{e}\n    date: 2020-{:02}-{:02}\n    title: Event {e} of article {i}, a meeting of the council about the budget\n    entities: [council]\n    sources: [minutes]\n",
                    1 + i % 12,
                    1 + e + 3 * (i % 9),
                )
            })
            .collect();
        f.write(
            &format!("content/a{i:03}.md"),
            &format!(
                "---\ntitle: Article {i} on the budget of the council\ndate: 2020-01-{:02}\nsummary: What the council said about the budget in its session number {i}.\ntags: [budget]\nentities: [council]\nevents:\n{events}---\nThe [[council]] met [@minutes].\n",
                1 + i % 28
            ),
        );
    }
    let options = brief::Options {
        root: f.root().to_path_buf(),
        ..brief::Options::default()
    };
    let (inputs, problems) = brief::load(f.root());
    assert!(problems.is_empty(), "{:?}", problems.first());
    let (prepared, problems) = brief::prepare(inputs, &options);
    assert!(problems.is_empty(), "{:?}", problems.first());
    let p = prepared.expect("prepared");
    let sizes = std::sync::Mutex::new(std::collections::BTreeMap::new());
    let report = brief::render::render_each(&p.site, &p.theme, &p.tera, false, None, &|out| {
        if let brief::render::Output::Fresh(page) = out {
            sizes.lock().unwrap().insert(page.path, page.bytes.len());
        }
    });
    assert!(report.problems.is_empty(), "{:?}", report.problems);
    let sizes = sizes.into_inner().unwrap();
    let long = [
        "index.html",
        "timeline/index.html",
        "tags/budget/index.html",
        "entities/council/index.html",
        "sources/minutes/index.html",
    ];
    for path in long {
        assert!(
            sizes[path] > brief::render::PAGE_CAPACITY,
            "{path} is {} bytes, within the buffer every page starts with: this shows nothing",
            sizes[path]
        );
    }
    let mut outgrown = report.outgrown.clone();
    outgrown.sort();
    let mut long = long.map(String::from).to_vec();
    long.sort();
    assert_eq!(outgrown, long);
    // Every other page fitted (the data files are made to measure).
    let short = sizes
        .keys()
        .filter(|path| path.ends_with(".html") && !long.contains(path));
    for path in short {
        assert!(
            sizes[path] <= brief::render::PAGE_CAPACITY,
            "{path}: {}",
            sizes[path]
        );
    }
}

/// The `<loc>` and `<lastmod>` of each `entry` element (`url` or `sitemap`) of a sitemap file.
fn sitemap_entries(xml: &str, entry: &str) -> Vec<(String, Option<String>)> {
    let doc = scraper::Html::parse_document(xml);
    doc.select(&common::sel(entry))
        .map(|e| {
            let lastmod = e.select(&common::sel("lastmod")).next().map(common::text);
            (common::text(common::child(e, "loc")), lastmod)
        })
        .collect()
}

#[test]
fn a_sitemap_with_more_urls_than_one_file_may_list_becomes_an_index_of_files() {
    let f = Fixture::example();
    let base = "https://example.org/briefings/";
    let options = |most: Option<usize>| brief::Options {
        root: f.root().to_path_buf(),
        sitemap_max_urls: most,
        ..brief::Options::default()
    };
    let built = |most| {
        let outcome = brief::build(&options(most), false);
        assert!(outcome.written.is_some(), "{:?}", outcome.diagnostics);
    };

    // Under the protocol's limit: one file lists every page.
    built(None);
    let whole = f.read("site/sitemap.xml");
    assert!(whole.contains("<urlset"), "{whole}");
    let urls = sitemap_entries(&whole, "url");
    assert!(urls.len() > 20, "{} URLs", urls.len());

    // Seven a file: sitemap.xml is an index of files that list the same URLs, in order.
    let most = 7;
    built(Some(most));
    let index = f.read("site/sitemap.xml");
    assert!(index.contains("<sitemapindex"), "{index}");
    assert!(!index.contains("<urlset"), "{index}");
    let files = sitemap_entries(&index, "sitemap");
    assert_eq!(files.len(), urls.len().div_ceil(most));
    let mut listed = Vec::new();
    for (n, (loc, lastmod)) in files.iter().enumerate() {
        assert_eq!(loc, &format!("{base}sitemap-{}.xml", n + 1));
        let file = f.read(&format!("site/{}", &loc[base.len()..]));
        assert!(file.contains("<urlset"), "{file}");
        let part = sitemap_entries(&file, "url");
        assert!(
            !part.is_empty() && part.len() <= most,
            "{loc}: {} URLs",
            part.len()
        );
        // A file's date is the latest of its pages' (the example's dates are all days).
        let dates: Vec<&String> = part.iter().filter_map(|(_, d)| d.as_ref()).collect();
        assert!(dates.iter().all(|d| d.len() == 10), "{dates:?}");
        assert_eq!(lastmod.as_ref(), dates.into_iter().max(), "{loc}");
        listed.extend(part);
    }
    assert_eq!(listed, urls);
    assert!(files.iter().any(|(_, lastmod)| lastmod.is_some()));

    // Every page's URL is listed once, and every file the index names exists.
    let problems = broken_links(&f.path("site"), "/briefings/");
    assert!(problems.is_empty(), "{problems:#?}");

    // Back under the limit, the files of the split sitemap are removed.
    built(None);
    assert_eq!(f.read("site/sitemap.xml"), whole);
    let left: Vec<String> = (f.tree("site").into_keys())
        .filter(|path| path.starts_with("sitemap-"))
        .collect();
    assert!(left.is_empty(), "{left:?}");

    // A static file in the place of one of them stops the build, which names it.
    f.write("static/sitemap-2.xml", "<urlset/>");
    let outcome = brief::build(&options(Some(most)), false);
    assert!(outcome.written.is_none());
    assert!(
        (outcome.diagnostics.iter())
            .any(|d| d.code == "PATH-COLLISION" && d.message.contains("sitemap-2.xml")),
        "{:?}",
        outcome.diagnostics
    );
    assert_eq!(
        f.read("site/sitemap.xml"),
        whole,
        "the failed build wrote nothing"
    );
}
