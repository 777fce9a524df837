#!/usr/bin/env node
// `npm test`: every check in one command — type-check, extension build, then every vitest project
// (server + stand-in, builds and Firefox's add-on lint, extension units, end-to-end, real Chromium and Firefox). The last line is the count CI reads:
// "N passed, N failed". A failed type-check or build counts as one failed check each.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const bin = (name) => join('node_modules', '.bin', name);
const run = (label, cmd, args) => {
  console.log(`\n▶ ${label}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  return r.status === 0;
};

let passed = 0;
let failed = 0;
const extraArgs = process.argv.slice(2);

if (run('type-check (tsc --noEmit)', bin('tsc'), ['--noEmit'])) passed++; else failed++;
if (run('build both extensions (vite build: dist/ Chromium, dist-firefox/ Firefox)', bin('vite'), ['build', '--logLevel', 'warn'])) passed++; else failed++;

const report = join(mkdtempSync(join(tmpdir(), 'vitest-')), 'report.json');
run('tests (vitest)', bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...extraArgs]);
if (existsSync(report)) {
  const r = JSON.parse(readFileSync(report, 'utf8'));
  passed += r.numPassedTests;
  failed += r.numFailedTests;
  // A suite that fails to load reports no failed test; count it so it cannot pass silently.
  for (const suite of r.testResults ?? []) {
    if (suite.status === 'failed' && (suite.assertionResults ?? []).length === 0) failed++;
  }
} else {
  console.error('vitest wrote no report');
  failed++;
}

console.log(`\n${passed} passed, ${failed} failed`);
process.exit(failed === 0 ? 0 : 1);
