// `npm run bench`: how fast one click reaches a signed-in Grafana, and what a token costs.
// Prints one table and writes it, with every run's raw figures, to bench-results/ (git-ignored):
// bench-<date>.json, latest.json and latest.md. Method and how to read it: docs/benchmarks.md.
//
//   npm run bench                      everything (about 8 minutes; the token endpoint needs wrk and PostgreSQL)
//   npm run bench -- --only=token,footprint   some parts: token, click, launcher, session, footprint
//   npm run bench -- --quick           fewer and shorter runs (a smoke test, not for the README)
//   npm run bench -- --quick --only=token   the token endpoint on both engines in about two minutes
//   npm run bench -- --no-profile      skip the CPU profile of the token endpoint
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchClick } from './click/click.ts';
import { benchLauncher } from './launcher/launcher.ts';
import { breakdown, summariseProfile, TOKEN_REQUEST_WORK } from './cpu-profile.ts';
import { buildExtension } from '../browser/harness.ts';
import { measureFootprint } from './footprint.ts';
import { currentLoad, describeMachine } from './machine.ts';
import { renderMachine, renderProfile, renderSettings, renderTable, type BenchResults } from './report.ts';
import { joseSignRate, mintTokenRate } from './sign-rate.ts';
import type { SessionResult } from './staying-signed-in/simulate.ts';
import { benchTokenEndpoint, combineRounds, findWrk } from './token-endpoint/load.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const out = join(root, 'bench-results');
const args = process.argv.slice(2);
const quick = args.includes('--quick');
const profile = !args.includes('--no-profile');
const only = args.find((a) => a.startsWith('--only='))?.slice('--only='.length).split(',');
const wanted = (part: 'token' | 'click' | 'launcher' | 'session' | 'footprint') => !only || only.includes(part);

// Long enough that the connection ramp at the start of each wrk run (libuv admits one new connection
// per event-loop iteration; docs/benchmarks.md) is a small share of the requests a run measures.
const SECONDS_PER_RUN = 10;

mkdirSync(out, { recursive: true });
const results: BenchResults = {
  machine: describeMachine(root),
  settings: { runs: quick ? 2 : 6, secondsPerRun: quick ? 3 : SECONDS_PER_RUN, connections: 50, users: quick ? 40 : 200, clickIterations: quick ? 3 : 9 },
};
const step = (what: string) => process.stderr.write(`▶ ${what}\n`);

if (wanted('footprint')) {
  step('footprint: vite build (production) → bench-results/extension');
  const dist = join(out, 'extension');
  buildExtension(dist);
  results.footprint = measureFootprint(dist);
}

if (wanted('token')) {
  step("signing reference: ES256 alone in this process (the server's mintToken, jose)");
  const runs = quick ? 2 : 5;
  results.signing = { jose: await joseSignRate(runs, 1000), mintToken: await mintTokenRate(runs, 1000) };
  const wrk = findWrk();
  if ('missing' in wrk) {
    step(`token endpoint: SKIPPED — ${wrk.missing}`);
    results.tokenEndpoint = `skipped: ${wrk.missing}`;
  } else {
    const s = results.settings;
    step(`token endpoint: wrk, ${s.runs} × ${s.secondsPerRun} s per route, ${s.connections} connections, ${s.users} users (server in a child process)`);
    const load = { runs: s.runs, secondsPerRun: s.secondsPerRun, connections: s.connections, users: s.users };
    // The engines take turns, round by round, so the machine's other load falls on both alike.
    const rounds = quick ? 2 : 3;
    const perRound = { ...load, runs: Math.max(1, Math.round(s.runs / rounds)) };
    const sqlite = [];
    const postgres = [];
    for (let i = 0; i < rounds; i++) {
      step(`token endpoint, round ${i + 1}/${rounds}: SQLite, one server process`);
      sqlite.push(await benchTokenEndpoint(perRound));
      step(`token endpoint, round ${i + 1}/${rounds}: PostgreSQL, two server processes on one database`);
      postgres.push(await benchTokenEndpoint({ ...perRound, engine: 'postgres', processes: 2 }));
    }
    results.tokenEndpoint = combineRounds(sqlite);
    results.tokenEndpointPostgres = combineRounds(postgres);
    if (profile) {
      step('profile: token route alone, CPU profile of the server main thread');
      const file = join(out, 'token-endpoint.cpuprofile');
      await benchTokenEndpoint({ ...load, runs: 1, secondsPerRun: quick ? 2 : 5, routes: ['token'], cpuProfile: file });
      results.profile = {
        ...summariseProfile(file, 20),
        work: breakdown(file, TOKEN_REQUEST_WORK),
      };
    }
  }
}

if (wanted('session')) {
  const script = fileURLToPath(new URL('./staying-signed-in/simulate.ts', import.meta.url));
  const hours = quick ? '1' : '8';
  // What a browser costs the token server: one open tab (also the "rejected" check), no tab, three instances.
  const scenarios = [
    { instances: '1', tab: 'open' },
    { instances: '1', tab: 'none' },
    { instances: '3', tab: 'open' },
  ];
  results.sessions = scenarios.map(({ instances, tab }) => {
    step(`staying signed in: ${hours}-hour session on a fake clock, ${instances} instance(s), Grafana tab ${tab} (child process)`);
    const env = { ...process.env, BENCH_SESSION_HOURS: hours, BENCH_SESSION_INSTANCES: instances, BENCH_SESSION_TAB: tab };
    const r = spawnSync(process.execPath, ['--import', 'tsx', script], { cwd: root, encoding: 'utf8', env });
    if (r.status !== 0) throw new Error(`session simulation failed:\n${r.stdout}\n${r.stderr}`);
    return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as SessionResult;
  });
}

if (wanted('click')) {
  step('click → signed-in Grafana: real Chromium with the built extension');
  results.click = await benchClick({ outDir: join(out, 'extension-test'), iterations: results.settings.clickIterations });
}

if (wanted('launcher')) {
  step('launcher: popup opened → starred list, keystroke → results; real Chromium with the built extension');
  results.launcher = await benchLauncher({ outDir: join(out, 'extension-test'), iterations: results.settings.clickIterations });
}

results.machine.loadAtEnd = currentLoad();
const markdown = [
  `Machine: ${renderMachine(results.machine)}.`,
  renderSettings(results),
  '',
  renderTable(results),
  ...(results.profile ? ['', renderProfile(results.profile)] : []),
  '',
].join('\n');
const stamp = results.machine.date.replace(/[:.]/g, '-');
writeFileSync(join(out, `bench-${stamp}.json`), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(out, 'latest.json'), `${JSON.stringify(results, null, 2)}\n`);
writeFileSync(join(out, 'latest.md'), markdown);
process.stdout.write(`\n${markdown}\nWritten: bench-results/latest.json, bench-results/latest.md, bench-results/bench-${stamp}.json\n`);
