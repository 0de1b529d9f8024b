//! Broken sites: every error located at file:line:col, all reported, exit 1, and the previous site untouched.

mod common;

use common::{Fixture, article};

const SOURCES: &str = "- id: dod-statement\n  title: Statement by the Department of Defense\n  publisher: US Department of Defense\n  kind: official\n  published: 2020-01-02\n";
const ENTITIES: &str = "- id: soleimani\n  name: Qassem Soleimani\n  kind: person\n  role: Commander of the Quds Force\n";

/// A healthy site with a previous good build, then `file` replaced by `text`; returns the failed run.
fn broken(file: &str, text: &str) -> (Fixture, common::Run) {
    let f = Fixture::new();
    f.write("content/_sources.yaml", SOURCES);
    f.write("content/_entities.yaml", ENTITIES);
    f.write(
        "content/good.md",
        &article(
            "Good",
            "2020-01-03",
            "Cited [@dod-statement] about [[soleimani]].",
        ),
    );
    f.build_ok(&[]);
    let before = f.tree("site");
    f.write(file, text);
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1, "expected failure:\n{}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    assert_eq!(
        before,
        f.tree("site"),
        "a failed build must leave site/ as it was"
    );
    (f, run)
}

#[test]
fn each_broken_input_fails_with_a_located_error() {
    // (name, file, text, expected first line)
    let cases: &[(&str, &str, &str, &str)] = &[
        (
            "bad_date",
            "content/a.md",
            "---\ntitle: A\ndate: 2019-13-45\n---\nBody\n",
            "content/a.md:3:12: error[FM-DATE]: invalid date \"2019-13-45\": month 13 is out of range",
        ),
        (
            "impossible_day",
            "content/a.md",
            "---\ntitle: A\ndate: \"2021-02-30\"\n---\n",
            "content/a.md:3:",
        ),
        (
            "typo_key",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nsumary: x\n---\n",
            "content/a.md:4:1: error[FM-UNKNOWN-KEY]: unknown key 'sumary'",
        ),
        (
            "unterminated",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\n\nBody with no closing fence.\n",
            "content/a.md:1:1: error[FM-UNCLOSED]",
        ),
        (
            "escaping_slug",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nslug: ../../etc/x\n---\n",
            "content/a.md:4:7: error[PATH-SLUG]",
        ),
        (
            "unknown_citation",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\n---\nIntro.\n\nSaid so [@dod-statment].\n",
            "content/a.md:7:10: error[CITE-UNKNOWN]: unknown source 'dod-statment'",
        ),
        (
            "unknown_entity",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\n---\nAbout [[soleiman]].\n",
            "content/a.md:5:",
        ),
        (
            "unknown_claim_source",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: c1\n    text: It happened.\n    status: confirmed\n    sources: [dod]\n---\n",
            "content/a.md:8:15: error[SOURCE-UNKNOWN]: unknown source 'dod'",
        ),
        (
            "javascript_url",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nsources:\n  - id: bad\n    title: Bad\n    kind: press\n    url: \"JaVaScRiPt:alert(1)\"\n---\n[@bad]\n",
            "content/a.md:8:10: error[CITE-URL-SCHEME]",
        ),
        (
            "yaml_syntax",
            "content/a.md",
            "---\ntitle: This thing: crashes\ndate: 2020-01-01\n---\n",
            "content/a.md:2:",
        ),
        (
            "alias",
            "content/a.md",
            "---\ntitle: &t A\ndate: 2020-01-01\n---\n",
            "content/a.md:2:8: error[FM-ALIAS]",
        ),
        (
            "duplicate_key",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\ntitle: B\n---\n",
            "content/a.md:4:1: error[FM-DUPKEY]: duplicate key 'title' (first defined at 2:1)",
        ),
        (
            "claim_status",
            "content/a.md",
            "---\ntitle: A\ndate: 2020-01-01\nclaims:\n  - id: c1\n    text: X\n    status: confirmd\n    sources: [dod-statement]\n---\n",
            "content/a.md:7:",
        ),
        (
            "duplicate_slug",
            "content/b.md",
            &article("Good twin", "2020-01-01", "x").replace("date:", "slug: good\ndate:"),
            "content/b.md:3:7: error[PATH-COLLISION]: articles/good/index.html would be written by content/b.md and content/good.md",
        ),
        (
            "not_utf8",
            "content/a.md",
            "---\ntitle: caf\u{e9}\n---\n",
            "",
        ),
        (
            "template",
            "templates/article.html",
            "{% if page.title %}<h1>{{ page.title }</h1>",
            "templates/article.html:1:",
        ),
        (
            // Fails while rendering, after other pages were already written to temporary files.
            "template_render",
            "templates/article.html",
            "{% extends \"base.html\" %}{% block main %}{{ article.nope.deeper }}{% endblock main %}",
            "templates/article.html:1:",
        ),
    ];
    for (name, file, text, first_line) in cases {
        let text = if *name == "not_utf8" {
            String::new()
        } else {
            text.to_string()
        };
        let (f, run) = if *name == "not_utf8" {
            let f = Fixture::new();
            f.write("content/good.md", &article("Good", "2020-01-03", "x"));
            f.write_bytes(
                "content/a.md",
                b"---\ntitle: caf\xE9\ndate: 2020-01-01\n---\n",
            );
            let run = f.run(&["build"]);
            assert_eq!(run.code, 1);
            (f, run)
        } else {
            broken(file, &text)
        };
        drop(f);
        assert!(
            run.stderr.contains(first_line),
            "{name}: expected {first_line:?} in\n{}",
            run.stderr
        );
        insta::assert_snapshot!(*name, run.stderr);
    }
}

