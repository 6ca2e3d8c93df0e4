// End-to-end tests of Sigma Playground in headless Chromium (run by scripts/test.sh after
// `trunk build --release`). They wait for what the page shows, never for fixed times; figures
// (size, time to verdicts, keystroke latency) are recorded in artifacts/measurements.json, not
// asserted.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import {
  suite, newPage, shot, waitForVerdicts, verdicts, replaceEditorText, editorText, record,
  networkEvents, dist, pasteReplacing,
} from './harness.mjs';

const env = suite();

// Fetched only when first used: the rule formatter and the files worker (zip, .evtx).
const onDemand = /^(format\.js|sigmaplay-files(_bg\.wasm|\.js))$/;

test('first load transfer size (gzip) is measured', () => {
  const sizes = {};
  const later = {};
  let total = 0;
  for (const file of fs.readdirSync(dist)) {
    if (!/\.(wasm|js|css|html)$/.test(file)) continue;
    const gz = zlib.gzipSync(fs.readFileSync(path.join(dist, file)), { level: 9 }).length;
    if (onDemand.test(file)) {
      later[file] = gz;
      continue;
    }
    sizes[file] = gz;
    total += gz;
  }
  record('first_load_gzip_bytes', { total, files: sizes });
  record('on_demand_gzip_bytes', later);
  assert.ok(total > 0);
});

test('first load shows the example and its verdicts', async () => {
  const { context, page } = await newPage(env.browser);
  const started = Date.now();
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  record('navigation_to_example_verdicts_ms', Date.now() - started);
  assert.deepEqual(await verdicts(page, 5), ['fired', 'not_fired', 'not_fired', 'not_fired', 'not_fired']);
  assert.match(await editorText(page, 'rule-editor'), /author: Nasreddine Bencherchali \(Nextron Systems\)/);
  assert.match(await page.textContent('[data-testid="events-format"]'), /JSON Lines/);
  // The example carries its expectations: all pass.
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  await shot(page, '01-first-load');

  // The 10.x event: the explanation names the filter and shows the matched part.
  await page.click('[data-testid="verdict-1"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="1"] [data-testid="explain-summary"]');
  const filter = page.locator('[data-testid="explain-identifier-filter_main_local_ranges"]');
  assert.equal(await filter.getAttribute('data-value'), 'true');
  assert.match(await filter.textContent(), /10\.1\.2\.3/);
  assert.ok(await page.locator('[data-testid="explain-node"][data-kind="not"]').count() >= 1);
  // Hovering an item marks its line in the rule editor.
  await filter.locator('[data-testid="explain-item"]').first().hover();
  await page.waitForSelector('[data-testid="rule-editor"] .cm-sp-linemark');
  await page.click('[data-testid="event-fields"] summary');
  await page.waitForSelector('[data-testid="event-fields"] th:has-text("DestinationIp")');
  await shot(page, '02-explanation-filtered');

  // The not-initiated event: the selection's failing item says why in words.
  await page.click('[data-testid="verdict-3"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="3"]');
  const selection = page.locator('[data-testid="explain-identifier-selection"]');
  assert.equal(await selection.getAttribute('data-value'), 'false');
  assert.match(await selection.textContent(), /Initiated/);
  assert.deepEqual(page.errors, []);
  await context.close();
});

/// Sets event i's expectation ('fire', 'nofire' or null), clicking only what needs to change.
async function expect(page, i, want) {
  for (const kind of ['fire', 'nofire']) {
    const id = `[data-testid="expect-${kind}-${i}"]`;
    const pressed = (await page.getAttribute(id, 'aria-pressed')) === 'true';
    if (pressed !== (want === kind)) {
      await page.click(id);
      await page.waitForSelector(`${id}[aria-pressed="${want === kind}"]`);
    }
  }
}

