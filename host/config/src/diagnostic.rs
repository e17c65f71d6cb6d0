//! A problem in a policy file, pointing at the place.
//!
//! Two renderings: [`Display`](fmt::Display) is for `peerwell check` and the
//! other commands in a terminal, and quotes the offending line (at most
//! [`SNIPPET_CHARS`] characters of it) with an underline; [`Diagnostics::public`]
//! is for everything that leaves the process otherwise (the daemon's log,
//! `/healthz`) and carries file, line, column and what is wrong, never text
//! of the file.

use std::fmt;
use std::path::PathBuf;

/// Most characters of a source line quoted in a terminal diagnostic.
pub const SNIPPET_CHARS: usize = 120;

/// What stands for text of the file left out.
const ELIDED: &str = "…";

/// One problem, with where it is and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, as a path relative to the policy folder where possible.
    pub file: PathBuf,
    /// 1-based line; 0 when the problem concerns the whole file.
    pub line: usize,
    /// 1-based column; 0 when the problem concerns the whole file.
    pub column: usize,
    /// What is wrong and what was expected, e.g. "unknown key `duraton`".
    pub message: String,
    /// The offending source line, quoted; a long line is cut to
    /// `SNIPPET_CHARS` characters around the column, with `…` for the
    /// rest.
    pub snippet: Option<String>,
    /// Length of the offending text in the snippet, for the underline.
    pub width: usize,
    /// e.g. "did you mean `duration_minutes`?"
    pub hint: Option<String>,
    /// 0-based character offset of the underline in `snippet`.
    pub(crate) caret: usize,
    /// The key whose value is wrong, when the key is one peerwell knows
    /// (named in the public rendering instead of the line).
    pub(crate) key: Option<String>,
    /// Text of the file that `message` or `hint` quote (left out of the
    /// public rendering).
    pub(crate) quoted: Vec<String>,
    /// The file could not be opened for want of file descriptors.
    pub(crate) exhausted: bool,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.headline(f, &self.message)?;
        writeln!(f)?;
        // The `|` and `=` lines line up with the line number's width.
        let gutter = self.line.to_string().len();
        if let Some(snippet) = &self.snippet {
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", self.line, snippet)?;
            writeln!(
                f,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(self.caret),
                "^".repeat(self.width.max(1))
            )?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{:gutter$} = hint: {hint}", "")?;
        }
        Ok(())
    }
}

impl Diagnostic {
    /// `error: file:line:column: message` (without a newline).
    fn headline(&self, f: &mut fmt::Formatter<'_>, message: &str) -> fmt::Result {
        if self.line > 0 {
            write!(
                f,
                "error: {}:{}:{}: {message}",
                self.file.display(),
                self.line,
                self.column,
            )
        } else {
            write!(f, "error: {}: {message}", self.file.display())
        }
    }

    /// `text` with every quoted piece of the file replaced by `…`.
    fn redact(&self, text: &str) -> String {
        let mut out = text.to_string();
        for q in &self.quoted {
            for (open, close) in [("`", "`"), ("\"", "\"")] {
                out = out.replace(
                    &format!("{open}{q}{close}"),
                    &format!("{open}{ELIDED}{close}"),
                );
            }
        }
        out
    }

    /// The diagnostic without any text of the file: see [`Diagnostics::public`].
    pub fn public(&self) -> impl fmt::Display + '_ {
        Public(self)
    }
}

/// [`Diagnostic::public`].
struct Public<'a>(&'a Diagnostic);

impl fmt::Display for Public<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let d = self.0;
        let mut message = d.redact(&d.message);
        if let Some(key) = &d.key {
            message.push_str(&format!(" (the value of `{key}`)"));
        }
        d.headline(f, &message)?;
        writeln!(f)?;
        if let Some(hint) = &d.hint {
            writeln!(f, "  = hint: {}", d.redact(hint))?;
        }
        Ok(())
    }
}

/// Every problem found in one run, sorted by file and position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    /// Whether a policy file could not be opened because the process ran
    /// out of file descriptors: loading again later may succeed.
    pub fn exhausted(&self) -> bool {
        self.0.iter().any(|d| d.exhausted)
    }

    /// The problems as they may leave the process (the daemon's log,
    /// `/healthz`): file, line, column, what is wrong and the hint, with no
    /// quoted line and no text of the file in the messages.
    pub fn public(&self) -> impl fmt::Display + '_ {
        PublicAll(self)
    }

    fn count(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the policy files",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            write!(f, "{d}")?;
            writeln!(f)?;
        }
        self.count(f)
    }
}

/// [`Diagnostics::public`].
struct PublicAll<'a>(&'a Diagnostics);

impl fmt::Display for PublicAll<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0.0 {
            write!(f, "{}", d.public())?;
        }
        self.0.count(f)?;
        write!(f, " (`peerwell check` shows each line)")
    }
}

impl std::error::Error for Diagnostics {}
