// The page under its Content-Security-Policy, and content that tries to run script: nothing from
// a rule, an event or a link may execute, and such text shows as text.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launch, newPage, shot, waitForVerdicts, replaceEditorText } from './harness.mjs';

let server;
let base;
let browser;

before(async () => {
  ({ server, base } = await startServer());
  browser = await launch();
});

after(async () => {
  await browser?.close();
  server?.close();
});

/// A page that records CSP violations, dialogs and what a payload would set (`window.__pwned`).
async function watchedPage() {
  const { context, page } = await newPage(browser);
  page.violations = [];
  page.dialogs = [];
  page.on('dialog', (d) => { page.dialogs.push(d.message()); d.dismiss(); });
  await page.exposeFunction('__reportViolation', (v) => page.violations.push(v));
  await page.addInitScript(() => {
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__reportViolation(`${e.violatedDirective} ${e.blockedURI}`);
    });
  });
  return { context, page };
}

test('the page works under its Content-Security-Policy', async () => {
  const { context, page } = await watchedPage();
  await page.goto(base);
  await waitForVerdicts(page, 5);
  const policy = await page.getAttribute('meta[http-equiv="Content-Security-Policy"]', 'content');
  for (const part of ["script-src 'self' 'wasm-unsafe-eval'", "object-src 'none'", "base-uri 'none'"]) {
    assert.ok(policy.includes(part), `policy lacks ${part}: ${policy}`);
  }
  assert.doesNotMatch(policy, /unsafe-inline'[^;]*;?\s*$|script-src[^;]*unsafe-inline/);
  // The theme applies before the first paint from its file, and the worker explains an event.
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  await page.click('[data-testid="verdict-1"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="1"] [data-testid="explain-summary"]');
  assert.deepEqual(page.violations, []);
  assert.deepEqual(page.errors, []);
  await context.close();
});

const PAYLOAD = `<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>`;
const RULE = `title: 'T ${PAYLOAD} <b>bold</b>'
logsource:
    category: process_creation
    product: windows
description: 'javascript:window.__pwned=3'
detection:
    selection:
        CommandLine|contains: '${PAYLOAD}'
        Image|ends<svg/onload=window.__pwned=4>: x
    condition: selection
`;
const EVENTS = JSON.stringify({ [`F<img src=x onerror=window.__pwned=5>`]: PAYLOAD, CommandLine: `run ${PAYLOAD}` }) + '\n'
  + `{"<script>window.__pwned=6</script>": 1, not json <img src=x onerror=window.__pwned=7>\n`;

test('markup in rules, events, diagnostics and links shows as text and never runs', async () => {
  const { context, page } = await watchedPage();
  await page.goto(base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'events-editor', EVENTS);
  await replaceEditorText(page, 'rule-editor', RULE);
  // An unknown modifier written as markup: the diagnostic quotes it, as text.
  await page.waitForSelector('[data-testid="diagnostic"]');
  const diagnostics = await page.locator('[data-testid="diagnostics"]').textContent();
  assert.ok(diagnostics.includes("unknown modifier 'ends<svg/onload=window.__pwned=4>'"), diagnostics);
  // A valid rule: the title, the field name and the value go through the explanation.
  await replaceEditorText(page, 'rule-editor', RULE.replace(/ *Image\|ends<svg.*\n/, ''));
  await waitForVerdicts(page, 2);
  await page.click('[data-testid="verdict-0"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="0"] [data-testid="explain-item"]');
  const explanation = await page.locator('[data-testid="explanation"]').textContent();
  assert.ok(explanation.includes('<img src=x onerror="window.__pwned=1">'), explanation.slice(0, 400));
  await page.click('[data-testid="event-fields"] summary');
  assert.ok((await page.locator('[data-testid="event-fields"]').textContent()).includes('F<img src=x onerror=window.__pwned=5>'));
  assert.ok((await page.locator('[data-testid="event-errors"]').textContent()).length > 0);
  // Only the page's own elements: no <img>, <svg> or <b> came from the text.
  assert.equal(await page.locator('main img, main svg[onload], main b').count(), 0);
  await shot(page, '20-markup-as-text');

  // The same state through a share link, in a fresh context.
  await page.click('[data-testid="share-button"]');
  const link = await page.inputValue('[data-testid="share-link"]');
  const other = await watchedPage();
  await other.page.goto(link);
  await waitForVerdicts(other.page, 2);
  await other.page.click('[data-testid="verdict-0"]');
  await other.page.waitForSelector('[data-testid="explanation"][data-event="0"] [data-testid="explain-item"]');
  // A link whose fragment is markup and a javascript: URL.
  await other.page.goto(base + '#<img src=x onerror=window.__pwned=8>');
  await other.page.waitForSelector('[data-testid="notice-error"]');
  await other.page.goto(base + '#javascript:window.__pwned=9');
  await other.page.waitForSelector('[data-testid="notice-error"]');
  for (const p of [page, other.page]) {
    assert.equal(await p.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(p.dialogs, []);
    assert.deepEqual(p.violations, []);
  }
  await other.context.close();
  await context.close();
});
