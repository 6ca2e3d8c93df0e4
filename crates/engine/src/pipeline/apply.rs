//! Applying pipelines to a rule model, as pySigma's `ProcessingPipeline.apply` does: items run
//! in order, each when its rule conditions hold; detection-item and field-name conditions pick
//! the items it touches. Every item a processing item changes remembers it
//! ([`ItemProcessing::applied`]) and keeps its source spans.

use super::model::*;
use super::values::{self, ValueView};
use crate::rule::condition::Expr;
use crate::rule::modifier::{Modifier, Scalar};
use crate::rule::{AppliedItem, DetectionItem, LogSource, Rule, Search, SearchBody, WrittenValue};
use crate::source::Diagnostic;
use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};

/// What applying pipelines did to a rule as a whole.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Application {
    /// The processing items whose rule conditions held, in the order they ran (pySigma's
    /// `applied_ids`, which `processing_item_applied` tests).
    pub applied: Vec<AppliedItem>,
    /// The search identifiers `add_condition` added, in order.
    pub added_searches: Vec<String>,
}

/// Applies `pipelines` to `rule`, ascending by priority (stable: equal priorities keep their
/// order), as one pipeline: state, variables and tracking are shared, as pySigma's resolver
/// merges them. A `rule_failure` / `detection_item_failure` is an error at the rule / item.
pub fn apply_pipelines(
    pipelines: &[Pipeline],
    rule: &mut Rule,
) -> Result<Application, Box<Diagnostic>> {
    let mut order: Vec<&Pipeline> = pipelines.iter().collect();
    order.sort_by_key(|p| p.priority);
    let mut run = Run::default();
    for p in &order {
        run.vars
            .extend(p.vars.iter().map(|(k, v)| (k.clone(), v.clone())));
    }
    for p in order {
        for (index, item) in p.items.iter().enumerate() {
            let tag = AppliedItem {
                pipeline: p.origin.clone(),
                item: item.id.clone().unwrap_or_else(|| format!("#{}", index + 1)),
            };
            if !item.rule_conditions.holds(|c| run.rule_condition(c, rule)) {
                continue;
            }
            run.application.applied.push(tag.clone());
            if let Some(id) = &item.id {
                run.applied_ids.insert(id.clone());
            }
            run.transform(item, &tag, rule)?;
        }
    }
    Ok(run.application)
}

#[derive(Default)]
struct Run {
    application: Application,
    applied_ids: HashSet<String>,
    state: HashMap<String, Scalar>,
    vars: BTreeMap<String, Vec<String>>,
    /// pySigma's `field_name_applied_ids`: for a field name (of a field reference) the items
    /// that produced it.
    field_tracking: HashMap<String, BTreeSet<String>>,
}

/// A processing item with the run it belongs to: the tests of its conditions.
struct Scope<'a> {
    run: &'a Run,
    item: &'a ProcessingItem,
}

impl Run {
    fn state_holds(&self, t: &StateTest) -> bool {
        let Some(v) = self.state.get(&t.key) else {
            return false;
        };
        let ord = match (v, &t.value) {
            (Scalar::Number(a), Scalar::Number(b)) => a.as_f64().partial_cmp(&b.as_f64()),
            (Scalar::Str(a), Scalar::Str(b)) => Some(a.cmp(b)),
            (Scalar::Bool(a), Scalar::Bool(b)) => Some(a.cmp(b)),
            (Scalar::Null, Scalar::Null) => Some(std::cmp::Ordering::Equal),
            _ => None,
        };
        use std::cmp::Ordering::*;
        match (t.op, ord) {
            (StateOp::Eq, o) => o == Some(Equal),
            (StateOp::Ne, o) => o != Some(Equal),
            (StateOp::Gte, Some(o)) => o != Less,
            (StateOp::Gt, Some(o)) => o == Greater,
            (StateOp::Lte, Some(o)) => o != Greater,
            (StateOp::Lt, Some(o)) => o == Less,
            (_, None) => false,
        }
    }

    fn rule_condition(&self, c: &RuleCondition, rule: &Rule) -> bool {
        match c {
            RuleCondition::Logsource {
                category,
                product,
                service,
            } => {
                let same =
                    |want: &Option<String>, have: &Option<String>| want.is_none() || want == have;
                same(category, &rule.logsource.category)
                    && same(product, &rule.logsource.product)
                    && same(service, &rule.logsource.service)
            }
            RuleCondition::ContainsDetectionItem { field, value } => {
                all_items(rule).into_iter().any(|i| {
                    i.field.as_deref() == Some(field.as_str())
                        && values::views(i).iter().any(|v| v.same_value(value))
                })
            }
            RuleCondition::ProcessingItemApplied(id) => self.applied_ids.contains(id),
            RuleCondition::ProcessingState(t) => self.state_holds(t),
            RuleCondition::ContainsField(f) => all_items(rule)
                .into_iter()
                .any(|i| i.field.as_deref() == Some(f.as_str())),
            RuleCondition::Tag(t) => rule.tags.iter().any(|(tag, _)| tag == t),
            RuleCondition::IsDetectionRule(b) => *b,
        }
    }

