//! Rule-test files (`sigmaplay-test/1` JSON). A file that does not read gives an error with a
//! 1-based position when it is not JSON; a file that reads survives its file format and its share
//! link unchanged, and its report is consistent and agrees with the engine (`check_rule_test`).
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_fuzz::{check_position, check_rule_test};
use sigmaplay_ruletest::{RuleTest, TestFileError};

fuzz_target!(|text: &str| {
    match RuleTest::from_json(text) {
        Ok(test) => check_rule_test(&test),
        Err(TestFileError::Json {
            message,
            line,
            column,
        }) => {
            check_position(text, line, column, &message);
        }
        Err(e) => assert!(!e.to_string().is_empty()),
    }
});
