//! Incremental builds (`serve`, `watch`): after every kind of change, the output folder is
//! byte for byte what a fresh `brief build` writes, and only what changed was redone.

mod common;

use brief::Options;
use brief::incremental::{Finished, Rebuilt, Session};
use common::{Fixture, article, tree};

/// A fixture with a session that builds into `site/` as `serve` does (files left by an edit
/// of one article are written once the build has returned), and a check against a fresh
/// full build.
struct Editing {
    f: Fixture,
    session: Session,
    /// [`Options::sitemap_max_urls`] of every build.
    sitemap_max_urls: Option<usize>,
}

impl Editing {
    fn new() -> Editing {
        Editing::with_sitemap_max_urls(None)
    }

    fn with_sitemap_max_urls(sitemap_max_urls: Option<usize>) -> Editing {
        let mut e = Editing {
            f: Fixture::example(),
            session: Session::deferring_writes(),
            sitemap_max_urls,
        };
        let first = e.rebuild();
        assert_eq!(first.reused, 0, "nothing to reuse at first");
        e
    }

    fn options(&self) -> Options {
        Options {
            root: self.f.root().to_path_buf(),
            sitemap_max_urls: self.sitemap_max_urls,
            ..Options::default()
        }
    }

    /// An incremental build, which must succeed and leave `site/` equal to a full build.
    fn rebuild(&mut self) -> Rebuilt {
        self.rebuild_after(&[])
    }

    /// [`Editing::rebuild`] as the watcher does it, told which paths changed (none: walk).
    fn rebuild_after(&mut self, changed: &[&str]) -> Rebuilt {
        let result = if changed.is_empty() {
            self.session.build(&self.options(), false)
        } else {
            let changed = changed.iter().map(|p| p.to_string()).collect();
            self.session.build_after(&self.options(), false, &changed)
        };
        let mut rebuilt = match result {
            Ok(r) => r,
            Err(d) => panic!(
                "incremental build failed: {}",
                d.iter().map(|d| d.render()).collect::<Vec<_>>().join("\n")
            ),
        };
        // As `serve` does once the reload is sent; no file was touched by hand here.
        let finished = self.session.finish_output(&self.options()).expect("finish");
        assert_eq!(finished.restored, 0, "nothing to restore");
        assert!(
            finished.written == 0 || (!rebuilt.assembled && !rebuilt.in_place),
            "only an edit of what pages print of one article leaves files to write"
        );
        rebuilt.written.written += finished.written;
        let full = tempfile::tempdir().expect("temp");
        let options = Options {
            output: Some(full.path().join("site")),
            ..self.options()
        };
        let outcome = brief::build(&options, false);
        assert!(outcome.written.is_some(), "{:?}", outcome.diagnostics);
        let (incremental, fresh) = (self.f.tree("site"), tree(&full.path().join("site")));
        let differing: Vec<&String> = fresh
            .keys()
            .chain(incremental.keys())
            .filter(|k| fresh.get(*k) != incremental.get(*k))
            .collect();
        assert!(
            differing.is_empty(),
            "site/ differs from a full build in {differing:?}"
        );
        let served: std::collections::BTreeMap<String, Vec<u8>> = rebuilt
            .files
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_vec()))
            .collect();
        let mut on_disk = incremental;
        on_disk.remove(brief::output::MANIFEST);
        assert!(served == on_disk, "the files served are the files written");
        rebuilt
    }

    fn edit(&self, rel: &str, from: &str, to: &str) {
        let text = self.f.read(rel);
        assert!(text.contains(from), "{rel} contains {from:?}");
        self.f.write(rel, &text.replacen(from, to, 1));
    }
}

/// The text of the built-in theme's template `name`.
fn built_in_template(name: &str) -> String {
    let repo = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(repo.join("templates").join(name)).expect("built-in template")
}

fn pages(rebuilt: &Rebuilt) -> usize {
    rebuilt
        .files
        .keys()
        .filter(|p| p.ends_with(".html") || p.ends_with(".xml") || p.ends_with(".json"))
        .count()
}

