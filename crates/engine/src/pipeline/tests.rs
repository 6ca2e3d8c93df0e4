//! Reading pipelines: the built-ins, every transformation and condition type, bad input.

use super::model::*;
use super::parse::parse_pipeline;
use super::BUILTIN_PIPELINES;
use crate::rule::modifier::Scalar;

fn parse_ok(text: &str) -> Pipeline {
    match parse_pipeline(text, "test") {
        Ok(p) => p,
        Err(d) => panic!("{d:?}"),
    }
}

/// The message and line:column of the first error.
fn parse_err(text: &str) -> (String, usize, usize) {
    let diags = parse_pipeline(text, "test").expect_err("an error");
    let d = &diags[0];
    let loc = d.location.expect("located");
    (d.message.clone(), loc.line, loc.column)
}

#[test]
fn builtins_parse() {
    for (name, _, text) in BUILTIN_PIPELINES {
        let p = parse_ok(text);
        assert!(!p.items.is_empty(), "{name}");
        assert!(super::builtin_pipeline(name).is_some());
    }
    let ecs = super::builtin_pipeline("ecs_windows").unwrap();
    assert_eq!(ecs.priority, 20);
    let prefix = ecs
        .items
        .iter()
        .find(|i| i.id.as_deref() == Some("ecs_windows_winlog_eventdata_prefix"))
        .unwrap();
    assert!(
        matches!(&prefix.transformation, Transformation::FieldNamePrefix(p) if p == "winlog.event_data.")
    );
    assert!(prefix.field_name_conditions.negated);
    assert!(matches!(prefix.field_name_conditions.linking, Linking::Any));
}

#[test]
fn every_transformation_type_reads() {
    let text = r#"
name: all
priority: 5
vars:
  Admins: [alice, bob]
  Port: 22
transformations:
  - {type: field_name_mapping, mapping: {Image: [a, b], User: c}}
  - {type: field_name_prefix_mapping, mapping: {"Event.": e.}}
  - {type: field_name_prefix, prefix: p.}
  - {type: field_name_suffix, suffix: .keyword}
  - {type: drop_detection_item}
  - {type: add_condition, conditions: {EventID: [1, 2], Channel: x}, negated: true, template: true}
  - {type: change_logsource, service: security}
  - {type: replace_string, regex: '^C:', replacement: '\1%SystemDrive%', skip_special: true}
  - {type: map_string, mapping: {a: [b, c]}}
  - {type: set_value, value: 5, force_type: str}
  - {type: convert_type, target_type: num}
  - {type: value_placeholders, include: [Admins]}
  - {type: wildcard_placeholders, exclude: [Admins]}
  - {type: set_state, key: k, val: 1}
  - {type: rule_failure, message: no}
  - {type: detection_item_failure, message: no}
"#;
    let p = parse_ok(text);
    assert_eq!(p.priority, 5);
    assert_eq!(p.vars["Admins"], ["alice", "bob"]);
    assert_eq!(p.vars["Port"], ["22"]);
    assert_eq!(p.items.len(), 16);
    assert!(
        matches!(&p.items[0].transformation, Transformation::FieldNameMapping(m) if m[0].1 == ["a", "b"])
    );
    assert!(
        matches!(&p.items[5].transformation, Transformation::AddCondition { negated: true, template: true, conditions } if conditions[0].1.len() == 2)
    );
    match &p.items[7].transformation {
        Transformation::ReplaceString {
            replacement,
            skip_special,
            ..
        } => {
            assert_eq!(replacement, "${1}%SystemDrive%");
            assert!(*skip_special);
        }
        other => panic!("{other:?}"),
    }
    assert!(
        matches!(&p.items[9].transformation, Transformation::SetValue(Scalar::Str(s)) if s == "5")
    );
    assert!(
        matches!(&p.items[11].transformation, Transformation::ValuePlaceholders(s) if s.handles("Admins") && !s.handles("X"))
    );
    assert!(
        matches!(&p.items[12].transformation, Transformation::WildcardPlaceholders(s) if !s.handles("Admins") && s.handles("X"))
    );
}

