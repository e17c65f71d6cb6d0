//! One policy file's text, and turning byte spans into diagnostics.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::diagnostic::{Diagnostic, SNIPPET_CHARS};

/// A policy file read into memory, with the name used in messages.
#[derive(Debug, Clone)]
pub(crate) struct SourceFile {
    /// Path relative to the policy folder, for messages.
    pub name: PathBuf,
    /// The real path on disk (paths inside the file resolve against its folder).
    pub path: PathBuf,
    pub text: String,
    /// Byte offset of each line's start, computed on first use so that
    /// positions are found by binary search, not by rescanning the file.
    line_starts: std::cell::OnceCell<Vec<usize>>,
}

impl SourceFile {
    pub fn new(name: PathBuf, path: PathBuf, text: String) -> SourceFile {
        SourceFile {
            name,
            path,
            text,
            line_starts: std::cell::OnceCell::new(),
        }
    }

    /// 0-based index of the line holding byte offset `at`.
    fn line_index(&self, at: usize) -> usize {
        let starts = self.line_starts.get_or_init(|| {
            std::iter::once(0)
                .chain(self.text.match_indices('\n').map(|(i, _)| i + 1))
                .collect()
        });
        starts.partition_point(|&s| s <= at).saturating_sub(1)
    }

    /// The folder the file lives in; relative paths it names resolve here.
    pub fn folder(&self) -> &Path {
        self.path.parent().unwrap_or_else(|| Path::new("."))
    }

    /// `relative` resolved against the file's folder, with `.` and `..`
    /// removed lexically.
    pub fn resolve(&self, relative: &str) -> PathBuf {
        let mut out = PathBuf::new();
        for c in self.folder().join(relative).components() {
            match c {
                Component::CurDir => {}
                Component::ParentDir
                    if matches!(out.components().next_back(), Some(Component::Normal(_))) =>
                {
                    out.pop();
                }
                other => out.push(other),
            }
        }
        out
    }

    /// 1-based line and column (in characters) of a byte offset, the text of
    /// that line, and the column width of `span` on that line.
    fn locate(&self, span: &Range<usize>) -> (usize, usize, &str, usize) {
        let start = floor_boundary(&self.text, span.start.min(self.text.len()));
        let index = self.line_index(start);
        let line_start = self.text[..start].rfind('\n').map_or(0, |i| i + 1);
        let line_end = self.text[start..]
            .find('\n')
            .map_or(self.text.len(), |i| start + i);
        let line_no = index + 1;
        let line_text = self.text[line_start..line_end].trim_end_matches('\r');
        let column = self.text[line_start..start].chars().count() + 1;
        let end = floor_boundary(&self.text, span.end.clamp(start, line_end));
        let width = self.text[start..end].chars().count();
        (line_no, column, line_text, width)
    }

    /// A diagnostic pointing at `span`. When `span` is a value, the public
    /// rendering names the key it belongs to (a key peerwell knows: the
    /// value of an unknown key is never checked).
    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Diagnostic {
        self.diagnostic(span, message.into(), hint, true)
    }

    /// A diagnostic pointing at `span`, naming no key (for TOML syntax
    /// errors, where the text before `=` need not be a key at all).
    pub fn syntax_error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Diagnostic {
        self.diagnostic(span, message.into(), hint, false)
    }

    fn diagnostic(
        &self,
        span: Range<usize>,
        message: String,
        hint: Option<String>,
        name_key: bool,
    ) -> Diagnostic {
        let (line, column, text, width) = self.locate(&span);
        let quoted = quoted_from(text, [Some(message.as_str()), hint.as_deref()]);
        let (snippet, caret, width) = window(text, column, width.max(1));
        Diagnostic {
            file: self.name.clone(),
            line,
            column,
            message,
            snippet: Some(snippet),
            width,
            hint,
            caret,
            key: if name_key { key_of(text, column) } else { None },
            quoted,
            exhausted: false,
        }
    }

    /// Where `span` starts, as `file:line:column`, for "first defined at" hints.
    pub fn position(&self, span: &Range<usize>) -> String {
        let (line, column, _, _) = self.locate(span);
        format!("{}:{line}:{column}", self.name.display())
    }
}

/// The key before the first `=` of `line`, when the text there is a plain
/// (possibly dotted) key and `column` lies after the `=` (so the problem is
/// the key's value).
fn key_of(line: &str, column: usize) -> Option<String> {
    let eq = line.find('=')?;
    if line[..eq].chars().count() + 1 >= column {
        return None;
    }
    let key = line[..eq].trim();
    let plain = !key.is_empty()
        && key.len() <= 64
        && key
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | ' '));
    plain.then(|| key.split_whitespace().collect::<String>())
}

/// The pieces of `texts` between backticks or double quotes that are text
/// of `line`.
fn quoted_from(line: &str, texts: [Option<&str>; 2]) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for text in texts.into_iter().flatten() {
        for mark in ['`', '"'] {
            for piece in text.split(mark).skip(1).step_by(2) {
                if !piece.is_empty() && line.contains(piece) && !out.iter().any(|q| q == piece) {
                    out.push(piece.to_string());
                }
            }
        }
    }
    // Longest first, so that a piece inside another is not replaced first.
    out.sort_by(|a, b| b.len().cmp(&a.len()).then_with(|| a.cmp(b)));
    out
}

/// At most [`SNIPPET_CHARS`] characters of `line` around 1-based `column`,
/// with `…` where text is cut; the 0-based offset of the column in the
/// result and the underline width, cut to the window.
fn window(line: &str, column: usize, width: usize) -> (String, usize, usize) {
    let chars: Vec<char> = line.chars().collect();
    let at = column.saturating_sub(1);
    if chars.len() <= SNIPPET_CHARS {
        return (line.to_string(), at, width);
    }
    let start = at
        .saturating_sub(SNIPPET_CHARS / 3)
        .min(chars.len() - SNIPPET_CHARS);
    let end = start + SNIPPET_CHARS;
    let mut snippet = String::new();
    if start > 0 {
        snippet.push('…');
    }
    snippet.extend(&chars[start..end]);
    if end < chars.len() {
        snippet.push('…');
    }
    let caret = at - start + usize::from(start > 0);
    let width = width.min(end.saturating_sub(at)).max(1);
    (snippet, caret, width)
}

/// A diagnostic about a whole file (line 0: no position).
pub(crate) fn file_error(
    name: &Path,
    message: impl Into<String>,
    hint: Option<String>,
) -> Diagnostic {
    Diagnostic {
        file: name.to_path_buf(),
        line: 0,
        column: 0,
        message: message.into(),
        snippet: None,
        width: 0,
        hint,
        caret: 0,
        key: None,
        quoted: Vec::new(),
        exhausted: false,
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests;
