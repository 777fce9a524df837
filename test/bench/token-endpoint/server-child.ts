// The token server under load, in its own process (the load generator runs in the parent): the real
// app on port 0 with a temporary SQLite file, or on PostgreSQL when BENCH_DATABASE_URL is set, the real policy, the audit log on (a file), and many
// users signed in through the real login form. For the reference it also answers a constant JSON on
// GET /bench/constant — from the SAME Express app instance, added through createApp's extraRoutes
// (just before its 404 handler), so that request passes every middleware and router a token request passes.
//
// With BENCH_DATABASE_URL, a second process on the same database gets BENCH_USERS=0 and the first
// one's session cookies in BENCH_COOKIES (JSON): sessions live in the database, so it signs nobody in.
//
// IPC: sends {type: 'ready', url, cookies, instance} once; answers {type: 'mark'} with the count of
// token_minted audit rows and of distinct jti among them, the process's CPU time so far (all
// threads), and since the previous mark the event-loop delay (p99, max) and the connections accepted
// (how many, first to last in ms); {type: 'profile-start'} / {type: 'profile-stop', path}
// record a V8 CPU profile of the main thread in between; exits on {type: 'stop'}.
import { writeFileSync } from 'node:fs';
import { Session } from 'node:inspector/promises';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import Database from 'better-sqlite3';
import pg from 'pg';
import { Router } from 'express';
import { hashPassword } from '../../../server/passwords.ts';
import { signInWithForm, startTokenServer } from '../../helpers/token-server.ts';

const userCount = Number(process.env.BENCH_USERS ?? 200);
const databaseUrl = process.env.BENCH_DATABASE_URL;
const instance = 'grafana';

// The reference route's body is a real token response, known once the server runs (below).
let constant: unknown;
const constantRoute = Router();
constantRoute.get('/bench/constant', (_req, res) => {
  res.set('Cache-Control', 'no-store').json(constant);
});

const server = await startTokenServer({
  extraRoutes: constantRoute,
  settings: {
    ...(databaseUrl ? { databaseUrl } : {}),
    instances: [
      {
        id: instance,
        url: 'http://127.0.0.1:3000',
        defaultRole: 'Viewer',
        groupRoles: { devs: 'Editor', ops: 'Admin' },
      },
    ],
  },
});

// One scrypt hash for every account, in the server's self-describing format but with a low cost
// (N = 2^10): the real form and the real verification run for each sign-in, without the ~250 ms a
// production-cost hash takes on a loaded 2-core machine (200 of them would dominate the setup).
const password = 'bench-password-1';
const passwordHash = await hashPassword(password, { N: 2 ** 10, r: 8, p: 1 });
const now = server.clock.now();
for (let i = 0; i < userCount; i++) {
  const groups = i % 3 === 0 ? ['devs'] : i % 3 === 1 ? ['ops', 'devs'] : [];
  const user = await server.store.createUser({ login: `user${i}`, email: `user${i}@example.com`, name: `User ${i}`, passwordHash, isAdmin: false, groups }, now);
  if (i % 10 === 0) await server.store.setGrant(user.id, instance, 'Viewer');
}

const cookies: string[] = JSON.parse(process.env.BENCH_COOKIES ?? '[]') as string[];
for (let i = 0; i < userCount; i += 8) {
  const batch = Array.from({ length: Math.min(8, userCount - i) }, (_, j) => signInWithForm(server.url, `user${i + j}`, password));
  cookies.push(...(await Promise.all(batch)));
}

// A constant body as long as a real token response, so both routes send the same bytes.
const sample = await fetch(`${server.url}/api/token`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', 'x-grafana-sso': '1', cookie: cookies[0]! },
  body: JSON.stringify({ instance }),
});
if (sample.status !== 200) throw new Error(`token request answered ${sample.status}: ${await sample.text()}`);
constant = await sample.json();
const check = await fetch(`${server.url}/bench/constant`, { headers: { cookie: cookies[0]! } });
if (check.status !== 200 || (await check.text()) !== JSON.stringify(constant)) throw new Error('the constant route is not answering');

// token_minted rows and distinct jti among them, read on a connection of its own.
const minted = await mintedCounter();

async function mintedCounter(): Promise<{ get(): Promise<{ minted: number; distinctJti: number }>; close(): Promise<void> }> {
  if (databaseUrl) {
    const client = new pg.Client({ connectionString: databaseUrl });
    await client.connect();
    const sql = "SELECT count(*)::int AS minted, count(DISTINCT data_json::json->>'jti')::int AS \"distinctJti\" FROM audit_events WHERE type = 'token_minted'";
    return { get: async () => (await client.query<{ minted: number; distinctJti: number }>(sql)).rows[0]!, close: () => client.end() };
  }
  const db = new Database(server.config.databasePath, { readonly: true });
  const query = db.prepare<[], { minted: number; distinctJti: number }>(
    "SELECT count(*) AS minted, count(DISTINCT json_extract(data_json, '$.jti')) AS distinctJti FROM audit_events WHERE type = 'token_minted'",
  );
  return { get: async () => query.get()!, close: async () => void db.close() };
}

const inspector = new Session();
inspector.connect();

// How long callbacks waited for the event loop: a blocking step shows here, a queue does not.
const loopDelay = monitorEventLoopDelay({ resolution: 5 });
loopDelay.enable();
// When each connection of the current run was accepted: libuv accepts one connection per event-loop
// iteration, so a load generator's connections, opened at once, are admitted one iteration apart.
let accepted: number[] = [];
server.listener.on('connection', () => accepted.push(performance.now()));

process.on('message', (message: { type: string; path?: string }) => {
  if (message.type === 'mark') {
    const cpu = process.cpuUsage();
    const delay = { loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
    loopDelay.reset();
    const admission = { connections: accepted.length, admissionMs: accepted.length > 1 ? accepted.at(-1)! - accepted[0]! : 0 };
    accepted = [];
    void minted.get().then((counts) => process.send!({ type: 'mark', ...counts, cpuUs: cpu.user + cpu.system, ...delay, ...admission }));
  }
  if (message.type === 'profile-start') {
    void (async () => {
      await inspector.post('Profiler.enable');
      await inspector.post('Profiler.setSamplingInterval', { interval: 100 });
      await inspector.post('Profiler.start');
      process.send!({ type: 'profile-started' });
    })();
  }
  if (message.type === 'profile-stop') {
    void (async () => {
      const { profile } = await inspector.post('Profiler.stop');
      writeFileSync(message.path!, JSON.stringify(profile));
      process.send!({ type: 'profile-stopped' });
    })();
  }
  if (message.type === 'stop') {
    void minted.close().then(() => server.close()).then(() => process.exit(0));
  }
});
process.send!({ type: 'ready', url: server.url, cookies, instance });