#[test]
fn every_condition_type_reads() {
    let text = r#"
transformations:
  - type: drop_detection_item
    rule_conditions:
      - {type: logsource, category: process_creation}
      - {type: contains_detection_item, field: EventID, value: 1}
      - {type: processing_item_applied, processing_item_id: x}
      - {type: processing_state, key: k, val: v, op: ne}
      - {type: contains_field, field: Image}
      - {type: tag, tag: attack.t1059}
      - {type: is_sigma_rule}
    rule_cond_op: or
    detection_item_conditions:
      a: {type: match_string, pattern: '^x', cond: all, negate: true}
      b: {type: match_value, value: true}
      c: {type: is_null, cond: any}
      d: {type: contains_wildcard}
      e: {type: processing_item_applied, processing_item_id: x}
    detection_item_cond_expr: "a and not (b or c) or d and e"
    field_name_conditions:
      - {type: include_fields, fields: ['\w+\.'], mode: re}
      - {type: exclude_fields, fields: [Image]}
      - {type: processing_item_applied, processing_item_id: y}
    field_name_cond_not: true
"#;
    let p = parse_ok(text);
    let item = &p.items[0];
    assert_eq!(item.rule_conditions.list.len(), 7);
    assert!(matches!(item.rule_conditions.linking, Linking::Any));
    assert_eq!(item.detection_item_conditions.list.len(), 5);
    assert!(matches!(
        item.detection_item_conditions.linking,
        Linking::Expr(_)
    ));
    assert!(item.field_name_conditions.negated);
    match &item.field_name_conditions.list[0].1 {
        FieldNameCondition::Fields {
            names,
            exclude: false,
        } => {
            assert!(names.contains("process.executable"));
            assert!(!names.contains("Image"));
            assert!(!names.contains("x-process.y"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn conditions_combine_as_pysigma() {
    let mut c: Conditions<bool> = Conditions::default();
    assert!(c.holds(|b| *b), "no conditions hold");
    c.negated = true;
    assert!(!c.holds(|b| *b), "a negated empty list does not");
    c.list = vec![(None, true), (None, false)];
    c.negated = false;
    assert!(!c.holds(|b| *b));
    c.linking = Linking::Any;
    assert!(c.holds(|b| *b));
    c.negated = true;
    assert!(!c.holds(|b| *b));
}

#[test]
fn bad_input_is_located() {
    let (m, l, c) = parse_err("transformations:\n  - type: field_name_frobnicate\n");
    assert!(
        m.contains("unknown transformation type 'field_name_frobnicate'"),
        "{m}"
    );
    assert_eq!((l, c), (2, 11));
    let (m, l, _) = parse_err("transformations:\n  - type: nest\n");
    assert!(m.contains("'nest'") && m.contains("not supported"), "{m}");
    assert_eq!(l, 2);
    let (m, l, c) = parse_err(
        "transformations:\n  - type: field_name_mapping\n    mapping:\n      Image: ''\n",
    );
    assert!(m.contains("'Image' is mapped to an empty name"), "{m}");
    assert_eq!((l, c), (4, 14));
    let (m, l, _) = parse_err("transformations:\n  - type: drop_detection_item\n    rule_conditions:\n      - type: logsorce\n");
    assert!(
        m.contains("unknown rule condition type 'logsorce'")
            && m.contains("did you mean 'logsource'"),
        "{m}"
    );
    assert_eq!(l, 4);
    let (m, l, _) = parse_err("transformations:\n  - type: drop_detection_item\n    rule_conditions:\n      - type: logsource\n        categroy: x\n");
    assert!(m.contains("no argument 'categroy'"), "{m}");
    assert_eq!(l, 5);
    let (m, l, _) =
        parse_err("transformations:\n  - type: drop_detection_item\n    rule_cond_op: xor\n");
    assert!(m.contains("'and' or 'or'"), "{m}");
    assert_eq!(l, 3);
    let (m, l, _) = parse_err("transformations: [\n  {type: x\n");
    assert!(m.starts_with("YAML"), "{m}");
    assert!(l >= 2);
    let (m, _, _) = parse_err("transformations:\n  - type: field_name_prefix\n");
    assert!(m.contains("needs the argument 'prefix'"), "{m}");
    let (m, l, c) = parse_err("transformations:\n  - type: drop_detection_item\n    field_name_conditions:\n      a: {type: include_fields, fields: [x]}\n    field_name_cond_expr: 'a or b'\n");
    assert!(m.contains("'b'"), "{m}");
    assert_eq!((l, c), (5, 33));
    let (m, _, _) = parse_err("priority: high\n");
    assert!(m.contains("'priority'"), "{m}");
    let (m, l, _) = parse_err("name: x\ntranformations: []\n");
    assert!(m.contains("did you mean 'transformations'"), "{m}");
    assert_eq!(l, 2);
    let (m, _, _) = parse_err("transformations:\n  - type: include_fields\n");
    assert!(m.contains("unknown transformation type"), "{m}");
    let (m, _, _) = parse_err(
        "transformations:\n  - type: replace_string\n    regex: '(a'\n    replacement: b\n",
    );
    assert!(m.contains("regular expression '(a' is invalid"), "{m}");
    // Pipelines match with Python's `re`, which has no Unicode classes.
    let (m, l, c) = parse_err(
        "transformations:\n  - type: replace_string\n    regex: 'a\\pL'\n    replacement: b\n",
    );
    assert!(m.contains(r"\pL") && m.contains("Python"), "{m}");
    assert_eq!((l, c), (3, 12));
    let (m, _, _) = parse_err("");
    assert!(m.contains("empty"), "{m}");
}

// ---- applying ----------------------------------------------------------------------------

use super::apply::{apply_pipelines, Application};
use super::values::{view, ValueView};
use crate::rule::value::Pattern;
use crate::rule::{DetectionItem, Rule};

const RULE: &str = r#"
title: t
logsource: {category: process_creation, product: windows}
detection:
  sel:
    Image|endswith: '\cmd.exe'
    CommandLine|contains: [' /c ', 'whoami']
    EventID: 4688
    ParentImage|fieldref: Image
  other:
    User: null
    Keyed|expand: '%Admins%'
  condition: sel and not other
tags: [attack.t1059]
"#;

fn rule_of(text: &str) -> Rule {
    let map = crate::source::SourceMap::new(text);
    let (docs, diags) = crate::source::yaml::load(text, &map);
    assert!(diags.is_empty(), "{diags:?}");
    let mut diags = Vec::new();
    let rule = crate::rule::parse_rule(&docs[0].root(), docs[0].span, text, &mut diags);
    rule.unwrap_or_else(|| panic!("{diags:?}"))
}

fn run(pipeline: &str, rule: &str) -> (Rule, Result<Application, Box<crate::source::Diagnostic>>) {
    let p = parse_ok(pipeline);
    let mut r = rule_of(rule);
    let outcome = apply_pipelines(&[p], &mut r);
    (r, outcome)
}

fn applied(pipeline: &str) -> (Rule, Application) {
    let (r, outcome) = run(pipeline, RULE);
    (r, outcome.unwrap_or_else(|d| panic!("{d:?}")))
}

fn items(rule: &Rule) -> Vec<&DetectionItem> {
    rule.detection
        .searches
        .iter()
        .flat_map(|s| s.body.items())
        .collect()
}

fn item<'a>(rule: &'a Rule, field: &str) -> &'a DetectionItem {
    items(rule)
        .into_iter()
        .find(|i| i.field.as_deref() == Some(field))
        .unwrap_or_else(|| panic!("no item on {field}"))
}

fn shown(i: &DetectionItem) -> Vec<String> {
    i.values
        .iter()
        .map(|v| match view(i, v) {
            ValueView::One(p) => p.display(),
            ValueView::Expansion(ps) => format!("{ps:?}"),
            ValueView::Invalid => "invalid".into(),
        })
        .collect()
}

fn by(i: &DetectionItem) -> Vec<&str> {
    i.processing
        .applied
        .iter()
        .map(|a| a.item.as_str())
        .collect()
}

#[test]
fn field_name_mapping_one_to_one_and_many() {
    let (r, a) = applied(
        "transformations:\n  - id: m\n    type: field_name_mapping\n    mapping:\n      Image: process.executable\n      CommandLine: [process.command_line, process.args]\n",
    );
    let i = item(&r, "process.executable");
    assert_eq!(i.processing.renamed_from.as_deref(), Some("Image"));
    assert_eq!(by(i), ["m"]);
    assert_eq!(
        i.span,
        item(&rule_of(RULE), "Image").span,
        "spans stay the rule's"
    );
    let c = item(&r, "process.command_line");
    assert_eq!(c.processing.also_fields, ["process.args"]);
    // The fieldref value names Image, which the mapping renames too.
    let f = item(&r, "ParentImage");
    assert_eq!(f.values[0].scalar, Scalar::Str("process.executable".into()));
    assert_eq!(a.applied[0].to_string(), "test: m");
}

#[test]
fn prefix_mapping_prefix_and_suffix() {
    let (r, _) = applied("transformations:\n  - type: field_name_prefix_mapping\n    mapping:\n      Parent: parent.\n");
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("parent.Image")));
    let (r, _) = applied(
        "transformations:\n  - type: field_name_prefix\n    prefix: 'x.'\n    field_name_conditions:\n      - type: exclude_fields\n        fields: [User]\n  - type: field_name_suffix\n    suffix: .keyword\n    field_name_conditions:\n      - type: include_fields\n        fields: ['x\\.C']\n        mode: re\n",
    );
    assert!(items(&r).iter().any(|i| i.field.as_deref() == Some("User")));
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("x.Image")));
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("x.CommandLine.keyword")));
    let i = item(&r, "x.CommandLine.keyword");
    assert_eq!(by(i), ["#1", "#2"]);
    assert_eq!(i.processing.renamed_from.as_deref(), Some("CommandLine"));
}