#[test]
fn a_body_edit_renders_only_the_pages_that_show_the_body() {
    let mut e = Editing::new();
    let unchanged = e.rebuild();
    assert_eq!(unchanged.rendered, 0, "no change, nothing rendered");
    assert_eq!(unchanged.written.written, 0);

    e.edit(
        "content/soleimani-profile.md",
        "\n\n",
        "\n\nA sentence added while editing.\n\n",
    );
    let rebuilt = e.rebuild();
    // Applied in place: the article itself, and the feed that carries its body.
    assert!(rebuilt.in_place);
    assert_eq!(rebuilt.rendered, 2, "of {}", pages(&rebuilt));
    assert!(rebuilt.written.written <= 2, "{:?}", rebuilt.written);

    // A body that now cites another source changes its source list and that source's
    // page: a full incremental build.
    e.edit(
        "content/soleimani-profile.md",
        "A sentence added while editing.",
        "A sentence added while editing [@pmf-official].",
    );
    let cited = e.rebuild();
    assert!(!cited.in_place);
    assert!(cited.rendered > 2);
}

#[test]
fn edits_reported_by_the_watcher_read_only_those_files() {
    let mut e = Editing::new();
    let profile = "content/soleimani-profile.md";
    let protests = "content/iraq-protests.md";
    e.edit(profile, "\n\n", "\n\nA first sentence added.\n\n");
    assert!(e.rebuild_after(&[profile]).in_place);
    // Another file next: the first one's new version is part of the site in memory.
    e.edit(protests, "\n\n", "\n\nA second sentence added.\n\n");
    assert!(e.rebuild_after(&[protests]).in_place);
    e.edit(
        profile,
        "A first sentence added.",
        "A first sentence, edited.",
    );
    assert!(e.rebuild_after(&[profile]).in_place);

    // A new file is not one of the last build's: the build walks and finds it.
    e.f.write(
        "content/added.md",
        &article("Added", "2020-01-05", "Body of the added article."),
    );
    let added = e.rebuild_after(&["content/added.md"]);
    assert!(added.files.contains_key("articles/added/index.html"));
    // A front-matter edit is reported like any other, and is not applied in place.
    e.edit(
        protests,
        "title: Iraq's protest movement",
        "title: Iraq's protests",
    );
    let retitled = e.rebuild_after(&[protests]);
    assert!(!retitled.in_place && retitled.rendered > 2);
    // A template is not an article: a full incremental build.
    e.f.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<p>Gone.</p>{% endblock main %}",
    );
    let template = e.rebuild_after(&["templates/404.html"]);
    assert_eq!(template.rendered, pages(&template));
}

#[test]
fn a_body_edit_is_not_applied_in_place_over_a_broken_file() {
    let mut e = Editing::new();
    let before = e.f.tree("site");
    e.edit("content/iraq-protests.md", "title: Iraq", "title: [Iraq");
    assert!(e.session.build(&e.options(), false).is_err());
    // Another article's prose changes; the broken file still breaks the build.
    e.edit(
        "content/soleimani-profile.md",
        "\n\n",
        "\n\nA sentence added while editing.\n\n",
    );
    assert!(e.session.build(&e.options(), false).is_err());
    assert_eq!(before, e.f.tree("site"), "site/ untouched");
    e.edit("content/iraq-protests.md", "title: [Iraq", "title: Iraq");
    e.rebuild();
}

#[test]
fn title_source_entity_and_event_edits_match_a_full_build() {
    let mut e = Editing::new();
    e.edit(
        "content/iraq-protests.md",
        "title: Iraq's protest movement",
        "title: Iraq's protests",
    );
    let retitled = e.rebuild();
    assert!(retitled.rendered > 2 && retitled.rendered < pages(&retitled));

    e.edit(
        "content/_sources.yaml",
        "title: US kills top Iranian military commander",
        "title: US kills Iran's top military commander",
    );
    e.rebuild();
    let entities = e.f.read("content/_entities.yaml");
    let role = entities
        .lines()
        .find(|l| l.trim_start().starts_with("role:"))
        .expect("a role");
    e.edit("content/_entities.yaml", role, "  role: A role edited");
    e.rebuild();
    e.edit(
        "content/baghdad-airport-strike.md",
        "date: 2020-01-03",
        "date: 2020-01-04",
    );
    e.rebuild();
}

