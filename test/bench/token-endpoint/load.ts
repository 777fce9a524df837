// Drives the token endpoint and the constant-JSON reference route of the same app with wrk (Debian's
// package), which saturates the server, against the server child (server-child.ts). Runs alternate
// between the two routes, so machine noise hits both alike; each figure is the median over the runs,
// with the spread (lowest–highest run) beside it.
import { spawn, spawnSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '../stats.ts';

export interface LoadOptions {
  runs: number;
  secondsPerRun: number;
  connections: number;
  users: number;
  /** Write a V8 CPU profile of the server's main thread, during the measured runs only, to this file. */
  cpuProfile?: string;
  /** Measure only these routes (default both); a profile run loads the token route alone. */
  routes?: Route[];
}

export type Route = 'token' | 'constant';

export interface RouteRun {
  requestsPerSecond: number;
  p50Ms: number;
  p90Ms: number;
  p99Ms: number;
  p999Ms: number;
  maxMs: number;
  requests: number;
  /** Answers other than 2xx/3xx, and socket errors and timeouts. */
  non2xx: number;
  errors: number;
  /** CPU time of the server process (every thread) per request answered. */
  serverCpuUsPerRequest: number;
  /** The server's event-loop delay during the run (perf_hooks.monitorEventLoopDelay). */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** From the first to the last of the run's new connections accepted by the server. */
  admissionMs: number;
}

/** Median over the runs, and the lowest and highest run. */
export interface Spread {
  median: number;
  min: number;
  max: number;
}

export interface RouteSummary {
  requestsPerSecond: Spread;
  p50Ms: Spread;
  p99Ms: Spread;
  p999Ms: Spread;
  serverCpuUsPerRequest: Spread;
  loopDelayMaxMs: Spread;
  admissionMs: Spread;
  runs: RouteRun[];
}

export interface LoadResult {
  token: RouteSummary;
  constant: RouteSummary;
  /** token/constant per run pair (the same round), median and spread: the figures the targets use. */
  throughputRatio: Spread;
  p99Ratio: Spread;
  /** token_minted audit rows written during the measured token runs, and distinct jti among them. */
  minted: number;
  distinctJti: number;
  /** 2xx answers wrk counted on the token route during the measured runs. */
  tokenOk: number;
}

interface Ready {
  type: 'ready';
  url: string;
  cookies: string[];
  instance: string;
}

interface Mark {
  type: 'mark';
  minted: number;
  distinctJti: number;
  cpuUs: number;
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  connections: number;
  admissionMs: number;
}

interface WrkSummary {
  requests: number;
  durationUs: number;
  errors: { connect: number; read: number; write: number; status: number; timeout: number };
  latencyUs: { p50: number; p90: number; p99: number; p999: number; max: number; mean: number };
}

const childScript = fileURLToPath(new URL('./server-child.ts', import.meta.url));
const wrkScript = fileURLToPath(new URL('./wrk-users.lua', import.meta.url));

/** The wrk binary, or a message saying how to get it. */
export function findWrk(): { path: string } | { missing: string } {
  const r = spawnSync('wrk', ['--version'], { encoding: 'utf8' });
  // wrk --version prints its banner and exits 1.
  if (r.error || !/wrk/i.test(`${r.stdout}${r.stderr}`)) {
    return { missing: 'wrk is not installed (Debian: apt-get install wrk); the token-endpoint bench needs it to saturate the server' };
  }
  return { path: 'wrk' };
}

export async function benchTokenEndpoint(o: LoadOptions): Promise<LoadResult> {
  const wrk = findWrk();
  if ('missing' in wrk) throw new Error(wrk.missing);
  const dir = mkdtempSync(join(tmpdir(), 'bench-token-'));
  const child = fork(childScript, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, BENCH_USERS: String(o.users) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage<Ready>(child, 'ready');
    const cookieFile = join(dir, 'cookies.txt');
    writeFileSync(cookieFile, `${ready.cookies.join('\n')}\n`, { mode: 0o600 });
    const args: Record<Route, string[]> = {
      token: ['POST', '/api/token', cookieFile, JSON.stringify({ instance: ready.instance })],
      constant: ['GET', '/bench/constant', cookieFile],
    };
    const wanted = o.routes ?? ['token', 'constant'];
    // Warm-up (JIT, SQLite page cache, connection setup), not counted.
    for (const route of wanted) await runWrk(wrk.path, ready.url, args[route], o.connections, 2);
    if (o.cpuProfile) await request(child, { type: 'profile-start' }, 'profile-started');
    const before = await mark(child);
    const runs: Record<Route, RouteRun[]> = { token: [], constant: [] };
    for (let i = 0; i < o.runs; i++) {
      const order = i % 2 === 0 ? wanted : [...wanted].reverse();
      for (const route of order) {
        const start = await mark(child);
        const w = await runWrk(wrk.path, ready.url, args[route], o.connections, o.secondsPerRun);
        const end = await mark(child);
        runs[route].push(toRun(w, end.cpuUs - start.cpuUs, end));
      }
    }
    const after = await mark(child);
    if (o.cpuProfile) await request(child, { type: 'profile-stop', path: o.cpuProfile }, 'profile-stopped');
    const pairs = runs.token.map((t, i) => [t, runs.constant[i]] as const).filter((p): p is readonly [RouteRun, RouteRun] => p[1] !== undefined);
    return {
      token: summarise(runs.token),
      constant: summarise(runs.constant),
      throughputRatio: spread(pairs.map(([t, c]) => t.requestsPerSecond / c.requestsPerSecond)),
      p99Ratio: spread(pairs.map(([t, c]) => t.p99Ms / c.p99Ms)),
      minted: after.minted - before.minted,
      distinctJti: after.distinctJti - before.distinctJti,
      tokenOk: runs.token.reduce((n, r) => n + r.requests - r.non2xx, 0),
    };
  } finally {
    child.send({ type: 'stop' });
    await new Promise<void>((resolve) => {
      if (child.exitCode !== null) resolve();
      else child.once('exit', () => resolve());
    });
    rmSync(dir, { recursive: true, force: true });
  }
}

function runWrk(wrk: string, url: string, scriptArgs: string[], connections: number, seconds: number): Promise<WrkSummary> {
  // Two threads: enough to keep 50 connections busy without taking more than one of the two cores.
  const args = ['-t2', `-c${connections}`, `-d${seconds}s`, '--timeout', '10s', '-s', wrkScript, url, '--', ...scriptArgs];
  return new Promise((resolve, reject) => {
    const p = spawn(wrk, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('error', reject);
    p.once('exit', (code) => {
      const line = out.split('\n').find((l) => l.startsWith('{"requests"'));
      if (code !== 0 || !line) reject(new Error(`wrk ${args.join(' ')} failed (${code}):\n${out}\n${err}`));
      else resolve(JSON.parse(line) as WrkSummary);
    });
  });
}

function toRun(w: WrkSummary, cpuUs: number, end: Mark): RouteRun {
  const ms = (us: number) => us / 1000;
  const e = w.errors;
  return {
    requestsPerSecond: w.requests / (w.durationUs / 1e6),
    p50Ms: ms(w.latencyUs.p50),
    p90Ms: ms(w.latencyUs.p90),
    p99Ms: ms(w.latencyUs.p99),
    p999Ms: ms(w.latencyUs.p999),
    maxMs: ms(w.latencyUs.max),
    requests: w.requests,
    non2xx: e.status,
    errors: e.connect + e.read + e.write + e.timeout,
    serverCpuUsPerRequest: cpuUs / w.requests,
    loopDelayP99Ms: end.loopDelayP99Ms,
    loopDelayMaxMs: end.loopDelayMaxMs,
    admissionMs: end.admissionMs,
  };
}

export function spread(values: number[]): Spread {
  return { median: median(values), min: Math.min(...values), max: Math.max(...values) };
}

function summarise(runs: RouteRun[]): RouteSummary {
  const of = (k: keyof RouteRun) => spread(runs.map((r) => r[k]));
  return {
    requestsPerSecond: of('requestsPerSecond'),
    p50Ms: of('p50Ms'),
    p99Ms: of('p99Ms'),
    p999Ms: of('p999Ms'),
    serverCpuUsPerRequest: of('serverCpuUsPerRequest'),
    loopDelayMaxMs: of('loopDelayMaxMs'),
    admissionMs: of('admissionMs'),
    runs,
  };
}

function nextMessage<T extends { type: string }>(child: ChildProcess, type: T['type']): Promise<T> {
  return new Promise((resolve, reject) => {
    const onMessage = (m: { type: string }) => {
      if (m.type !== type) return;
      child.off('message', onMessage);
      child.off('exit', onExit);
      resolve(m as T);
    };
    const onExit = (code: number | null) => reject(new Error(`benchmark server exited (${code}) before sending "${type}"`));
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Counts, CPU time and the event-loop delay since the previous mark (the child then starts afresh). */
function mark(child: ChildProcess): Promise<Mark> {
  return request<Mark>(child, { type: 'mark' }, 'mark');
}

function request<T extends { type: string }>(child: ChildProcess, message: object, answer: T['type']): Promise<T> {
  const reply = nextMessage<T>(child, answer);
  child.send(message);
  return reply;
}
