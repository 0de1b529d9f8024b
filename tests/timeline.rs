//! The merged timeline and the entities (issue #4): ordering, grouping, merged events, article
//! and entity slices, mentions, the JSON exports and the filter, all under a subpath base URL.

mod common;

use std::collections::BTreeMap;

use common::{Fixture, article, broken_links, line_with, main_html, one, page, sel, text};
use scraper::{ElementRef, Html};

const BASE: &str = "/sub/briefing/";

const CONFIG: &str = "title: Port Strike\ndescription: A test briefing.\nbase_url: https://example.org/sub/briefing/\nlanguage: en\n";

const SOURCES: &str = "\
- id: wire-1
  title: Wire report
  publisher: Wire
  kind: wire
  url: https://wire.example/1
  published: 2021-03-10
- id: paper-1
  title: Newspaper history
  publisher: Paper
  kind: press
  published: 2020
";

const ENTITIES: &str = "\
- id: minister
  name: Amira Haddad
  kind: person
  role: Minister of the Interior
- id: union
  name: Dockers' Union
  kind: organisation
  aka: [the union]
  role: Port workers' union
- id: port-city
  name: Port City
  kind: place
";

const ALPHA: &str = "\
---
title: The strike
date: 2021-03-12
tags: [labour, ports]
entities: [union]
claims:
  - id: walkout
    text: Dockers' Union members walked out on 9 March.
    status: confirmed
    sources: [wire-1]
events:
  - date: 2021-03-09/2021-03-10
    title: Two-day walkout
    sources: [wire-1]
    entities: [union, port-city]
  - date: 2021-03-02T23:40+01:00
    title: Late-night vote to strike
    sources: [wire-1]
    entities: [union]
  - date: 1998
    title: The union is recognised
    sources: [paper-1]
    entities: [union]
  - date: 2021-03-05
    title: Talks collapse
    id: talks-collapse
    sources: [wire-1]
    entities: [minister, union]
  - date: 2021-03-04T23:00Z
    title: Ministry warns
    sources: [wire-1]
---
The [[union]] struck; [[minister|the minister]] spoke [@wire-1].
";

const BETA: &str = "\
---
title: The minister
date: 2021-03-15
tags: [politics]
claims:
  - id: resign
    text: Amira Haddad offered to resign.
    status: unverified
    sources: [wire-1]
events:
  - date: 1990~
    title: Haddad enters politics
    sources: [paper-1]
    entities: [minister]
  - date: 2021-03
    title: A month of unrest
    sources: [wire-1]
  - date: 2021-03-05
    title: Talks collapse
    id: talks-collapse
    sources: [paper-1]
    entities: [minister]
  - date: 1998-01-01
    title: New labour law
    sources: [paper-1]
  - date: 2021-03-05T01:00+05:00
    title: Minister's late call
    sources: [wire-1]
    entities: [minister]
  - date: 2021-03-09
    title: Ministry statement
    sources: [wire-1]
  - date: 2021-03-20?
    title: Rumoured reshuffle
    sources: [wire-1]
    entities: [minister]
---
[[minister]] was in office [@wire-1].
";

/// The timeline in the expected order: (title, date text).
const ORDER: &[(&str, &str)] = &[
    ("Haddad enters politics", "c. 1990"),
    ("The union is recognised", "1998"),
    ("New labour law", "1 January 1998"),
    ("A month of unrest", "March 2021"),
    (
        "Late-night vote to strike",
        "2 March 2021, 23:40 (UTC+01:00)",
    ),
    // 2021-03-04T20:00Z: before the next one although its local date is later.
    ("Minister's late call", "5 March 2021, 01:00 (UTC+05:00)"),
    ("Ministry warns", "4 March 2021, 23:00 (UTC)"),
    ("Talks collapse", "5 March 2021"),
    // Same instant and precision: the newer article (site order) first.
    ("Ministry statement", "9 March 2021"),
    ("Two-day walkout", "9–10 March 2021"),
    ("Rumoured reshuffle", "20 March 2021?"),
];

fn fixture() -> Fixture {
    let f = Fixture::new();
    f.write("brief.yaml", CONFIG);
    f.write("content/_sources.yaml", SOURCES);
    f.write("content/_entities.yaml", ENTITIES);
    f.write("content/alpha.md", ALPHA);
    f.write("content/beta.md", BETA);
    f
}

