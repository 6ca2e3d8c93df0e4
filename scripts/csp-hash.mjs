// Trunk post-build hook: Trunk writes one inline module script into index.html (the loader that
// imports the wasm-bindgen glue, whose file name carries a content hash). The page's
// Content-Security-Policy forbids inline scripts, so this adds the SHA-256 of each inline script
// Trunk wrote to `script-src`, and fails the build when the policy is missing.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.TRUNK_STAGING_DIR;
if (!dir) throw new Error('csp-hash: run as a Trunk hook (TRUNK_STAGING_DIR unset)');
const file = join(dir, 'index.html');
let html = readFileSync(file, 'utf8');
const hashes = [];
for (const m of html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/gi)) {
  if (/\bsrc\s*=/.test(m[1]) || m[2].length === 0) continue;
  hashes.push(`'sha256-${createHash('sha256').update(m[2], 'utf8').digest('base64')}'`);
}
const directive = /(script-src 'self' 'wasm-unsafe-eval')/;
if (!directive.test(html)) throw new Error(`csp-hash: no "script-src 'self' 'wasm-unsafe-eval'" in ${file}`);
html = html.replace(directive, `$1${hashes.map((h) => ' ' + h).join('')}`);
writeFileSync(file, html);
console.log(`csp-hash: ${hashes.length} inline script(s) allowed by hash`);