#[test]
fn drop_detection_item_and_match_string() {
    let (r, _) = applied(
        "transformations:\n  - type: drop_detection_item\n    detection_item_conditions:\n      - type: match_string\n        pattern: '\\*who'\n        cond: any\n",
    );
    assert!(!items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("CommandLine")));
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("Image")));
}

#[test]
fn add_condition_wraps_every_condition() {
    let (r, a) = applied(
        "transformations:\n  - id: chan\n    type: add_condition\n    conditions:\n      Channel: '$service-$category'\n      EventID: [1, 2]\n    template: true\n    negated: true\n",
    );
    assert_eq!(a.added_searches, ["_cond_1"]);
    let added = r.detection.searches.last().unwrap();
    assert_eq!(added.name, "_cond_1");
    let ch = item(&r, "Channel");
    assert_eq!(shown(ch), ["None-process_creation"]);
    assert_eq!(by(ch), ["chan"]);
    assert_eq!(
        item(&r, "EventID").values.len(),
        1,
        "the rule's own EventID item stays"
    );
    let cond = format!("{:?}", r.detection.conditions[0]);
    assert!(cond.starts_with("And([Not(Ident(\"_cond_1\""), "{cond}");
}

#[test]
fn change_logsource_replaces_it_whole() {
    let (r, _) = applied(
        "transformations:\n  - type: change_logsource\n    service: security\n    rule_conditions:\n      - type: logsource\n        category: process_creation\n",
    );
    assert_eq!(r.logsource.service.as_deref(), Some("security"));
    assert_eq!(r.logsource.category, None);
    assert_eq!(r.logsource.product, None);
    let (r, a) = applied(
        "transformations:\n  - type: change_logsource\n    service: security\n    rule_conditions:\n      - type: logsource\n        category: file_event\n",
    );
    assert_eq!(r.logsource.service, None);
    assert!(a.applied.is_empty());
}