fn built() -> Fixture {
    let f = fixture();
    let run = f.build_ok(&["--strict"]);
    assert!(!run.stderr.contains("warning"), "{}", run.stderr);
    f
}

fn one_in(el: ElementRef<'_>, css: &str) -> String {
    let found: Vec<ElementRef<'_>> = el.select(&sel(css)).collect();
    assert_eq!(found.len(), 1, "expected one {css} in {}", el.html());
    text(found[0])
}

fn hrefs(el: ElementRef<'_>, css: &str) -> Vec<String> {
    el.select(&sel(css))
        .filter_map(|a| a.value().attr("href"))
        .map(str::to_string)
        .collect()
}

fn owned(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| (*s).to_string()).collect()
}

/// (title, date text) of the events of the timeline page, in document order.
fn timeline_events(doc: &Html) -> Vec<(String, String)> {
    doc.select(&sel("article.event"))
        .map(|e| (one_in(e, ".event-title"), one_in(e, ".event-date")))
        .collect()
}

#[test]
fn the_timeline_lists_every_event_in_order_with_its_date() {
    let f = built();
    let doc = page(&f, "site/timeline/index.html");
    let want: Vec<(String, String)> = ORDER
        .iter()
        .map(|(t, d)| ((*t).to_string(), (*d).to_string()))
        .collect();
    assert_eq!(timeline_events(&doc), want);
    // The machine-readable date is the start, as HTML accepts it.
    let datetimes: Vec<&str> = doc
        .select(&sel("article.event .event-date time"))
        .filter_map(|t| t.value().attr("datetime"))
        .collect();
    assert_eq!(
        datetimes,
        [
            "1990",
            "1998",
            "1998-01-01",
            "2021-03",
            "2021-03-02T23:40+01:00",
            "2021-03-05T01:00+05:00",
            "2021-03-04T23:00Z",
            "2021-03-05",
            "2021-03-09",
            "2021-03-09",
            "2021-03-20",
        ]
    );
    let problems = broken_links(&f.path("site"), BASE);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn the_order_does_not_depend_on_files_or_runs() {
    let f = built();
    let first = f.read("site/timeline/index.html");
    let json = f.read("site/timeline.json");
    // The same articles under other file names, so the file order is reversed.
    let g = Fixture::new();
    g.write("brief.yaml", CONFIG);
    g.write("content/_sources.yaml", SOURCES);
    g.write("content/_entities.yaml", ENTITIES);
    g.write("content/z/alpha.md", ALPHA);
    g.write("content/a/beta.md", BETA);
    g.build_ok(&[]);
    assert_eq!(
        timeline_events(&Html::parse_document(&first)),
        timeline_events(&page(&g, "site/timeline/index.html"))
    );
    f.build_ok(&["--output", f.path("again").to_str().expect("utf8")]);
    assert_eq!(f.read("again/timeline/index.html"), first);
    assert_eq!(f.read("again/timeline.json"), json);
}

/// A month group: its heading and the titles of its events.
type MonthGroup = (String, Vec<String>);
/// A year section: its id, its heading and its months.
type YearGroup = (String, String, Vec<MonthGroup>);

#[test]
fn events_are_grouped_by_year_and_month() {
    let f = built();
    let doc = page(&f, "site/timeline/index.html");
    let mut groups: Vec<YearGroup> = Vec::new();
    for section in doc.select(&sel(".timeline > section.timeline-year")) {
        let id = section.value().attr("id").unwrap_or_default().to_string();
        let months = section
            .select(&sel(".timeline-month"))
            .map(|m| {
                let events = m
                    .select(&sel("article.event .event-title"))
                    .map(text)
                    .collect();
                (one_in(m, "h3"), events)
            })
            .collect();
        groups.push((id, one_in(section, "h2"), months));
    }
    let month = |label: &str, events: &[&str]| (label.to_string(), owned(events));
    assert_eq!(
        groups,
        vec![
            (
                "y1990".to_string(),
                "1990".to_string(),
                vec![month("1990", &["Haddad enters politics"])]
            ),
            (
                "y1998".to_string(),
                "1998".to_string(),
                vec![
                    month("1998", &["The union is recognised"]),
                    month("January 1998", &["New labour law"]),
                ]
            ),
            (
                "y2021".to_string(),
                "2021".to_string(),
                vec![month(
                    "March 2021",
                    &[
                        "A month of unrest",
                        "Late-night vote to strike",
                        "Minister's late call",
                        "Ministry warns",
                        "Talks collapse",
                        "Ministry statement",
                        "Two-day walkout",
                        "Rumoured reshuffle",
                    ]
                )]
            ),
        ]
    );
    // The year navigation points at the year sections.
    let nav = one(&doc, "nav.timeline-years");
    assert_eq!(hrefs(nav, "a"), ["#y1990", "#y1998", "#y2021"]);
}

#[test]
fn an_event_shared_by_two_articles_appears_once_listing_both() {
    let f = built();
    let doc = page(&f, "site/timeline/index.html");
    let talks: Vec<ElementRef<'_>> = doc
        .select(&sel("article.event"))
        .filter(|e| one_in(*e, ".event-title") == "Talks collapse")
        .collect();
    assert_eq!(talks.len(), 1, "merged into one entry");
    let event = talks[0];
    assert_eq!(event.value().attr("id"), Some("event-talks-collapse"));
    let mut articles = hrefs(event, ".event-articles a");
    articles.sort();
    assert_eq!(
        articles,
        [
            "/sub/briefing/articles/alpha/",
            "/sub/briefing/articles/beta/"
        ]
    );
    // Sources and entities of both definitions, each once.
    let mut sources = hrefs(event, ".event-sources a");
    sources.sort();
    assert_eq!(
        sources,
        [
            "/sub/briefing/sources/paper-1/",
            "/sub/briefing/sources/wire-1/"
        ]
    );
    let mut entities = hrefs(event, ".event-entities a");
    entities.sort();
    assert_eq!(
        entities,
        [
            "/sub/briefing/entities/minister/",
            "/sub/briefing/entities/union/"
        ]
    );
    // Both articles link to that one entry.
    for slug in ["alpha", "beta"] {
        let doc = page(&f, &format!("site/articles/{slug}/index.html"));
        let section = one(&doc, "section.article-timeline");
        let links = hrefs(section, ".event-title a");
        assert!(
            links.contains(&"/sub/briefing/timeline/#event-talks-collapse".to_string()),
            "{slug}: {links:?}"
        );
    }
}

#[test]
fn conflicting_definitions_of_one_event_name_both_places() {
    for (field, from, to) in [
        (
            "date",
            "  - date: 2021-03-05\n    title: Talks collapse\n    id: talks-collapse\n    sources: [paper-1]",
            "  - date: 2021-03-06\n    title: Talks collapse\n    id: talks-collapse\n    sources: [paper-1]",
        ),
        (
            "title",
            "  - date: 2021-03-05\n    title: Talks collapse\n    id: talks-collapse\n    sources: [paper-1]",
            "  - date: 2021-03-05\n    title: Talks collapsed\n    id: talks-collapse\n    sources: [paper-1]",
        ),
    ] {
        let f = fixture();
        assert!(BETA.contains(from));
        f.write("content/beta.md", &BETA.replace(from, to));
        let run = f.run(&["build"]);
        assert_eq!(run.code, 1, "{field}: {}", run.stderr);
        assert!(!f.path("site").exists(), "nothing written");
        let line = line_with(&run, "error[EVENT-CONFLICT]");
        assert!(
            line.starts_with("content/beta.md:18:5: "),
            "{field}: {line}"
        );
        assert!(line.contains("talks-collapse"), "{line}");
        assert!(line.contains(field), "{line}");
        assert!(line.contains("content/alpha.md:24:5"), "{field}: {line}");
        assert!(run.stderr.contains("1 error(s)"), "{}", run.stderr);
    }
}

#[test]
fn each_article_shows_its_own_events() {
    let f = built();
    for (slug, want) in [
        (
            "alpha",
            &[
                "The union is recognised",
                "Late-night vote to strike",
                "Ministry warns",
                "Talks collapse",
                "Two-day walkout",
            ][..],
        ),
        (
            "beta",
            &[
                "Haddad enters politics",
                "New labour law",
                "A month of unrest",
                "Minister's late call",
                "Talks collapse",
                "Ministry statement",
                "Rumoured reshuffle",
            ][..],
        ),
    ] {
        let doc = page(&f, &format!("site/articles/{slug}/index.html"));
        let section = one(&doc, "section.article-timeline");
        let titles: Vec<String> = section
            .select(&sel("li.event .event-title"))
            .map(text)
            .collect();
        assert_eq!(titles, owned(want), "{slug}");
        let timeline = page(&f, "site/timeline/index.html");
        // Each links to its own entry of the timeline.
        for a in section.select(&sel("li.event .event-title a")) {
            let href = a.value().attr("href").expect("href");
            let anchor = href
                .strip_prefix("/sub/briefing/timeline/#")
                .expect("link into the timeline");
            let entry = one(&timeline, &format!("article.event[id='{anchor}']"));
            assert_eq!(one_in(entry, ".event-title"), text(a), "{slug}: {href}");
        }
    }
}

#[test]
fn each_entity_page_shows_its_articles_claims_and_timeline_slice() {
    let f = built();
    // (id, name, article links, claim links, event titles)
    type Case<'a> = (
        &'a str,
        &'a str,
        &'a [&'a str],
        &'a [&'a str],
        &'a [&'a str],
    );
    let cases: &[Case<'_>] = &[
        (
            "minister",
            "Amira Haddad",
            &[
                "/sub/briefing/articles/alpha/",
                "/sub/briefing/articles/beta/",
            ],
            &["/sub/briefing/articles/beta/#claim-resign"],
            &[
                "Haddad enters politics",
                "Minister's late call",
                "Talks collapse",
                "Rumoured reshuffle",
            ],
        ),
        (
            "union",
            "Dockers' Union",
            &["/sub/briefing/articles/alpha/"],
            &["/sub/briefing/articles/alpha/#claim-walkout"],
            &[
                "The union is recognised",
                "Late-night vote to strike",
                "Talks collapse",
                "Two-day walkout",
            ],
        ),
        ("port-city", "Port City", &[], &[], &["Two-day walkout"]),
    ];
    for (id, name, articles, claims, events) in cases {
        let doc = page(&f, &format!("site/entities/{id}/index.html"));
        let main = one(&doc, "main");
        assert_eq!(one_in(main, "h1"), *name);
        let mut got = hrefs(main, ".entity-articles a");
        got.sort();
        assert_eq!(got, owned(articles), "{id} articles");
        assert_eq!(
            hrefs(main, ".entity-claims .claim-text a"),
            owned(claims),
            "{id} claims"
        );
        let titles: Vec<String> = main
            .select(&sel(".entity-timeline li.event .event-title"))
            .map(text)
            .collect();
        assert_eq!(titles, owned(events), "{id} events");
    }
    let doc = page(&f, "site/entities/minister/index.html");
    assert_eq!(
        one_in(one(&doc, "main"), ".standfirst"),
        "Minister of the Interior"
    );
    let problems = broken_links(&f.path("site"), BASE);
    assert!(problems.is_empty(), "{problems:#?}");
}