/// Every field of an article's front matter and of the registries that some page shows, one
/// edit at a time, as `serve` rebuilds after each: each rebuild must equal a full build.
/// Many of these change pages other than the edited article's own: the articles that report
/// the same event, list the same entity (its article count) or the same source. An article
/// page is rendered again only when what it is made from changed (`article_page_key` in
/// `src/render/mod.rs`): a dependency it missed would leave a page behind here.
#[test]
fn every_field_edited_alone_matches_a_full_build() {
    const STRIKE: &str = "content/baghdad-airport-strike.md";
    const ESCALATION: &str = "content/december-escalation.md";
    const PROTESTS: &str = "content/iraq-protests.md";
    const SOURCES: &str = "content/_sources.yaml";
    const ENTITIES: &str = "content/_entities.yaml";
    // (what is edited, file, from, to)
    let edits: &[(&str, &str, &str, &str)] = &[
        (
            "article title",
            STRIKE,
            "title: US strike kills Quds Force commander at Baghdad airport",
            "title: US strike kills the Quds Force commander",
        ),
        (
            "article summary",
            STRIKE,
            "summary: A US airstrike",
            "summary: An airstrike",
        ),
        (
            "article date",
            STRIKE,
            "date: 2020-01-03\nsummary:",
            "date: 2020-01-02\nsummary:",
        ),
        (
            "updated",
            STRIKE,
            "draft: false",
            "updated: 2020-01-04\ndraft: false",
        ),
        (
            "a tag added",
            STRIKE,
            "tags: [iran, iraq, united-states, quds-force]",
            "tags: [iran, iraq, united-states, quds-force, airstrikes]",
        ),
        (
            "an entity unlisted (its count falls)",
            STRIKE,
            "pmf, trump, pentagon",
            "pmf, pentagon",
        ),
        (
            "claim text",
            STRIKE,
            "text: The strike was ordered by President Donald Trump.",
            "text: President Donald Trump ordered the strike.",
        ),
        (
            "claim text naming another entity",
            STRIKE,
            "text: President Donald Trump ordered the strike.",
            "text: The Pentagon said the strike was ordered from Washington.",
        ),
        (
            "claim status",
            STRIKE,
            "status: claimed",
            "status: disputed",
        ),
        (
            "claim sources",
            STRIKE,
            "    sources: [pmf-official]",
            "    sources: [pmf-official, guardian]",
        ),
        (
            "an update",
            STRIKE,
            "    note: First published.",
            "    note: First published.\n  - date: 2020-01-04\n    note: Sources added.",
        ),
        (
            "slug",
            STRIKE,
            "slug: baghdad-airport-strike",
            "slug: airport-strike",
        ),
        (
            "event title",
            ESCALATION,
            "title: An American contractor is killed in Iraq",
            "title: A US contractor is killed in Iraq",
        ),
        (
            "event date",
            ESCALATION,
            "date: 2019-12-27\n    title: A US",
            "date: 2019-12-26\n    title: A US",
        ),
        (
            "event entities",
            ESCALATION,
            "entities: [iraq, united-states]\n  - id: us-strikes",
            "entities: [iraq, united-states, kuwait]\n  - id: us-strikes",
        ),
        (
            "a source added to an event that three articles report",
            ESCALATION,
            "sources: [news-report]\n    entities: [us-embassy-baghdad]\n  - id: paratroopers",
            "sources: [news-report, guardian]\n    entities: [us-embassy-baghdad]\n  - id: paratroopers",
        ),
        (
            "a source of the article's own",
            PROTESTS,
            "sources: []",
            "sources:\n  - id: protest-leaflet\n    title: A leaflet handed out at the protests\n    publisher: Protest organisers\n    kind: document\n    published: 2019-11-01",
        ),
        (
            "a body citation of the article's own source (it had none: a warning)",
            PROTESTS,
            "Thousands of Iraqis have been demonstrating",
            "Thousands of Iraqis have been demonstrating [@protest-leaflet]",
        ),
        (
            "title of an article defining a source of its own",
            PROTESTS,
            "title: Iraq's protest movement and the US–Iran rift",
            "title: Iraq's protests and the US–Iran rift",
        ),
        (
            "an entity of the article's own",
            PROTESTS,
            "entities: [iraq, kataib-hezbollah,",
            "entities: [{id: protesters, name: Protesters, kind: other}, iraq, kataib-hezbollah,",
        ),
        (
            "summary of an article defining a source and an entity of its own",
            PROTESTS,
            "summary: The strike came",
            "summary: The airstrike came",
        ),
        (
            "title of the article's own source",
            PROTESTS,
            "title: A leaflet handed out at the protests",
            "title: A leaflet given out at the protests",
        ),
        (
            "name of the article's own entity",
            PROTESTS,
            "name: Protesters, kind",
            "name: The protesters, kind",
        ),
        (
            "a body mention of another entity",
            PROTESTS,
            "did not land in a calm country.",
            "did not land in a calm country, nor one at peace with [[kuwait]].",
        ),
        (
            "a body citation of another source",
            PROTESTS,
            "did not land in a calm country",
            "did not land in a calm country [@guardian]",
        ),
        (
            "source title",
            SOURCES,
            "title: Statements by Iraqi officials on who was killed in the strike",
            "title: What Iraqi officials said about who was killed",
        ),
        (
            "source publisher",
            SOURCES,
            "publisher: Iraqi officials (unnamed)",
            "publisher: Unnamed Iraqi officials",
        ),
        (
            "source kind",
            SOURCES,
            "publisher: AP\n  kind: wire",
            "publisher: AP\n  kind: press",
        ),
        (
            "source published",
            SOURCES,
            "publisher: AP\n",
            "publisher: AP\n  published: 2020-01-02\n",
        ),
        (
            "source url",
            SOURCES,
            "publisher: AP\n",
            "publisher: AP\n  url: https://example.org/ap-esper\n",
        ),
        (
            "source via removed",
            SOURCES,
            "  publisher: The Guardian\n  kind: press\n  via: news-report",
            "  publisher: The Guardian\n  kind: press",
        ),
        (
            "entity name",
            ENTITIES,
            "name: Abu Mahdi al-Muhandis",
            "name: Abu Mahdi al Muhandis",
        ),
        (
            "name of an entity that events list",
            ENTITIES,
            "name: US embassy in Baghdad",
            "name: United States embassy in Baghdad",
        ),
        (
            "entity kind",
            ENTITIES,
            "name: Donald Trump\n  kind: person",
            "name: Donald Trump\n  kind: other",
        ),
        (
            "entity role",
            ENTITIES,
            "role: Head of Iran's Quds Force",
            "role: Commander of Iran's Quds Force",
        ),
        (
            "entity description",
            ENTITIES,
            "description: Iranian major general",
            "description: An Iranian major general",
        ),
    ];
    // Edits of what only pages print of one article are applied to the last build's site;
    // the others assemble it anew (`assembles_alike` in `src/model.rs`). A claim's text is
    // printed on the pages of the entities it names, so a text naming other entities is not
    // applied.
    let applied_to_last_site = [
        "article title",
        "article summary",
        "updated",
        "claim text",
        "claim status",
        "an update",
        "title of an article defining a source of its own",
        "summary of an article defining a source and an entity of its own",
    ];
    let mut e = Editing::new();
    for &(what, rel, from, to) in edits {
        let before = e.f.tree("site");
        e.edit(rel, from, to);
        // Articles as the watcher reports them (only that file read); registries by a walk.
        let rebuilt = if rel.ends_with(".md") {
            e.rebuild_after(&[rel])
        } else {
            e.rebuild()
        };
        assert!(
            before != e.f.tree("site"),
            "{what}: the edit changes the site"
        );
        assert_eq!(
            rebuilt.assembled,
            !applied_to_last_site.contains(&what),
            "{what}: assembled again"
        );
        assert!(!rebuilt.in_place, "{what}: not a body edit");
    }
}

