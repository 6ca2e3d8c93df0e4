//! Processing pipelines (pySigma's YAML format): they rewrite a rule's model before it compiles,
//! so a rule written for Sysmon's field names reads the events people have (the Security log,
//! Winlogbeat/ECS, their own). [`model`] is the pipeline, [`parse`] reads it with located errors,
//! [`apply`] rewrites a rule, [`builtin`] holds the pipelines the engine ships.

pub mod builtin;
mod cond_expr;
pub mod model;
pub mod parse;

pub use builtin::{builtin, builtin_text, BUILTINS};
pub use model::{Pipeline, ProcessingItem, Transformation};
pub use parse::parse_pipeline;

#[cfg(test)]
mod tests;