#[test]
fn all_errors_of_a_run_are_reported_sorted() {
    let f = Fixture::new();
    f.write("content/b.md", "---\ntitle: B\ndate: 2019-02-30\n---\n");
    f.write(
        "content/a.md",
        "---\ntitle: A\ndate: 2020-01-01\ntittle: x\n---\n",
    );
    f.write("content/c.md", "# no front matter\n");
    let run = f.run(&["build"]);
    assert_eq!(run.code, 1);
    let a = run.stderr.find("content/a.md:4:1").expect("a");
    let b = run.stderr.find("content/b.md:3:").expect("b");
    let c = run.stderr.find("content/c.md:1:1").expect("c");
    assert!(a < b && b < c, "{}", run.stderr);
    assert!(run.stderr.contains("3 error(s)"), "{}", run.stderr);
    assert!(!f.path("site").exists(), "nothing written");
}

#[test]
fn positions_account_for_bom_crlf_and_front_matter_length() {
    for (prefix, crlf) in [
        ("", false),
        ("\u{feff}", false),
        ("", true),
        ("\u{feff}", true),
    ] {
        for extra in [0, 3, 10] {
            let mut text = format!(
                "{prefix}---\ntitle: A\ntags:\n{}date: 2019-13-01\n---\nBody\n",
                "  - x\n".repeat(extra)
            );
            if crlf {
                text = text.replace('\n', "\r\n");
            }
            let f = Fixture::new();
            f.write("content/a.md", &text);
            let run = f.run(&["check"]);
            let want = format!("content/a.md:{}:12: error[FM-DATE]", 4 + extra);
            assert!(
                run.stderr.contains(&want),
                "bom={prefix:?} crlf={crlf} extra={extra}: {}",
                run.stderr
            );
        }
    }
}

#[test]
fn warnings_fail_only_with_strict() {
    let f = Fixture::new();
    f.write(
        "content/_sources.yaml",
        "- id: unused\n  title: Never cited\n  kind: press\n  published: 2020-01-01\n",
    );
    f.write("content/a.md", &article("A", "2020-01-01", "Body"));
    let run = f.run(&["check"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("content/_sources.yaml:1:3: warning[SOURCE-UNUSED]"),
        "{}",
        run.stderr
    );
    let run = f.run(&["check", "--strict"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
}

#[test]
fn hostile_inputs_never_panic() {
    let bomb = "---\ntitle: Bomb\na: &a [\"lol\",\"lol\"]\nb: &b [*a,*a]\nc: [*b,*b]\n---\n";
    let deep = format!(
        "---\ntitle: x\ndate: 2020-01-01\nsummary: {}{}\n---\n",
        "[".repeat(100_000),
        "]".repeat(100_000)
    );
    let inputs: Vec<(&str, Vec<u8>)> = vec![
        ("empty", Vec::new()),
        ("fm_only", b"---\n---\n".to_vec()),
        ("bomb", bomb.as_bytes().to_vec()),
        ("deep", deep.into_bytes()),
        ("list", b"---\n- a\n- b\n---\n".to_vec()),
        (
            "tag",
            b"---\ntitle: !include /etc/passwd\ndate: 2020-01-01\n---\n".to_vec(),
        ),
        ("png", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec()),
        ("nul", b"---\ntitle: a\0b\ndate: 2020-01-01\n---\n".to_vec()),
        (
            "null_title",
            b"---\ntitle: ~\ndate: 2020-01-01\n---\n".to_vec(),
        ),
        (
            "bool_draft",
            b"---\ntitle: a\ndate: 2020-01-01\ndraft: \"false\"\n---\n".to_vec(),
        ),
        ("int_date", b"---\ntitle: a\ndate: 20190101\n---\n".to_vec()),
    ];
    for (name, bytes) in inputs {
        let f = Fixture::new();
        f.write_bytes("content/a.md", &bytes);
        let run = f.run(&["build"]);
        assert_eq!(run.code, 1, "{name}: {}", run.stderr);
        assert!(
            run.stderr.contains("content/a.md:"),
            "{name}: {}",
            run.stderr
        );
        assert!(!run.stderr.contains("panicked"), "{name}: {}", run.stderr);
    }
}