/// Edits of what pages print of different articles, one after another, each applied to the
/// last build's site: each build reuses what the one before made for the other articles
/// (`render::Items`), and still matches a full build. The escalation reports events that
/// the other articles report too; with a theme that lists, under each event of an article,
/// the articles that report it, their pages show its new title.
#[test]
fn edits_of_one_article_after_another_match_a_full_build() {
    const ESCALATION: &str = "content/december-escalation.md";
    const PROTESTS: &str = "content/iraq-protests.md";
    // An article that shares no event with the others: their edits do not show on its page.
    const QUIET: &str = "content/quiet.md";
    let mut e = Editing::new();
    e.f.write(
        QUIET,
        &article("A quiet article", "2020-01-05", "Its body."),
    );
    let components = include_str!("../templates/components.html");
    let everywhere = "{%- if event.articles %}";
    let components = components.replacen("{%- if timeline and event.articles %}", everywhere, 1);
    assert!(
        components.contains(everywhere),
        "the theme lists an event's articles"
    );
    e.f.write("templates/components.html", &components);
    assert!(e.rebuild().assembled);
    let retitle = |e: &mut Editing, rel: &str, from: &str, to: &str| {
        e.edit(rel, from, to);
        let rebuilt = e.rebuild_after(&[rel]);
        assert!(!rebuilt.assembled && !rebuilt.in_place, "{rel}: {to}");
        rebuilt
    };
    let escalation = retitle(
        &mut e,
        ESCALATION,
        "title: \"From a contractor's death",
        "title: \"From one death",
    );
    // The pages that list the escalation's events, its sources' and entities' pages, the
    // indexes and the timeline: far from all of the site.
    assert!(escalation.rendered < pages(&escalation), "{escalation:?}");
    let protests = |e: &mut Editing, to: &str| {
        let from = e.f.read(PROTESTS);
        let from = from
            .lines()
            .find(|l| l.starts_with("title:"))
            .expect("a title");
        let from = from.to_string();
        retitle(e, PROTESTS, &from, to)
    };
    let first = protests(&mut e, "title: The protests in Iraq");
    // Text typed into another article in between (in place) changes that article's page
    // alone: the next edit of the protests renders the same pages as the first did.
    e.edit(QUIET, "Its body.", "Its body, edited.");
    assert!(e.rebuild_after(&[QUIET]).in_place);
    let second = protests(&mut e, "title: Iraq's protests");
    assert_eq!(second.rendered, first.rendered);
    retitle(
        &mut e,
        ESCALATION,
        "title: \"From one death",
        "title: \"From a contractor's death",
    );
}