    fn transform(
        &mut self,
        item: &ProcessingItem,
        tag: &AppliedItem,
        rule: &mut Rule,
    ) -> Result<(), Box<Diagnostic>> {
        use Transformation as T;
        match &item.transformation {
            T::ChangeLogsource {
                category,
                product,
                service,
            } => {
                rule.logsource = LogSource {
                    category: category.clone(),
                    product: product.clone(),
                    service: service.clone(),
                    definition: None,
                };
            }
            T::AddCondition {
                conditions,
                template,
                negated,
            } => self.add_condition(rule, conditions, *template, *negated, tag),
            T::SetState { key, value } => {
                self.state.insert(key.clone(), value.clone());
            }
            T::RuleFailure(message) => {
                return Err(Box::new(failure(tag, message, Some(rule.logsource_span))));
            }
            T::FieldNameMapping(_)
            | T::FieldNamePrefixMapping(_)
            | T::FieldNamePrefix(_)
            | T::FieldNameSuffix(_) => {
                let mut tracking = std::mem::take(&mut self.field_tracking);
                for_each_item(&mut rule.detection.searches, &mut |i| {
                    let scope = Scope { run: self, item };
                    scope.map_fields(i, tag, &mut tracking);
                    Ok(())
                })?;
                self.field_tracking = tracking;
            }
            T::DropDetectionItem => {
                let scope = Scope { run: self, item };
                for s in &mut rule.detection.searches {
                    drop_items(&mut s.body, &|i| scope.matches_item(i));
                }
            }
            T::DetectionItemFailure(message) => {
                let scope = Scope { run: self, item };
                if let Some(hit) = all_items(rule).into_iter().find(|i| scope.matches_item(i)) {
                    return Err(Box::new(failure(tag, message, Some(hit.span))));
                }
            }
            T::ReplaceString { .. }
            | T::MapString(_)
            | T::SetValue(_)
            | T::ConvertType(_)
            | T::ValuePlaceholders(_)
            | T::WildcardPlaceholders(_) => {
                let scope = Scope { run: self, item };
                for_each_item(&mut rule.detection.searches, &mut |i| {
                    if scope.matches_item(i) && scope.transform_values(i)? {
                        record(i, tag);
                    }
                    Ok(())
                })?;
            }
        }
        Ok(())
    }

    fn add_condition(
        &mut self,
        rule: &mut Rule,
        conditions: &[(String, Vec<Scalar>)],
        template: bool,
        negated: bool,
        tag: &AppliedItem,
    ) {
        let taken: HashSet<String> = rule.detection.names().into_iter().collect();
        let name = (1..)
            .map(|n| format!("_cond_{}", self.application.added_searches.len() + n))
            .find(|n| !taken.contains(n))
            .unwrap_or_default();
        // The added search stands for the rule's log source: that is where it points.
        let span = rule.logsource_span;
        let logsource = rule.logsource.clone();
        let items = conditions
            .iter()
            .map(|(field, values)| {
                let values: Vec<WrittenValue> = values
                    .iter()
                    .map(|v| {
                        let scalar = match v {
                            Scalar::Str(s) if template => Scalar::Str(substitute(s, &logsource)),
                            v => v.clone(),
                        };
                        WrittenValue::new(scalar, span, false)
                    })
                    .collect();
                let mut item = DetectionItem {
                    field: Some(field.clone()),
                    modifiers: Vec::new(),
                    modifier_spans: Vec::new(),
                    values,
                    key_span: span,
                    span,
                    processing: Default::default(),
                };
                record(&mut item, tag);
                item
            })
            .collect();
        rule.detection.searches.push(Search {
            name: name.clone(),
            span,
            body: SearchBody::Map { items, span },
        });
        for c in condition_exprs(rule) {
            let at = c.span();
            let mut added = Expr::Ident(name.clone(), span);
            if negated {
                added = Expr::Not(Box::new(added), span);
            }
            let original = std::mem::replace(c, Expr::And(Vec::new(), at));
            *c = Expr::And(vec![added, original], at);
        }
        self.application.added_searches.push(name);
    }
}

fn condition_exprs(rule: &mut Rule) -> impl Iterator<Item = &mut Expr> {
    rule.detection.conditions.iter_mut()
}

fn failure(tag: &AppliedItem, message: &str, span: Option<crate::source::Span>) -> Diagnostic {
    Diagnostic::error(
        crate::source::DiagnosticCode::Pipeline,
        format!("{tag}: {message}"),
        span,
    )
}

