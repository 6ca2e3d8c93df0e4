//! Processing pipelines (pySigma's YAML format): they rewrite a rule's model before it compiles,
//! so a rule written for Sysmon's field names reads the events people have (the Security log,
//! Winlogbeat/ECS, their own). `model` is the pipeline, `parse` reads it with located errors,
//! `apply` rewrites a rule (`values` the values after their modifiers), `show` prints the
//! result as Sigma YAML, `builtin` holds the pipelines the engine ships.

mod apply;
mod builtin;
mod cond_expr;
mod model;
mod parse;
mod show;
mod values;

pub(crate) use apply::apply_pipelines;
pub use builtin::{builtin_pipeline, BUILTIN_PIPELINES};
pub use model::Pipeline;
pub use parse::{parse_pipeline, parse_vars};
pub use show::{process_rules, ProcessedRule};
pub(crate) use values::placeholders_in;

#[cfg(test)]
mod fixtures;
#[cfg(test)]
mod tests;
