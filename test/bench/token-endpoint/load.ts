// Drives the token endpoint and the constant-JSON reference route of the same app with wrk (Debian's
// package), which saturates the server, against the server child (server-child.ts). Runs alternate
// between the two routes, so machine noise hits both alike; each figure is the median over the runs,
// with the spread (lowest–highest run) beside it.
//
// Engines: one server process on a temporary SQLite file, or several server processes sharing one
// database of a throwaway PostgreSQL cluster (test/helpers/postgres.ts). With several processes each
// gets its own wrk with its share of the connections, all at once, and the figures are merged: requests
// summed, latencies from the wrk processes' quantiles weighted by their request counts. (A Node
// round-robin proxy in front costs about as much CPU per request as the constant route itself on this
// 2-core machine, so it would measure the proxy; docs/benchmarks.md.)
import { spawn, spawnSync, fork, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startPostgres, type TestPostgres } from '../../helpers/postgres.ts';
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
  /** sqlite (default): one process on a SQLite file; postgres: `processes` servers on one database. */
  engine?: Engine;
  /** Server processes (postgres only; default 2). */
  processes?: number;
}

export type Engine = 'sqlite' | 'postgres';

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
  engine: Engine;
  processes: number;
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
  /** The 0.1st, 0.2nd, …, 100th percentile. */
  quantilesUs: number[];
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
  const engine = o.engine ?? 'sqlite';
  const processes = engine === 'postgres' ? (o.processes ?? 2) : 1;
  if (o.cpuProfile && processes > 1) throw new Error('the CPU profile is taken of one server process');
  const dir = mkdtempSync(join(tmpdir(), 'bench-token-'));
  const children: ChildProcess[] = [];
  let cluster: TestPostgres | undefined;
  const startChild = async (env: Record<string, string>) => {
    const child = fork(childScript, [], { execArgv: ['--import', 'tsx'], env: { ...process.env, ...env }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    children.push(child);
    return nextMessage<Ready>(child, 'ready');
  };
  try {
    const database: Record<string, string> = {};
    if (engine === 'postgres') {
      cluster = await startPostgres();
      database.BENCH_DATABASE_URL = await cluster.createDatabase();
    }
    // The first process creates and signs in the users; the others share its sessions through the database.
    const first = await startChild({ ...database, BENCH_USERS: String(o.users) });
    const servers = [first];
    for (let i = 1; i < processes; i++) servers.push(await startChild({ ...database, BENCH_USERS: '0', BENCH_COOKIES: JSON.stringify(first.cookies) }));
    const cookieFile = join(dir, 'cookies.txt');
    writeFileSync(cookieFile, `${first.cookies.join('\n')}\n`, { mode: 0o600 });
    const args: Record<Route, string[]> = {
      token: ['POST', '/api/token', cookieFile, JSON.stringify({ instance: first.instance })],
      constant: ['GET', '/bench/constant', cookieFile],
    };
    // The connections split across the processes, as evenly as they go.
    const load = (route: Route, seconds: number) =>
      Promise.all(servers.map((s, i) => runWrk(wrk.path, s.url, args[route], Math.floor(o.connections / processes) + (i < o.connections % processes ? 1 : 0), seconds)));
    const markAll = () => Promise.all(children.map(mark));
    const wanted = o.routes ?? ['token', 'constant'];
    // Warm-up (JIT, page cache, connection setup), not counted.
    for (const route of wanted) await load(route, 2);
    if (o.cpuProfile) await request(children[0]!, { type: 'profile-start' }, 'profile-started');
    const before = await mark(children[0]!);
    const runs: Record<Route, RouteRun[]> = { token: [], constant: [] };
    for (let i = 0; i < o.runs; i++) {
      const order = i % 2 === 0 ? wanted : [...wanted].reverse();
      for (const route of order) {
        const start = await markAll();
        const w = await load(route, o.secondsPerRun);
        const end = await markAll();
        runs[route].push(toRun(mergeWrk(w), end.reduce((n, m, j) => n + m.cpuUs - start[j]!.cpuUs, 0), end));
      }
    }
    const after = await mark(children[0]!);
    if (o.cpuProfile) await request(children[0]!, { type: 'profile-stop', path: o.cpuProfile }, 'profile-stopped');
    const pairs = runs.token.map((t, i) => [t, runs.constant[i]] as const).filter((p): p is readonly [RouteRun, RouteRun] => p[1] !== undefined);
    return {
      engine,
      processes,
      token: summarise(runs.token),
      constant: summarise(runs.constant),
      throughputRatio: spread(pairs.map(([t, c]) => t.requestsPerSecond / c.requestsPerSecond)),
      p99Ratio: spread(pairs.map(([t, c]) => t.p99Ms / c.p99Ms)),
      minted: after.minted - before.minted,
      distinctJti: after.distinctJti - before.distinctJti,
      tokenOk: runs.token.reduce((n, r) => n + r.requests - r.non2xx, 0),
    };
  } finally {
    await Promise.all(
      children.map(async (child) => {
        if (child.exitCode !== null) return;
        const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
        child.send({ type: 'stop' });
        await exited;
      }),
    );
    await cluster?.close();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Several benchTokenEndpoint results of the same engine (rounds taking turns with another engine) as one. */
export function combineRounds(rounds: LoadResult[]): LoadResult {
  const first = rounds[0]!;
  const token = rounds.flatMap((r) => r.token.runs);
  const constant = rounds.flatMap((r) => r.constant.runs);
  const sum = (k: 'minted' | 'distinctJti' | 'tokenOk') => rounds.reduce((n, r) => n + r[k], 0);
  return {
    engine: first.engine,
    processes: first.processes,
    token: summarise(token),
    constant: summarise(constant),
    throughputRatio: spread(token.map((t, i) => t.requestsPerSecond / constant[i]!.requestsPerSecond)),
    p99Ratio: spread(token.map((t, i) => t.p99Ms / constant[i]!.p99Ms)),
    minted: sum('minted'),
    distinctJti: sum('distinctJti'),
    tokenOk: sum('tokenOk'),
  };
}

/** wrk processes run side by side as one: counts summed, latency percentiles from their quantiles weighted by requests. */
export function mergeWrk(all: WrkSummary[]): WrkSummary {
  if (all.length === 1) return all[0]!;
  const requests = all.reduce((n, w) => n + w.requests, 0);
  const samples = all.flatMap((w) => w.quantilesUs.map((us) => ({ us, weight: w.requests / w.quantilesUs.length }))).sort((a, b) => a.us - b.us);
  const percentile = (p: number) => {
    let seen = 0;
    for (const s of samples) {
      seen += s.weight;
      if (seen >= (p / 100) * requests - 1e-9) return s.us;
    }
    return samples.at(-1)?.us ?? 0;
  };
  const sum = (f: (e: WrkSummary['errors']) => number) => all.reduce((n, w) => n + f(w.errors), 0);
  return {
    requests,
    // Side by side for the same time: the rate is the sum of the rates.
    durationUs: requests / all.reduce((r, w) => r + w.requests / w.durationUs, 0),
    errors: { connect: sum((e) => e.connect), read: sum((e) => e.read), write: sum((e) => e.write), status: sum((e) => e.status), timeout: sum((e) => e.timeout) },
    latencyUs: {
      p50: percentile(50),
      p90: percentile(90),
      p99: percentile(99),
      p999: percentile(99.9),
      max: Math.max(...all.map((w) => w.latencyUs.max)),
      mean: all.reduce((n, w) => n + w.latencyUs.mean * w.requests, 0) / requests,
    },
    quantilesUs: [],
  };
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

/** One run's figures; with several server processes, the worst event-loop delay and admission among them. */
function toRun(w: WrkSummary, cpuUs: number, ends: Mark[]): RouteRun {
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
    loopDelayP99Ms: Math.max(...ends.map((m) => m.loopDelayP99Ms)),
    loopDelayMaxMs: Math.max(...ends.map((m) => m.loopDelayMaxMs)),
    admissionMs: Math.max(...ends.map((m) => m.admissionMs)),
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