/// `string.Template.safe_substitute` with the log source (`$category`, `${product}`, ...; an
/// absent field reads `None`, as in pySigma).
fn substitute(text: &str, logsource: &LogSource) -> String {
    let mut out = text.to_string();
    for (key, value) in [
        ("category", &logsource.category),
        ("product", &logsource.product),
        ("service", &logsource.service),
    ] {
        let value = value.as_deref().unwrap_or("None");
        out = out
            .replace(&format!("${{{key}}}"), value)
            .replace(&format!("${key}"), value);
    }
    out
}

/// Marks an item as changed by a processing item (once).
fn record(item: &mut DetectionItem, tag: &AppliedItem) {
    if !item.processing.applied.contains(tag) {
        item.processing.applied.push(tag.clone());
    }
}

fn all_items(rule: &Rule) -> Vec<&DetectionItem> {
    rule.detection
        .searches
        .iter()
        .flat_map(|s| s.body.items())
        .collect()
}

fn for_each_item(
    searches: &mut [Search],
    f: &mut dyn FnMut(&mut DetectionItem) -> Result<(), Box<Diagnostic>>,
) -> Result<(), Box<Diagnostic>> {
    fn walk(
        body: &mut SearchBody,
        f: &mut dyn FnMut(&mut DetectionItem) -> Result<(), Box<Diagnostic>>,
    ) -> Result<(), Box<Diagnostic>> {
        match body {
            SearchBody::Map { items, .. } => items.iter_mut().try_for_each(&mut *f),
            SearchBody::List { alternatives, .. } => {
                alternatives.iter_mut().try_for_each(|a| walk(a, f))
            }
            SearchBody::Keywords(i) => f(i),
        }
    }
    searches.iter_mut().try_for_each(|s| walk(&mut s.body, f))
}

fn drop_items(body: &mut SearchBody, drop: &dyn Fn(&DetectionItem) -> bool) {
    match body {
        SearchBody::Map { items, .. } => items.retain(|i| !drop(i)),
        SearchBody::List { alternatives, .. } => {
            alternatives.iter_mut().for_each(|a| drop_items(a, drop))
        }
        SearchBody::Keywords(i) => {
            if drop(i) {
                *body = SearchBody::Map {
                    items: Vec::new(),
                    span: i.span,
                };
            }
        }
    }
}

/// The field names of a transformation that renames fields, for `field` (`None`: unchanged).
fn renamed(t: &Transformation, field: &str) -> Option<Vec<String>> {
    match t {
        Transformation::FieldNameMapping(m) => m
            .iter()
            .find(|(from, _)| from == field)
            .map(|(_, to)| to.clone()),
        Transformation::FieldNamePrefixMapping(m) => m
            .iter()
            .find(|(from, _)| field.starts_with(from.as_str()))
            .map(|(from, to)| {
                to.iter()
                    .map(|t| format!("{t}{}", &field[from.len()..]))
                    .collect()
            }),
        Transformation::FieldNamePrefix(p) => Some(vec![format!("{p}{field}")]),
        Transformation::FieldNameSuffix(s) => Some(vec![format!("{field}{s}")]),
        _ => None,
    }
}