const OWN_RULE = `title: Whoami Execution
status: experimental
logsource:
    category: process_creation
    product: windows
detection:
    selection:
        Image|endswith: '\\whoami.exe'
        CommandLine|contains: '/priv'
    condition: selection
level: low
`;
const OWN_EVENTS = [
  { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /priv' },
  { Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /groups' },
  { Image: 'C:\\Windows\\System32\\hostname.exe', CommandLine: 'hostname' },
].map((e) => JSON.stringify(e)).join('\n');

test('typing a rule and events gives the right verdicts, explanation and test results', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'rule-editor', OWN_RULE);
  await replaceEditorText(page, 'events-editor', OWN_EVENTS);
  await waitForVerdicts(page, 3);
  await page.waitForFunction(() => document.querySelector('[data-testid="verdict-1"]')?.dataset.verdict === 'not_fired'
    && document.querySelector('[data-testid="verdict-0"]')?.dataset.verdict === 'fired');
  assert.deepEqual(await verdicts(page, 3), ['fired', 'not_fired', 'not_fired']);
  await page.click('[data-testid="verdict-1"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="1"] [data-testid="explain-item"]');
  const reasons = await page.locator('[data-testid="explain-reason"]').allTextContents();
  assert.ok(reasons.some((r) => /CommandLine/.test(r)), `reasons: ${reasons}`);
  await page.click('[data-testid="verdict-0"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="0"] [data-testid="matched-part"]');
  assert.match(await page.locator('[data-testid="matched-part"]').first().textContent(), /whoami\.exe|\/priv/i);

  // Expectations: event 0 should fire (pass), event 1 should fire (fails), event 2 should not (pass).
  await expect(page, 0, 'fire');
  await expect(page, 1, 'fire');
  await expect(page, 2, 'nofire');
  await page.waitForSelector('[data-testid="outcome-1"][data-outcome="fail"]');
  assert.equal(await page.getAttribute('[data-testid="outcome-0"]', 'data-outcome'), 'pass');
  assert.equal(await page.getAttribute('[data-testid="outcome-2"]', 'data-outcome'), 'pass');
  assert.equal(await page.getAttribute('[data-testid="test-summary"]', 'data-result'), 'fail');
  await shot(page, '03-own-rule-with-failing-test');
  await expect(page, 1, null);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  // The example's expectations for events 4 and 5 are still there: drop them.
  await page.click('[data-testid="drop-dangling"]');
  await page.waitForSelector('[data-testid="dangling-expectations"]', { state: 'detached' });

  // Export the test file and import it back in a fresh page.
  const [download] = await Promise.all([page.waitForEvent('download'), page.click('[data-testid="export-button"]')]);
  const file = path.join(os.tmpdir(), `sigmaplay-test-${process.pid}.json`);
  await download.saveAs(file);
  const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
  assert.equal(saved.format, 'sigmaplay-test/2');
  assert.deepEqual(saved.expectations.map(({ event, should_fire }) => ({ event, should_fire })),
    [{ event: 0, should_fire: true }, { event: 2, should_fire: false }]);
  // Each names the content of its event, so it follows the event (tests/e2e/reliability.test.mjs).
  for (const e of saved.expectations) assert.match(e.key, /^[0-9a-f]{16}$/);
  const fresh = await newPage(env.browser);
  await fresh.page.goto(env.base);
  await waitForVerdicts(fresh.page, 5);
  await fresh.page.setInputFiles('[data-testid="import-file"]', file);
  await waitForVerdicts(fresh.page, 3);
  assert.match(await editorText(fresh.page, 'rule-editor'), /Whoami Execution/);
  await fresh.page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  await fresh.page.waitForSelector('[data-testid="restore-previous"]');
  await fresh.context.close();
  await context.close();
});

test('share link reproduces the state in a fresh browser context', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'rule-editor', OWN_RULE);
  await replaceEditorText(page, 'events-editor', OWN_EVENTS);
  await waitForVerdicts(page, 3);
  await expect(page, 0, 'fire');
  await expect(page, 1, null);
  await expect(page, 2, null);
  await page.click('[data-testid="drop-dangling"]');
  await page.waitForSelector('[data-testid="outcome-0"][data-outcome="pass"]');
  await page.click('[data-testid="share-button"]');
  const link = await page.inputValue('[data-testid="share-link"]');
  assert.match(link, /#v1\./);
  await shot(page, '04-share');
  await context.close();

  const other = await newPage(env.browser);
  await other.page.goto(link);
  await waitForVerdicts(other.page, 3);
  assert.equal((await editorText(other.page, 'rule-editor')).trim(), OWN_RULE.trim());
  assert.equal((await editorText(other.page, 'events-editor')).trim(), OWN_EVENTS.trim());
  assert.deepEqual(await verdicts(other.page, 3), ['fired', 'not_fired', 'not_fired']);
  assert.equal(await other.page.getAttribute('[data-testid="outcome-0"]', 'data-outcome'), 'pass');
  assert.equal(await other.page.getAttribute('[data-testid="expect-fire-0"]', 'aria-pressed'), 'true');
  await other.context.close();
});

