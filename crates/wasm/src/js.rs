//! wasm-bindgen exports for pages other than the playground: plain JS objects in and out
//! (serde-wasm-bindgen, JSON-compatible: objects, not `Map`s).
//!
//! ```js
//! const report = sigmaplay.compile(ruleText, { lint: true, placeholders: {} });
//! const verdicts = sigmaplay.evaluate(ruleText, eventsText, {});   // ["fired", "not_fired", ...]
//! const explained = sigmaplay.explain(ruleText, eventsText, 0, {});
//! ```

use crate::{compile, position_label, RuleOptions, Session, Verdict};
use serde::Serialize;
use wasm_bindgen::prelude::*;

fn to_js<T: Serialize>(value: &T) -> Result<JsValue, JsError> {
    value
        .serialize(&serde_wasm_bindgen::Serializer::json_compatible())
        .map_err(|e| JsError::new(&e.to_string()))
}

fn options_from_js(options: JsValue) -> Result<RuleOptions, JsError> {
    if options.is_undefined() || options.is_null() {
        return Ok(RuleOptions::with_lint());
    }
    serde_wasm_bindgen::from_value(options).map_err(|e| JsError::new(&format!("options: {e}")))
}

/// Compiles a rule text: `{diagnostics, rules, has_errors}`.
#[wasm_bindgen(js_name = compile)]
pub fn compile_js(rule: &str, options: JsValue) -> Result<JsValue, JsError> {
    let (_, report) = compile(rule, &options_from_js(options)?);
    to_js(&report)
}

/// Evaluates every event of `events` (any supported shape): one verdict string per event.
#[wasm_bindgen(js_name = evaluate)]
pub fn evaluate_js(rule: &str, events: &str, options: JsValue) -> Result<JsValue, JsError> {
    let mut session = session_for(rule, events, options)?;
    let verdicts: Vec<Verdict> = session.evaluate_chunk(0, usize::MAX);
    to_js(&verdicts)
}

/// Explains event number `index` (0-based): `{event_index, fields, traces, error}`.
#[wasm_bindgen(js_name = explain)]
pub fn explain_js(
    rule: &str,
    events: &str,
    index: usize,
    options: JsValue,
) -> Result<JsValue, JsError> {
    let session = session_for(rule, events, options)?;
    to_js(&session.explain(index))
}

/// A session holding `rule` (refused when it has errors) and `events`.
fn session_for(rule: &str, events: &str, options: JsValue) -> Result<Session, JsError> {
    let mut session = Session::new();
    let report = session.set_rule(rule, &options_from_js(options)?);
    if report.has_errors {
        return Err(JsError::new(&format!(
            "the rule has errors: {}",
            first_error(&report)
        )));
    }
    session.set_events(events);
    Ok(session)
}

fn first_error(report: &crate::CompileReport) -> String {
    report
        .diagnostics
        .iter()
        .find(|d| d.is_error())
        .map(|d| format!("{} {}", position_label(d), d.message))
        .unwrap_or_default()
}
