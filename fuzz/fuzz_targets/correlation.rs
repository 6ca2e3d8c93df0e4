//! Correlation documents after two fixed base rules (`failed`: EventID 4625, `success`: 4624),
//! run over a fixed stream of logon events with times, users and sources (in no time order, some
//! without a time). Every diagnostic is located; the run never panics; every alert's window is
//! ordered, within its timespan of the stream, and names only events of the stream that its
//! correlation could count.
#![no_main]
use libfuzzer_sys::fuzz_target;
use sigmaplay_engine::{Correlations, Event, TimestampField};
use sigmaplay_fuzz::{check_diagnostics, compile};

const BASE: &str = "title: failed
name: failed
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4625
    condition: sel
---
title: success
name: success
logsource:
    product: windows
    service: security
detection:
    sel:
        EventID: 4624
    condition: sel
---
";

fn events() -> Vec<Event> {
    let users = ["alice", "Alice", "bob", "carol", ""];
    (0..40)
        .map(|i: u32| {
            let mut e = serde_json::json!({
                "EventID": if i % 3 == 0 { 4624 } else { 4625 },
                "TargetUserName": users[(i % 5) as usize],
                "IpAddress": format!("10.0.0.{}", i % 4),
                "Bytes": i * 7 % 11,
            });
            if i % 9 != 8 {
                let seconds = (i * 37) % 600;
                e["@timestamp"] =
                    format!("2026-03-01T09:{:02}:{:02}Z", seconds / 60, seconds % 60).into();
            }
            Event::from_json(&e)
        })
        .collect()
}

fuzz_target!(|document: &str| {
    let text = format!("{BASE}{document}");
    let mut compilation = compile(&text);
    check_diagnostics(&text, &compilation.diagnostics);
    let (correlations, diags, warnings) = Correlations::resolve(
        std::mem::take(&mut compilation.correlations),
        std::mem::take(&mut compilation.filters),
        &compilation.rules,
    );
    let located: Vec<_> = diags
        .into_iter()
        .chain(warnings)
        .map(|(_, d)| d.locate(&compilation.source))
        .collect();
    check_diagnostics(&text, &located);
    let stream = events();
    let mut run = correlations.start(TimestampField::default());
    for (i, event) in stream.iter().enumerate() {
        let matched: Vec<usize> = compilation
            .rules
            .iter()
            .enumerate()
            .filter(|(_, r)| r.matches(event))
            .map(|(k, _)| k)
            .collect();
        run.push(i, event, &matched);
    }
    let outcome = run.finish();
    for (c, alerts) in outcome.alerts.iter().enumerate() {
        for alert in alerts {
            assert_eq!(alert.correlation, c);
            assert!(alert.window_start <= alert.window_end, "{alert:?}");
            assert!(alert.closing_event < stream.len(), "{alert:?}");
            assert!(alert.events.iter().all(|&e| e < stream.len()), "{alert:?}");
            assert!(alert.events.windows(2).all(|w| w[0] < w[1]), "{alert:?}");
            let rule = correlations
                .set
                .get(c)
                .expect("an alert's correlation is in the set");
            assert!(
                alert.window_end - alert.window_start <= rule.timespan.millis,
                "{alert:?}"
            );
        }
    }
});
