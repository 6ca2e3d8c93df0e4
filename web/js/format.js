// "Format rule": SigmaHQ's key order and indentation with the comments kept. Bundled on its own
// (web/static/gen/format.js) and loaded by editor.js the first time the button is used, so the
// YAML library (eemeli/yaml, whose Document API keeps comments on the nodes they belong to)
// never weighs on the page's first load.
import { parseDocument, isMap, isSeq, isScalar } from 'yaml';

function keyOf(pair) {
  return isScalar(pair.key) ? String(pair.key.value) : String(pair.key);
}

// Orders a mapping's pairs: the keys `order` names first, in its order, then the others as
// written; `last` keys go to the end. Comments travel with their pairs (they are node props).
function orderMap(map, order, last) {
  const rank = (pair) => {
    const k = keyOf(pair);
    if (last && last.includes(k)) return order.length + 1 + last.indexOf(k);
    const i = order.indexOf(k);
    return i < 0 ? order.length : i;
  };
  const indexed = map.items.map((pair, i) => ({ pair, i }));
  indexed.sort((a, b) => rank(a.pair) - rank(b.pair) || a.i - b.i);
  // A comment before the first key is the document's heading: it stays at the top.
  const first = map.items[0];
  const heading = first && first.key && first.key.commentBefore;
  if (heading && indexed[0].pair !== first) {
    first.key.commentBefore = undefined;
    const top = indexed[0].pair;
    top.key.commentBefore = top.key.commentBefore ? heading + '\n' + top.key.commentBefore : heading;
  }
  map.items = indexed.map((x) => x.pair);
}

// plan: { top: [...], logsource: [...], related: [...], detectionLast: [...] } from the engine.
export function formatRule(text, plan) {
  const docs = text.split(/^---[ \t]*\r?\n/m);
  return docs.map((part) => formatDocument(part, plan)).join('---\n');
}

function formatDocument(text, plan) {
  if (!text.trim()) return text;
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length) throw new Error(doc.errors[0].message);
  const root = doc.contents;
  if (isMap(root)) {
    orderMap(root, plan.top);
    for (const pair of root.items) {
      const k = keyOf(pair);
      if (k === 'logsource' && isMap(pair.value)) orderMap(pair.value, plan.logsource);
      if (k === 'detection' && isMap(pair.value)) orderMap(pair.value, [], plan.detectionLast);
      if (k === 'related' && isSeq(pair.value)) {
        for (const item of pair.value.items) if (isMap(item)) orderMap(item, plan.related);
      }
    }
  }
  // SigmaHQ: four spaces, list items indented under their key, strings as written.
  return doc.toString({ indent: 4, indentSeq: true, lineWidth: 0, flowCollectionPadding: false });
}

if (typeof window !== 'undefined') window.SigmaPlayFormat = { formatRule };
