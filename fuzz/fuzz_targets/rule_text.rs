//! Whole rule texts (YAML, any number of documents): compile with lint, then every diagnostic is
//! located, compiled rules' fast and explain paths agree on events made from their fields and
//! written values, and rule sets fire exactly the rules that fire one by one.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_fuzz::{
    check_agreement, check_diagnostics, check_rule_set, compile, events_for, RuleSets,
};

const MAX_EXPLAINED_RULES: usize = 16;

fuzz_target!(|text: &str| {
    let compilation = compile(text);
    check_diagnostics(text, &compilation.diagnostics);
    if compilation.rules.is_empty() {
        return;
    }
    let sets = RuleSets::new(&compilation.rules);
    for event in events_for(&compilation.rules, text) {
        check_rule_set(&sets, &event);
        // Explaining is the slow path: the first rules show what all of them would.
        for rule in compilation.rules.iter().take(MAX_EXPLAINED_RULES) {
            check_agreement(rule, &event);
        }
    }
});
