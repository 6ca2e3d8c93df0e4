//! The compiled program: what a rule becomes once everything that can be decided per rule is
//! decided. [`crate::eval`] runs it fast, [`crate::explain`] runs it with a trace; both read these
//! types and nothing else of the compiler.

use crate::rule::modifier::Modifier;
use crate::rule::value::{Anchors, CompareOp, Number, TimePart};
use crate::rule::LogSource;
use crate::source::{SourceMap, Span};
use ipnet::IpNet;
use memchr::memmem;
use std::sync::Arc;

/// A rule ready to evaluate events: cheap to clone (the compiled body is shared).
#[derive(Clone, Debug)]
pub struct CompiledRule {
    pub title: String,
    pub id: Option<String>,
    pub level: Option<String>,
    pub status: Option<String>,
    pub logsource: LogSource,
    pub tags: Vec<String>,
    /// Span of the whole YAML document in the source text.
    pub span: Span,
    pub(crate) body: Arc<RuleBody>,
    /// Log source field mappings in force (rule field → event field).
    pub(crate) mappings: Arc<Vec<(String, String)>>,
}

#[derive(Debug)]
pub(crate) struct RuleBody {
    pub searches: Vec<CSearch>,
    /// The condition list (OR-ed); almost always one.
    pub conditions: Vec<CExpr>,
    /// The distinct fields the items read, in rule order; [`CItem::field_id`] indexes it.
    pub fields: Vec<String>,
    pub source: SourceMap,
}

#[derive(Debug)]
pub(crate) struct CSearch {
    pub name: String,
    pub span: Span,
    pub body: CBody,
}

#[derive(Debug)]
pub(crate) enum CBody {
    All(Vec<CBody>, Span),
    Any(Vec<CBody>, Span),
    Item(CItem),
}

#[derive(Debug)]
pub(crate) struct CItem {
    /// `None` for keywords.
    pub field: Option<String>,
    /// The field's index in [`RuleBody::fields`] (`u32::MAX` for keywords).
    pub field_id: u32,
    pub modifiers: Vec<Modifier>,
    pub all: bool,
    pub negated: bool,
    pub values: Vec<CValue>,
    pub span: Span,
}

/// One written value: OR of its variants.
#[derive(Debug)]
pub(crate) struct CValue {
    pub written: String,
    pub span: Span,
    pub variants: Vec<CVariant>,
}

#[derive(Debug)]
pub(crate) struct CVariant {
    pub matcher: Matcher,
    pub expected: String,
    pub label: Option<String>,
    /// For glob patterns: the longest literal part, folded (what the prefilter can look for).
    pub literal: Option<String>,
    /// For string patterns: where they are open (a leading or trailing `*`), for the words.
    pub shape: Option<TextShape>,
}

/// A string pattern's wildcard ends and its text between them.
#[derive(Debug)]
pub(crate) struct TextShape {
    pub open_start: bool,
    pub open_end: bool,
    /// The pattern is `*` alone.
    pub any: bool,
    /// The pattern without its leading and trailing `*`, as written (Sigma escapes).
    pub core: String,
}

#[derive(Debug)]
pub(crate) enum CExpr {
    Or(Vec<CExpr>, Span),
    And(Vec<CExpr>, Span),
    Not(Box<CExpr>, Span),
    Search(usize, Span),
    Of {
        all: bool,
        members: Vec<usize>,
        span: Span,
    },
}

impl CExpr {
    pub fn span(&self) -> Span {
        match self {
            CExpr::Or(_, s) | CExpr::And(_, s) | CExpr::Not(_, s) | CExpr::Search(_, s) => *s,
            CExpr::Of { span, .. } => *span,
        }
    }
}

/// A string comparison, pattern pre-folded unless case-sensitive.
#[derive(Debug)]
pub(crate) enum StrKind {
    Exact(Box<str>),
    Prefix(Box<str>),
    Suffix(Box<str>),
    Contains(Box<memmem::Finder<'static>>),
    /// `*`: any string value.
    Any,
    Glob(regex::Regex),
}

#[derive(Debug)]
pub(crate) enum Matcher {
    Str {
        kind: StrKind,
        cased: bool,
    },
    Regex(regex::Regex),
    Cidr(IpNet),
    Number(Number),
    Bool(bool),
    Null,
    Exists(bool),
    Compare {
        op: CompareOp,
        value: f64,
        part: Option<TimePart>,
    },
    TimeEq {
        part: TimePart,
        value: f64,
    },
    FieldRef {
        field: String,
        anchors: Anchors,
    },
}

impl CompiledRule {
    /// The same rule reading some fields under other names (log source field mappings:
    /// rule field → event field).
    pub fn with_field_mappings(&self, mappings: &[(String, String)]) -> CompiledRule {
        let mut r = self.clone();
        r.mappings = Arc::new(mappings.to_vec());
        r
    }
}
