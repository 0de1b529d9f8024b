//! Reading a site from disk: walking its folders safely and decoding its text files.

use std::fs;
use std::io::Read as _;
use std::path::{Path, PathBuf};

use crate::content::SourceFile;
use crate::diag::{Diagnostic, Pos};

/// Largest input file read, in bytes (16 MiB); larger files are refused rather than slowing everything down.
pub const MAX_FILE_SIZE: u64 = 16 * 1024 * 1024;

/// Is this file or folder name something other than content: hidden, private (`_`) or an editor leftover?
/// Shared by the loader and the watcher, so both ignore the same things.
pub fn is_ignored_name(name: &str) -> bool {
    name.starts_with('.')
        || name.starts_with('_')
        || name.starts_with('#')
        || name.ends_with('~')
        || name.ends_with('#')
        || name.ends_with(".swp")
        || name.ends_with(".swx")
        || name.ends_with(".swo")
        || name.ends_with(".bck")
        || name.ends_with(".tmp")
        || name.contains("___jb_")
        || name == "4913"
}

/// Relative path of `path` under `root`, with `/` separators.
pub fn rel_path(root: &Path, path: &Path) -> String {
    let rel = path.strip_prefix(root).unwrap_or(path);
    rel.components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}

/// Lists the regular files under `root/dir` (sorted), refusing symlinks that leave `root`.
/// `keep` decides, from a file's name, whether it is wanted; ignored names are skipped,
/// as are whole ignored folders.
pub fn walk(
    root: &Path,
    dir: &Path,
    keep: impl Fn(&str) -> bool,
) -> (Vec<PathBuf>, Vec<Diagnostic>) {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    if !dir.is_dir() {
        return (files, problems);
    }
    let canonical_root = match root.canonicalize() {
        Ok(p) => p,
        Err(err) => {
            problems.push(Diagnostic::error(
                "FS-READ",
                &root.display().to_string(),
                None,
                format!("cannot open the site folder: {err}"),
            ));
            return (files, problems);
        }
    };
    let walker = walkdir::WalkDir::new(dir)
        .follow_links(true)
        .sort_by_file_name()
        .into_iter()
        .filter_entry(|e| e.depth() == 0 || !is_ignored_name(&e.file_name().to_string_lossy()));
    for entry in walker {
        let entry = match entry {
            Ok(entry) => entry,
            Err(err) => {
                let path = err.path().map(|p| rel_path(root, p)).unwrap_or_default();
                let name = err
                    .path()
                    .and_then(Path::file_name)
                    .map(|n| n.to_string_lossy().into_owned())
                    .unwrap_or_default();
                let is_link = err.path().is_some_and(|p| {
                    fs::symlink_metadata(p).is_ok_and(|m| m.file_type().is_symlink())
                });
                if is_link && err.loop_ancestor().is_none() {
                    // A dangling link: an error if it looks like content, ignored if it is an editor lock file.
                    if !is_ignored_name(&name) && keep(&name) {
                        let target = err
                            .path()
                            .and_then(|p| fs::read_link(p).ok())
                            .map(|t| t.display().to_string())
                            .unwrap_or_default();
                        problems.push(
                            Diagnostic::error(
                                "FS-SYMLINK-DANGLING",
                                &path,
                                None,
                                format!("symlink to a missing file ({target})"),
                            )
                            .with_help("remove the link or restore its target"),
                        );
                    }
                    continue;
                }
                let message = if err.loop_ancestor().is_some() {
                    "symlink loop: this folder links back to one of its parents".to_string()
                } else {
                    format!(
                        "cannot read: {}",
                        err.io_error()
                            .map_or_else(|| err.to_string(), ToString::to_string)
                    )
                };
                problems.push(
                    Diagnostic::error("FS-READ", &path, None, message)
                        .with_help("remove or fix the link"),
                );
                continue;
            }
        };
        let path = entry.path();
        let rel = rel_path(root, path);
        if entry.path_is_symlink() {
            match path.canonicalize() {
                Ok(target) if target.starts_with(&canonical_root) => {}
                Ok(target) => {
                    problems.push(
                        Diagnostic::error(
                            "FS-SYMLINK-ESCAPE",
                            &rel,
                            None,
                            format!("symlink to a file outside the site ({})", target.display()),
                        )
                        .with_help("copy the file into the site instead of linking to it"),
                    );
                    continue;
                }
                Err(_) => {
                    let target = fs::read_link(path)
                        .map(|t| t.display().to_string())
                        .unwrap_or_default();
                    if keep(&entry.file_name().to_string_lossy()) {
                        problems.push(
                            Diagnostic::error(
                                "FS-SYMLINK-DANGLING",
                                &rel,
                                None,
                                format!("symlink to a missing file ({target})"),
                            )
                            .with_help("remove the link or restore its target"),
                        );
                    }
                    continue;
                }
            }
        }
        let file_type = entry.file_type();
        if file_type.is_dir() || !keep(&entry.file_name().to_string_lossy()) {
            continue;
        }
        if !file_type.is_file() {
            problems.push(
                Diagnostic::error(
                    "FS-NOT-REGULAR",
                    &rel,
                    None,
                    "not a regular file (a pipe, socket or device)",
                )
                .with_help("remove it from the site folder"),
            );
            continue;
        }
        files.push(path.to_path_buf());
    }
    (files, problems)
}

