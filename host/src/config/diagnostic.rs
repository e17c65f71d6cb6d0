//! A problem in a policy file, pointing at the place.

use std::fmt;
use std::path::PathBuf;

/// One problem, with where it is and what would fix it.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Diagnostic {
    /// The file, as a path relative to the policy folder where possible.
    pub file: PathBuf,
    /// 1-based line and column; 0 when the problem concerns the whole file.
    pub line: usize,
    pub column: usize,
    /// What is wrong and what was expected, e.g. "unknown key `duraton`".
    pub message: String,
    /// The offending source line, quoted.
    pub snippet: Option<String>,
    /// Length of the offending text on that line, for the underline.
    pub width: usize,
    /// e.g. "did you mean `duration_minutes`?"
    pub hint: Option<String>,
}

impl fmt::Display for Diagnostic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            writeln!(
                f,
                "error: {}:{}:{}: {}",
                self.file.display(),
                self.line,
                self.column,
                self.message
            )?;
        } else {
            writeln!(f, "error: {}: {}", self.file.display(), self.message)?;
        }
        // The `|` and `=` lines line up with the line number's width.
        let gutter = self.line.to_string().len();
        if let Some(snippet) = &self.snippet {
            writeln!(f, "{:gutter$} |", "")?;
            writeln!(f, "{} | {}", self.line, snippet)?;
            writeln!(
                f,
                "{:gutter$} | {}{}",
                "",
                " ".repeat(self.column.saturating_sub(1)),
                "^".repeat(self.width.max(1))
            )?;
        }
        if let Some(hint) = &self.hint {
            writeln!(f, "{:gutter$} = hint: {hint}", "")?;
        }
        Ok(())
    }
}

/// Every problem found in one run, sorted by file and position.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl fmt::Display for Diagnostics {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for d in &self.0 {
            write!(f, "{d}")?;
            writeln!(f)?;
        }
        let n = self.0.len();
        write!(
            f,
            "{n} error{} in the policy files",
            if n == 1 { "" } else { "s" }
        )
    }
}

impl std::error::Error for Diagnostics {}
