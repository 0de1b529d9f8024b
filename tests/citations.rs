//! Citations, sources and claims (issue #3): numbered citations with back-links (and a card
//! from the theme's script),
//! the source pages, the key-claims panel, and the integrity checks on all of them.

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Fixture, Run, article, broken_links, line_with, main_html, one, page, sel, text};
use scraper::{ElementRef, Html};

const SOURCES: &str = "\
- id: reuters-0103
  title: US strike kills Iranian commander
  publisher: Reuters
  kind: wire
  url: https://www.reuters.example/world/0103
  archive: https://archive.example/reuters-0103
  published: 2020-01-03
  accessed: 2020-01-04
- id: dod-statement
  title: Statement by the Department of Defense
  publisher: US Department of Defense
  kind: official
  published: 2020-01-02
- id: afp-0105
  title: Iraqi parliament votes on foreign troops
  publisher: AFP
  kind: wire
  url: https://www.afp.example/0105
  published: 2020-01-05
- id: kh-post
  title: Post on a Kataib Hezbollah channel
  publisher: Kataib Hezbollah
  kind: social
  url: https://t.example/kh/1
  published: 2019-12-30
";

const ENTITIES: &str = "\
- id: soleimani
  name: Qassem Soleimani
  kind: person
  role: Commander of the Quds Force
";

/// An article with a local source, claims, an event, citations in every form and a footnote.
const STRIKE: &str = "\
---
title: Strike at Baghdad airport
date: 2020-01-03
summary: A US strike killed a commander.
sources:
  - id: pentagon-brief
    title: Pentagon briefing transcript
    publisher: US Department of Defense
    kind: document
    url: https://www.defense.example/transcript
    published: 2020-01-03
claims:
  - id: ordered
    text: The strike was ordered by the President.
    status: confirmed
    sources: [dod-statement]
  - id: toll
    text: Seven people were killed.
    status: disputed
    sources: [reuters-0103, kh-post]
events:
  - date: 2020-01-03
    title: Strike at the airport
    sources: [dod-statement]
    entities: [soleimani]
    id: strike
---
The Pentagon said the strike was defensive [@dod-statement]. Reporters
counted the dead [@reuters-0103; @pentagon-brief], and the count was later
revised [@reuters-0103, para. 4]. [The President ordered it](claim:ordered),
the department said [@dod-statement].[^1] [[soleimani]] was among the dead.

[^1]: The statement came hours later [@pentagon-brief, p. 2].
";

/// A second article: its own numbering, and a source cited only by an event.
const CONTEXT: &str = "\
---
title: Parliament responds
date: 2020-01-05
events:
  - date: 2020-01-05
    title: Parliament votes
    sources: [afp-0105]
---
The parliament voted [@afp-0105] two days after the strike [@reuters-0103].
";

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.write("content/_sources.yaml", SOURCES);
    f.write("content/_entities.yaml", ENTITIES);
    f.write("content/strike.md", STRIKE);
    f.write("content/context.md", CONTEXT);
    f
}

fn all_ids(doc: &Html) -> BTreeSet<String> {
    doc.select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect()
}

