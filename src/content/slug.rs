//! Slugs: portable single path segments for URLs, made from names or checked as written.

/// Longest slug accepted, in bytes: keeps paths portable.
pub const MAX_LEN: usize = 100;

/// Names Windows reserves for devices; refused everywhere so a site builds the same on every OS.
const RESERVED: [&str; 22] = [
    "con", "prn", "aux", "nul", "com1", "com2", "com3", "com4", "com5", "com6", "com7", "com8",
    "com9", "lpt1", "lpt2", "lpt3", "lpt4", "lpt5", "lpt6", "lpt7", "lpt8", "lpt9",
];

/// Makes a slug from free text: transliterated to ASCII, lowercase, words joined by `-`.
/// May return an empty string (for text with no letters or digits), which callers must refuse.
pub fn slugify(text: &str) -> String {
    let ascii = deunicode::deunicode(text);
    let mut slug = String::with_capacity(ascii.len());
    for c in ascii.chars() {
        if c.is_ascii_alphanumeric() {
            slug.push(c.to_ascii_lowercase());
        } else if !slug.is_empty() && !slug.ends_with('-') {
            slug.push('-');
        }
    }
    while slug.ends_with('-') {
        slug.pop();
    }
    if slug.len() > MAX_LEN {
        slug.truncate(MAX_LEN);
        while slug.ends_with('-') {
            slug.pop();
        }
    }
    slug
}

/// Checks a slug or id written by the author; returns what is wrong with it.
pub fn check(slug: &str) -> Result<(), String> {
    if slug.is_empty() {
        return Err("it is empty".into());
    }
    if slug.len() > MAX_LEN {
        return Err(format!("it is longer than {MAX_LEN} bytes"));
    }
    if let Some(bad) = slug
        .chars()
        .find(|c| !(c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '-'))
    {
        return Err(format!("'{}' is not allowed", bad.escape_default()));
    }
    if slug.starts_with('-') || slug.ends_with('-') || slug.contains("--") {
        return Err("hyphens must separate words (no leading, trailing or doubled -)".into());
    }
    if RESERVED.contains(&slug) {
        return Err(format!("'{slug}' is a reserved device name on Windows"));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn slugify_makes_clean_ascii() {
        let cases = [
            (
                "US strike kills Quds Force commander",
                "us-strike-kills-quds-force-commander",
            ),
            ("Kata'ib Hezbollah", "kata-ib-hezbollah"),
            ("Café à Bagdad", "cafe-a-bagdad"),
            ("  --Hello,   World!-- ", "hello-world"),
            ("Ünïcödé_File Name", "unicode-file-name"),
            ("!!!", ""),
            ("北京", "bei-jing"),
        ];
        for (input, want) in cases {
            assert_eq!(slugify(input), want, "{input}");
        }
        assert!(slugify(&"word ".repeat(100)).len() <= MAX_LEN);
    }

    #[test]
    fn check_refuses_unportable_slugs() {
        let bad = [
            "",
            "../../etc/x",
            "/etc/x",
            "a/../../x",
            "..",
            "..%2F..%2Fx",
            "a\\..\\x",
            "C:/x",
            "x\0y",
            "con",
            "com1",
            "a:b",
            "a?b",
            "trailing.",
            "trailing ",
            "Brief",
            "-a",
            "a-",
            "a--b",
        ];
        for slug in bad {
            assert!(check(slug).is_err(), "{slug:?} should be refused");
        }
        assert!(check(&"a".repeat(101)).is_err());
        for slug in ["baghdad-airport-strike", "a", "2020-01-03", "x1"] {
            assert_eq!(check(slug), Ok(()), "{slug}");
        }
    }
}
