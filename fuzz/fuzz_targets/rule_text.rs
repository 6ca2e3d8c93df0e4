//! Whole rule texts (YAML, any number of documents): compile with lint, then every diagnostic is
//! located, and each compiled rule's fast and explain paths agree on events made from its own
//! fields and written values, alone and in rule sets.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_fuzz::{
    check_agreement, check_diagnostics, check_rule_set, compile, events_for, RuleSets,
};

fuzz_target!(|text: &str| {
    let compilation = compile(text);
    check_diagnostics(text, &compilation.diagnostics);
    if compilation.rules.is_empty() {
        return;
    }
    let sets = RuleSets::new(&compilation.rules);
    for rule in &compilation.rules {
        for event in events_for(rule, text) {
            check_agreement(rule, &event);
            check_rule_set(&sets, &event);
        }
    }
});