#[test]
fn mentions_link_to_the_entity_with_its_role() {
    let f = built();
    let doc = page(&f, "site/articles/alpha/index.html");
    let mentions: Vec<(String, String, String)> = doc
        .select(&sel(".article-body a.mention"))
        .map(|a| {
            (
                a.value().attr("href").unwrap_or_default().to_string(),
                a.value().attr("title").unwrap_or_default().to_string(),
                text(a),
            )
        })
        .collect();
    assert_eq!(
        mentions,
        [
            (
                "/sub/briefing/entities/union/".to_string(),
                "Port workers' union".to_string(),
                "Dockers' Union".to_string()
            ),
            (
                "/sub/briefing/entities/minister/".to_string(),
                "Minister of the Interior".to_string(),
                "the minister".to_string()
            ),
        ]
    );
    // An entity without a role gets no empty tooltip.
    let f = fixture();
    f.write(
        "content/gamma.md",
        &article("Gamma", "2021-01-01", "In [[port-city]] [@wire-1]."),
    );
    f.build_ok(&[]);
    let doc = page(&f, "site/articles/gamma/index.html");
    let a = one(&doc, ".article-body a.mention");
    assert_eq!(
        a.value().attr("href"),
        Some("/sub/briefing/entities/port-city/")
    );
    assert_eq!(a.value().attr("title"), None);
    assert_eq!(text(a), "Port City");
}

