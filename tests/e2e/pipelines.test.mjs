// Processing pipelines in the page: the picker, the custom pipeline editor and its located
// errors, the rule after the pipeline (diff) and the processing items that applied, mapped fields
// in the explanation, the Winlogbeat/ECS suggestion, and share links and reloads that keep the
// pipeline. They wait for what the page shows, never for fixed times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import {
  suite, newPage, shot, waitForVerdicts, verdicts, replaceEditorText, editorText, artifacts,
} from './harness.mjs';

const env = suite();

/// Waits until event 0 shows `verdict` (the worker answered for the newest edit).
async function waitForVerdict0(page, verdict) {
  await page.waitForSelector(`[data-testid="verdict-0"][data-verdict="${verdict}"]`, { timeout: 60_000 });
}

test('the ECS lesson runs cmstp through ecs_windows: diff, applied items, mapped fields, suggestion', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  assert.equal(await page.inputValue('[data-testid="pipeline-select"]'), '');
  const options = await page.locator('[data-testid="pipeline-select"] option').evaluateAll((os) => os.map((o) => o.value));
  assert.deepEqual(options, ['', 'sysmon', 'windows_audit', 'windows_logsource', 'ecs_windows', 'ecs_windows_old', 'custom']);

  await page.selectOption('[data-testid="examples"]', 'cmstp-ecs');
  await page.waitForSelector('[data-testid="events-format"]:has-text("Winlogbeat/ECS")');
  assert.equal(await page.inputValue('[data-testid="pipeline-select"]'), 'ecs_windows');
  await page.waitForSelector('[data-testid="pipeline-applied"] [data-item-id="ecs_windows_field_mapping"]', { timeout: 60_000 });
  await waitForVerdicts(page, 5);
  await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  assert.deepEqual(await verdicts(page, 5), ['fired', 'not_fired', 'not_fired', 'not_fired', 'not_fired']);
  // The events' own pipeline is in use: no offer to switch to it.
  assert.equal(await page.locator('[data-testid="suggest-pipeline"]').count(), 0);

  const applied = await page.locator('[data-testid="pipeline-applied"] [data-item-id]')
    .evaluateAll((items) => items.map((i) => i.dataset.itemId));
  assert.ok(applied.includes('network_direction_egress'), `applied: ${applied}`);
  assert.equal(new Set(applied).size, applied.length, 'each processing item is listed once');
  const added = await page.locator('[data-testid="pipeline-diff"] [data-change="added"]').allTextContents();
  const removed = await page.locator('[data-testid="pipeline-diff"] [data-change="removed"]').allTextContents();
  assert.ok(added.some((l) => /process\.executable\.caseless\|endswith/.test(l)), `added: ${added}`);
  assert.ok(added.some((l) => /network\.direction: egress/.test(l)), `added: ${added}`);
  assert.ok(removed.some((l) => /Image\|endswith/.test(l)), `removed: ${removed}`);
  assert.ok(!added.some((l) => /^\+ title:/.test(l)), 'unchanged lines are not marked');

  await page.click('[data-testid="verdict-0"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="0"] [data-testid="explain-mapped"]');
  const mapped = await page.locator('[data-testid="explain-mapped"]').allTextContents();
  assert.ok(mapped.some((m) => m === 'Image → process.executable (ecs_windows: ecs_windows_field_mapping)'), `mapped: ${mapped}`);
  await shot(page, 'p1-ecs-lesson-diff-and-mapped-fields');
  await page.locator('[data-testid="pipeline-diff"] [data-change="added"]').first().scrollIntoViewIfNeeded();
  await page.locator('.pipeline').screenshot({ path: path.join(artifacts, 'p1b-ecs-rule-after-the-pipeline.png') });

  // Without the pipeline nothing fires; the badge and the explanation both offer ecs_windows.
  await page.selectOption('[data-testid="pipeline-select"]', '');
  await waitForVerdict0(page, 'not_fired');
  await page.waitForSelector('[data-testid="suggest-pipeline"][data-pipeline="ecs_windows"]');
  assert.equal(await page.locator('[data-testid="pipeline-diff"]').count(), 0);
  await page.click('[data-testid="verdict-0"]');
  const suggestion = page.locator('[data-testid="explanation"][data-event="0"] [data-testid="pipeline-suggestion"]');
  await suggestion.waitFor({ timeout: 60_000 });
  assert.equal(await suggestion.getAttribute('data-pipeline'), 'ecs_windows');
  assert.match(await suggestion.textContent(), /no Image but has process\.executable/);
  await shot(page, 'p2-ecs-suggestion-without-pipeline');
  await page.click('[data-testid="use-suggested-pipeline"]');
  await waitForVerdict0(page, 'fired');
  assert.equal(await page.inputValue('[data-testid="pipeline-select"]'), 'ecs_windows');
  assert.deepEqual(page.errors, []);
  await context.close();
});