/// An unchanged registry file is not parsed again by the next build of a session, yet every
/// build reports its warnings and sees what changed in it.
#[test]
fn an_unchanged_registry_keeps_its_warnings_and_a_changed_one_is_read_again() {
    let mut e = Editing::new();
    let sources = e.f.read("content/_sources.yaml");
    let unused = "- id: unused\n  title: Never cited\n  kind: press\n  published: 2020-01-01\n";
    e.f.write("content/_sources.yaml", &format!("{sources}\n{unused}"));
    let line = sources.lines().count() + 2;
    let expected = format!("content/_sources.yaml:{line}:3: warning[SOURCE-UNUSED]");
    let warned = |rebuilt: &Rebuilt| {
        rebuilt
            .diagnostics
            .iter()
            .filter(|d| d.render().starts_with(&expected))
            .count()
    };
    let first = e.rebuild();
    assert_eq!(warned(&first), 1, "{:?}", first.diagnostics);

    // An edit elsewhere, that is not applied in place: the registry, unchanged, still warns.
    e.edit(
        "content/iraq-protests.md",
        "title: Iraq's protest movement",
        "title: Iraq's protests",
    );
    let retitled = e.rebuild();
    assert!(!retitled.in_place);
    assert_eq!(warned(&retitled), 1, "{:?}", retitled.diagnostics);

    // The registry changed: its new text is what the site shows (`rebuild` compares the
    // whole site with a full build's) and the warning is gone.
    e.edit("content/_sources.yaml", unused, "");
    let edited = e.rebuild();
    assert_eq!(warned(&edited), 0, "{:?}", edited.diagnostics);
    assert!(edited.diagnostics.is_empty(), "{:?}", edited.diagnostics);
}

#[test]
fn new_and_deleted_articles_match_a_full_build() {
    let mut e = Editing::new();
    e.f.write(
        "content/new/added.md",
        &article(
            "An added article",
            "2020-01-05",
            "Body of the added article.",
        ),
    );
    let added = e.rebuild();
    assert!(added.files.contains_key("articles/added/index.html"));
    std::fs::remove_file(e.f.path("content/new/added.md")).expect("rm");
    let removed = e.rebuild();
    assert!(!removed.files.contains_key("articles/added/index.html"));
    assert!(!e.f.path("site/articles/added").exists());
    assert_eq!(removed.written.removed, 1);
}

/// The files of a split sitemap (`sitemap-N.xml`) in `site/`.
fn sitemap_files(e: &Editing) -> usize {
    (e.f.tree("site").into_keys())
        .filter(|path| path.starts_with("sitemap-"))
        .count()
}

#[test]
fn a_sitemap_split_into_files_follows_every_edit() {
    // A limit of exactly the example's pages: one more page splits the sitemap in two.
    let pages = Editing::new()
        .f
        .read("site/sitemap.xml")
        .matches("<url>")
        .count();
    let mut e = Editing::with_sitemap_max_urls(Some(pages));
    assert_eq!(sitemap_files(&e), 0);
    let added = "content/new/added.md";
    e.f.write(
        added,
        &article("An added article", "2020-01-05", "Its body."),
    );
    e.rebuild();
    assert_eq!(sitemap_files(&e), 2);
    assert!(e.f.read("site/sitemap.xml").contains("<sitemapindex"));

    // An article's date is its page's `lastmod`, and the latest of its file's.
    e.edit(added, "date: 2020-01-05", "date: 2020-02-05");
    let dated = e.rebuild();
    assert!(dated.files.keys().any(|path| path.starts_with("sitemap-")));
    assert!(
        e.f.read("site/sitemap.xml")
            .contains("<lastmod>2020-02-05</lastmod>")
    );
    // A body edit leaves every sitemap file as it was.
    e.edit(added, "Its body.", "Its body, edited.");
    let edited = e.rebuild();
    assert!(edited.in_place, "an edit of a body is applied in place");
    assert_eq!(sitemap_files(&e), 2);

    std::fs::remove_file(e.f.path(added)).expect("rm");
    let removed = e.rebuild();
    assert_eq!(sitemap_files(&e), 0);
    assert_eq!(
        removed.written.removed, 3,
        "the article's page and the two files"
    );
}

