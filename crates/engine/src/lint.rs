//! Lint validators (to be filled in).
use crate::diag::Diagnostic;
use crate::rule::Rule;

pub fn check_rule(_rule: &Rule, _source: &str) -> Vec<Diagnostic> {
    Vec::new()
}