#[test]
fn an_unknown_mention_is_an_error_with_the_nearest_id() {
    let f = fixture();
    f.write(
        "content/gamma.md",
        &article(
            "Gamma",
            "2021-01-01",
            "Intro [@wire-1].\n\nBoth [[ministr]] and\n[[port-cty|the city]].",
        ),
    );
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(!f.path("site").exists());
    let lines: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.contains("error["))
        .collect();
    assert_eq!(
        lines,
        [
            "content/gamma.md:7:8: error[ENTITY-UNKNOWN]: unknown entity 'ministr'",
            "content/gamma.md:8:3: error[ENTITY-UNKNOWN]: unknown entity 'port-cty'",
        ],
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean 'minister'?"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean 'port-city'?"),
        "{}",
        run.stderr
    );

    // Also in the front matter: an article's entity list and an event's.
    let f = fixture();
    f.write(
        "content/gamma.md",
        "---\ntitle: Gamma\ndate: 2021-01-01\nentities: [unoin]\nevents:\n  - date: 2021\n    title: Something\n    sources: [wire-1]\n    entities: [port-citty]\n---\n[@wire-1]\n",
    );
    let run = f.run(&["check"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("content/gamma.md:4:12: error[ENTITY-UNKNOWN]: unknown entity 'unoin'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr
            .contains("content/gamma.md:9:16: error[ENTITY-UNKNOWN]: unknown entity 'port-citty'"),
        "{}",
        run.stderr
    );
    assert!(
        run.stderr.contains("did you mean 'union'?"),
        "{}",
        run.stderr
    );
}

#[test]
fn the_entities_index_groups_by_kind() {
    let f = built();
    let doc = page(&f, "site/entities/index.html");
    let mut groups: BTreeMap<String, (String, Vec<String>)> = BTreeMap::new();
    for section in doc.select(&sel("section.entity-group")) {
        let id = section.value().attr("id").unwrap_or_default().to_string();
        groups.insert(
            id,
            (one_in(section, "h2"), hrefs(section, ".entity-item > a")),
        );
    }
    let group = |h: &str, links: &[&str]| (h.to_string(), owned(links));
    assert_eq!(
        groups,
        BTreeMap::from([
            (
                "kind-organisation".to_string(),
                group("Organisations", &["/sub/briefing/entities/union/"])
            ),
            (
                "kind-person".to_string(),
                group("People", &["/sub/briefing/entities/minister/"])
            ),
            (
                "kind-place".to_string(),
                group("Places", &["/sub/briefing/entities/port-city/"])
            ),
        ])
    );
}

#[test]
fn timeline_json_has_every_event_in_order() {
    let f = built();
    let json: serde_json::Value =
        serde_json::from_str(&f.read("site/timeline.json")).expect("timeline.json parses");
    assert_eq!(json["version"], 1);
    let events = json["events"].as_array().expect("events");
    let titles: Vec<&str> = events
        .iter()
        .map(|e| e["title"].as_str().expect("title"))
        .collect();
    let want: Vec<&str> = ORDER.iter().map(|(t, _)| *t).collect();
    assert_eq!(titles, want);
    let display: Vec<&str> = events
        .iter()
        .map(|e| e["display_date"].as_str().expect("display_date"))
        .collect();
    let want: Vec<&str> = ORDER.iter().map(|(_, d)| *d).collect();
    assert_eq!(display, want);

    // (date, precision, approximate, uncertain)
    let facts: Vec<(&str, &str, bool, bool)> = events
        .iter()
        .map(|e| {
            (
                e["date"].as_str().expect("date"),
                e["precision"].as_str().expect("precision"),
                e["approximate"].as_bool().expect("approximate"),
                e["uncertain"].as_bool().expect("uncertain"),
            )
        })
        .collect();
    assert_eq!(
        facts,
        [
            ("1990~", "year", true, false),
            ("1998", "year", false, false),
            ("1998-01-01", "day", false, false),
            ("2021-03", "month", false, false),
            ("2021-03-02T23:40+01:00", "minute", false, false),
            ("2021-03-05T01:00+05:00", "minute", false, false),
            ("2021-03-04T23:00Z", "minute", false, false),
            ("2021-03-05", "day", false, false),
            ("2021-03-09", "day", false, false),
            ("2021-03-09/2021-03-10", "day", false, false),
            ("2021-03-20?", "day", false, true),
        ]
    );

    let talks = events
        .iter()
        .find(|e| e["title"] == "Talks collapse")
        .expect("merged event");
    let ids = |key: &str| -> Vec<String> {
        let mut v: Vec<String> = talks[key]
            .as_array()
            .expect("list")
            .iter()
            .map(|x| x["id"].as_str().expect("id").to_string())
            .collect();
        v.sort();
        v
    };
    assert_eq!(ids("sources"), ["paper-1", "wire-1"]);
    assert_eq!(ids("entities"), ["minister", "union"]);
    let mut urls: Vec<&str> = talks["articles"]
        .as_array()
        .expect("articles")
        .iter()
        .map(|a| a["url"].as_str().expect("url"))
        .collect();
    urls.sort_unstable();
    assert_eq!(
        urls,
        [
            "https://example.org/sub/briefing/articles/alpha/",
            "https://example.org/sub/briefing/articles/beta/"
        ]
    );
    assert_eq!(
        talks["sources"][0]["url"]
            .as_str()
            .map(|u| u.starts_with("https://example.org/sub/briefing/sources/")),
        Some(true)
    );

    // Every event's URL is its entry on the timeline page.
    let doc = page(&f, "site/timeline/index.html");
    for e in events {
        let url = e["url"].as_str().expect("url");
        let anchor = url
            .strip_prefix("https://example.org/sub/briefing/timeline/#")
            .expect("absolute timeline URL");
        assert_eq!(e["id"].as_str(), Some(anchor));
        let entry = one(&doc, &format!("article.event[id='{anchor}']"));
        assert_eq!(
            Some(one_in(entry, ".event-title").as_str()),
            e["title"].as_str()
        );
    }
}

#[test]
fn timelinejs_json_has_start_dates() {
    let f = built();
    let json: serde_json::Value = serde_json::from_str(&f.read("site/timeline/timelinejs.json"))
        .expect("timelinejs.json parses");
    let events = json["events"].as_array().expect("events");
    assert_eq!(events.len(), ORDER.len());
    let starts: Vec<(i64, Option<i64>, Option<i64>, String)> = events
        .iter()
        .map(|e| {
            let d = &e["start_date"];
            (
                d["year"].as_i64().expect("year"),
                d["month"].as_i64(),
                d["day"].as_i64(),
                e["text"]["headline"]
                    .as_str()
                    .expect("headline")
                    .to_string(),
            )
        })
        .collect();
    assert_eq!(
        starts,
        [
            (1990, None, None, "Haddad enters politics".to_string()),
            (1998, None, None, "The union is recognised".to_string()),
            (1998, Some(1), Some(1), "New labour law".to_string()),
            (2021, Some(3), None, "A month of unrest".to_string()),
            (
                2021,
                Some(3),
                Some(2),
                "Late-night vote to strike".to_string()
            ),
            (2021, Some(3), Some(5), "Minister's late call".to_string()),
            (2021, Some(3), Some(4), "Ministry warns".to_string()),
            (2021, Some(3), Some(5), "Talks collapse".to_string()),
            (2021, Some(3), Some(9), "Ministry statement".to_string()),
            (2021, Some(3), Some(9), "Two-day walkout".to_string()),
            (2021, Some(3), Some(20), "Rumoured reshuffle".to_string()),
        ]
    );
    assert_eq!(json["title"]["text"]["headline"], "Port Strike");
}

#[test]
fn the_filter_is_hidden_without_js_and_events_carry_its_data() {
    let f = built();
    let doc = page(&f, "site/timeline/index.html");
    let form = one(&doc, "form#timeline-filter");
    assert!(form.value().attr("hidden").is_some(), "{}", form.html());
    // Nothing of the timeline itself is hidden: it reads without the script.
    assert_eq!(doc.select(&sel(".timeline [hidden]")).count(), 0);
    let options: Vec<String> = form
        .select(&sel("#filter-entity option"))
        .filter_map(|o| o.value().attr("value"))
        .map(str::to_string)
        .collect();
    let mut entity_options = options.clone();
    entity_options.sort();
    assert_eq!(entity_options, ["", "minister", "port-city", "union"]);
    let tags: Vec<String> = form
        .select(&sel("#filter-tag option"))
        .filter_map(|o| o.value().attr("value"))
        .map(str::to_string)
        .collect();
    assert_eq!(tags, ["", "labour", "politics", "ports"]);
    // The script exists and is loaded from under the base path.
    let script = one(&doc, "script[src]");
    assert_eq!(script.value().attr("src"), Some("/sub/briefing/brief.js"));
    assert!(f.path("site/brief.js").exists());

    let data: BTreeMap<String, (String, String)> = doc
        .select(&sel("article.event"))
        .map(|e| {
            let attr = |n: &str| {
                e.value()
                    .attr(n)
                    .unwrap_or_else(|| panic!("{n} on {}", e.html()))
                    .to_string()
            };
            (
                one_in(e, ".event-title"),
                (attr("data-entities"), attr("data-tags")),
            )
        })
        .collect();
    let pair = |a: &str, b: &str| (a.to_string(), b.to_string());
    assert_eq!(data.len(), ORDER.len());
    assert_eq!(
        data["Talks collapse"],
        pair("minister union", "labour politics ports")
    );
    assert_eq!(
        data["Two-day walkout"],
        pair("union port-city", "labour ports")
    );
    assert_eq!(data["Haddad enters politics"], pair("minister", "politics"));
    assert_eq!(data["A month of unrest"], pair("", "politics"));
}

#[test]
fn snapshot_of_the_timeline_page() {
    let f = built();
    insta::assert_snapshot!(
        "timeline_main",
        main_html(&f.read("site/timeline/index.html"))
    );
}

/// Events whose offset puts their UTC instant in another year than their written date:
/// the page must still have each year once, in order.
#[test]
fn offsets_across_a_year_boundary_keep_one_section_per_year() {
    let f = Fixture::new();
    f.write("brief.yaml", CONFIG);
    f.write("content/_sources.yaml", SOURCES);
    f.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2021-06-01\nevents:\n  - date: 2021-01-01T00:30+01:00\n    title: New year in Berlin\n    sources: [wire-1]\n  - date: 2020-12-31T23:45Z\n    title: Late in London\n    sources: [wire-1]\n  - date: 2021-03-01T00:30+01:00\n    title: March in Berlin\n    sources: [wire-1]\n  - date: 2021-02-28T23:45Z\n    title: February in London\n    sources: [wire-1]\n  - date: 2021-03-10\n    title: Later in March\n    sources: [wire-1]\n---\n[@wire-1] [@paper-1]\n",
    );
    f.build_ok(&[]);
    let doc = page(&f, "site/timeline/index.html");
    let mut ids: Vec<String> = doc
        .select(&sel("[id]"))
        .filter_map(|e| e.value().attr("id").map(str::to_string))
        .collect();
    let total = ids.len();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total, "duplicate ids on the timeline page");
    let years: Vec<String> = doc
        .select(&sel("section.timeline-year > h2"))
        .map(text)
        .collect();
    let mut sorted = years.clone();
    sorted.sort();
    sorted.dedup();
    assert_eq!(years, sorted, "each year once, in order");
}