/// The next build of a session writes again the files deleted or cut short in `site/`
/// since the last one, though their values did not change: they are checked on disk for
/// presence and size, not trusted.
#[test]
fn pages_deleted_or_cut_short_on_disk_are_written_again() {
    let mut e = Editing::new();
    std::fs::remove_file(e.f.path("site/404.html")).expect("rm");
    e.f.write("site/sources/index.html", "cut short");
    let rebuilt = e.rebuild();
    assert_eq!(rebuilt.rendered, 0, "no values changed");
    assert_eq!(rebuilt.written.written, 2, "{:?}", rebuilt.written);
    assert!(e.f.read("site/404.html").contains("</html>"));
}

/// An edit of one article trusts the output folder for the files it does not change (as
/// `serve` must answer fast); `finish_output`, called once the reload is sent, then
/// writes again those deleted or cut short by hand, and only after such an edit. A
/// session that does not defer its writes (the library's default) has written the
/// files the edit changed before the build returns.
#[test]
fn after_an_edit_of_one_article_files_deleted_by_hand_are_restored_afterwards() {
    let mut e = Editing::new();
    e.session = Session::default();
    e.rebuild();
    let options = e.options();
    for (rel, from, to) in [
        ("content/iraq-protests.md", "title: Iraq", "title: Iraq:"),
        (
            "content/iraq-protests.md",
            "\n## ",
            "\nA new sentence.\n\n## ",
        ),
    ] {
        std::fs::remove_file(e.f.path("site/404.html")).expect("rm");
        e.f.write("site/sources/index.html", "cut short");
        e.edit(rel, from, to);
        let changed = [rel.to_string()].into_iter().collect();
        let rebuilt = (e.session.build_after(&options, false, &changed)).expect("rebuild");
        assert!(
            !rebuilt.assembled,
            "{rel}: {from:?} → {to:?} skips assembly"
        );
        assert!(rebuilt.written.written > 0, "written before returning");
        assert!(!e.f.path("site/404.html").exists(), "trusted, not checked");
        let finished = e.session.finish_output(&options).expect("finish");
        assert_eq!((finished.written, finished.restored), (0, 2));
        assert!(e.f.read("site/404.html").contains("</html>"));
        assert!(e.f.read("site/sources/index.html").contains("</html>"));
        let again = e.session.finish_output(&options).expect("finish");
        assert_eq!(again, Finished::default(), "checked once");
        e.rebuild();
    }
    // A build that assembles the site checks every file itself.
    std::fs::remove_file(e.f.path("site/404.html")).expect("rm");
    e.f.write(
        "content/new.md",
        &article("A new article", "2020-01-05", "Text."),
    );
    e.rebuild_after(&["content/new.md"]);
    assert!(e.f.read("site/404.html").contains("</html>"));
}

