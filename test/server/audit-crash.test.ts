import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { loginForm, postForm, requestToken, signInWithForm } from '../helpers/token-server.ts';

/** Starts `serve` as its own process; resolves with its URL once it listens. */
function serve(env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; url: string }> {
  const child = spawn('node', ['server/cli.mjs', 'serve'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const m = /listening on (http:\/\/[\d.]+:\d+)/.exec(out);
      if (m) resolve({ child, url: m[1]! });
    });
    child.once('exit', (code) => reject(new Error(`serve exited with ${code}: ${out}`)));
  });
}
const exited = (child: ChildProcess) => new Promise<void>((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve() : child.once('exit', () => resolve())));

// Issue 8, item 5: after kill -9 mid-burst and a restart, the audit file holds every event the database holds, in order.
describe('the audit log file survives a crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grafana-sso-crash-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('catches up from the database after kill -9 during a burst of sign-ins and token requests', async () => {
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GRAFANA_SSO_PORT: '0',
      GRAFANA_SSO_DATABASE: join(dir, 'db.sqlite'),
      GRAFANA_SSO_AUDIT_LOG: join(dir, 'audit.log'),
      GRAFANA_SSO_ADMIN_PASSWORD: 'crash-test-password-1',
      GRAFANA_SSO_SIGN_IN_MAX_FAILURES_PER_IP: '100000',
      GRAFANA_SSO_SIGN_IN_MAX_FAILURES_PER_ACCOUNT: '1000',
      GRAFANA_SSO_INSTANCES: JSON.stringify([{ id: 'grafana', url: 'http://127.0.0.1:1' }]),
    };
    const first = await serve(env);
    children.push(first.child);
    const cookie = await signInWithForm(first.url, 'sso-admin', 'crash-test-password-1');
    const form = await loginForm(first.url);
    let answered = 0;
    let stop = false;
    const worker = async (i: number) => {
      while (!stop) {
        try {
          if (i < 8) await postForm(`${first.url}/login`, form.cookie, { login: 'nobody', password: 'wrong-password-1', csrf: form.csrf });
          else await requestToken(first.url, cookie, 'grafana');
          answered++;
        } catch {
          return; // the server is gone
        }
      }
    };
    const burst = Array.from({ length: 20 }, (_, i) => worker(i));
    while (answered < 250) await new Promise((r) => setTimeout(r, 10));
    first.child.kill('SIGKILL');
    stop = true;
    await Promise.all(burst);
    await exited(first.child);

    const second = await serve(env);
    children.push(second.child);
    second.child.kill('SIGTERM');
    await exited(second.child);

    const store = await openSqliteStore(join(dir, 'db.sqlite'));
    const inDb = await store.listAudit(1_000_000);
    await store.close();
    const inFile = readFileSync(join(dir, 'audit.log'), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { at: number; type: string });
    expect(inDb.filter((e) => e.type === 'token_minted').length).toBeGreaterThan(150);
    expect(inFile.map((e) => `${e.at} ${e.type}`)).toEqual(inDb.map((e) => `${e.at} ${e.type}`));
  }, 120_000); // two server starts and a production-cost sign-in on a shared machine
});