#[test]
fn the_fixture_builds_without_any_warning() {
    let f = fixture();
    let run = f.run(&["check", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
}

#[test]
fn citations_are_numbered_by_first_use_per_article() {
    let f = fixture();
    f.build_ok(&[]);
    for (rel, bytes) in f.tree("site") {
        if rel.starts_with("articles/") {
            let text = String::from_utf8_lossy(&bytes);
            assert!(!text.contains("[@"), "literal citation left in {rel}");
        }
    }

    let doc = page(&f, "site/articles/strike/index.html");
    // Every citation that carries an id, in document order: (number, K).
    let uses: Vec<(String, String)> = doc
        .select(&sel(".article-body sup.cite a.cite-link[id]"))
        .map(|a| {
            let id = a.value().attr("id").expect("id").to_string();
            (text(a), id)
        })
        .collect();
    let want: Vec<(String, String)> = [
        ("1", "cite-1-1"),
        ("2", "cite-2-1"),
        ("3", "cite-3-1"),
        ("2", "cite-2-2"),
        ("1", "cite-1-2"),
        ("3", "cite-3-2"),
    ]
    .iter()
    .map(|(n, id)| ((*n).to_string(), (*id).to_string()))
    .collect();
    assert_eq!(uses, want);

    // The list: body citations in order of first use, then the source only a claim names.
    let refs: Vec<(String, String)> = doc
        .select(&sel("section#sources li[id^='ref-']"))
        .map(|li| {
            let title = one_in(li, ".ref-title");
            (li.value().attr("id").expect("id").to_string(), title)
        })
        .collect();
    assert_eq!(
        refs,
        vec![
            (
                "ref-1".to_string(),
                "Statement by the Department of Defense".to_string()
            ),
            (
                "ref-2".to_string(),
                "US strike kills Iranian commander".to_string()
            ),
            (
                "ref-3".to_string(),
                "Pentagon briefing transcript".to_string()
            ),
            (
                "ref-4".to_string(),
                "Post on a Kataib Hezbollah channel".to_string()
            ),
        ]
    );

    // Every citation (also the copy in the side note) names the source its number stands for.
    let titles: BTreeMap<String, String> = refs
        .iter()
        .map(|(id, t)| (id.trim_start_matches("ref-").to_string(), t.clone()))
        .collect();
    let mut seen = 0;
    for sup in doc.select(&sel(".article-body sup.cite")) {
        let a = sup
            .select(&sel("a.cite-link"))
            .next()
            .expect("the citation is a link");
        let n = text(a);
        assert_eq!(a.value().attr("href"), Some(format!("#ref-{n}").as_str()));
        assert!(titles.contains_key(&n), "citation {n} has a reference");
        // The number is all there is: the card is made by the script, from the reference.
        assert_eq!(sup.children().count(), 1, "{}", sup.html());
        assert_eq!(a.children().count(), 1, "{}", a.html());
        seen += 1;
    }
    assert_eq!(seen, 7, "six citations plus the side-note copy of one");

    // The second article numbers its own sources from 1.
    let doc = page(&f, "site/articles/context/index.html");
    let numbers: Vec<String> = doc
        .select(&sel(".article-body a.cite-link"))
        .map(text)
        .collect();
    assert_eq!(numbers, ["1", "2"]);
    let first = one(&doc, "li#ref-1 .ref-title");
    assert_eq!(text(first), "Iraqi parliament votes on foreign troops");
    let second = one(&doc, "li#ref-2 .ref-title");
    assert_eq!(text(second), "US strike kills Iranian commander");
}

fn one_in(el: ElementRef<'_>, css: &str) -> String {
    let found: Vec<ElementRef<'_>> = el.select(&sel(css)).collect();
    assert_eq!(found.len(), 1, "expected one {css} in {}", el.html());
    text(found[0])
}

#[test]
fn citation_links_and_back_links_resolve() {
    let f = fixture();
    f.build_ok(&[]);
    let problems = broken_links(&f.path("site"), "/briefings/");
    assert!(problems.is_empty(), "{problems:#?}");

    let doc = page(&f, "site/articles/strike/index.html");
    let ids = all_ids(&doc);
    let cite_links: Vec<&str> = doc
        .select(&sel("a.cite-link"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(!cite_links.is_empty());
    for href in &cite_links {
        let target = href.strip_prefix('#').expect("fragment link");
        assert!(target.starts_with("ref-"), "{href}");
        let li = one(&doc, &format!("section#sources li#{target}"));
        assert_eq!(li.value().name(), "li");
    }

    // Back-links: each reference links back to every place that cites it, and only there.
    let mut backlinks: BTreeMap<String, Vec<String>> = BTreeMap::new();
    for li in doc.select(&sel("section#sources li[id^='ref-']")) {
        let id = li.value().attr("id").expect("id").to_string();
        let hrefs = li
            .select(&sel(".backlinks a"))
            .filter_map(|a| a.value().attr("href"))
            .map(str::to_string)
            .collect();
        backlinks.insert(id, hrefs);
    }
    let expect = |list: &[&str]| list.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    assert_eq!(backlinks["ref-1"], expect(&["#cite-1-1", "#cite-1-2"]));
    assert_eq!(backlinks["ref-2"], expect(&["#cite-2-1", "#cite-2-2"]));
    assert_eq!(backlinks["ref-3"], expect(&["#cite-3-1", "#cite-3-2"]));
    assert!(
        backlinks["ref-4"].is_empty(),
        "a source named only by a claim has no place to go back to"
    );
    for hrefs in backlinks.values() {
        for href in hrefs {
            let id = &href[1..];
            assert!(ids.contains(id), "back-link {href} has no target");
            let target = one(&doc, &format!("#{id}"));
            assert_eq!(
                target
                    .value()
                    .attr("href")
                    .map(|h| h.trim_start_matches("#ref-")),
                id.strip_prefix("cite-")
                    .and_then(|rest| rest.split('-').next()),
                "back-link {href} lands on a citation of that same source"
            );
        }
    }
}

#[test]
fn the_reference_list_shows_every_known_fact() {
    let f = fixture();
    f.build_ok(&[]);
    let doc = page(&f, "site/articles/strike/index.html");

    let reuters = one(&doc, "section#sources li#ref-2");
    let title_link = reuters
        .select(&sel(".ref-title a"))
        .next()
        .expect("a source with a URL has its title linked");
    assert_eq!(
        title_link.value().attr("href"),
        Some("https://www.reuters.example/world/0103")
    );
    assert_eq!(one_in(reuters, ".publisher"), "Reuters");
    assert_eq!(one_in(reuters, ".kind"), "News agency");
    assert_eq!(one_in(reuters, ".published"), "Published 3 January 2020");
    let published = reuters
        .select(&sel(".published time"))
        .next()
        .expect("time");
    assert_eq!(published.value().attr("datetime"), Some("2020-01-03"));
    assert_eq!(one_in(reuters, ".accessed"), "Accessed 4 January 2020");
    let archive: Vec<&str> = reuters
        .select(&sel("a"))
        .filter(|a| text(*a) == "Archived copy")
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(archive, ["https://archive.example/reuters-0103"]);
    assert_eq!(one_in(reuters, ".ref-locators"), "Cited at: para. 4");
    let all: Vec<&str> = reuters
        .select(&sel("a"))
        .filter(|a| text(*a) == "All citations of this source")
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert_eq!(all, ["/briefings/sources/reuters-0103/"]);

    let pentagon = one(&doc, "section#sources li#ref-3");
    assert_eq!(one_in(pentagon, ".kind"), "Document");
    assert_eq!(one_in(pentagon, ".ref-locators"), "Cited at: p. 2");

    // Without a URL the title is plain text, and nothing invents an archive.
    let dod = one(&doc, "section#sources li#ref-1");
    assert_eq!(dod.select(&sel(".ref-title a")).count(), 0);
    assert_eq!(
        one_in(dod, ".ref-title"),
        "Statement by the Department of Defense"
    );
    assert_eq!(one_in(dod, ".publisher"), "US Department of Defense");
    assert_eq!(one_in(dod, ".kind"), "Official statement");
    assert_eq!(one_in(dod, ".published"), "Published 2 January 2020");
    assert!(!text(dod).contains("Archived"), "{}", dod.html());
    assert_eq!(dod.select(&sel(".ref-locators")).count(), 0);
}

#[test]
fn citations_are_plain_links_with_their_locator_and_no_card_markup() {
    let f = fixture();
    f.build_ok(&[]);
    let raw = f.read("site/articles/strike/index.html");
    let doc = Html::parse_document(&raw);
    let link = one(&doc, "#cite-1-1");
    assert_eq!(link.value().name(), "a");
    assert_eq!(
        link.value().attrs().collect::<BTreeMap<_, _>>(),
        BTreeMap::from([
            ("class", "cite-link"),
            ("href", "#ref-1"),
            ("id", "cite-1-1")
        ]),
        "no locator, no aria-describedby (the script sets it while a card is shown), no handlers"
    );
    assert_eq!(text(link), "1");

    // A locator rides on the link of that use only.
    let located = one(&doc, "#cite-2-2");
    assert_eq!(located.value().attr("href"), Some("#ref-2"));
    assert_eq!(located.value().attr("data-locator"), Some("para. 4"));
    assert_eq!(one(&doc, "#cite-2-1").value().attr("data-locator"), None);
    // Also the side-note copy of a footnote's citation, which has no id.
    let side = one(&doc, ".sidenote a.cite-link");
    assert_eq!(side.value().attr("id"), None);
    assert_eq!(side.value().attr("href"), Some("#ref-3"));
    assert_eq!(side.value().attr("data-locator"), Some("p. 2"));
    assert_eq!(
        one(&doc, "#cite-3-2").value().attr("data-locator"),
        Some("p. 2")
    );

    // No card, tooltip or hidden copy of the reference in the page itself.
    for absent in [
        "cite-card",
        "role=\"tooltip\"",
        "aria-describedby",
        "data-role",
    ] {
        assert!(!raw.contains(absent), "{absent} in the article page");
    }
    assert_eq!(doc.select(&sel(".article-body [hidden]")).count(), 0);

    // The mention shows the entity's role as a native tooltip.
    let mention = one(&doc, "a.mention");
    assert_eq!(
        mention.value().attr("title"),
        Some("Commander of the Quds Force")
    );
    assert_eq!(mention.value().attr("data-role"), None);

    // The only script is the theme's, external and deferred: the page works without it.
    let scripts: Vec<ElementRef<'_>> = doc.select(&sel("script")).collect();
    assert_eq!(scripts.len(), 1, "{scripts:?}");
    assert_eq!(scripts[0].value().attr("src"), Some("/briefings/brief.js"));
    assert!(scripts[0].value().attr("defer").is_some());
    assert!(text(scripts[0]).is_empty());
}

/// The card script reads the reference entry a citation links to; what it reads must be there.
#[test]
fn the_card_script_finds_what_it_reads_in_the_reference_list() {
    let f = fixture();
    f.build_ok(&[]);
    let js = f.read("site/brief.js");
    let doc = page(&f, "site/articles/strike/index.html");
    let reuters = one(&doc, "section#sources li#ref-2");
    for (selector, want) in [
        (".ref-title", "US strike kills Iranian commander"),
        (".publisher", "Reuters"),
        (".published time", "3 January 2020"),
    ] {
        assert!(
            js.contains(&format!("\"{selector}\"")),
            "brief.js reads {selector}"
        );
        assert_eq!(one_in(reuters, selector), want, "{selector}");
    }
    for name in ["cite-link", "data-locator", "aria-describedby", "tooltip"] {
        assert!(js.contains(name), "brief.js uses {name}");
    }
    // The stylesheet styles the card and leaves it out of print.
    let css = f.read("site/style.css");
    assert!(css.contains(".cite-card {"), "the card is styled");
    let print = &css[css.find("@media print").expect("print rules")..];
    assert!(print.contains(".cite-card,"), "the card is hidden in print");
    assert!(
        !css.contains(".cite:hover .cite-card") && !css.contains(".cite:focus-within .cite-card"),
        "no CSS-only card rules are left"
    );
}

#[test]
fn sources_resolve_article_local_and_from_the_registry() {
    let f = Fixture::new();
    f.write(
        "content/_sources.yaml",
        "- id: shared\n  title: Shared report\n  kind: press\n  published: 2020-01-01\n",
    );
    // A local source, a registry source, and an identical re-definition of the registry one.
    f.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-02\nsources:\n  - id: local\n    title: Local note\n    kind: document\n    published: 2020-01-02\n  - id: shared\n    title: Shared report\n    kind: press\n    published: 2020-01-01\n---\nFirst [@local], then [@shared].\n",
    );
    // Another article may cite the source defined in `a.md`: an id names one source site-wide.
    f.write(
        "content/b.md",
        &article("B", "2020-01-03", "Also [@shared] and [@local]."),
    );
    let run = f.build_ok(&["--strict"]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    let doc = page(&f, "site/articles/a/index.html");
    assert_eq!(text(one(&doc, "li#ref-1 .ref-title")), "Local note");
    assert_eq!(text(one(&doc, "li#ref-2 .ref-title")), "Shared report");
    let doc = page(&f, "site/articles/b/index.html");
    assert_eq!(text(one(&doc, "li#ref-1 .ref-title")), "Shared report");
    assert_eq!(text(one(&doc, "li#ref-2 .ref-title")), "Local note");
    let doc = page(&f, "site/sources/local/index.html");
    let articles: Vec<String> = doc
        .select(&sel(".cited-articles a"))
        .map(|a| a.value().attr("href").unwrap_or_default().to_string())
        .collect();
    assert_eq!(
        articles,
        ["/briefings/articles/b/", "/briefings/articles/a/"]
    );
}

#[test]
fn a_source_defined_twice_differently_names_both_places() {
    let f = Fixture::new();
    f.write(
        "content/_sources.yaml",
        "- id: other\n  title: Other\n  kind: press\n  published: 2020-01-01\n- id: shared\n  title: Shared report\n  kind: press\n  published: 2020-01-01\n",
    );
    f.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-02\nsources:\n  - id: shared\n    title: Shared report, corrected\n    kind: press\n    published: 2020-01-01\n---\n[@shared] [@other]\n",
    );
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!f.path("site").exists(), "nothing written");
    let line = line_with(&run, "error[ID-DUPLICATE]");
    assert!(line.starts_with("content/a.md:5:5: "), "{line}");
    assert!(line.contains("content/_sources.yaml:5:3"), "{line}");
    insta::assert_snapshot!("duplicate_source", run.stderr);

    // Two articles with the same local id and different data.
    let f = Fixture::new();
    let local = |title: &str| {
        format!(
            "---\ntitle: {title}\ndate: 2020-01-02\nsources:\n  - id: memo\n    title: Memo {title}\n    kind: document\n    published: 2020-01-01\n---\n[@memo]\n"
        )
    };
    f.write("content/a.md", &local("A"));
    f.write("content/b.md", &local("B"));
    let run = f.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let line = line_with(&run, "error[ID-DUPLICATE]");
    assert!(line.contains("content/a.md:5:5"), "{line}");
    assert!(line.contains("content/b.md:5:5"), "{line}");
}

#[test]
fn the_sources_index_groups_every_source_by_kind() {
    let f = fixture();
    f.build_ok(&[]);
    let doc = page(&f, "site/sources/index.html");
    let mut groups: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for section in doc.select(&sel("section.source-group")) {
        let id = section.value().attr("id").expect("id").to_string();
        let heading = one_in(section, "h2");
        let titles = section
            .select(&sel(".source-item a.source-title"))
            .map(text)
            .collect();
        groups.insert(id, (heading, titles));
    }
    let owned = |v: &[&str]| v.iter().map(|s| (*s).to_string()).collect::<Vec<_>>();
    assert_eq!(
        groups.keys().cloned().collect::<Vec<_>>(),
        owned(&["kind-document", "kind-official", "kind-social", "kind-wire"])
    );
    let mut wire = groups["kind-wire"].1.clone();
    wire.sort();
    assert_eq!(
        wire,
        owned(&[
            "Iraqi parliament votes on foreign troops",
            "US strike kills Iranian commander"
        ])
    );
    assert_eq!(
        groups["kind-official"].1,
        owned(&["Statement by the Department of Defense"])
    );
    assert_eq!(
        groups["kind-document"].1,
        owned(&["Pentagon briefing transcript"])
    );
    assert_eq!(
        groups["kind-social"].1,
        owned(&["Post on a Kataib Hezbollah channel"])
    );
    for (heading, _) in groups.values() {
        assert!(!heading.is_empty());
    }
    // Each title links to that source's own page.
    for a in doc.select(&sel("a.source-title")) {
        let href = a.value().attr("href").expect("href");
        let id = href
            .strip_prefix("/briefings/sources/")
            .and_then(|r| r.strip_suffix('/'))
            .expect("source page link");
        let source = page(&f, &format!("site/sources/{id}/index.html"));
        assert_eq!(text(one(&source, "h1")), text(a));
    }
    // Under each title, the publisher and the date, set apart as on the source pages.
    let facts: Vec<String> = doc
        .select(&sel(".source-item .source-facts"))
        .map(text)
        .collect();
    assert!(
        facts.iter().any(|f| f == "Reuters · 3 January 2020"),
        "{facts:?}"
    );
}

/// (href, text) of the links under `css`.
fn links(doc: &Html, css: &str) -> Vec<(String, String)> {
    doc.select(&sel(css))
        .map(|a| {
            (
                a.value().attr("href").unwrap_or_default().to_string(),
                text(a),
            )
        })
        .collect()
}

/// The element a root-relative `href` with a fragment points to, in the built site.
fn target(f: &Fixture, href: &str) -> String {
    let (path, fragment) = href.split_once('#').expect("a fragment");
    let rel = path
        .strip_prefix("/briefings/")
        .expect("under the base path");
    let doc = page(f, &format!("site/{rel}index.html"));
    one(&doc, &format!("[id='{fragment}']")).html()
}

#[test]
fn each_source_page_lists_who_cites_it() {
    let f = fixture();
    f.build_ok(&[]);
    assert!(broken_links(&f.path("site"), "/briefings/").is_empty());

    let doc = page(&f, "site/sources/dod-statement/index.html");
    assert_eq!(
        text(one(&doc, "h1")),
        "Statement by the Department of Defense"
    );
    assert_eq!(
        links(&doc, ".cited-articles a"),
        [(
            "/briefings/articles/strike/".to_string(),
            "Strike at Baghdad airport".to_string()
        )]
    );
    let claims = links(&doc, ".cited-claims .claim-text a");
    assert_eq!(
        claims,
        [(
            "/briefings/articles/strike/#claim-ordered".to_string(),
            "The strike was ordered by the President.".to_string()
        )]
    );
    let claim = target(&f, &claims[0].0);
    assert!(
        claim.contains("The strike was ordered by the President."),
        "{claim}"
    );
    let events = links(&doc, ".cited-events .event-title a");
    assert_eq!(
        events,
        [(
            "/briefings/timeline/#event-strike".to_string(),
            "Strike at the airport".to_string()
        )]
    );
    let event = target(&f, &events[0].0);
    assert!(event.contains("Strike at the airport"), "{event}");

    // Cited in two articles' bodies and by a claim.
    let doc = page(&f, "site/sources/reuters-0103/index.html");
    let mut articles: Vec<String> = links(&doc, ".cited-articles a")
        .into_iter()
        .map(|(href, _)| href)
        .collect();
    articles.sort();
    assert_eq!(
        articles,
        [
            "/briefings/articles/context/",
            "/briefings/articles/strike/"
        ]
    );
    let claims = links(&doc, ".cited-claims .claim-text a");
    assert_eq!(claims.len(), 1, "{claims:?}");
    assert_eq!(claims[0].0, "/briefings/articles/strike/#claim-toll");
    assert!(target(&f, &claims[0].0).contains("Seven people were killed."));
    assert_eq!(doc.select(&sel(".cited-events")).count(), 0);

    // Cited by a claim only: the article still lists it.
    let doc = page(&f, "site/sources/kh-post/index.html");
    assert_eq!(
        links(&doc, ".cited-articles a")
            .into_iter()
            .map(|(h, _)| h)
            .collect::<Vec<_>>(),
        ["/briefings/articles/strike/"]
    );
    assert_eq!(links(&doc, ".cited-claims .claim-text a").len(), 1);

    // Cited in a body and by an event of another article.
    let doc = page(&f, "site/sources/afp-0105/index.html");
    let events = links(&doc, ".cited-events .event-title a");
    assert_eq!(events.len(), 1, "{events:?}");
    assert!(target(&f, &events[0].0).contains("Parliament votes"));
    assert_eq!(doc.select(&sel(".cited-claims")).count(), 0);
    // The page shows the source's own facts.
    let facts = text(one(&doc, "dl.facts"));
    assert!(facts.contains("AFP"), "{facts}");
    assert!(facts.contains("5 January 2020"), "{facts}");
    let original = links(&doc, "dl.facts a");
    assert_eq!(original[0].0, "https://www.afp.example/0105");
}

#[test]
fn the_key_claims_panel_labels_each_status_in_text() {
    let f = fixture();
    f.build_ok(&[]);
    let doc = page(&f, "site/articles/strike/index.html");
    let panel = one(&doc, "section#key-claims");
    let claims: Vec<(String, String, String)> = panel
        .select(&sel("ul.claims > li"))
        .map(|li| {
            (
                li.value().attr("id").unwrap_or_default().to_string(),
                one_in(li, ".badge"),
                one_in(li, ".claim-text"),
            )
        })
        .collect();
    assert_eq!(
        claims,
        [
            (
                "claim-ordered".to_string(),
                "✓ Confirmed".to_string(),
                "The strike was ordered by the President.".to_string()
            ),
            (
                "claim-toll".to_string(),
                "⚠︎ Disputed".to_string(),
                "Seven people were killed.".to_string()
            ),
        ]
    );
    // The claim's sources link to the article's numbered references.
    let toll = one(&doc, "li#claim-toll");
    let refs: Vec<String> = toll
        .select(&sel(".claim-sources a"))
        .map(|a| a.value().attr("href").unwrap_or_default().to_string())
        .collect();
    assert_eq!(refs, ["#ref-2", "#ref-4"]);

    // The legend names all six statuses with their meaning.
    let legend = one(&doc, "section#key-claims .legend");
    let statuses: Vec<String> = legend.select(&sel("dt")).map(text).collect();
    let names: Vec<&str> = statuses
        .iter()
        .map(|s| s.rsplit(' ').next().unwrap_or_default())
        .collect();
    assert_eq!(
        names,
        [
            "Confirmed",
            "Reported",
            "Claimed",
            "Disputed",
            "Denied",
            "Unverified"
        ]
    );
    let meanings: Vec<String> = legend.select(&sel("dd")).map(text).collect();
    assert_eq!(meanings.len(), 6);
    assert!(meanings.iter().all(|m| m.len() > 10), "{meanings:?}");
}

#[test]
fn a_claim_mark_carries_the_status_and_links_to_the_claim() {
    let f = fixture();
    f.build_ok(&[]);
    let doc = page(&f, "site/articles/strike/index.html");
    let mark = one(&doc, ".article-body .claim-mark");
    assert_eq!(mark.value().name(), "a");
    assert_eq!(mark.value().attr("href"), Some("#claim-ordered"));
    assert_eq!(one_in(mark, "mark"), "The President ordered it");
    assert_eq!(one_in(mark, ".claim-status"), "(confirmed)");
    assert!(
        mark.value().classes().any(|c| c == "claim-confirmed"),
        "{}",
        mark.html()
    );
    let claim = one(&doc, "#claim-ordered");
    assert_eq!(claim.value().name(), "li");
    assert!(text(claim).contains("Confirmed"));
}

/// A citation or a mention inside the text of a claim mark or a link: the mark (or link) stays,
/// and the citation inside it is still numbered (src/markdown.rs promises "inside a link,
/// nested mentions, claim marks and citations render without their own `<a>`").
#[test]
fn a_citation_inside_a_claim_mark_or_link_keeps_the_mark() {
    let f = fixture();
    f.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-06\nclaims:\n  - id: c1\n    text: It was ordered.\n    status: reported\n    sources: [dod-statement]\n---\nOne [it was ordered [@dod-statement]](claim:c1) two.\n\nThree [[[soleimani]] ordered it](claim:c1) four.\n\nFive [see the report [@reuters-0103]](https://example.com/r) six.\n",
    );
    f.build_ok(&[]);
    let raw = f.read("site/articles/a/index.html");
    assert!(
        !raw.contains("](claim:"),
        "literal claim-mark Markdown left"
    );
    assert!(
        !raw.contains("](https://example.com/r)"),
        "literal link Markdown left"
    );
    let doc = Html::parse_document(&raw);
    let marks: Vec<ElementRef<'_>> = doc.select(&sel(".article-body .claim-mark")).collect();
    assert_eq!(marks.len(), 2, "both claim marks rendered");
    for mark in &marks {
        assert_eq!(mark.value().attr("href"), Some("#claim-c1"));
        assert_eq!(one_in(*mark, ".claim-status"), "(reported)");
    }
    assert_eq!(
        marks[0].select(&sel(".cite")).count(),
        1,
        "{}",
        marks[0].html()
    );
    assert!(
        text(marks[1]).contains("Qassem Soleimani"),
        "{}",
        marks[1].html()
    );
    let link = one(&doc, ".article-body a[href='https://example.com/r']");
    assert!(text(link).starts_with("see the report"), "{}", link.html());
}

/// A fixture with the good sources and entities plus `files`; returns the failed run.
fn failing(files: &[(&str, &str)]) -> Run {
    let f = fixture();
    for (rel, text) in files {
        f.write(rel, text);
    }
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "expected failure:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert!(!f.path("site").exists(), "a failed build writes nothing");
    run
}

#[test]
fn integrity_errors_are_located_with_a_suggestion() {
    // (case, file, text, start of the error line, help)
    let cases: &[(&str, &str, &str, &str, &str)] = &[
        (
            "undefined source in the body",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\n---\nIntro.\n\nAs said [@reuters-0130].\n",
            "content/a.md:7:10: error[CITE-UNKNOWN]: unknown source 'reuters-0130'",
            "did you mean 'reuters-0103'?",
        ),
        (
            "undefined second source of a group",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\n---\nSee [@dod-statement; @afp-0150, p. 3].\n",
            "content/a.md:5:22: error[CITE-UNKNOWN]: unknown source 'afp-0150'",
            "did you mean 'afp-0105'?",
        ),
        (
            "undefined source of a claim",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: c1\n    text: It happened.\n    status: reported\n    sources: [dod-statment]\n---\n",
            "content/a.md:8:15: error[SOURCE-UNKNOWN]: unknown source 'dod-statment'",
            "did you mean 'dod-statement'?",
        ),
        (
            "undefined source of an event",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nevents:\n  - date: 2020-01-01\n    title: Something\n    sources:\n      - kh-post\n      - kh-pots\n---\n",
            "content/a.md:9:9: error[SOURCE-UNKNOWN]: unknown source 'kh-pots'",
            "did you mean 'kh-post'?",
        ),
        (
            "undefined claim",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: strike-ordered\n    text: It was ordered.\n    status: claimed\n    sources: [dod-statement]\n---\nThey say [it was ordered](claim:strike-orderd).\n",
            "content/a.md:10:33: error[CLAIM-UNKNOWN]: unknown claim 'strike-orderd'",
            "did you mean 'strike-ordered'?",
        ),
        (
            "javascript URL of a source",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nsources:\n  - id: bad\n    title: Bad\n    kind: press\n    published: 2020-01-01\n    url: \"javascript:alert(1)\"\n---\n[@bad]\n",
            "content/a.md:9:10: error[CITE-URL-SCHEME]",
            "use an http:// or https:// address",
        ),
        (
            "javascript archive URL of a local source",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nsources:\n  - id: bad\n    title: Bad\n    kind: press\n    published: 2020-01-01\n    archive: ' JavaScript:alert(1)'\n---\n[@bad]\n",
            "content/a.md:9:14: error[CITE-URL-SCHEME]",
            "use an http:// or https:// address",
        ),
        (
            "claim with an empty source list",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: c1\n    text: It happened.\n    status: reported\n    sources: []\n---\n",
            "content/a.md:5:9: error[CLAIM-NO-SOURCE]: claim 'c1' has no sources",
            "add `sources: [source-id]`",
        ),
        (
            "claim without a source list",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: c1\n    text: It happened.\n    status: reported\n---\n",
            "content/a.md:5:9: error[CLAIM-NO-SOURCE]: claim 'c1' has no sources",
            "add `sources: [source-id]`",
        ),
    ];
    for (case, file, text, first, help) in cases {
        let run = failing(&[(file, text)]);
        let line = line_with(&run, "error[");
        assert!(
            line.starts_with(first),
            "{case}: expected {first:?}, got\n{}",
            run.stderr
        );
        assert!(run.stderr.contains(help), "{case}: {}", run.stderr);
        assert!(
            run.stderr.contains("1 error(s)"),
            "{case}: exactly one error\n{}",
            run.stderr
        );
    }
}

/// One bad field in `_sources.yaml` is one error; the other, valid sources of the file stay
/// defined, so their citations are not reported as unknown.
#[test]
fn one_bad_registry_entry_does_not_undefine_the_others() {
    let run = failing(&[(
        "content/_sources.yaml",
        &format!(
            "{SOURCES}- id: bad\n  title: Bad\n  kind: press\n  published: 2020-01-01\n  archive: 'javascript:alert(1)'\n"
        ),
    )]);
    let line = line_with(&run, "error[");
    assert!(
        line.starts_with("content/_sources.yaml:30:12: error[CITE-URL-SCHEME]"),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("unknown source"), "{}", run.stderr);
    assert!(run.stderr.contains("1 error(s)"), "{}", run.stderr);
}

#[test]
fn error_output_is_exact() {
    let run = failing(&[(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-01\n---\nIntro.\n\nAs said [@dod-statement; @reuters-0130, para. 2].\n",
    )]);
    insta::assert_snapshot!("undefined_source", run.stderr);
    let run = failing(&[(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: strike-ordered\n    text: It was ordered.\n    status: claimed\n    sources: [dod-statement]\n---\nThey say [it was ordered](claim:strike-orderd).\n",
    )]);
    insta::assert_snapshot!("undefined_claim", run.stderr);
}

/// Runs `build` (must pass), `check --strict` and `build --strict` (must fail); returns the first.
fn warns(f: &Fixture) -> Run {
    let run = f.build_ok(&[]);
    assert!(run.stderr.contains("warning["), "{}", run.stderr);
    assert!(run.stderr.contains("0 error(s)"), "{}", run.stderr);
    let strict = f.run(&["check", "--strict"]);
    assert_eq!(
        strict.code, 1,
        "check --strict fails on warnings\n{}",
        strict.stderr
    );
    let strict = f.run(&["build", "--strict"]);
    assert_eq!(
        strict.code, 1,
        "build --strict fails on warnings\n{}",
        strict.stderr
    );
    run
}

#[test]
fn a_never_cited_source_is_a_warning() {
    let f = fixture();
    f.write(
        "content/_sources.yaml",
        &format!(
            "{SOURCES}- id: unused\n  title: Never cited\n  kind: press\n  published: 2020-01-01\n"
        ),
    );
    let run = warns(&f);
    let line = line_with(&run, "warning[");
    assert!(
        line.starts_with(
            "content/_sources.yaml:26:3: warning[SOURCE-UNUSED]: source 'unused' is never cited"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 warning(s)"), "{}", run.stderr);
}

#[test]
fn a_cited_source_without_url_or_date_is_a_warning() {
    let f = fixture();
    f.write(
        "content/_sources.yaml",
        &format!(
            "{SOURCES}- id: vague\n  title: Someone said\n  publisher: Unknown\n  kind: other\n"
        ),
    );
    f.write(
        "content/a.md",
        &article("A", "2020-01-01", "Said [@vague]."),
    );
    let run = warns(&f);
    let line = line_with(&run, "warning[");
    assert!(
        line.starts_with("content/_sources.yaml:26:3: warning[SOURCE-INCOMPLETE]: source 'vague' has neither a url nor a published date"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 warning(s)"), "{}", run.stderr);

    // With only a URL, or only a date, it is findable.
    for extra in ["  url: https://example.net/x\n", "  published: 2020\n"] {
        let f = fixture();
        f.write(
            "content/_sources.yaml",
            &format!("{SOURCES}- id: vague\n  title: Someone said\n  kind: other\n{extra}"),
        );
        f.write(
            "content/a.md",
            &article("A", "2020-01-01", "Said [@vague]."),
        );
        let run = f.run(&["check", "--strict"]);
        assert_eq!(run.code, 0, "{extra}: {}", run.stderr);
    }
}

#[test]
fn a_source_known_via_a_dated_source_is_not_flagged() {
    let f = fixture();
    // An official quoted by the AFP report (dated): no warning.
    f.write(
        "content/_sources.yaml",
        &format!("{SOURCES}- id: official-quote\n  title: A senior official\n  kind: other\n  via: afp-0105\n"),
    );
    f.write(
        "content/a.md",
        &article("A", "2020-01-01", "An official said so [@official-quote]."),
    );
    let run = f.run(&["check", "--strict"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    f.build_ok(&[]);
    let doc = page(&f, "site/articles/a/index.html");
    let via = one(&doc, "li#ref-1 .ref-via");
    assert!(text(via).starts_with("Known via"), "{}", via.html());
    let hrefs: Vec<&str> = via
        .select(&sel("a"))
        .filter_map(|a| a.value().attr("href"))
        .collect();
    assert!(hrefs.contains(&"/briefings/sources/afp-0105/"), "{hrefs:?}");
    let relay = page(&f, "site/sources/afp-0105/index.html");
    assert_eq!(
        links(&relay, ".relayed-sources a"),
        [(
            "/briefings/sources/official-quote/".to_string(),
            "A senior official".to_string()
        )]
    );

    // Via a source that is itself neither dated nor linked: still a warning.
    let f = fixture();
    f.write(
        "content/_sources.yaml",
        &format!("{SOURCES}- id: relay\n  title: A relay\n  kind: other\n- id: official-quote\n  title: A senior official\n  kind: other\n  via: relay\n"),
    );
    f.write(
        "content/a.md",
        &article("A", "2020-01-01", "An official said so [@official-quote]."),
    );
    let run = warns(&f);
    assert!(
        run.stderr
            .contains("warning[SOURCE-INCOMPLETE]: source 'official-quote'"),
        "{}",
        run.stderr
    );
}

#[test]
fn an_event_without_a_source_is_a_warning() {
    let f = fixture();
    f.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-01\nevents:\n  - date: 2019-12-27\n    title: A rocket attack\n---\nBody\n",
    );
    let run = warns(&f);
    let line = line_with(&run, "warning[");
    assert!(
        line.starts_with(
            "content/a.md:5:5: warning[EVENT-NO-SOURCE]: event 'A rocket attack' has no sources"
        ),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 warning(s)"), "{}", run.stderr);
}

#[test]
fn hostile_titles_names_and_publishers_are_escaped_everywhere() {
    let attack = |n: u8| format!("\\\"><script>alert({n})</script><img src=x onerror=alert({n})>'");
    let raw = |n: u8| format!("\"><script>alert({n})</script><img src=x onerror=alert({n})>'");
    let f = Fixture::new();
    f.write(
        "content/_sources.yaml",
        &format!(
            "- id: evil\n  title: \"{}\"\n  publisher: \"{}\"\n  kind: press\n  url: 'https://example.net/?a=1&b=\"2\"'\n  published: 2020-01-01\n",
            attack(1),
            attack(2)
        ),
    );
    f.write(
        "content/_entities.yaml",
        &format!(
            "- id: evil-person\n  name: \"{}\"\n  kind: person\n  role: \"{}\"\n",
            attack(3),
            attack(4)
        ),
    );
    f.write(
        "content/x.md",
        &format!(
            "---\ntitle: \"{}\"\ndate: 2020-01-01\ntags: [t]\nentities: [evil-person]\nclaims:\n  - id: c1\n    text: \"{}\"\n    status: claimed\n    sources: [evil]\nevents:\n  - date: 2020-01-01\n    title: \"{}\"\n    sources: [evil]\n    entities: [evil-person]\n---\nCited [@evil, {}]; said by [[evil-person]]; [claimed](claim:c1).\n",
            attack(5),
            attack(6),
            attack(7),
            raw(8)
        ),
    );
    f.build_ok(&[]);
    let mut pages = 0;
    for (rel, bytes) in f.tree("site") {
        let body = String::from_utf8_lossy(&bytes);
        if !(rel.ends_with(".html") || rel.ends_with(".xml")) {
            continue;
        }
        pages += 1;
        assert!(!body.contains("<script>alert"), "{rel}");
        assert!(!body.contains("<img src=x"), "{rel}");
        if !rel.ends_with(".html") {
            continue;
        }
        let doc = Html::parse_document(&body);
        for el in doc.select(&sel("*")) {
            assert_ne!(el.value().name(), "img", "{rel}: {}", el.html());
            for (name, _) in el.value().attrs() {
                assert!(
                    !name.starts_with("on"),
                    "{rel}: broken out into {}",
                    el.html()
                );
            }
        }
        for script in doc.select(&sel("script")) {
            assert!(
                script.value().attr("src").is_some() && text(script).is_empty(),
                "{rel}: inline script {}",
                script.html()
            );
        }
    }
    assert!(pages >= 10, "{pages} pages checked");

    // The hostile text is shown as text, intact, not dropped.
    let doc = page(&f, "site/articles/x/index.html");
    assert_eq!(text(one(&doc, "h1")), raw(5));
    assert_eq!(text(one(&doc, "li#ref-1 .ref-title")), raw(1));
    assert_eq!(text(one(&doc, "li#ref-1 .publisher")), raw(2));
    let cite = one(&doc, "a.cite-link");
    assert_eq!(cite.value().attr("data-locator"), Some(raw(8).as_str()));
    assert_eq!(text(cite), "1");
    let mention = one(&doc, "a.mention");
    assert_eq!(text(mention), raw(3));
    assert_eq!(mention.value().attr("title"), Some(raw(4).as_str()));
    assert_eq!(text(one(&doc, "#claim-c1 .claim-text")), raw(6));
    let doc = page(&f, "site/sources/evil/index.html");
    assert_eq!(text(one(&doc, "h1")), raw(1));
    let original = links(&doc, "dl.facts a");
    assert_eq!(original[0].0, "https://example.net/?a=1&b=\"2\"");
    let doc = page(&f, "site/entities/evil-person/index.html");
    assert_eq!(text(one(&doc, "h1")), raw(3));
    let doc = page(&f, "site/timeline/index.html");
    assert_eq!(text(one(&doc, "article.event h4")), raw(7));
}

#[test]
fn snapshot_of_an_article_with_citations_claims_and_a_footnote() {
    let f = fixture();
    f.build_ok(&[]);
    let main = main_html(&f.read("site/articles/strike/index.html"));
    insta::assert_snapshot!("article_main", main);
}
