//! Rule tests for Sigma Playground.
//!
//! A [`RuleTest`] is everything the playground shows: a rule text, the events text as pasted,
//! which events should fire, placeholder values, options and the processing pipeline. It is
//!
//! - saved as a JSON file (`"format": "sigmaplay-test/1"`, see [`RuleTest::from_json`] and
//!   [`RuleTest::to_json`]) that `sigmaplay test FILE...` runs and the page imports;
//! - run by [`run`] into a [`TestReport`] (verdict per event, expectation, pass/fail, overall pass,
//!   rule diagnostics), rendered as JUnit XML by [`junit_xml`];
//! - imported from and exported as a SigmaHQ regression test folder (`info.yml` + events JSON,
//!   [`import_regression`], [`export_regression`]);
//! - shared as a link whose fragment carries the whole test, compressed and versioned
//!   ([`encode_link`], [`decode_link`], `base#v1.<base64url(zlib(json))>`).
//!
//! No web dependency: the CLI and the web app (wasm32) both use this crate.

mod evaluator;
mod event_key;
mod exemplars;
mod file;
mod identity;
mod junit;
mod link;
mod pipeline;
mod regression;
mod report;

pub use evaluator::{Evaluator, EventVerdict, Verdict};
pub use event_key::{event_keys, EventKey};
pub use exemplars::{
    exemplar_cases, exemplars_edit, open_exemplars, read_exemplars, run_case,
    with_alert_expectations, Exemplar, ExemplarCase, ExemplarEvents, RuleExemplars, EXEMPLARS_KEY,
    EXEMPLAR_BASE_TIME,
};
pub use file::{
    AlertExpectation, Expectation, RuleTest, TestFileError, TestOptions, FORMAT, FORMAT_PREFIX,
    FORMAT_VERSION,
};
pub use identity::{place, Placement};
pub use junit::junit_xml;
pub use link::{
    decode_link, encode_fragment, encode_link, LinkError, LINK_VERSION, MAX_DECODED_BYTES,
    MAX_LINK_LEN,
};
pub use pipeline::{PipelineChoice, PipelineError, CUSTOM_PIPELINE_ORIGIN};
pub use regression::{
    export_regression, import_regression, ExportOptions, RegressionCase, RegressionError,
    RegressionFolder, RegressionInfo, RuleMetadata,
};
pub use report::{
    run, run_with_pipelines, AlertResult, EventResult, Outcome, RuleInfo, TestCounts, TestReport,
};