test('reload restores the work; a corrupted link says so and keeps it', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+Home');
  await page.keyboard.press('End');
  await page.keyboard.type(' (edited)');
  // Autosave follows typing; the status turns to "Saved" once the last change is stored.
  await page.waitForFunction(() => document.querySelector('[data-testid="save-status"]')?.dataset.revision
    === document.querySelector('[data-testid="save-status"]')?.dataset.savedRevision);
  await page.waitForSelector('[data-testid="save-status"]:has-text("Saved")');
  await page.reload();
  await waitForVerdicts(page, 5);
  assert.match(await editorText(page, 'rule-editor'), /Cmstp\.EXE \(edited\)/);

  // A link cut in the middle of its payload.
  await page.goto(env.base + '#v1.eJzLSM3JyVcozy_KSQEAGgQEXQ');
  await page.waitForSelector('[data-testid="notice-error"]');
  assert.match(await page.textContent('[data-testid="notice-error"]'), /link/i);
  await waitForVerdicts(page, 5);
  assert.match(await editorText(page, 'rule-editor'), /\(edited\)/);
  await shot(page, '05-corrupted-link');
  // A link of a future format version.
  await page.goto(env.base + '#v9.AAAA');
  await page.waitForSelector('[data-testid="notice-error"]:has-text("newer")');

  // A lesson replaces the work but keeps it; so does a valid link opened over saved work.
  await page.selectOption('[data-testid="examples"]', 'cidr');
  await page.waitForSelector('[data-testid="restore-previous"]');
  await waitForVerdicts(page, 4);
  await page.click('[data-testid="share-button"]');
  const link = await page.inputValue('[data-testid="share-link"]');
  await page.click('[data-testid="restore-previous"]');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="rule-editor"] .cm-line')]
    .some((l) => l.textContent.includes('(edited)')));
  await waitForVerdicts(page, 5);
  await page.goto(link);
  await page.waitForSelector('[data-testid="notice"]:has-text("shared link") [data-testid="restore-previous"]');
  await waitForVerdicts(page, 4);
  assert.match(await editorText(page, 'rule-editor'), /RDP To The Management Networks/);
  await shot(page, '12-link-over-saved-work');
  await page.click('[data-testid="restore-previous"]');
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid="rule-editor"] .cm-line')]
    .some((l) => l.textContent.includes('(edited)')));
  await context.close();
});

test('broken YAML gives a located error; the last results stay, marked stale', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.insertText('\n  bad: [unclosed\n');
  const diag = page.locator('[data-testid="diagnostics"] [data-testid="diagnostic"][data-severity="error"]').first();
  await diag.waitFor();
  assert.match(await diag.textContent(), /^\d+:\d+/);
  await page.waitForSelector('[data-testid="stale-banner"]');
  assert.equal(await page.getAttribute('[data-testid="verdict-0"]', 'data-verdict'), 'fired');
  await page.waitForSelector('[data-testid="rule-editor"] .cm-lintRange-error');
  await diag.click();
  await shot(page, '06-broken-yaml');
  await context.close();
});

test('dark theme, laptop width and keyboard use', async () => {
  const { context, page } = await newPage(env.browser, { viewport: { width: 1280, height: 720 }, colorScheme: 'dark' });
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  assert.equal(await page.getAttribute('html', 'data-theme'), 'dark');
  await page.focus('[data-testid="verdict-0"]');
  await page.keyboard.press('ArrowDown');
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector('[data-testid="explanation"][data-event="1"] [data-testid="explain-summary"]');
  await page.keyboard.press('ArrowDown');
  await page.waitForSelector('[data-testid="explanation"][data-event="2"] [data-testid="explain-summary"]');
  await shot(page, '07-dark-laptop-keyboard');
  await page.click('[data-testid="theme-toggle"]');
  assert.equal(await page.getAttribute('html', 'data-theme'), 'light');
  // Lessons from the menu load with passing tests.
  await page.selectOption('[data-testid="examples"]', 'windash');
  await waitForVerdicts(page, 4);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  await shot(page, '08-lesson-windash');
  await context.close();
});

/// Puts the rule editor's cursor on a new comment line at the end, so typed keys keep the rule valid.
async function cursorOnCommentLine(page) {
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.press('Enter');
  await page.keyboard.press('Shift+Home');
  await page.keyboard.insertText('# ');
}

