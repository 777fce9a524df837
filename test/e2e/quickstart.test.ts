import { afterAll, describe, expect, it } from 'vitest';
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort } from '../helpers/stack.ts';
import { openFromHome, signInWithForm } from '../helpers/token-server.ts';

/**
 * Waits until each of the process's streams has printed what is asked of it (stdout and stderr are
 * separate pipes and arrive in either order); returns both texts so far.
 */
function waitForOutput(
  child: ChildProcess,
  want: { stdout?: RegExp; stderr?: RegExp },
  // serve runs two production-cost scrypt hashes before it listens (the first admin's, the dummy's).
  timeoutMs = 30_000,
): Promise<{ stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const text = { stdout: '', stderr: '' };
    const done = () => (!want.stdout || want.stdout.test(text.stdout)) && (!want.stderr || want.stderr.test(text.stderr));
    const timer = setTimeout(() => reject(new Error(`timed out waiting for stdout ${want.stdout} and stderr ${want.stderr}; got:\n${text.stdout}\n${text.stderr}`)), timeoutMs);
    for (const stream of ['stdout', 'stderr'] as const) {
      child[stream]!.on('data', (d: Buffer) => {
        text[stream] += d.toString();
        if (done()) {
          clearTimeout(timer);
          resolve(text);
        }
      });
    }
    child.once('exit', (code) => reject(new Error(`exited with ${code} before its output matched:\n${text.stdout}\n${text.stderr}`)));
  });
}

/**
 * The README's path, as separate processes: `serve` on a fresh database prints the first admin
 * password; `grafana-config` writes the ini; the stand-in CLI starts with it like a fresh Grafana (its
 * built-in `admin` / `admin@localhost`, org Admin and server admin); signing in as the printed
 * administrator and pressing Open lands on the stand-in's page signed in — as a new Grafana account,
 * with Grafana's own admin untouched.
 */
describe('README quick start', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quickstart-'));
  const children: ChildProcess[] = [];
  afterAll(() => {
    for (const c of children) c.kill();
    rmSync(dir, { recursive: true, force: true });
  });

  it('serve → grafana-config → fresh stand-in → sign in as the printed administrator → Open → signed in, Grafana\'s admin untouched', async () => {
    const [port, grafanaPort] = [await freePort(), await freePort()];
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      GRAFANA_SSO_PORT: String(port),
      GRAFANA_SSO_DATABASE: join(dir, 'db.sqlite'),
      GRAFANA_SSO_AUDIT_LOG: join(dir, 'audit.log'),
      GRAFANA_SSO_INSTANCES: JSON.stringify([{ id: 'grafana', url: `http://127.0.0.1:${grafanaPort}` }]),
    };
    delete env.GRAFANA_SSO_ADMIN_PASSWORD;
    const server = spawn('node', ['server/cli.mjs', 'serve'], { env });
    children.push(server);
    // The password and "listening" go to stdout, the development warning to stderr: wait for both.
    const printed = await waitForOutput(server, { stdout: /listening on/, stderr: /WARNING \(development settings\)/ });
    const password = /shown once\):\s+(\S+)/.exec(printed.stdout)?.[1];
    expect(password).toMatch(/^\S{20}$/);
    expect(printed.stderr).toMatch(/WARNING \(development settings\)/);
    // The notice says what the administrator is in Grafana, and that it is not Grafana's admin.
    expect(printed.stdout).toMatch(/administrator "sso-admin"/);
    expect(printed.stdout).toMatch(/its own account "sso-admin" \(sso-admin@localhost\), org role Admin on grafana/);
    expect(printed.stdout).toMatch(/not Grafana's built-in "admin"/);

    const { stdout: ini } = await promisify(execFile)('node', ['server/cli.mjs', 'grafana-config'], { env });
    const iniPath = join(dir, 'grafana.ini');
    writeFileSync(iniPath, `app_mode = development\n${ini}`);
    const grafana = spawn('node', ['node_modules/.bin/tsx', 'test/grafana/cli.ts', '--config', iniPath, '--port', String(grafanaPort)], { env });
    children.push(grafana);
    await waitForOutput(grafana, { stdout: /http:\/\/127\.0\.0\.1:\d+/ });

    const base = `http://127.0.0.1:${port}`;
    const cookie = await signInWithForm(base, 'sso-admin', password!);
    const open = await openFromHome(base, cookie, 'grafana');
    const target = new URL(open.headers.get('location')!);
    const token = target.searchParams.get('auth_token')!;
    // The page the Open button leads to answers signed in (not a redirect to /login).
    const page = await fetch(target, { redirect: 'manual' });
    expect(page.status).toBe(200);
    const user = await fetch(`http://127.0.0.1:${grafanaPort}/api/user`, { headers: { 'X-JWT-Assertion': token } });
    expect(user.status).toBe(200);
    expect(await user.json()).toMatchObject({ id: 2, login: 'sso-admin', email: 'sso-admin@localhost', orgRole: 'Admin', isGrafanaAdmin: false });
    // Grafana's built-in admin is exactly as a fresh Grafana has it: not linked, not renamed, still Admin.
    const users = (await (await fetch(`http://127.0.0.1:${grafanaPort}/__standin/users`)).json()) as unknown[];
    expect(users[0]).toEqual({ id: 1, login: 'admin', email: 'admin@localhost', name: '', orgs: { 1: 'Admin' }, isGrafanaAdmin: true, linked: false });
    // The JSON-lines audit log records how the first admin came to be.
    expect(readFileSync(join(dir, 'audit.log'), 'utf8')).toMatch(/"type":"user_created".*"by":"first-start"/);
  }, 60_000); // three production-cost scrypt runs (first admin, dummy hash, sign-in) on a shared 2-core machine
});
