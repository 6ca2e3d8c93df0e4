// Teaching and test data kept in rules: a lesson as an exercise (its task, the grade of each
// try, hints one at a time, the solution on request, undo), and rsigma exemplars (a rule that
// carries them opens as a rule test; a rule test is written back into the rule as exemplars).
// They wait for what the page shows, never for fixed times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  suite, newPage, shot, waitForVerdicts, verdicts, replaceEditorText, editorText,
} from './harness.mjs';

const env = suite();

async function status(page) {
  const s = page.locator('[data-testid="exercise-status"]');
  return { solved: await s.getAttribute('data-solved'), text: await s.textContent() };
}

test('an exercise: the task, each try graded, hints one at a time, the solution and undo', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.selectOption('[data-testid="exercises"]', 'windash');
  await page.waitForSelector('[data-testid="exercise-task"]');
  assert.match(await page.textContent('[data-testid="exercise-task"]'), /certutil, whatever the dash/);
  // The rule starts with its detection left to write; the lesson's events and expectations are given.
  await page.waitForFunction(() => document.querySelector('[data-testid="rule-editor"] .cm-content').textContent.includes('# Write the selections'));
  // (A rule with an empty detection has an error and no verdicts yet.)
  await page.waitForSelector('[data-testid="exercise-status"]:text("0 of 4 expectations pass.")');
  assert.equal((await status(page)).solved, 'false');
  assert.equal(await page.locator('[data-testid="exercise-hint-text"]').count(), 0);

  // A first try without |windash: only the plain dash fires, 2 of 4 expectations pass.
  const rule = await editorText(page, 'rule-editor');
  const attempt = (detection) => rule.replace(/detection:\n {4}# Write the selections and the condition here.\n/, `detection:\n${detection}`);
  await replaceEditorText(page, 'rule-editor', attempt("    selection:\n        CommandLine|contains: ' -decode '\n    condition: selection\n"));
  await page.waitForSelector('[data-testid="exercise-status"]:text("2 of 4 expectations pass.")');
  assert.deepEqual(await verdicts(page, 4), ['fired', 'not_fired', 'not_fired', 'not_fired']);

  // Hints come one at a time, then run out.
  await page.click('[data-testid="exercise-hint"]');
  await page.waitForSelector('[data-testid="exercise-hint-text"]');
  assert.match(await page.textContent('[data-testid="exercise-hint-text"]'), /windash/);
  await page.click('[data-testid="exercise-hint"]');
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="exercise-hint-text"]').length === 2);
  assert.equal(await page.locator('[data-testid="exercise-hint"]').isDisabled(), true);

  // The right try solves it.
  await replaceEditorText(page, 'rule-editor', attempt("    selection:\n        CommandLine|windash|contains: ' -decode '\n    condition: selection\n"));
  await page.waitForSelector('[data-testid="exercise-status"][data-solved="true"]');
  assert.equal((await status(page)).text, 'Solved: all 4 expectations pass.');
  await shot(page, 't1-exercise-solved');

  // The solution on request replaces the try; undo brings the try back.
  await page.click('[data-testid="exercise-solution"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="rule-editor"] .cm-content').textContent.includes("Image|endswith: '\\certutil.exe'"));
  await page.waitForSelector('[data-testid="exercise-status"][data-solved="true"]');
  await page.click('[data-testid="rule-editor"] .cm-content');
  await page.keyboard.press('Control+z');
  await page.waitForFunction(() => !document.querySelector('[data-testid="rule-editor"] .cm-content').textContent.includes("Image|endswith"));
  assert.match(await editorText(page, 'rule-editor'), /CommandLine\|windash\|contains/);

  // Opening a lesson ends the exercise.
  await page.selectOption('[data-testid="examples"]', 'cidr');
  await page.waitForSelector('[data-testid="exercise"]', { state: 'detached' });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('every lesson is offered as an exercise, and a correlation exercise grades its alerts', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  const offered = await page.locator('[data-testid="exercises"] option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  const lessons = await page.locator('[data-testid="examples"] option').evaluateAll((os) => os.map((o) => o.value).filter(Boolean));
  assert.deepEqual(offered, lessons);
  await page.selectOption('[data-testid="exercises"]', 'brute-force');
  await page.waitForFunction(() => document.querySelector('[data-testid="rule-editor"] .cm-content').textContent.includes('# Write the type, the rules it counts'));
  // Without the correlation, alice's "should alert" fails.
  await page.waitForSelector('[data-testid="exercise-status"][data-solved="false"]');
  await page.click('[data-testid="exercise-solution"]');
  await page.waitForSelector('[data-testid="exercise-status"][data-solved="true"]');
  assert.equal((await status(page)).text, 'Solved: all 4 expectations pass.');
  await page.click('[data-testid="exercise-close"]');
  await page.waitForSelector('[data-testid="exercise"]', { state: 'detached' });
  assert.deepEqual(page.errors, []);
  await context.close();
});