/// Reads a file's bytes, refusing non-regular and oversized files.
pub fn read_bytes(root: &Path, path: &Path) -> Result<Vec<u8>, Diagnostic> {
    let meta = fs::metadata(path).map_err(|e| {
        Diagnostic::error(
            "FS-READ",
            &rel_path(root, path),
            None,
            format!("cannot read: {e}"),
        )
    })?;
    read_bytes_with(root, path, &meta)
}

/// [`read_bytes`] for a file whose metadata the caller already has.
pub fn read_bytes_with(
    root: &Path,
    path: &Path,
    meta: &fs::Metadata,
) -> Result<Vec<u8>, Diagnostic> {
    let rel = rel_path(root, path);
    let fail = |code, message: String| Diagnostic::error(code, &rel, None, message);
    if !meta.is_file() {
        return Err(fail("FS-NOT-REGULAR", "not a regular file".into()));
    }
    if meta.len() > MAX_FILE_SIZE {
        return Err(fail(
            "FS-TOO-LARGE",
            format!(
                "{:.1} MiB exceeds the limit of {} MiB per file",
                meta.len() as f64 / 1048576.0,
                MAX_FILE_SIZE / 1048576
            ),
        )
        .with_help("split the file"));
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    fs::File::open(path)
        .and_then(|f| f.take(MAX_FILE_SIZE + 1).read_to_end(&mut bytes))
        .map_err(|e| fail("FS-READ", format!("cannot read: {e}")))?;
    Ok(bytes)
}

/// Reads a text file: UTF-8 required, BOM dropped, CRLF and lone CR turned into LF.
pub fn read_text(root: &Path, path: &Path) -> Result<SourceFile, Diagnostic> {
    let bytes = read_bytes(root, path)?;
    decode_text(&rel_path(root, path), bytes)
}

/// [`read_text`] for a file whose metadata the caller already has.
pub fn read_text_with(
    root: &Path,
    path: &Path,
    meta: &fs::Metadata,
) -> Result<SourceFile, Diagnostic> {
    let bytes = read_bytes_with(root, path, meta)?;
    decode_text(&rel_path(root, path), bytes)
}

/// Decodes file bytes as text (see [`read_text`]).
pub fn decode_text(rel: &str, mut bytes: Vec<u8>) -> Result<SourceFile, Diagnostic> {
    let bom = bytes.starts_with(b"\xEF\xBB\xBF");
    if bom {
        bytes.drain(..3);
    }
    let text = match String::from_utf8(bytes) {
        Ok(text) => text,
        Err(err) => {
            let bytes = err.as_bytes();
            let valid = err.utf8_error().valid_up_to();
            let good = std::str::from_utf8(&bytes[..valid]).unwrap_or_default();
            let normalised = normalise_newlines(good);
            let pos = crate::diag::pos_at(&normalised, normalised.len());
            let bad = bytes.get(valid).copied().unwrap_or_default();
            let mut d = Diagnostic::error(
                "ENC-UTF8",
                rel,
                Some(pos),
                format!("invalid UTF-8 byte 0x{bad:02X}"),
            )
            .with_help("save the file as UTF-8");
            d.byte_offset = Some(valid + if bom { 3 } else { 0 });
            return Err(d);
        }
    };
    // Most files have no CR: keep the text read rather than copy it.
    let text = match normalise_newlines(&text) {
        std::borrow::Cow::Owned(normalised) => normalised,
        std::borrow::Cow::Borrowed(_) => text,
    };
    Ok(SourceFile {
        path: rel.to_string(),
        text,
    })
}

/// CRLF and lone CR become LF; positions stay the same (a CRLF was one line break already).
fn normalise_newlines(text: &str) -> std::borrow::Cow<'_, str> {
    if text.contains('\r') {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n"))
    } else {
        std::borrow::Cow::Borrowed(text)
    }
}

/// A position-free diagnostic for a whole file.
pub fn file_error(rel: &str, code: &'static str, message: impl Into<String>) -> Diagnostic {
    Diagnostic::error(code, rel, Some(Pos::START), message)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn editor_leftovers_and_private_files_are_ignored() {
        let ignored = [
            ".#draft.md",
            "draft.md~",
            ".draft.md.swp",
            "4913",
            "draft.md0HlVyu.bck",
            "draft.md___jb_tmp___",
            "#draft.md#",
            "_sources.yaml",
            ".git",
        ];
        for name in ignored {
            assert!(is_ignored_name(name), "{name}");
        }
        for name in ["draft.md", "a-4913.md", "x.md"] {
            assert!(!is_ignored_name(name), "{name}");
        }
    }

    #[test]
    fn text_is_decoded_with_bom_and_line_endings_normalised() {
        let cases: &[(&[u8], &str)] = &[
            (b"\xEF\xBB\xBF---\ntitle: a\n", "---\ntitle: a\n"),
            (b"---\r\ntitle: a\r\n", "---\ntitle: a\n"),
            (b"a\rb\r\nc\n", "a\nb\nc\n"),
        ];
        for (bytes, want) in cases {
            assert_eq!(
                decode_text("a.md", bytes.to_vec())
                    .map(|f| f.text)
                    .as_deref(),
                Ok(*want)
            );
        }
    }

    #[test]
    fn invalid_utf8_is_located() {
        let err = decode_text("content/latin1.md", b"---\ntitle: caf\xE9\n".to_vec())
            .expect_err("invalid");
        assert_eq!(
            (err.code, err.pos, err.byte_offset),
            ("ENC-UTF8", Some(Pos { line: 2, col: 11 }), Some(14))
        );
        assert!(
            err.render()
                .starts_with("content/latin1.md:2:11 (byte offset 14): error[ENC-UTF8]"),
            "{}",
            err.render()
        );
    }
}
