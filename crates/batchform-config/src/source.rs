//! Source files: their name and text, and the mapping from byte offsets to line and column.

use batchform_core::{Pos, SourceRange};
use std::ops::Range;
use std::sync::Arc;

/// One configuration file's text, as the caller read it.
#[derive(Debug, Clone)]
pub struct SourceFile {
    pub name: Arc<str>,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: impl Into<Arc<str>>, text: impl Into<String>) -> SourceFile {
        let text = text.into();
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile { name: name.into(), text, line_starts }
    }

    /// Line (1-based), column (1-based, in characters) and byte of an offset.
    pub fn pos(&self, byte: usize) -> Pos {
        let byte = byte.min(self.text.len());
        let line_index = match self.line_starts.binary_search(&byte) {
            Ok(i) => i,
            Err(i) => i - 1,
        };
        let line_start = self.line_starts[line_index];
        let column =
            self.text.get(line_start..byte).map_or(byte - line_start, |s| s.chars().count()) + 1;
        Pos { line: line_index + 1, column, byte }
    }

    pub fn range(&self, bytes: Range<usize>) -> SourceRange {
        SourceRange {
            filename: self.name.clone(),
            start: self.pos(bytes.start),
            end: self.pos(bytes.end),
        }
    }

    /// The text of a 1-based line, without its line ending.
    pub fn line(&self, line: usize) -> Option<&str> {
        let start = *self.line_starts.get(line.checked_sub(1)?)?;
        let end = self.line_starts.get(line).map_or(self.text.len(), |next| next - 1);
        self.text.get(start..end).map(|s| s.strip_suffix('\r').unwrap_or(s))
    }

    /// The byte offset where a 1-based line starts (the end of the text past the last line).
    pub fn byte_of_line(&self, line: usize) -> usize {
        line.checked_sub(1)
            .and_then(|i| self.line_starts.get(i))
            .copied()
            .unwrap_or(self.text.len())
    }

    pub fn line_count(&self) -> usize {
        self.line_starts.len()
    }

    /// The source text of a range, if it lies in this file.
    pub fn slice(&self, range: &SourceRange) -> Option<&str> {
        self.text.get(range.start.byte..range.end.byte)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_count_lines_and_characters() {
        let f = SourceFile::new("main.tf", "a = 1\nbé = \"x\"\n");
        assert_eq!(f.pos(0), Pos { line: 1, column: 1, byte: 0 });
        assert_eq!(f.pos(6), Pos { line: 2, column: 1, byte: 6 });
        // 'é' is two bytes but one column.
        assert_eq!(f.pos(9), Pos { line: 2, column: 3, byte: 9 });
        assert_eq!(f.line(2), Some("bé = \"x\""));
        assert_eq!(f.line(3), Some(""));
        assert_eq!(f.line(4), None);
    }
}
