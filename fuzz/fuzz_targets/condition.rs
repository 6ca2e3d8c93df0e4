//! Condition texts in a fixed rule: five searches (`sel1`, `sel2`, `sel_x`, `filter`, `keywords`)
//! and the fuzzed condition (one line: a condition; several lines: a list of conditions). Every
//! diagnostic is located; when the rule compiles, the fast and explain paths agree on the 32 events
//! that make each subset of the searches true.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_engine::Event;
use sigmaplay_fuzz::{check_agreement, check_diagnostics, compile};

const SKELETON: &str = "title: fuzzed condition
logsource:
    product: fuzz
detection:
    sel1:
        a: '1'
    sel2:
        b|contains: '2'
    sel_x:
        c|re: '^3$'
    filter:
        d|startswith: '4'
    keywords:
        - 'kw5'
    condition: ";

/// The skeleton with `condition`. A single line is written as a literal block scalar (verbatim:
/// positions in the condition are positions in the text), lines as a list of them; odd-length
/// conditions are double-quoted instead (escapes and all).
fn rule_text(condition: &str) -> String {
    let lines: Vec<&str> = condition.lines().take(8).collect();
    match lines.as_slice() {
        [one] if one.len() % 2 == 1 => {
            let quoted = serde_json::to_string(one).expect("a string serializes");
            format!("{SKELETON}{quoted}\n")
        }
        [one] => format!("{SKELETON}|4-\n        {one}\n"),
        _ => {
            let items: String = lines
                .iter()
                .map(|l| format!("        - |-\n            {}\n", l.trim_start()))
                .collect();
            format!("{SKELETON}\n{items}")
        }
    }
}

/// Event `bits`: bit k set makes search k true.
fn event(bits: u32) -> Event {
    let pick = |k: u32, yes: &str, no: &str| -> serde_json::Value {
        (if bits & (1 << k) != 0 { yes } else { no }).into()
    };
    Event::from_json(&serde_json::json!({
        "a": pick(0, "1", "0"),
        "b": pick(1, "x2y", "xy"),
        "c": pick(2, "3", "33"),
        "d": pick(3, "4x", "x4"),
        "e": pick(4, "kw5", "none"),
    }))
}

fuzz_target!(|condition: &str| {
    let text = rule_text(condition);
    let compilation = compile(&text);
    check_diagnostics(&text, &compilation.diagnostics);
    for rule in &compilation.rules {
        for bits in 0..32 {
            check_agreement(rule, &event(bits));
        }
    }
});
