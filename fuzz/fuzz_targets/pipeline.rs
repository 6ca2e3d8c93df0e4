//! Processing pipelines (pySigma's YAML) over a fixed set of rules. Every diagnostic of the
//! pipeline is located in the pipeline's text and every diagnostic of the rules in theirs; when
//! the rules compile through it, the fast and explain paths agree on events made from the rules'
//! own values.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_engine::{compile_rules, parse_pipeline, CompileOptions};
use sigmaplay_fuzz::{check_agreement, check_diagnostics, events_for};

const RULES: &str = "title: process
logsource:
    category: process_creation
    product: windows
detection:
    sel:
        Image|endswith: '\\whoami.exe'
        CommandLine|contains|all: ['/priv', '/all']
    filter:
        User|startswith: 'NT AUTHORITY'
    condition: sel and not filter
---
title: network
logsource:
    category: network_connection
    product: windows
detection:
    sel:
        DestinationIp|cidr: 10.0.0.0/8
        Initiated: 'true'
        DestinationPort: 443
    condition: sel
---
title: security
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4688
        NewProcessName|endswith: '\\cmd.exe'
    condition: sel
";

fuzz_target!(|text: &str| {
    let pipeline = match parse_pipeline(text, "fuzz") {
        Ok(p) => p,
        Err(diagnostics) => {
            check_diagnostics(text, &diagnostics);
            return;
        }
    };
    let compilation = compile_rules(
        RULES,
        &CompileOptions {
            lint: true,
            pipelines: vec![pipeline],
            ..CompileOptions::default()
        },
    );
    // A pipeline's failure on a rule is located in the rule text it applied to.
    check_diagnostics(RULES, &compilation.diagnostics);
    for event in events_for(&compilation.rules, RULES) {
        for rule in &compilation.rules {
            check_agreement(rule, &event);
        }
    }
});
