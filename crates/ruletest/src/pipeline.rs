//! The processing pipeline a rule test runs its rule through: a built-in's name, or a custom
//! pipeline's YAML text carried whole (so a test file and a share link stand on their own).

use serde::{Deserialize, Serialize};
use sigmaplay_engine::{builtin_pipeline, parse_pipeline, Diagnostic, Pipeline, BUILTIN_PIPELINES};

/// What [`crate::RuleTest::pipeline`] holds. JSON: `{"builtin": "ecs_windows"}` or
/// `{"custom": "name: ...\ntransformations: ..."}`.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PipelineChoice {
    /// A pipeline the engine ships (`sysmon`, `ecs_windows`, ...; see [`BUILTIN_PIPELINES`]).
    Builtin(String),
    /// A pipeline in pySigma's YAML format, as written.
    Custom(String),
}

/// The name a custom pipeline's diagnostics and applied items carry.
pub const CUSTOM_PIPELINE_ORIGIN: &str = "custom";

/// Why the chosen pipeline could not be used.
#[derive(Clone, Debug, PartialEq)]
pub enum PipelineError {
    /// No built-in of this name (a link from a newer version, or an edited file).
    UnknownBuiltin(String),
    /// The custom text is not a valid pipeline: its diagnostics, located in that text.
    Invalid(Vec<Diagnostic>),
}

impl std::fmt::Display for PipelineError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            PipelineError::UnknownBuiltin(name) => {
                let names: Vec<&str> = BUILTIN_PIPELINES.iter().map(|(n, _, _)| *n).collect();
                write!(
                    f,
                    "no built-in pipeline '{name}' (built-ins: {})",
                    names.join(", ")
                )
            }
            PipelineError::Invalid(diagnostics) => {
                let first = diagnostics.iter().find(|d| d.is_error());
                match first {
                    Some(d) => {
                        let at = d
                            .location
                            .map(|l| format!("{}:{}: ", l.line, l.column))
                            .unwrap_or_default();
                        write!(f, "the custom pipeline has errors: {at}{}", d.message)
                    }
                    None => write!(f, "the custom pipeline has errors"),
                }
            }
        }
    }
}

impl PipelineChoice {
    /// The built-in's name, or [`CUSTOM_PIPELINE_ORIGIN`].
    pub fn name(&self) -> &str {
        match self {
            PipelineChoice::Builtin(name) => name,
            PipelineChoice::Custom(_) => CUSTOM_PIPELINE_ORIGIN,
        }
    }

    /// Reads the pipeline.
    pub fn load(&self) -> Result<Pipeline, PipelineError> {
        match self {
            PipelineChoice::Builtin(name) => {
                builtin_pipeline(name).ok_or_else(|| PipelineError::UnknownBuiltin(name.clone()))
            }
            PipelineChoice::Custom(text) => {
                parse_pipeline(text, CUSTOM_PIPELINE_ORIGIN).map_err(PipelineError::Invalid)
            }
        }
    }
}
