//! One policy file's text, and turning byte spans into diagnostics.

use std::ops::Range;
use std::path::{Component, Path, PathBuf};

use super::diagnostic::Diagnostic;

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
    fn locate(&self, span: &Range<usize>) -> (usize, usize, String, usize) {
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
        (line_no, column, line_text.to_string(), width)
    }

    /// A diagnostic pointing at `span`.
    pub fn error(
        &self,
        span: Range<usize>,
        message: impl Into<String>,
        hint: Option<String>,
    ) -> Diagnostic {
        let (line, column, snippet, width) = self.locate(&span);
        Diagnostic {
            file: self.name.clone(),
            line,
            column,
            message: message.into(),
            snippet: Some(snippet),
            width: width.max(1),
            hint,
        }
    }

    /// Where `span` starts, as `file:line:column`, for "first defined at" hints.
    pub fn position(&self, span: &Range<usize>) -> String {
        let (line, column, _, _) = self.locate(span);
        format!("{}:{line}:{column}", self.name.display())
    }
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
    }
}

fn floor_boundary(text: &str, mut i: usize) -> usize {
    while i > 0 && !text.is_char_boundary(i) {
        i -= 1;
    }
    i
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(text: &str) -> SourceFile {
        SourceFile::new("a.toml".into(), "/x/a.toml".into(), text.to_string())
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        let f = file("name = \"é\"\nzone = \"Amérique\"\n");
        let at = f.text.find("Am").unwrap_or(0);
        let d = f.error(at - 1..at + 10, "bad", None);
        assert_eq!((d.line, d.column, d.width), (2, 8, 10));
        assert_eq!(d.snippet.as_deref(), Some("zone = \"Amérique\""));
    }

    #[test]
    fn multi_line_spans_stop_at_the_end_of_the_line() {
        let f = file("a = [\n 1,\n]\n");
        let d = f.error(4..12, "bad", None);
        assert_eq!((d.line, d.column, d.width), (1, 5, 1));
    }

    #[test]
    fn spans_past_the_end_point_at_the_last_line() {
        let f = file("a = 1");
        let d = f.error(99..100, "bad", None);
        assert_eq!((d.line, d.column, d.width), (1, 6, 1));
    }
}