/// An event's `id:` and the anchor generated for an event without one must not collide.
#[test]
fn explicit_and_generated_event_anchors_never_collide() {
    let f = fixture();
    f.write(
        "content/gamma.md",
        "---\ntitle: Gamma\ndate: 2021-01-01\nevents:\n  - date: 2021-04-01\n    title: Named like a generated anchor\n    id: alpha-1\n    sources: [wire-1]\n---\n[@wire-1]\n",
    );
    f.build_ok(&[]);
    let doc = page(&f, "site/timeline/index.html");
    let mut anchors: Vec<&str> = doc
        .select(&sel("article.event"))
        .filter_map(|e| e.value().attr("id"))
        .collect();
    let total = anchors.len();
    anchors.sort_unstable();
    anchors.dedup();
    assert_eq!(anchors.len(), total, "duplicate event anchors");
    // Each article's link lands on its own event.
    for slug in ["alpha", "gamma"] {
        let article = page(&f, &format!("site/articles/{slug}/index.html"));
        for a in article.select(&sel(".article-timeline .event-title a")) {
            let anchor = a
                .value()
                .attr("href")
                .and_then(|h| h.split_once('#'))
                .map(|(_, f)| f)
                .expect("anchor");
            let first = doc
                .select(&sel(&format!("article.event[id='{anchor}']")))
                .next()
                .expect("target");
            assert_eq!(one_in(first, ".event-title"), text(a), "{slug}");
        }
    }
}
