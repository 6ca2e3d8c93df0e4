// Correlations and filters in the page: the Correlations panel and its groups for a brute-force
// rule, selecting an alert lists its events (each opens its explanation), the keyboard, the
// filter note in an explanation, a correlation expectation graded and kept by a share link and
// a reload, the timestamp field, and the four correlation lessons passing their own tests.
// They wait for what the page shows, never for fixed times.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  suite, newPage, shot, waitForVerdicts, verdicts, replaceEditorText, waitForSaved,
} from './harness.mjs';

const env = suite();

const BRUTE_FORCE_ID = '0b1f6a52-7d3e-4c1a-9f61-3f1e8a0c4d02';

async function openLesson(page, id, events) {
  await page.goto(env.base);
  await waitForVerdicts(page, 5);
  await page.selectOption('[data-testid="examples"]', id);
  await waitForVerdicts(page, events);
}

/// The data attributes and sentence of every correlation group shown.
async function groups(page) {
  return page.locator('[data-testid="correlation-group"]').evaluateAll((gs) => gs.map((g) => ({
    rule: g.dataset.ruleId,
    group: JSON.parse(g.dataset.group),
    alert: g.dataset.alert,
    sentence: g.querySelector('.sentence').textContent,
  })));
}

test('a brute-force rule: the panel, its timeline and one group per account with the engine\'s sentence', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'brute-force', 6);
  await page.waitForSelector('[data-testid="correlation-panel"] [data-testid="correlation-timeline"]');
  assert.deepEqual(await verdicts(page, 6), ['fired', 'fired', 'fired', 'fired', 'not_fired', 'fired']);
  // Each verdict names the rule that fired.
  assert.equal(await page.textContent('[data-testid="verdict-0"] [data-testid="verdict-rules"]'), 'Failed logon');
  assert.equal(await page.locator('[data-testid="verdict-4"] [data-testid="verdict-rules"]').count(), 0);

  const shown = await groups(page);
  assert.deepEqual(shown.map((g) => [g.rule, g.group, g.alert]), [
    [BRUTE_FORCE_ID, { TargetUserName: 'alice' }, 'true'],
    [BRUTE_FORCE_ID, { TargetUserName: 'bob' }, 'false'],
  ]);
  assert.equal(shown[0].sentence, 'alice: 3 events within 5m (≥ 3) → alert at 2026-03-01T09:01:00Z');
  assert.match(shown[1].sentence, /^bob: 1 event in every window \(never ≥ 3\), no alert$/);
  // The timeline: a mark per counted event, a band per alert, the threshold in each lane.
  assert.equal(await page.locator('[data-testid="correlation-mark"]').count(), 5);
  assert.equal(await page.locator('[data-testid="correlation-band"]').count(), 1);
  assert.equal(await page.locator('[data-testid="correlation-timeline"] .threshold').count(), 2);
  assert.equal(await page.locator('[data-testid="test-summary"]').getAttribute('data-result'), 'pass');
  await page.locator('[data-testid="correlation-panel"]').scrollIntoViewIfNeeded();
  await shot(page, 'c1-brute-force-panel');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('selecting an alert lists its events, each opens its explanation; the keyboard does the same', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'brute-force', 6);
  await page.click('[data-testid="correlation-alert"]');
  await page.waitForSelector('[data-testid="alert-events"]');
  const listed = await page.locator('[data-testid="alert-event"]').evaluateAll((es) => es.map((e) => e.dataset.event));
  assert.deepEqual(listed, ['0', '1', '3']);
  await page.click('[data-testid="alert-event"][data-event="3"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="3"] [data-testid="explain-summary"]');
  await page.waitForSelector('[data-testid="correlation-mark"][data-event="3"].selected');
  // A mark on the timeline opens its event's explanation too.
  await page.click('[data-testid="correlation-mark"][data-event="2"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="2"] [data-testid="explain-summary"]');
  await page.click('[data-testid="alert-event"][data-event="3"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="3"] [data-testid="explain-summary"]');
  await page.locator('[data-testid="correlation-panel"]').scrollIntoViewIfNeeded();
  await shot(page, 'c2-alert-events-and-explanation');

  // Clicking the selected alert again closes the list; Enter on the group opens it again.
  await page.click('[data-testid="correlation-alert"]');
  await page.waitForSelector('[data-testid="alert-events"]', { state: 'detached' });
  await page.focus('[data-testid="correlation-group"][data-alert="true"]');
  await page.keyboard.press('Enter');
  await page.waitForSelector('[data-testid="alert-events"] [data-testid="alert-event"]');
  // Tab reaches the alert button; Space on it closes the list.
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.dataset.testid), 'correlation-alert');
  await page.keyboard.press('Space');
  await page.waitForSelector('[data-testid="alert-events"]', { state: 'detached' });
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('an event a filter removed says so in its explanation', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'tuning-filter', 4);
  assert.deepEqual(await verdicts(page, 4), ['fired', 'not_fired', 'not_fired', 'fired']);
  assert.equal(await page.locator('[data-testid="correlation-panel"]').count(), 0, 'no correlation, no panel');
  await page.click('[data-testid="verdict-1"]');
  const note = page.locator('[data-testid="explanation"][data-event="1"] [data-testid="filter-excluded"]');
  await note.waitFor();
  assert.match(await note.textContent(), /^excluded by filter 'Admin hosts' \(line 15\): .*Computer.*ADM/);
  await shot(page, 'c3-filter-excluded');
  await page.click('[data-testid="verdict-0"]');
  await page.waitForSelector('[data-testid="explanation"][data-event="0"] [data-testid="explain-summary"]');
  assert.equal(await page.locator('[data-testid="filter-excluded"]').count(), 0);
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a correlation expectation is graded, and a share link and a reload keep it', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'brute-force', 6);
  const bob = page.locator('[data-testid="correlation-group"][data-alert="false"]');
  await bob.locator('[data-testid="alert-outcome"][data-outcome="pass"]').waitFor();
  // bob "should alert": it does not, so the group and the test fail.
  await bob.locator('[data-testid="expect-alert"]').click();
  await bob.locator('[data-testid="alert-outcome"][data-outcome="fail"]').waitFor();
  await page.waitForSelector('[data-testid="test-summary"][data-result="fail"]');
  assert.equal(await bob.locator('[data-testid="expect-alert"]').getAttribute('aria-pressed'), 'true');
  await shot(page, 'c4-correlation-expectation-failing');

  await page.click('[data-testid="share-button"]');
  const link = await page.inputValue('[data-testid="share-link"]');
  await context.close();

  const fresh = await newPage(env.browser);
  await fresh.page.goto(link);
  await waitForVerdicts(fresh.page, 6);
  const bobAgain = fresh.page.locator('[data-testid="correlation-group"][data-alert="false"]');
  await bobAgain.locator('[data-testid="alert-outcome"][data-outcome="fail"]').waitFor();
  assert.equal(await bobAgain.locator('[data-testid="expect-alert"]').getAttribute('aria-pressed'), 'true');
  await waitForSaved(fresh.page);
  await fresh.page.goto(env.base);
  await fresh.page.reload();
  await waitForVerdicts(fresh.page, 6);
  await bobAgain.locator('[data-testid="alert-outcome"][data-outcome="fail"]').waitFor();
  // Clearing it makes the test pass again.
  await bobAgain.locator('[data-testid="expect-alert"]').click();
  await bobAgain.locator('[data-testid="alert-outcome"][data-outcome="unchecked"]').waitFor({ state: 'attached' });
  await fresh.page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
  assert.deepEqual(fresh.page.errors, []);
  await fresh.context.close();
});

