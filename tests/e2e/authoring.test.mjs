// Writing a rule in the page: completion in context and hover help, as a person types.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  suite, newPage, shot, waitForVerdicts, replaceEditorText, editorText, wordBox, networkEvents, record,
  pasteReplacing,
} from './harness.mjs';

const env = suite();

const completions = '.cm-tooltip-autocomplete';

/// The labels of the open completion list.
async function offered(page) {
  await page.waitForSelector(completions);
  return page.$$eval(`${completions} .cm-completionLabel`, (els) => els.map((e) => e.textContent));
}

/// Picks the offered completion `label` with the mouse. (Enter right after the list opens or
/// updates is CodeMirror's newline for its first 75 ms, its `interactionDelay`, so a fast key
/// press is timing-dependent; a click applies at once.)
async function pick(page, label) {
  const option = page.locator(`${completions} li`).filter({
    has: page.locator('.cm-completionLabel', { hasText: new RegExp(`^${label}$`) }),
  });
  await option.first().click();
}

/// Moves the mouse over the first occurrence of `word` in the rule editor.
async function hoverWord(page, word) {
  const box = await wordBox(page, word);
  assert.ok(box, `${word} is in the editor`);
  await page.mouse.move(box.x, box.y);
}

test('completion offers fields from the events, modifiers the chain accepts, and condition identifiers', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'rule-editor',
    'title: Typed here\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        ');
  // A field name: the example's events have Image; the log source's known fields follow.
  await page.keyboard.type('Ima');
  const fields = await offered(page);
  assert.equal(fields[0], 'Image', `${fields}`);
  await pick(page, 'Image');
  // After `|`: the modifiers, each with its one-line help.
  await page.keyboard.type('|');
  const modifiers = await offered(page);
  for (const m of ['contains', 'endswith', 'windash', 're', 'cidr']) assert.ok(modifiers.includes(m), `${m} in ${modifiers}`);
  await page.keyboard.type('endsw');
  await page.waitForFunction(() => document.querySelector('.cm-tooltip-autocomplete .cm-completionLabel')?.textContent === 'endswith');
  await shot(page, 'authoring-01-modifier-completion');
  await pick(page, 'endswith');
  await page.keyboard.insertText(": '\\cmd.exe'\n    condition: ");
  await page.keyboard.type('sel');
  assert.deepEqual(await offered(page), ['selection']);
  await pick(page, 'selection');
  const text = await editorText(page, 'rule-editor');
  assert.match(text, /^ {8}Image\|endswith: '\\cmd\.exe'$/m, text);
  assert.match(text, /^ {4}condition: selection$/m, text);
  // The rule is complete: it compiles and the verdicts follow.
  await page.waitForSelector('.pane-head:has-text("Typed here")');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('hover explains a modifier and what a value is compared as', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'rule-editor',
    "title: Hover\nlogsource:\n    category: process_creation\n    product: windows\ndetection:\n    selection:\n        CommandLine|windash|contains: ' -enc '\n    condition: selection\n");
  await hoverWord(page, 'windash');
  const help = page.locator('[data-testid="hover-help"]');
  await help.waitFor();
  assert.match(await help.textContent(), /^\|windash: Also matches the value with - replaced by \//);
  await page.mouse.move(5, 5);
  await help.waitFor({ state: 'detached' });
  await hoverWord(page, '-enc');
  await help.waitFor();
  const variants = await help.textContent();
  assert.match(variants, /compares 5 pattern\(s\)/, variants);
  assert.match(variants, /\/enc/, variants);
  await shot(page, 'authoring-02-hover-variants');
  assert.deepEqual(page.errors, []);
  await context.close();
});

/// Types the start of each of a few field names on the cursor's line and measures, in the page,
/// the time from the last key press to the completion list drawn (the frame after it appears).
async function completionLatency(page) {
  const samples = [];
  for (const typed of ['Ima', 'Dest', 'Initi', 'Sourc', 'Proto']) {
    await page.evaluate(() => {
      window.__completionShown = new Promise((resolve) => {
        let started = 0;
        document.addEventListener('keydown', () => { started = performance.now(); }, { capture: true });
        const seen = () => document.querySelector('.cm-tooltip-autocomplete .cm-completionLabel');
        const observer = new MutationObserver(() => {
          if (started && seen()) { observer.disconnect(); requestAnimationFrame(() => resolve(performance.now() - started)); }
        });
        observer.observe(document.body, { childList: true, subtree: true });
      });
    });
    await page.keyboard.type(typed);
    const ms = await page.evaluate(() => window.__completionShown);
    const labels = await offered(page);
    assert.ok(labels.some((l) => l.toLowerCase().startsWith(typed.toLowerCase())), `${typed}: ${labels}`);
    samples.push(ms);
    await page.keyboard.press('Escape');
    for (let i = 0; i < typed.length; i++) await page.keyboard.press('Backspace');
  }
  samples.sort((a, b) => a - b);
  return { median: Math.round(samples[Math.floor(samples.length / 2)]), max: Math.round(samples[samples.length - 1]) };
}

test('completion latency on a 2,000-line rule, with 5 and with 10,000 events loaded (measured, not asserted)', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  const values = Array.from({ length: 1990 }, (_, i) => `            - 'value-${i}'`).join('\n');
  const rule = 'title: Long rule\nlogsource:\n    category: network_connection\n    product: windows\ndetection:\n'
    + `    selection_many:\n        DestinationHostname|endswith:\n${values}\n    selection:\n        \n    condition: 1 of selection*\n`;
  await replaceEditorText(page, 'rule-editor', rule);
  // The cursor on the empty line under `selection:`, at its indentation.
  const toSelection = async () => {
    await page.click('[data-testid="rule-editor"] .cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('End');
  };
  await toSelection();
  const fewEvents = await completionLatency(page);
  await pasteReplacing(page, 'events-editor', networkEvents(10_000));
  await waitForVerdicts(page, 10_000);
  await toSelection();
  const manyEvents = await completionLatency(page);
  record('completion_latency_2000_line_rule_ms', { events_5: fewEvents, events_10000: manyEvents });
  assert.deepEqual(page.errors, []);
  await context.close();
});