#[test]
fn replace_map_set_and_convert_values() {
    let (r, _) = applied(
        "transformations:\n  - type: replace_string\n    regex: '\\\\cmd'\n    replacement: '\\powershell'\n    field_name_conditions:\n      - {type: include_fields, fields: [Image]}\n",
    );
    assert_eq!(shown(item(&r, "Image")), [r"*\powershell.exe"]);
    let (r, _) = applied(
        "transformations:\n  - type: replace_string\n    regex: '^\\*'\n    replacement: 'C:'\n    skip_special: true\n    field_name_conditions:\n      - {type: include_fields, fields: [Image]}\n",
    );
    assert_eq!(
        shown(item(&r, "Image")),
        [r"*\cmd.exe"],
        "skip_special leaves wildcards alone"
    );
    let (r, _) = applied(
        "transformations:\n  - type: map_string\n    mapping:\n      '*whoami*': [who, whoami.exe]\n",
    );
    assert_eq!(
        shown(item(&r, "CommandLine")),
        ["* /c *", "who", "whoami.exe"]
    );
    let (r, _) = applied("transformations:\n  - id: s\n    type: set_value\n    value: 7\n    force_type: str\n    field_name_conditions:\n      - {type: include_fields, fields: [EventID]}\n");
    let e = item(&r, "EventID");
    assert_eq!(shown(e), ["7"]);
    assert!(matches!(
        view(e, &e.values[0]),
        ValueView::One(Pattern::Str { .. })
    ));
    assert_eq!(by(e), ["s"]);
    let (r, _) = applied("transformations:\n  - type: convert_type\n    target_type: str\n");
    let e = item(&r, "EventID");
    assert!(matches!(
        view(e, &e.values[0]),
        ValueView::One(Pattern::Str { .. })
    ));
    assert!(by(item(&r, "User")).is_empty(), "null stays null");
    let (r, outcome) = run(
        "transformations:\n  - type: convert_type\n    target_type: num\n    field_name_conditions:\n      - {type: include_fields, fields: [Image]}\n",
        RULE,
    );
    let err = outcome.unwrap_err();
    assert!(
        err.message.contains("cannot be converted to a number"),
        "{}",
        err.message
    );
    assert_eq!(err.span, Some(item(&r, "Image").values[0].span));
}

