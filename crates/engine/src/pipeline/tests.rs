//! Reading pipelines: the built-ins, every transformation and condition type, bad input.

use super::model::*;
use super::parse::parse_pipeline;
use super::BUILTINS;
use crate::modifier::Scalar;

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
    for (name, _, text) in BUILTINS {
        let p = parse_ok(text);
        assert!(!p.items.is_empty(), "{name}");
        assert!(super::builtin(name).is_some());
    }
    let ecs = super::builtin("ecs_windows").unwrap();
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
    let (m, _, _) = parse_err("");
    assert!(m.contains("empty"), "{m}");
}
