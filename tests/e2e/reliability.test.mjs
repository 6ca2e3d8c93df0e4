// Nothing the user typed is lost, and expectations stay with their events: closing the tab right
// after a keystroke, storage that refuses to save, events replaced or reordered.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { suite, newPage, shot, waitForVerdicts, editorText, verdicts } from './harness.mjs';

const env = suite();

/// Replaces the events text in one edit, as pasting over a selection does.
async function pasteEvents(page, text) {
  await page.click('[data-testid="events-editor"] .cm-content');
  await page.keyboard.press('Control+A');
  await page.keyboard.insertText(text);
}

test('closing the tab right after typing keeps the text', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.waitForSelector('[data-testid="save-status"]:has-text("Saved")');
  // Type at the end of the rule and close at once: well inside the autosave's debounce.
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n# typed right before closing');
  await page.close({ runBeforeUnload: true });

  const again = await context.newPage();
  await again.goto(env.base);
  await again.waitForSelector('[data-testid="rule-editor"] .cm-line:has-text("typed right before closing")');
  await waitForVerdicts(again, 5);
  assert.match(await editorText(again, 'rule-editor'), /# typed right before closing$/);
  await context.close();
});

test('storage that cannot save says so with the reason', async () => {
  const { context, page } = await newPage(env.browser);
  // A browser without IndexedDB and with a full localStorage (private modes, quotas).
  await page.addInitScript(() => {
    Object.defineProperty(window, 'indexedDB', { value: undefined, configurable: true });
    Storage.prototype.setItem = () => { throw new DOMException('The quota has been exceeded.', 'QuotaExceededError'); };
  });
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+End');
  await page.keyboard.type('\n# not kept');
  const status = page.locator('[data-testid="save-status"]');
  await page.waitForSelector('[data-testid="save-status"]:has-text("Not saved: ")');
  assert.match(await status.textContent(), /Not saved: this browser gives the page no IndexedDB/);
  assert.match(await status.getAttribute('title'), /Export the test to keep your work/);
  // The text is still on screen.
  assert.match(await editorText(page, 'rule-editor'), /# not kept$/);
  // Hiding the page tries localStorage too: its refusal is said, not swallowed.
  await page.evaluate(() => {
    Object.defineProperty(document, 'hidden', { value: true, configurable: true });
    document.dispatchEvent(new Event('visibilitychange'));
  });
  await shot(page, '30-not-saved');
  assert.deepEqual(page.errors.filter((e) => !/IndexedDB|quota/i.test(e)), []);
  await context.close();
});

test('expectations follow their events, and replaced events do not inherit them', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  const summary = await page.textContent('[data-testid="test-summary"]');
  const total = Number(/of (\d+)/.exec(summary)[1]);
  const original = await editorText(page, 'events-editor');
  const lines = original.split('\n').filter((l) => l.trim());
  assert.equal(lines.length, 5);
  const firedBefore = await page.getAttribute('[data-testid="expect-fire-0"]', 'aria-pressed');
  assert.equal(firedBefore, 'true', 'the example expects its first event to fire');

  // Reordered: the event that should fire is now last, and its expectation went with it.
  await pasteEvents(page, [...lines.slice(1), lines[0]].join('\n') + '\n');
  await page.waitForSelector('[data-testid="expect-fire-4"][aria-pressed="true"]');
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  assert.equal(await page.getAttribute('[data-testid="expect-fire-0"]', 'aria-pressed'), 'false');
  assert.equal(await page.locator('[data-testid="dangling-expectations"]').count(), 0);

  // Two unrelated events pasted over them: nothing passes on their behalf.
  const unrelated = [
    JSON.stringify({ EventID: 3, Image: 'C:\\Windows\\System32\\notepad.exe', DestinationIp: '8.8.8.8', Initiated: 'true' }),
    JSON.stringify({ EventID: 3, Image: 'C:\\Windows\\System32\\calc.exe', DestinationIp: '1.1.1.1', Initiated: 'true' }),
  ].join('\n') + '\n';
  await pasteEvents(page, unrelated);
  await waitForVerdicts(page, 2);
  await page.waitForSelector(`[data-testid="dangling-expectations"]:has-text("${total} expectation(s)")`);
  assert.equal(await page.locator('[data-testid="test-summary"]').count(), 0, 'no test is graded on the new events');
  for (const i of [0, 1]) {
    assert.equal(await page.getAttribute(`[data-testid="expect-fire-${i}"]`, 'aria-pressed'), 'false');
    assert.equal(await page.getAttribute(`[data-testid="expect-nofire-${i}"]`, 'aria-pressed'), 'false');
  }
  await shot(page, '31-expectations-dangling');

  // The share link carries the lost expectations; with the events back they apply again.
  await pasteEvents(page, original);
  await waitForVerdicts(page, 5);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  assert.equal(await page.locator('[data-testid="dangling-expectations"]').count(), 0);
  assert.match(await page.textContent('[data-testid="test-summary"]'), new RegExp(`of ${total}`));

  // Editing a value inside one event keeps its expectation.
  const edited = original.replace(lines[2], lines[2].replace(/"EventID": ?3/, '"EventID": 3, "Note": "edited"'));
  assert.notEqual(edited, original);
  const before2 = await page.getAttribute('[data-testid="expect-nofire-2"]', 'aria-pressed');
  await pasteEvents(page, edited);
  await waitForVerdicts(page, 5);
  await page.waitForSelector(`[data-testid="expect-nofire-2"][aria-pressed="${before2}"]`);
  assert.equal(await page.locator('[data-testid="dangling-expectations"]').count(), 0);
  await context.close();
});

test('a crashed engine worker is replaced at once; the work and its expectations are kept', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  const rule = await editorText(page, 'rule-editor');
  const shown = await verdicts(page, 5);
  // The first view starts one worker, the engine's (gloo-worker starts it from a blob: URL).
  assert.equal(page.workers().length, 1);
  const [worker] = page.workers();
  // No input makes the engine panic (that is what its tests and fuzzing are for), so the test
  // calls the worker's own panic_for_test export: a real Rust panic in the real worker.
  const second = page.waitForEvent('worker');
  const closed = worker.waitForEvent('close');
  const thrown = await worker.evaluate(() => {
    try { wasm_bindgen.panic_for_test(); return 'no panic'; } catch (e) { return String(e); }
  });
  assert.match(thrown, /unreachable|RuntimeError/);
  await page.waitForSelector('[data-testid="notice-error"]:has-text("The engine stopped on an internal error and was restarted; your work is kept")');
  assert.match(await page.textContent('[data-testid="notice-error"]'), /panic_for_test was called/);
  // Unasked, a new worker takes the same work and evaluates it again.
  const replacement = await second;
  assert.notEqual(replacement, worker);
  await closed; // the broken worker ended itself: no zombie holding the events' memory
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  assert.equal(await editorText(page, 'rule-editor'), rule);
  assert.deepEqual(await verdicts(page, 5), shown);
  await shot(page, 'worker-restarted');
  // And it answers what comes next.
  await pasteEvents(page, '{"EventID": 1}\n{"EventID": 2}\n');
  await waitForVerdicts(page, 2);
  assert.deepEqual(await verdicts(page, 2), ['not_fired', 'not_fired']);
  await context.close();
});
