// Drives the token endpoint and the constant-JSON reference route of the same app with autocannon,
// from this process, against the server child (server-child.ts). Runs alternate between the two
// routes, so machine noise hits both alike; each figure is the median over the runs.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { median } from '../stats.ts';

export interface LoadOptions {
  runs: number;
  seconds: number;
  connections: number;
  users: number;
  /** Write a V8 CPU profile of the server's main thread, during the measured runs only, to this file. */
  cpuProfile?: string;
  /** Measure only these routes (default both); a profile run loads the token route alone. */
  routes?: ('token' | 'constant')[];
}

export interface RouteRun {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  requests: number;
  non2xx: number;
  errors: number;
  /** CPU time of the server process (every thread) per request answered. */
  serverCpuUsPerRequest?: number;
}

export interface RouteSummary {
  requestsPerSecond: number;
  p50Ms: number;
  p99Ms: number;
  serverCpuUsPerRequest: number;
  runs: RouteRun[];
}

export interface LoadResult {
  token: RouteSummary;
  constant: RouteSummary;
  /** token_minted audit rows written during the measured token runs, and distinct jti among them. */
  minted: number;
  distinctJti: number;
  /** 2xx answers autocannon counted on the token route during the measured runs. */
  tokenOk: number;
}

interface Ready {
  type: 'ready';
  url: string;
  cookies: string[];
  instance: string;
}

interface Minted {
  type: 'minted';
  minted: number;
  distinctJti: number;
  cpuUs: number;
}

const childScript = fileURLToPath(new URL('./server-child.ts', import.meta.url));

export async function benchTokenEndpoint(o: LoadOptions): Promise<LoadResult> {
  const execArgv = ['--import', 'tsx'];
  const child = fork(childScript, [], { execArgv, env: { ...process.env, BENCH_USERS: String(o.users) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  try {
    const ready = await nextMessage<Ready>(child, 'ready');
    const routes = {
      token: tokenRequest(ready),
      constant: constantRequest(ready),
    };
    // Warm-up (JIT, SQLite page cache, connection setup), not counted.
    for (const route of o.routes ?? ['token', 'constant']) await attack(ready.url, routes[route], o.connections, 2);
    if (o.cpuProfile) await request(child, { type: 'profile-start' }, 'profile-started');
    const before = await askMinted(child);
    const runs: Record<'token' | 'constant', RouteRun[]> = { token: [], constant: [] };
    for (let i = 0; i < o.runs; i++) {
      const wanted = o.routes ?? ['token', 'constant'];
      const order = i % 2 === 0 ? wanted : [...wanted].reverse();
      for (const route of order) {
        const start = await askMinted(child);
        const run = await attack(ready.url, routes[route], o.connections, o.seconds);
        const end = await askMinted(child);
        runs[route].push({ ...run, serverCpuUsPerRequest: (end.cpuUs - start.cpuUs) / run.requests });
      }
    }
    const after = await askMinted(child);
    if (o.cpuProfile) await request(child, { type: 'profile-stop', path: o.cpuProfile }, 'profile-stopped');
    return {
      token: summarise(runs.token),
      constant: summarise(runs.constant),
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
  }
}

type Request = NonNullable<Parameters<typeof autocannon>[0]['requests']>[number];

/** POST /api/token as the extension sends it, each request with the next user's session cookie. */
function tokenRequest(ready: Ready): Request {
  let next = 0;
  return {
    method: 'POST',
    path: '/api/token',
    headers: { 'content-type': 'application/json', 'x-grafana-sso': '1', origin: 'chrome-extension://benchmark' },
    body: JSON.stringify({ instance: ready.instance }),
    setupRequest: (req) => ({ ...req, headers: { ...req.headers, cookie: ready.cookies[next++ % ready.cookies.length]! } }),
  };
}

/** The reference: the same app, a constant JSON of the same length, the same rotating cookies. */
function constantRequest(ready: Ready): Request {
  let next = 0;
  return {
    method: 'GET',
    path: '/bench/constant',
    headers: { 'x-grafana-sso': '1', origin: 'chrome-extension://benchmark' },
    setupRequest: (req) => ({ ...req, headers: { ...req.headers, cookie: ready.cookies[next++ % ready.cookies.length]! } }),
  };
}

async function attack(url: string, request: Request, connections: number, seconds: number): Promise<RouteRun> {
  const r: Result = await autocannon({ url, connections, duration: seconds, requests: [request] });
  const requests = r['2xx'] + r.non2xx;
  return {
    requestsPerSecond: requests / r.duration,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    requests,
    non2xx: r.non2xx,
    errors: r.errors,
  };
}

function summarise(runs: RouteRun[]): RouteSummary {
  return {
    requestsPerSecond: median(runs.map((r) => r.requestsPerSecond)),
    p50Ms: median(runs.map((r) => r.p50Ms)),
    p99Ms: median(runs.map((r) => r.p99Ms)),
    serverCpuUsPerRequest: median(runs.map((r) => r.serverCpuUsPerRequest ?? Number.NaN)),
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

function askMinted(child: ChildProcess): Promise<Minted> {
  return request<Minted>(child, { type: 'minted' }, 'minted');
}

function request<T extends { type: string }>(child: ChildProcess, message: object, answer: T['type']): Promise<T> {
  const reply = nextMessage<T>(child, answer);
  child.send(message);
  return reply;
}