#[test]
fn placeholders_take_vars_or_wildcards() {
    let (r, _) = applied(
        "vars:\n  Admins: [alice, bob]\ntransformations:\n  - id: v\n    type: value_placeholders\n",
    );
    let k = item(&r, "Keyed");
    assert_eq!(k.processing.placeholders["Admins"], ["alice", "bob"]);
    assert_eq!(by(k), ["v"]);
    let (r, _) =
        applied("transformations:\n  - type: wildcard_placeholders\n    include: [Admins]\n");
    assert_eq!(item(&r, "Keyed").processing.placeholders["Admins"], ["*"]);
    let (r, _) =
        applied("transformations:\n  - type: wildcard_placeholders\n    exclude: [Admins]\n");
    assert!(item(&r, "Keyed").processing.placeholders.is_empty());
    let (_, outcome) = run("transformations:\n  - type: value_placeholders\n", RULE);
    assert!(outcome.unwrap_err().message.contains("%Admins%"));
}

#[test]
fn state_failures_and_rule_conditions() {
    let text = "transformations:\n  - id: st\n    type: set_state\n    key: mode\n    val: 2\n    rule_conditions:\n      - {type: tag, tag: attack.t1059}\n      - {type: contains_detection_item, field: EventID, value: 4688}\n      - {type: contains_field, field: Image}\n  - id: stop\n    type: rule_failure\n    message: state reached\n    rule_conditions:\n      - {type: processing_state, key: mode, val: 1, op: gt}\n      - {type: processing_item_applied, processing_item_id: st}\n";
    let (r, outcome) = run(text, RULE);
    let err = outcome.unwrap_err();
    assert_eq!(err.message, "test: stop: state reached");
    assert_eq!(err.span, Some(r.logsource_span));
    let (_, outcome) = run(&text.replace("attack.t1059", "attack.t1000"), RULE);
    assert!(
        outcome.is_ok(),
        "the tag condition does not hold, so no state, so no failure"
    );
    let (_, outcome) = run(
        "transformations:\n  - type: detection_item_failure\n    message: no users\n    detection_item_conditions:\n      - {type: is_null, cond: all}\n",
        RULE,
    );
    let err = outcome.unwrap_err();
    assert_eq!(err.span, Some(item(&rule_of(RULE), "User").span));
}

