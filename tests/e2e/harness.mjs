// Shared set-up of the browser tests: a tiny static server for dist/ on a free local port,
// headless Chromium (Debian's /usr/bin/chromium) driven by playwright-core, helpers that wait
// for what the page shows, and the artifacts folder (screenshots, measurements).
import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const root = path.resolve(here, '../..');
export const dist = path.join(root, 'dist');
export const artifacts = path.join(here, 'artifacts');
fs.mkdirSync(artifacts, { recursive: true });

const types = {
  '.html': 'text/html; charset=utf-8', '.js': 'text/javascript', '.mjs': 'text/javascript',
  '.wasm': 'application/wasm', '.css': 'text/css', '.json': 'application/json', '.svg': 'image/svg+xml',
};

export function startServer() {
  if (!fs.existsSync(path.join(dist, 'index.html'))) {
    throw new Error('dist/index.html is missing: run `trunk build --release --offline` first (scripts/test.sh does)');
  }
  const server = http.createServer((req, res) => {
    const url = new URL(req.url, 'http://x');
    let file = path.normalize(path.join(dist, decodeURIComponent(url.pathname)));
    if (!file.startsWith(dist)) { res.writeHead(403).end(); return; }
    if (fs.existsSync(file) && fs.statSync(file).isDirectory()) file = path.join(file, 'index.html');
    fs.readFile(file, (err, body) => {
      if (err) { res.writeHead(404).end('not found'); return; }
      res.writeHead(200, { 'content-type': types[path.extname(file)] || 'application/octet-stream', 'cache-control': 'no-store' });
      res.end(body);
    });
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => {
    resolve({ server, base: `http://127.0.0.1:${server.address().port}/` });
  }));
}

/// The set-up of one test file: a server for dist/ and a browser, started before its tests and
/// closed after them. Read `base` and `browser` inside the tests.
export function suite() {
  const s = { server: null, base: null, browser: null };
  before(async () => {
    ({ server: s.server, base: s.base } = await startServer());
    s.browser = await launch();
  });
  after(async () => {
    await s.browser?.close();
    s.server?.close();
  });
  return s;
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking',
      '--disable-component-update', '--disable-sync'],
  });
}

export async function newPage(browser, opts = {}) {
  const context = await browser.newContext({ viewport: opts.viewport || { width: 1440, height: 900 }, colorScheme: opts.colorScheme || 'light' });
  const page = await context.newPage();
  page.errors = [];
  page.on('pageerror', (e) => page.errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') page.errors.push(m.text()); });
  return { context, page };
}

export async function shot(page, name) {
  await page.screenshot({ path: path.join(artifacts, `${name}.png`) });
}

/// Waits until the page has evaluated: verdict 0 shows a verdict.
export async function waitForVerdicts(page, count) {
  await page.waitForSelector(`[data-testid="verdict-counts"]:has-text("${count} events")`, { timeout: 60_000 });
  await page.waitForSelector('[data-testid="verdict-0"]:not([data-verdict="pending"])', { timeout: 60_000 });
}

export async function verdicts(page, n) {
  const out = [];
  for (let i = 0; i < n; i++) out.push(await page.getAttribute(`[data-testid="verdict-${i}"]`, 'data-verdict'));
  return out;
}

/// Replaces an editor's whole text, as a paste would (no auto-indent on the inserted lines).
export async function replaceEditorText(page, testid, text) {
  await page.click(`[data-testid="${testid}"] .cm-content`);
  await page.keyboard.press('Control+A');
  await page.keyboard.press('Delete');
  if (text) await page.keyboard.insertText(text);
}

/// Pastes `text` over everything in the editor `testid`, as a real paste event with the text on
/// its clipboard data (typing 10,000 events would take minutes).
export async function pasteReplacing(page, testid, text) {
  await page.click(`[data-testid="${testid}"] .cm-content`);
  await page.keyboard.press('Control+A');
  await page.evaluate(([id, t]) => {
    const data = new DataTransfer();
    data.setData('text/plain', t);
    document.querySelector(`[data-testid="${id}"] .cm-content`)
      .dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true }));
  }, [testid, text]);
}

/// The middle of the first occurrence of `word` in the rule editor, on screen.
export async function wordBox(page, word) {
  return page.evaluate((w) => {
    const content = document.querySelector('[data-testid="rule-editor"] .cm-content');
    const walker = document.createTreeWalker(content, NodeFilter.SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const at = n.textContent.indexOf(w);
      if (at >= 0) {
        const r = document.createRange();
        r.setStart(n, at + 1);
        r.setEnd(n, at + 2);
        const b = r.getBoundingClientRect();
        return { x: b.x + b.width / 2, y: b.y + b.height / 2 };
      }
    }
    return null;
  }, word);
}

export async function editorText(page, testid) {
  return page.evaluate((id) => {
    const lines = [...document.querySelectorAll(`[data-testid="${id}"] .cm-line`)];
    return lines.map((l) => l.textContent).join('\n');
  }, testid);
}

const measurementsFile = path.join(artifacts, 'measurements.json');
export function record(name, value) {
  let all = {};
  try { all = JSON.parse(fs.readFileSync(measurementsFile, 'utf8')); } catch {}
  all[name] = value;
  fs.writeFileSync(measurementsFile, JSON.stringify(all, null, 2));
  console.log(`measurement: ${name} = ${JSON.stringify(value)}`);
}

/// Sysmon-like network connection events; `i % 4 == 0` fire with the default rule.
export function networkEvents(n) {
  const lines = [];
  for (let i = 0; i < n; i++) {
    const fire = i % 4 === 0;
    lines.push(JSON.stringify({
      EventID: 3, Channel: 'Microsoft-Windows-Sysmon/Operational', UtcTime: `2025-01-14 09:${String(i % 60).padStart(2, '0')}:00.000`,
      Image: fire || i % 4 === 1 ? 'C:\\Windows\\System32\\cmstp.exe' : 'C:\\Program Files\\App\\app.exe',
      User: 'CORP\\user' + (i % 50), Protocol: 'tcp', Initiated: 'true', SourceIp: '10.20.30.41', SourcePort: 40000 + (i % 20000),
      DestinationIp: fire ? '203.0.113.' + (i % 250) : '10.1.' + (i % 250) + '.3', DestinationPort: 443,
      CommandLine: 'cmstp.exe /ni /s C:\\Users\\user\\AppData\\Local\\Temp\\profile' + i + '.inf padding-' + 'x'.repeat(i % 7 === 0 ? 200 : 40),
    }));
  }
  return lines.join('\n') + '\n';
}

/// Waits until autosave has stored the newest revision of the work.
export async function waitForSaved(page) {
  await page.waitForFunction(() => {
    const s = document.querySelector('[data-testid="save-status"]');
    return s && s.dataset.savedRevision === s.dataset.revision;
  });
}
