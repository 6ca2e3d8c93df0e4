//! Sigma detection rules: parse → compile → evaluate → explain.
//!
//! The layers mirror the `regex` crate family: YAML text ([`yaml`]) becomes a rule model
//! ([`rule`], with [`modifier`], [`value`] and [`condition`]); the model compiles into matchers
//! ([`compile`]); compiled rules evaluate events fast ([`eval`]) or with a full trace ([`explain`]).
//! [`lint`] checks rules, [`logsource`] decides which events a rule applies to, [`ruleset`] runs
//! many rules over many events. No web dependency lives here.

pub mod compile;
pub mod condition;
pub mod correlation;
pub mod diag;
pub mod eval;
pub mod event;
pub mod explain;
pub mod fields;
pub mod lint;
pub mod logsource;
pub mod modifier;
pub mod prefilter;
pub mod rule;
pub mod ruleset;
pub mod span;
pub mod text;
pub mod value;
pub mod yaml;

pub use compile::{compile_rules, Compilation, CompileOptions, CompiledRule};
pub use diag::{Diagnostic, Severity};
pub use event::{parse_events, Event, EventFormat, EventInput, FieldValue};
pub use explain::MatchTrace;
pub use logsource::{LogSourceFit, LogSourceMap};
pub use rule::LogSource;
pub use ruleset::RuleSet;
pub use span::{Location, SourceMap, Span};