#[test]
fn condition_expressions_and_negation_pick_items() {
    let (r, _) = applied(
        "transformations:\n  - id: p\n    type: field_name_prefix\n    prefix: 'n.'\n    detection_item_conditions:\n      num: {type: match_value, value: 4688}\n      nothing: {type: is_null, cond: all}\n    detection_item_cond_expr: 'not (num or nothing)'\n",
    );
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("EventID")));
    assert!(items(&r).iter().any(|i| i.field.as_deref() == Some("User")));
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("n.Image")));
    let (r, _) = applied(
        "transformations:\n  - id: m\n    type: field_name_mapping\n    mapping: {Image: a}\n  - id: later\n    type: field_name_suffix\n    suffix: '.x'\n    detection_item_conditions:\n      - {type: processing_item_applied, processing_item_id: m}\n  - id: tail\n    type: field_name_suffix\n    suffix: '.y'\n    field_name_conditions:\n      - {type: processing_item_applied, processing_item_id: later}\n",
    );
    assert_eq!(by(item(&r, "a.x.y")), ["m", "later", "tail"]);
    assert!(items(&r)
        .iter()
        .any(|i| i.field.as_deref() == Some("CommandLine")));
}

#[test]
fn pipelines_apply_by_priority() {
    let first = parse_ok("priority: 10\ntransformations:\n  - {id: a, type: field_name_mapping, mapping: {Image: Mid}}\n");
    let second = parse_ok("priority: 20\ntransformations:\n  - {id: b, type: field_name_mapping, mapping: {Mid: End}}\n");
    let mut r = rule_of(RULE);
    let a = apply_pipelines(&[second, first], &mut r).unwrap();
    assert_eq!(by(item(&r, "End")), ["a", "b"]);
    assert_eq!(
        a.applied
            .iter()
            .map(|x| x.item.as_str())
            .collect::<Vec<_>>(),
        ["a", "b"]
    );
}

#[test]
fn processed_rules_read_as_sigma_yaml() {
    let sysmon = super::builtin_pipeline("sysmon").unwrap();
    let ecs = super::builtin_pipeline("ecs_windows").unwrap();
    let (rules, diags) = super::process_rules(RULE, &[ecs, sysmon]);
    assert!(diags.is_empty(), "{diags:?}");
    let r = &rules[0].rule;
    assert_eq!(r["title"], "t");
    assert_eq!(r["logsource"]["service"], "sysmon");
    // sysmon adds EventID 1 and makes the service sysmon, for which ecs_windows adds the channel.
    assert_eq!(
        r["detection"]["condition"],
        "_cond_2 and (_cond_1 and (sel and not other))"
    );
    assert_eq!(r["detection"]["_cond_1"]["event.code"], "1");
    assert_eq!(
        r["detection"]["_cond_2"]["winlog.channel"],
        "Microsoft-Windows-Sysmon/Operational"
    );
    assert_eq!(
        r["detection"]["sel"]["process.executable.caseless|endswith"],
        "\\cmd.exe"
    );
    assert_eq!(
        r["detection"]["sel"]["event.code"], "4688",
        "convert_type made it a string"
    );
    assert_eq!(r["tags"][0], "attack.t1059");
    // sysmon (priority 10) runs before ecs_windows (20).
    assert_eq!(rules[0].applied_items[0].pipeline, "sysmon");
    assert!(rules[0]
        .applied
        .contains(&"ecs_windows_field_mapping".to_string()));
    let (_, diags) = super::process_rules(
        "title: x\nlogsource: {category: registry_set, product: windows}\ndetection:\n  sel:\n    User: x\n  condition: sel\n",
        &[super::builtin_pipeline("windows_audit").unwrap()],
    );
    assert_eq!(diags.len(), 1);
    assert!(
        diags[0]
            .message
            .starts_with("windows_audit: windows_audit_registry_unsupported_fields:"),
        "{}",
        diags[0].message
    );
    assert_eq!(diags[0].location.map(|l| l.line), Some(5));
}

#[test]
fn vars_files_read_names_to_values() {
    let vars = super::parse::parse_vars("Admins: [alice, bob]\nPort: 22\nOne: x\n").unwrap();
    assert_eq!(vars["Admins"], ["alice", "bob"]);
    assert_eq!(vars["Port"], ["22"]);
    assert_eq!(vars["One"], ["x"]);
    let err = super::parse::parse_vars("Admins: [{a: 1}]\n").unwrap_err();
    assert_eq!(err[0].location.map(|l| (l.line, l.column)), Some((1, 10)));
    assert!(super::parse::parse_vars("- a\n").is_err());
}