/// In a session that defers its writes (`serve`), an edit of one title returns the new
/// site while the output folder still holds the old one; `finish_output` writes it. When
/// that fails, the folder is as it was, and the next build writes those files first.
#[test]
fn deferred_writes_reach_the_output_folder_when_finished_or_at_the_next_build() {
    let mut e = Editing::new();
    let options = e.options();
    let rel = "content/iraq-protests.md";
    let changed = [rel.to_string()].into_iter().collect();
    let page = "site/articles/iraq-protests/index.html";
    let timeline = "site/timeline/index.html";

    e.edit(rel, "title: Iraq", "title: Deferred Iraq");
    let before = e.f.tree("site");
    let rebuilt = (e.session.build_after(&options, false, &changed)).expect("rebuild");
    assert!(!rebuilt.assembled && !rebuilt.in_place);
    assert_eq!(rebuilt.written.written, 0, "nothing written yet");
    assert!(before == e.f.tree("site"), "site/ as it was");
    let served = String::from_utf8(rebuilt.files["articles/iraq-protests/index.html"].to_vec());
    assert!(served.expect("utf-8").contains("Deferred Iraq"));
    let finished = e.session.finish_output(&options).expect("finish");
    let after = e.f.tree("site");
    let differing = after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(v))
        .count();
    assert_eq!((finished.written, finished.restored), (differing, 0));
    assert!(differing > 2, "the page, the lists and the timeline");
    assert!(e.f.read(page).contains("Deferred Iraq"));
    e.rebuild();

    // A file where the timeline's folder was: the write fails, and nothing is left behind.
    // (The new title is as long as the old: a check of sizes would not see the page stale.)
    e.edit(rel, "title: Deferred Iraq", "title: Obstacle Iraq");
    (e.session.build_after(&options, false, &changed)).expect("rebuild");
    std::fs::remove_dir_all(e.f.path("site/timeline")).expect("rm");
    e.f.write("site/timeline", "in the way");
    let before = e.f.tree("site");
    let error = e.session.finish_output(&options).expect_err("blocked");
    assert_eq!(error.code, "FS-WRITE", "{}", error.render());
    assert!(error.path.ends_with("site/timeline"), "{}", error.render());
    assert!(
        error.message.contains("a file is in the way"),
        "{}",
        error.render()
    );
    assert!(
        before == e.f.tree("site"),
        "site/ as it was, no file left beside"
    );
    assert!(!e.f.read(page).contains("Obstacle Iraq"));

    // Still in the way: the next build fails the same way before doing anything else.
    let errors = e.session.build(&options, false).expect_err("still blocked");
    assert!(errors.iter().any(|d| d.code == "FS-WRITE"), "{errors:?}");
    std::fs::remove_file(e.f.path("site/timeline")).expect("rm");
    let next = e.rebuild();
    assert_eq!(next.rendered, 0, "no values changed since");
    assert!(e.f.read(page).contains("Obstacle Iraq"));
    assert!(e.f.read(timeline).contains("Obstacle Iraq"));
}

/// After an edit of one article, a page that fails to render leaves `site/` as it was:
/// no file changed (though others rendered), none left beside.
#[test]
fn a_page_failing_after_an_edit_of_one_article_leaves_site_as_it_was() {
    let mut e = Editing::new();
    let article = include_str!("../templates/article.html");
    let failing = "{% if \"BROKEN\" in article.title %}{{ article.nope }}{% endif %}";
    let theme = article.replacen(
        "{% block main %}",
        &format!("{{% block main %}}{failing}"),
        1,
    );
    e.f.write("templates/article.html", &theme);
    e.rebuild();
    let before = e.f.tree("site");
    let rel = "content/iraq-protests.md";
    let changed = [rel.to_string()].into_iter().collect();
    e.edit(rel, "title: Iraq", "title: BROKEN Iraq");
    let errors =
        (e.session.build_after(&e.options(), false, &changed)).expect_err("the article page fails");
    assert!(errors.iter().any(|d| d.code == "TPL-RENDER"), "{errors:?}");
    assert!(
        before == e.f.tree("site"),
        "no file changed, none left beside"
    );
    e.edit(rel, "title: BROKEN Iraq", "title: Fixed Iraq");
    e.rebuild_after(&[rel]);
}

#[test]
fn template_static_and_config_edits_match_a_full_build() {
    let mut e = Editing::new();
    e.f.write("static/extra.css", "body { color: black }\n");
    let first = e.rebuild();
    e.f.write("static/extra.css", "body { color: navy }\n");
    let static_edit = e.rebuild();
    assert_eq!(static_edit.rendered, 0, "a static edit renders no page");
    assert_eq!(static_edit.written.written, 1, "and copies one file");

    e.f.write(
        "templates/404.html",
        "{% extends \"base.html\" %}{% block main %}<p>Lost.</p>{% endblock main %}",
    );
    let template_edit = e.rebuild();
    assert_eq!(
        template_edit.rendered,
        pages(&template_edit),
        "a template edit renders every page"
    );
    e.edit("brief.yaml", "title:", "title: Renamed —");
    let config_edit = e.rebuild();
    assert_eq!(config_edit.rendered, pages(&config_edit));
    assert_eq!(first.files.len(), config_edit.files.len());
}