const CUSTOM_OK = `name: my field names
transformations:
  - id: my_exe
    type: field_name_mapping
    mapping:
      Image: exe
`;
const CUSTOM_BROKEN = `name: my field names
transformations:
  - id: my_exe
    type: no_such_type
`;
const OWN_EVENTS = [
  { exe: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: '203.0.113.45' },
  { exe: 'C:\\Windows\\System32\\cmstp.exe', Initiated: 'true', DestinationIp: '10.1.2.3' },
].map((e) => JSON.stringify(e)).join('\n');

test('a custom pipeline: located errors, then it applies, and a share link keeps it through a reload', async () => {
  const { context, page } = await newPage(env.browser);
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await replaceEditorText(page, 'events-editor', OWN_EVENTS);
  await waitForVerdicts(page, 2);
  await waitForVerdict0(page, 'not_fired');

  await page.selectOption('[data-testid="pipeline-select"]', 'custom');
  await page.waitForSelector('[data-testid="pipeline-editor"] .cm-content');
  await replaceEditorText(page, 'pipeline-editor', CUSTOM_BROKEN);
  const diag = page.locator('[data-testid="pipeline-diagnostics"] [data-testid="pipeline-diagnostic"][data-severity="error"]').first();
  await diag.waitFor({ timeout: 60_000 });
  assert.match(await diag.textContent(), /^4:\d+/);
  assert.match(await diag.textContent(), /no_such_type/);
  await page.waitForSelector('[data-testid="pipeline-editor"] .cm-lintRange-error');
  await page.waitForSelector('[data-testid="stale-banner"]');
  await shot(page, 'p3-custom-pipeline-located-error');

  await replaceEditorText(page, 'pipeline-editor', CUSTOM_OK);
  await waitForVerdict0(page, 'fired');
  assert.equal(await page.getAttribute('[data-testid="verdict-1"]', 'data-verdict'), 'not_fired');
  await page.waitForSelector('[data-testid="pipeline-applied"] [data-item-id="my_exe"][data-pipeline="custom"]');
  assert.equal(await page.locator('[data-testid="pipeline-diagnostic"]').count(), 0);
  await shot(page, 'p4-custom-pipeline-applied');

  await page.click('[data-testid="share-button"]');
  const link = await page.inputValue('[data-testid="share-link"]');
  await context.close();

  const fresh = await newPage(env.browser);
  await fresh.page.goto(link);
  await waitForVerdicts(fresh.page, 2);
  await waitForVerdict0(fresh.page, 'fired');
  assert.equal(await fresh.page.inputValue('[data-testid="pipeline-select"]'), 'custom');
  assert.match(await editorText(fresh.page, 'pipeline-editor'), /Image: exe/);
  // Autosave keeps it: after a reload (and without the link) the pipeline is still there.
  await fresh.page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="save-status"]');
    return s && s.dataset.savedRevision === s.dataset.revision;
  });
  await fresh.page.goto(env.base);
  await fresh.page.reload();
  await waitForVerdicts(fresh.page, 2);
  await waitForVerdict0(fresh.page, 'fired');
  assert.equal(await fresh.page.inputValue('[data-testid="pipeline-select"]'), 'custom');
  assert.match(await editorText(fresh.page, 'pipeline-editor'), /my_exe/);
  await shot(fresh.page, 'p5-shared-custom-pipeline-after-reload');
  assert.deepEqual(fresh.page.errors, []);
  await fresh.context.close();
});