impl Scope<'_> {
    fn names_test(
        &self,
        c: &FieldNameCondition,
        field: Option<&str>,
        tracking: &HashMap<String, BTreeSet<String>>,
    ) -> bool {
        match c {
            FieldNameCondition::Fields { names, exclude } => {
                field.is_some_and(|f| names.contains(f)) != *exclude
            }
            FieldNameCondition::ProcessingItemApplied(id) => {
                field.is_some_and(|f| tracking.get(f).is_some_and(|s| s.contains(id)))
            }
            FieldNameCondition::ProcessingState(t) => self.run.state_holds(t),
        }
    }

    /// The field name conditions on a name (pySigma's `match_field_name`).
    fn matches_name(
        &self,
        field: Option<&str>,
        tracking: &HashMap<String, BTreeSet<String>>,
    ) -> bool {
        self.item
            .field_name_conditions
            .holds(|c| self.names_test(c, field, tracking))
    }

    /// Detection item and field name conditions on an item (pySigma's `match_detection_item`).
    fn matches_item(&self, item: &DetectionItem) -> bool {
        self.matches_item_with(item, &self.run.field_tracking)
    }

    fn matches_item_with(
        &self,
        item: &DetectionItem,
        tracking: &HashMap<String, BTreeSet<String>>,
    ) -> bool {
        let views = values::views(item);
        let quantified = |q: Quantifier, test: &dyn Fn(&ValueView) -> bool| match q {
            Quantifier::Any => views.iter().any(test),
            Quantifier::All => views.iter().all(test),
        };
        let processed_by = |id: &str| item.processing.applied.iter().any(|a| a.item == id);
        let detection = self.item.detection_item_conditions.holds(|c| match c {
            DetectionItemCondition::MatchString {
                regex,
                quantifier,
                negate,
            } => quantified(*quantifier, &|v| {
                v.plain_string().is_some_and(|s| regex.is_match(&s)) != *negate
            }),
            DetectionItemCondition::MatchValue { value, quantifier } => {
                quantified(*quantifier, &|v| v.equals_typed(value))
            }
            DetectionItemCondition::IsNull(q) => quantified(*q, &|v| v.is_null()),
            DetectionItemCondition::ContainsWildcard(q) => quantified(*q, &|v| v.has_wildcards()),
            DetectionItemCondition::ProcessingItemApplied(id) => processed_by(id),
            DetectionItemCondition::ProcessingState(t) => self.run.state_holds(t),
        });
        if !detection {
            return false;
        }
        let refs = field_refs(item);
        self.item.field_name_conditions.holds(|c| match c {
            FieldNameCondition::ProcessingItemApplied(id) => processed_by(id),
            c => {
                self.names_test(c, item.field.as_deref(), tracking)
                    || refs.iter().any(|r| self.names_test(c, Some(r), tracking))
            }
        })
    }

    /// Renames an item's field(s) and the fields its values refer to (`|fieldref`).
    fn map_fields(
        &self,
        item: &mut DetectionItem,
        tag: &AppliedItem,
        tracking: &mut HashMap<String, BTreeSet<String>>,
    ) {
        let t = &self.item.transformation;
        if !self.matches_item_with(item, tracking) {
            return;
        }
        let mut fieldref_match = false;
        if item.has(Modifier::FieldRef) {
            let mut values = Vec::with_capacity(item.values.len());
            for v in std::mem::take(&mut item.values) {
                let Scalar::Str(name) = &v.scalar else {
                    values.push(v);
                    continue;
                };
                // pySigma's `match_field_in_value`: the field name conditions on the referenced name.
                if v.replaced.is_some() || !self.matches_name(Some(name), tracking) {
                    values.push(v);
                    continue;
                }
                fieldref_match = true;
                let targets = match renamed(t, name) {
                    Some(to) if self.matches_name(Some(name), tracking) => {
                        track(tracking, name, &to, self.item.id.as_deref());
                        to
                    }
                    _ => vec![name.clone()],
                };
                for to in targets {
                    values.push(WrittenValue {
                        scalar: Scalar::Str(to),
                        ..v.clone()
                    });
                }
            }
            item.values = values;
        }
        let mut field_match = false;
        if let Some(field) = item.field.clone() {
            let mut fields = vec![field];
            fields.append(&mut item.processing.also_fields);
            let mut out = Vec::new();
            for f in fields {
                match renamed(t, &f) {
                    Some(to) if self.matches_name(Some(&f), tracking) => {
                        field_match = true;
                        out.extend(to);
                    }
                    _ => out.push(f),
                }
            }
            if field_match && item.processing.renamed_from.is_none() {
                item.processing.renamed_from = item.field.clone();
            }
            let mut out = out.into_iter();
            item.field = out.next();
            item.processing.also_fields = out.collect();
        }
        if field_match || fieldref_match {
            record(item, tag);
        }
    }

    /// Runs a value transformation over an item's values; whether any value changed.
    fn transform_values(&self, item: &mut DetectionItem) -> Result<bool, Box<Diagnostic>> {
        let t = &self.item.transformation;
        match t {
            Transformation::ValuePlaceholders(sel) | Transformation::WildcardPlaceholders(sel) => {
                let wildcard = matches!(t, Transformation::WildcardPlaceholders(_));
                values::fill_placeholders(item, sel, wildcard, &self.run.vars)
            }
            t => values::transform(item, t),
        }
    }
}

/// The names `|fieldref` values refer to.
fn field_refs(item: &DetectionItem) -> Vec<String> {
    if !item.has(Modifier::FieldRef) {
        return Vec::new();
    }
    item.values
        .iter()
        .filter(|v| v.replaced.is_none())
        .filter_map(|v| match &v.scalar {
            Scalar::Str(s) => Some(s.clone()),
            _ => None,
        })
        .collect()
}

/// pySigma's `track_field_processing_items`.
fn track(
    tracking: &mut HashMap<String, BTreeSet<String>>,
    from: &str,
    to: &[String],
    id: Option<&str>,
) {
    if to.len() == 1 && to[0] == from {
        return;
    }
    let mut ids = tracking.remove(from).unwrap_or_default();
    if let Some(id) = id {
        ids.insert(id.to_string());
    }
    for t in to {
        tracking.insert(t.clone(), ids.clone());
    }
}
