import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { loginForm } from '../helpers/token-server.ts';

const CLI = fileURLToPath(new URL('../../server/cli.mjs', import.meta.url));
const PASSWORD = 'a long enough admin password 42';

interface Serve {
  url: string;
  child: ChildProcess;
  dir: string;
  stderr(): string;
  exited: Promise<number | null>;
}

/** `grafana-sso serve` as an operator runs it, in its own process on a free port. */
async function serve(dir: string, env: Record<string, string> = {}): Promise<Serve> {
  const child = spawn(process.execPath, [CLI, 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      GRAFANA_SSO_PORT: '0',
      GRAFANA_SSO_DATABASE: join(dir, 'db.sqlite'),
      GRAFANA_SSO_AUDIT_LOG: join(dir, 'audit.log'),
      GRAFANA_SSO_ADMIN_PASSWORD: PASSWORD,
      GRAFANA_SSO_LOG_FORMAT: 'json',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      const found = /listening on (http:\/\/\S+)/.exec(out)?.[1];
      if (found) resolve(found);
    });
    void exited.then((code) => reject(new Error(`serve exited (${code}) before listening: ${out}${err}`)));
  });
  return { url, child, dir, stderr: () => err, exited };
}

/**
 * A sign-in POST whose headers have reached the server (it answered 100 Continue, so the request is
 * in its hands) while its body has not been sent yet: a request in flight, for as long as we like.
 */
async function requestInFlight(url: string, body: string, cookie: string): Promise<{ socket: Socket; finish(): Promise<string> }> {
  const { hostname, port } = new URL(url);
  const socket = connect(Number(port), hostname);
  let received = '';
  socket.on('data', (d: Buffer) => (received += d.toString()));
  const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  socket.write(
    `POST /login HTTP/1.1\r\nHost: ${hostname}:${port}\r\nCookie: ${cookie}\r\n` +
      `Content-Type: application/x-www-form-urlencoded\r\nContent-Length: ${Buffer.byteLength(body)}\r\nExpect: 100-continue\r\n\r\n`,
  );
  await new Promise<void>((resolve, reject) => {
    const check = () => (received.includes('100 Continue') ? resolve() : undefined);
    socket.on('data', check);
    socket.once('error', reject);
  });
  received = '';
  return {
    socket,
    finish: async () => {
      // Not end(): a client that half-closes its side has its request aborted by Node.
      socket.write(body);
      await ended;
      return received;
    },
  };
}

/** Resolves once connecting is refused: the listener has stopped accepting. */
async function refusedConnections(url: string): Promise<void> {
  const { hostname, port } = new URL(url);
  for (;;) {
    const refused = await new Promise<boolean>((resolve) => {
      const s = connect(Number(port), hostname);
      s.once('connect', () => {
        s.destroy();
        resolve(false);
      });
      s.once('error', () => resolve(true));
    });
    if (refused) return;
    await new Promise((r) => setTimeout(r, 20));
  }
}

describe('SIGTERM: a clean stop', () => {
  let dir: string;
  let running: Serve | undefined;
  afterEach(() => {
    running?.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  });

  it('stops accepting, finishes the request in flight, flushes the audit log, closes the store and exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-shutdown-'));
    running = await serve(dir);
    const form = await loginForm(running.url);
    const body = new URLSearchParams({ login: 'sso-admin', password: PASSWORD, csrf: form.csrf, return_to: '/' }).toString();
    const inFlight = await requestInFlight(running.url, body, form.cookie);

    running.child.kill('SIGTERM');
    await refusedConnections(running.url);
    expect(running.child.exitCode).toBeNull();

    const response = await inFlight.finish();
    expect(response).toMatch(/^HTTP\/1\.1 303 /);
    expect(response).toMatch(/set-cookie: grafana_sso_session=/i);
    expect(await running.exited).toBe(0);

    const audit = readFileSync(join(dir, 'audit.log'), 'utf8');
    expect(audit).toMatch(/"type":"sign_in".*"login":"sso-admin"/);
    // better-sqlite3 removes the write-ahead log when the last connection closes cleanly.
    expect(existsSync(join(dir, 'db.sqlite'))).toBe(true);
    expect(existsSync(join(dir, 'db.sqlite-wal'))).toBe(false);
    const log = running.stderr();
    expect(log).toContain('"msg":"shutting down: no new connections, finishing requests in flight"');
    expect(log).toMatch(/"route":"\/login","path":"\/login","status":303/);
    expect(log).toContain('"msg":"stopped"');
    expect(log).not.toContain(PASSWORD);
  });

  it('closes a request that does not finish once the grace period is over, and still exits 0', async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-shutdown-'));
    running = await serve(dir, { GRAFANA_SSO_SHUTDOWN_GRACE_SECONDS: '1' });
    const form = await loginForm(running.url);
    const inFlight = await requestInFlight(running.url, 'login=x&password=never-sent', form.cookie);
    const closedByServer = new Promise<void>((resolve) => inFlight.socket.once('close', () => resolve()));

    const start = Date.now();
    running.child.kill('SIGTERM');
    await closedByServer;
    expect(await running.exited).toBe(0);
    expect(Date.now() - start).toBeGreaterThanOrEqual(900);
    expect(running.stderr()).toContain('grace period over');
    expect(running.stderr()).toContain('"msg":"stopped"');
  });
});