async function keystrokeLatency(page, keys) {
  // Time from each keydown to the next painted frame after the editor changed.
  return page.evaluate(async (keys) => {
    const content = document.querySelector('[data-testid="rule-editor"] .cm-content');
    content.focus();
    const delays = [];
    for (const key of keys) {
      const start = performance.now();
      document.execCommand('insertText', false, key);
      await new Promise((r) => requestAnimationFrame(() => r()));
      delays.push(performance.now() - start);
    }
    return delays;
  }, keys);
}

test('1,000 events: time from a keystroke in the rule to updated verdicts', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'events-editor', networkEvents(1000));
  await waitForVerdicts(page, 1000);
  // Break the rule's value, then complete it with one keystroke and time the verdicts.
  const rule = (await editorText(page, 'rule-editor')).replace("Initiated: 'true'", "Initiated: 'tru'");
  await replaceEditorText(page, 'rule-editor', rule);
  await page.waitForSelector('[data-testid="verdict-0"][data-verdict="not_fired"]');
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+F');
  await page.keyboard.press('Escape');
  const at = await page.evaluate(() => {
    const lines = [...document.querySelectorAll('[data-testid="rule-editor"] .cm-line')];
    return lines.findIndex((l) => l.textContent.includes("Initiated: 'tru'"));
  });
  assert.ok(at >= 0);
  const line = page.locator('[data-testid="rule-editor"] .cm-line').nth(at);
  await line.click();
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  const started = await page.evaluate(() => performance.now());
  await page.keyboard.type('e');
  await page.waitForSelector('[data-testid="verdict-0"][data-verdict="fired"]');
  const ended = await page.evaluate(() => performance.now());
  record('keystroke_to_verdicts_1000_events_ms', Math.round(ended - started));
  assert.match(await page.textContent('[data-testid="verdict-counts"]'), /1000 events · 250 fired/);
  await context.close();
});

test('10,000 pasted events: typing stays immediate while results follow', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  const text = networkEvents(10_000);
  await pasteReplacing(page, 'events-editor', text);
  await cursorOnCommentLine(page);
  const delays = await keystrokeLatency(page, [...'abcdefghij']);
  await waitForVerdicts(page, 10_000);
  const delays2 = await keystrokeLatency(page, [...'klmnopqrst']);
  const all = [...delays, ...delays2].sort((a, b) => a - b);
  record('keystroke_frame_latency_10000_events_ms', {
    median: Math.round(all[Math.floor(all.length / 2)]), max: Math.round(all[all.length - 1]),
  });
  assert.match(await editorText(page, 'rule-editor'), /abcdefghijklmnopqrst/);
  await page.waitForSelector('[data-testid="verdict-counts"]:has-text("10000 events")');
  await shot(page, '09-10000-events');
  await context.close();
});

test('100,000 events (~50 MB) from a file evaluate without freezing the page', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  const file = path.join(os.tmpdir(), `sigmaplay-100k-${process.pid}.jsonl`);
  let text = networkEvents(100_000);
  fs.writeFileSync(file, text);
  const bytes = text.length;
  text = null;
  const started = Date.now();
  await page.setInputFiles('[data-testid="events-file"]', file);
  await page.waitForSelector('[data-testid="large-events-note"]');
  // The page answers while the worker parses and evaluates.
  await cursorOnCommentLine(page);
  const delays = await keystrokeLatency(page, [...'xyz']);
  await page.waitForSelector('[data-testid="verdict-counts"]:has-text("100000 events")', { timeout: 180_000 });
  record('events_100000_file', { bytes, ms_to_verdicts: Date.now() - started, keystroke_frame_ms_during: delays.map(Math.round) });
  assert.match(await page.textContent('[data-testid="verdict-counts"]'), /100000 events · 25000 fired/);
  // Scroll the virtual list to the end and open the last event.
  await page.focus('[data-testid="verdict-0"]');
  await page.keyboard.press('End');
  await page.waitForSelector('[data-testid="explanation"][data-event="99999"] [data-testid="explain-summary"]');
  await shot(page, '10-100000-events');
  // Far too big for a link: a clear message and the file export instead.
  await page.click('[data-testid="share-button"]');
  await page.waitForSelector('[data-testid="share-too-big"]');
  assert.match(await page.textContent('[data-testid="share-too-big"]'), /too big/i);
  await shot(page, '11-share-too-big');
  fs.unlinkSync(file);
  await context.close();
});