test('the timestamp field chooses where time is read; events without a time are reported', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'brute-force', 6);
  await page.fill('[data-testid="timestamp-field"]', 'When');
  await page.press('[data-testid="timestamp-field"]', 'Enter');
  const untimed = page.locator('[data-testid="correlation-untimed"] li');
  await untimed.first().waitFor();
  assert.match(await untimed.first().textContent(), /^event 0 has no timestamp: 'When' is not present$/);
  await page.waitForSelector('[data-testid="correlation-group"]', { state: 'detached' });
  await page.fill('[data-testid="timestamp-field"]', '');
  await page.press('[data-testid="timestamp-field"]', 'Enter');
  await page.waitForSelector('[data-testid="correlation-group"][data-alert="true"]');
  assert.equal(await page.locator('[data-testid="correlation-untimed"]').count(), 0);

  // A rule text edited by hand: an event without any timestamp field is named.
  const events = '{"Channel": "Security", "EventID": 4625, "TargetUserName": "alice", "@timestamp": "2026-03-01T09:00:00Z"}\n'
    + '{"Channel": "Security", "EventID": 4625, "TargetUserName": "alice"}\n';
  await replaceEditorText(page, 'events-editor', events);
  await waitForVerdicts(page, 2);
  await page.waitForSelector('[data-testid="correlation-untimed"] li:has-text("event 1 has no timestamp")');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('many groups: every group is listed, at most 30 lanes are drawn, alerting ones first', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'brute-force', 6);
  const lines = [];
  for (let u = 0; u < 35; u++) {
    const n = u === 34 ? 3 : 1; // the last account alone reaches the threshold
    for (let k = 0; k < n; k++) {
      lines.push(JSON.stringify({ Channel: 'Security', EventID: 4625, TargetUserName: `user${u}`, '@timestamp': `2026-03-01T09:0${k}:00Z` }));
    }
  }
  await replaceEditorText(page, 'events-editor', lines.join('\n') + '\n');
  await waitForVerdicts(page, 37);
  await page.waitForFunction(() => document.querySelectorAll('[data-testid="correlation-group"]').length === 35);
  assert.equal(await page.locator('[data-testid="correlation-timeline"] .lane').count(), 30);
  assert.equal(await page.locator('[data-testid="correlation-timeline"] .lane-label').first().textContent(), 'user34');
  await page.waitForSelector('[data-testid="correlation-panel"] :text("5 more groups are listed below but not drawn.")');
  assert.deepEqual(page.errors, []);
  await context.close();
});