const WHOAMI = [
  'title: Whoami With Privileges',
  'id: 3c0e2a44-5b7f-4b8e-9d3a-1f2e3d4c5b60',
  'logsource:',
  '    category: process_creation',
  '    product: windows',
  'detection:',
  '    selection:',
  "        Image|endswith: '\\whoami.exe'",
  "        CommandLine|contains: '/priv'",
  '    condition: selection',
  'level: medium',
  '',
].join('\n');

test('rsigma exemplars: a rule carrying them opens as a rule test; a rule test is written back as exemplars', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  // Write back: two events, marked, become the rule's exemplars.
  await replaceEditorText(page, 'rule-editor', WHOAMI);
  await replaceEditorText(page, 'events-editor', [
    JSON.stringify({ Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami /priv' }),
    JSON.stringify({ Image: 'C:\\Windows\\System32\\whoami.exe', CommandLine: 'whoami' }),
    JSON.stringify({ Image: 'C:\\Windows\\System32\\hostname.exe', CommandLine: 'hostname' }),
  ].join('\n') + '\n');
  await waitForVerdicts(page, 3);
  await page.click('[data-testid="expect-fire-0"]');
  await page.click('[data-testid="expect-nofire-1"]');
  await page.click('[data-testid="write-exemplars"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="rule-editor"] .cm-content').textContent.includes('rsigma.exemplars:'));
  const written = await editorText(page, 'rule-editor');
  assert.ok(written.startsWith(WHOAMI.trimEnd()), written);
  assert.match(written, /custom_attributes:\n {4}rsigma\.exemplars:\n {8}- name: event 1\n {10}expect: match\n {10}event:\n {14}Image: /);
  assert.match(written, /- name: event 2\n {10}expect: no-match/);
  assert.ok(!written.includes('hostname'), 'an event without an expectation is left out');
  await page.waitForSelector('[data-testid="notice"]:has-text("Wrote the events with an expectation into the rule")');

  // Open: the events become the exemplars, graded against their expected verdicts.
  await replaceEditorText(page, 'events-editor', JSON.stringify({ CommandLine: 'unrelated' }) + '\n');
  await waitForVerdicts(page, 1);
  await page.click('[data-testid="open-exemplars"]');
  await page.waitForFunction(() => document.querySelector('[data-testid="events-editor"] .cm-content').textContent.includes('whoami /priv'));
  await waitForVerdicts(page, 2);
  assert.deepEqual(await verdicts(page, 2), ['fired', 'not_fired']);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  assert.equal(await editorText(page, 'rule-editor'), written, 'the rule is kept as it is');
  await shot(page, 't2-exemplars-opened');

  // A rule without exemplars says so.
  await replaceEditorText(page, 'rule-editor', WHOAMI);
  await page.click('[data-testid="open-exemplars"]');
  await page.waitForSelector('[data-testid="notice-error"]:has-text("the rule carries no rsigma.exemplars")');
  assert.deepEqual(page.errors, []);
  await context.close();
});
