//! Every bound the engine puts on user input, in one place. Each is enforced where the input is
//! read (with a located diagnostic naming the limit) so that no text, however shaped, makes the
//! engine overflow its stack, run for minutes, or grow without bound. A wasm worker's stack is
//! far smaller than a native thread's, so depths are chosen for it.

/// Rule texts beyond this many bytes are refused (as a whole, the only unlocated error).
pub const MAX_RULE_BYTES: usize = 4 * 1024 * 1024;

/// Events texts beyond this many bytes are refused.
pub const MAX_INPUT_BYTES: usize = 512 * 1024 * 1024;

/// Deepest nesting of a condition: `(` and `not` each open one level. Parsing, lowering,
/// evaluation and explanation all walk the condition recursively, so this bounds their stack.
pub const MAX_CONDITION_DEPTH: usize = 64;

/// Deepest nesting of XML elements read in an event.
pub const MAX_XML_DEPTH: usize = 64;

/// Nodes that YAML aliases may expand into in one text (an alias bomb stops here).
pub const MAX_ALIAS_NODES: usize = 10_000;

/// Upper bound on the patterns one value may expand into (windash × placeholders × offsets).
pub const MAX_VARIANTS: usize = 1000;

/// pySigma 2.0.1's cap on values inserted by one placeholder expansion.
pub const MAX_PLACEHOLDER_VALUES: usize = 200;

/// Compiled size of one regular expression (the `regex` crate's `size_limit`).
pub const MAX_REGEX_SIZE: usize = 16 << 20;

/// Memory the regexes of one text (a rule, or every rule and filter of a rule file together) may
/// take: `|re` values and the wildcard patterns compiled to regexes, each counted as its
/// estimated size (`compile::lower`'s `RegexBudget`). Past it, a located error.
pub const MAX_REGEX_MEMORY: usize = 256 << 20;

/// Bytes of one literal that the rule set's prefilter indexes: a prefix of a needed literal is
/// needed too, so indexing only the first bytes stays sound and keeps the automaton small.
pub const MAX_PREFILTER_LITERAL: usize = 64;

/// Characters of rule or event text quoted in one explanation sentence; longer text is cut with
/// `…` so explanations grow linearly with the rule.
pub const MAX_EXPLAIN_QUOTE: usize = 80;