test('a chain shows the child alerts it counted; an extended condition is written on its lanes', async () => {
  const { context, page } = await newPage(env.browser);
  await openLesson(page, 'brute-force', 6);
  const rule = [
    'title: Failed logon', 'name: failed_logon', 'logsource:', '    product: windows', '    service: security',
    'detection:', '    selection:', '        EventID: 4625', '    condition: selection', '---',
    'title: Logon', 'name: logon', 'logsource:', '    product: windows', '    service: security',
    'detection:', '    selection:', '        EventID: 4624', '    condition: selection', '---',
    'title: Two failures', 'name: two_failures', 'correlation:', '    type: event_count', '    rules: [failed_logon]',
    '    group-by: [TargetUserName]', '    timespan: 1m', '    condition:', '        gte: 2', '---',
    'title: Repeated bursts', 'correlation:', '    type: event_count', '    rules: [two_failures]',
    '    group-by: [TargetUserName]', '    timespan: 10m', '    condition:', '        gte: 2', '---',
    'title: Failure without a logon', 'correlation:', '    type: temporal', '    rules: [failed_logon, logon]',
    '    group-by: [TargetUserName]', '    timespan: 5m', '    condition: failed_logon and not logon', '',
  ].join('\n');
  const at = (u, id, t) => JSON.stringify({ Channel: 'Security', EventID: id, TargetUserName: u, '@timestamp': `2026-03-01T09:${t}Z` });
  const events = [
    at('alice', 4625, '00:00'), at('alice', 4625, '00:20'), at('alice', 4625, '00:40'),
    at('bob', 4625, '01:00'), at('bob', 4624, '01:30'), at('carol', 4624, '20:00'),
  ].join('\n') + '\n';
  await replaceEditorText(page, 'rule-editor', rule);
  await replaceEditorText(page, 'events-editor', events);
  await waitForVerdicts(page, 6);
  // The child ("Two failures") alerts for alice at 00:20 and at 00:40; the chain counts those
  // two alerts, once each (a diamond at each window end), and alerts itself.
  const chain = page.locator('section.correlation[aria-label="Repeated bursts"]');
  // (The lesson's own events are six too: wait until the new ones are in, carol's logon.)
  await page.waitForSelector(`section.correlation[aria-label="Failure without a logon"] [data-testid="correlation-group"][data-group='{"TargetUserName":"carol"}']`);
  const marks = await chain.locator('[data-testid="correlation-chain-mark"]').evaluateAll((ms) => ms.map((m) => [m.dataset.correlation, m.dataset.alertIndex, m.querySelector('title').textContent]));
  assert.deepEqual(marks, [
    ['two_failures', '0', "alert of 'Two failures' · 2026-03-01T09:00:20Z"],
    ['two_failures', '1', "alert of 'Two failures' · 2026-03-01T09:00:40Z"],
  ]);
  assert.equal(await chain.locator('[data-testid="correlation-mark"]').count(), 0);
  assert.equal(await chain.locator('[data-testid="correlation-group"]').getAttribute('data-alert'), 'true');
  assert.equal(await chain.locator('[data-testid="correlation-group"] .sentence').textContent(),
    'alice: 2 alerts within 10m (≥ 2) → alert at 2026-03-01T09:00:40Z');
  // A diamond selects the child alert, which lists its own events.
  await chain.locator('[data-testid="correlation-chain-mark"]').nth(1).click();
  const child = page.locator('section.correlation[aria-label="Two failures"]');
  await child.locator('[data-testid="alert-events"]').waitFor();
  const listed = await child.locator('[data-testid="alert-event"]').evaluateAll((es) => es.map((e) => e.dataset.event));
  assert.deepEqual(listed, ['0', '1', '2']);
  await page.waitForSelector('[data-testid="correlation-panel"] .legend :text("alerts of Two failures")');

  // The extended condition: written on each lane instead of a threshold line; the sentences name it.
  const extended = page.locator('section.correlation[aria-label="Failure without a logon"]');
  assert.equal(await extended.locator('.threshold').count(), 0);
  const written = await extended.locator('[data-testid="correlation-condition"]').allTextContents();
  assert.ok(written.length >= 2 && written.every((t) => t === 'alerts when failed_logon and not logon'), String(written));
  const sentences = await extended.locator('[data-testid="correlation-group"] .sentence').allTextContents();
  assert.ok(sentences.some((s) => /^alice: .*\(failed_logon and not logon held\) → alert/.test(s)), String(sentences));
  assert.ok(sentences.some((s) => /^bob: .*failed_logon and not logon never held/.test(s)), String(sentences));
  await chain.scrollIntoViewIfNeeded();
  await shot(page, 'c6-chain-and-extended');
  assert.deepEqual(page.errors, []);
  await context.close();
});

for (const [id, events] of [['brute-force', 6], ['password-spray', 7], ['failure-then-success', 6], ['tuning-filter', 4]]) {
  test(`the ${id} lesson opens and its expectations pass`, async () => {
    const { context, page } = await newPage(env.browser);
    await openLesson(page, id, events);
    await page.waitForSelector('[data-testid="test-summary"][data-result="pass"]');
    const outcomes = await page.locator('[data-testid="alert-outcome"]').evaluateAll((os) => os.map((o) => o.dataset.outcome));
    assert.ok(!outcomes.includes('fail'), `${id}: ${outcomes}`);
    if (id !== 'tuning-filter') {
      assert.ok(outcomes.filter((o) => o === 'pass').length >= 2, `${id}: ${outcomes}`);
      await page.locator('[data-testid="correlation-panel"]').scrollIntoViewIfNeeded();
    }
    await shot(page, `c5-lesson-${id}`);
    assert.deepEqual(page.errors, []);
    await context.close();
  });
}