/// After a build that was not an edit of one article's front matter, and once, a session
/// makes room for the next versions of the timeline, `timeline.json` and the front page.
#[test]
fn room_for_the_large_pages_is_made_after_a_build_of_every_page() {
    let mut e = Editing::new();
    let room = |rebuilt: &Rebuilt| -> usize {
        ["timeline/index.html", "timeline.json", "index.html"]
            .iter()
            .map(|p| rebuilt.files[*p].len())
            .map(|n| n + n / 8 + brief::render::PAGE_CAPACITY)
            .sum()
    };
    let unchanged = e.rebuild();
    assert_eq!(e.session.make_room_for_edits(), room(&unchanged));
    assert_eq!(e.session.make_room_for_edits(), 0, "once per such build");

    let rel = "content/iraq-protests.md";
    e.edit(rel, "title: Iraq", "title: Roomy Iraq");
    let edit = e.rebuild_after(&[rel]);
    assert!(!edit.assembled && !edit.in_place, "an edit of front matter");
    assert_eq!(
        e.session.make_room_for_edits(),
        0,
        "it freed the last pages"
    );

    e.f.write("templates/404.html", "{% extends \"base.html\" %}");
    let every_page = e.rebuild();
    assert_eq!(every_page.rendered, pages(&every_page));
    assert_eq!(e.session.make_room_for_edits(), room(&every_page));
}

/// A session keeps the events, claims and summaries each build printed for the next build,
/// but not across a template edit: a changed component shows on every page that pastes
/// what it printed.
#[test]
fn a_component_edit_prints_the_kept_parts_again() {
    let mut e = Editing::new();
    e.f.write(
        "templates/components.html",
        &built_in_template("components.html"),
    );
    e.rebuild();
    let pasted = "site/sources/news-report/index.html";
    assert!(!e.f.read(pasted).contains("event-sources edited"));
    e.edit(
        "templates/components.html",
        "<p class=\"event-sources\">",
        "<p class=\"event-sources edited\">",
    );
    e.rebuild();
    assert!(e.f.read(pasted).contains("event-sources edited"));
}

#[test]
fn a_broken_edit_keeps_the_last_good_site_and_the_next_good_one_recovers() {
    let mut e = Editing::new();
    let before = e.f.tree("site");
    e.edit("content/iraq-protests.md", "title: Iraq", "title: [Iraq");
    let failed = e.session.build(&e.options(), false);
    let errors = failed.expect_err("broken front matter fails");
    assert!(errors.iter().any(|d| d.is_error()));
    assert_eq!(before, e.f.tree("site"), "site/ untouched");
    e.edit("content/iraq-protests.md", "title: [Iraq", "title: Iraq");
    let recovered = e.rebuild();
    assert_eq!(recovered.written.written, 0, "back to the last good site");
}

/// The built-in theme prints the articles that report an event on the timeline only, so an
/// edit of one article's title leaves the pages of the articles that share an event with it
/// as they were (`Shared::reporters_on_article_pages` in `src/render/mod.rs`). A theme whose
/// article pages print that list has those pages rendered again, with the new title. Both
/// builds match a full build.
#[test]
fn a_title_edit_renders_the_pages_sharing_its_events_only_when_they_print_their_reporters() {
    let retitle = |e: &mut Editing| {
        e.edit(
            "content/iraq-protests.md",
            "title: Iraq's protest movement",
            "title: Iraq's protests",
        );
        e.rebuild()
    };
    // The three other articles of the example each report an event it reports too.
    let sharing = [
        "site/articles/baghdad-airport-strike/index.html",
        "site/articles/december-escalation/index.html",
        "site/articles/soleimani-profile/index.html",
    ];

    let mut built_in = Editing::new();
    let before: Vec<String> = sharing.iter().map(|p| built_in.f.read(p)).collect();
    let quiet = retitle(&mut built_in).rendered;
    let after: Vec<String> = sharing.iter().map(|p| built_in.f.read(p)).collect();
    assert_eq!(
        before, after,
        "the built-in article pages do not show the title"
    );

    let mut printing = Editing::new();
    let components = built_in_template("components.html");
    // Written unchanged, the built-in components still count as built-in.
    printing.f.write("templates/components.html", &components);
    printing.rebuild();
    assert_eq!(retitle(&mut printing).rendered, quiet);

    let mut printing = Editing::new();
    let reporters = "{%- if timeline and event.articles %}";
    assert!(components.contains(reporters));
    let everywhere = components.replacen(reporters, "{%- if event.articles %}", 1);
    printing.f.write("templates/components.html", &everywhere);
    printing.rebuild();
    let loud = retitle(&mut printing).rendered;
    assert_eq!(loud, quiet + sharing.len());
    for page in sharing {
        assert!(
            printing.f.read(page).contains("Iraq&#39;s protests and"),
            "{page}"
        );
    }
}
