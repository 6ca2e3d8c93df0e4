//! The text the user typed: byte spans and line/column positions ([`span`]), diagnostics that
//! point into it ([`diagnostic`]), YAML read with the position of every node ([`yaml`]), and the
//! engine's one case-folding rule ([`text`]).

mod diagnostic;
mod span;
pub(crate) mod text;
pub(crate) mod yaml;

pub(crate) use diagnostic::did_you_mean;
pub use diagnostic::{Diagnostic, DiagnosticCode, Severity};
pub use span::{utf8_text, Location, NotUtf8, ScalarMap, SourceMap, Span};
