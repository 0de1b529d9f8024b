//! `brief new`: a new article file with every front-matter field ready to fill in.

use std::path::{Path, PathBuf};

use crate::content::slug;

/// The text of a new article.
pub fn article_text(title: &str, date: &str) -> String {
    let quoted = title.replace('\\', "\\\\").replace('"', "\\\"");
    format!(
        r#"---
title: "{quoted}"
date: {date}
summary: One or two plain sentences for lists, feeds and meta tags.
tags: []
draft: true
sources: []          # article-local sources; ids in content/_sources.yaml work too
entities: []         # ids from content/_entities.yaml
events: []           # - {{date: 2020-01-03, title: What happened, sources: [source-id]}}
claims: []           # - {{id: claim-id, text: The claim., status: reported, sources: [source-id]}}
updates: []
---

Write the article here. Cite sources with `[@source-id]`, mention entities with
`[[entity-id]]`, and mark claims with `[the claimed text](claim:claim-id)`.
"#
    )
}

/// Creates `content/<slug>.md` under `root`; refuses to overwrite.
pub fn create(root: &Path, title: &str, date: &str) -> Result<PathBuf, String> {
    let slug = slug::slugify(title);
    if slug.is_empty() {
        return Err(format!(
            "the title '{title}' has no letters or digits to make a file name from"
        ));
    }
    let dir = root.join("content");
    let path = dir.join(format!("{slug}.md"));
    if path.exists() {
        return Err(format!(
            "{} already exists; choose another title",
            path.display()
        ));
    }
    std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
    std::fs::write(&path, article_text(title, date))
        .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
    Ok(path)
}
