import { existsSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Clock } from './clock.ts';
import { developmentWarnings, type Config } from './config.ts';
import { keySchedule, keyState } from './keys.ts';
import { nextRotation } from './metrics.ts';
import type { Store } from './store/types.ts';

/**
 * `grafana-sso doctor`: what an operator checks before and after putting the server in production.
 * Each finding says what is wrong and how to fix it. The doctor only reads: it changes no file, key
 * or setting. The JWKS is fetched the way Grafana fetches it (system CA store, plus
 * NODE_EXTRA_CA_CERTS), so a certificate the doctor refuses is one Grafana refuses too.
 */

export type Severity = 'ok' | 'warning' | 'problem';

export interface Finding {
  check: string;
  severity: Severity;
  message: string;
  fix?: string;
}

const ok = (check: string, message: string): Finding => ({ check, severity: 'ok', message });
const problem = (check: string, message: string, fix: string): Finding => ({ check, severity: 'problem', message, fix });
const warning = (check: string, message: string, fix: string): Finding => ({ check, severity: 'warning', message, fix });

/** `openStore` is called only when the database exists, so the doctor does not create one. */
export async function diagnose(config: Config, openStore: () => Promise<Store>, clock: Clock, timeoutMs = 5000): Promise<Finding[]> {
  const findings: Finding[] = [];
  const dev = developmentWarnings(config);
  findings.push(
    dev.length === 0
      ? ok('configuration', `loaded; public URL ${config.publicUrl}`)
      : problem('configuration', dev.join(' '), 'serve the token server and Grafana over https, behind a TLS proxy (docs/reverse-proxy.md)'),
  );
  findings.push(...permissions(config));
  const activeKid = existsSync(config.databasePath) ? await keys(config, openStore, clock, findings) : undefined;
  findings.push(await jwks(config, activeKid, timeoutMs));
  for (const instance of config.instances) findings.push(await grafana(instance.id, instance.url, timeoutMs));
  return findings;
}

/** Files only the server's user may read: the database holds the private keys and sessions. */
function permissions(config: Config): Finding[] {
  const files = [config.databasePath, `${config.databasePath}-wal`, `${config.databasePath}-shm`, ...(config.auditLog !== '' && config.auditLog !== '-' ? [config.auditLog] : [])];
  const out: Finding[] = [];
  for (const dir of new Set(files.map((f) => dirname(f)))) {
    if (!existsSync(dir)) continue;
    const mode = statSync(dir).mode & 0o777;
    if (mode & 0o077) out.push(problem('permissions', `folder ${dir} is open to other users (mode ${mode.toString(8)})`, `chmod 700 ${dir}`));
  }
  for (const file of files) {
    if (!existsSync(file)) continue;
    const mode = statSync(file).mode & 0o777;
    if (mode & 0o077) out.push(problem('permissions', `${file} is readable or writable by other users (mode ${mode.toString(8)})`, `chmod 600 ${file}`));
  }
  if (!existsSync(config.databasePath)) out.push(warning('permissions', `no database at ${config.databasePath} yet`, 'start the server once (npm start); it creates the database and the first key'));
  if (out.length === 0) out.push(ok('permissions', 'the database and the audit log are readable by their owner only'));
  return out;
}

async function keys(config: Config, openStore: () => Promise<Store>, clock: Clock, findings: Finding[]): Promise<string | undefined> {
  let stored;
  try {
    stored = await (await openStore()).listKeys();
  } catch (e) {
    findings.push(problem('keys', `cannot read the store: ${(e as Error).message}`, 'check databasePath (GRAFANA_SSO_DATABASE) and that this user may read it'));
    return undefined;
  }
  const now = clock.now();
  const active = stored.filter((k) => keyState(k, now) === 'active').at(-1);
  if (!active) {
    findings.push(problem('keys', 'no signing key is active', 'start the server (it makes and activates keys), or run: npm run cli -- keys list'));
    return undefined;
  }
  const schedule = keySchedule(config);
  const next = nextRotation(stored, now, schedule.rotationMs);
  const pending = stored.some((k) => keyState(k, now) === 'pending');
  if (next === undefined) {
    findings.push(warning('keys', `key ${active.kid} signs; scheduled rotation is off`, 'set keyRotationDays (GRAFANA_SSO_KEY_ROTATION_DAYS), or rotate by hand: npm run cli -- keys rotate'));
  } else if (!pending && next - schedule.prepublishMs < now - 5 * 60_000) {
    findings.push(
      problem('keys', `key ${active.kid} should have been replaced: its successor was due to be published ${new Date(next - schedule.prepublishMs).toISOString()}`, 'is the server running? It rotates on its own; or run: npm run cli -- keys rotate'),
    );
  } else {
    findings.push(ok('keys', `key ${active.kid} signs; next key signs from ${new Date(next).toISOString()}${pending ? ' (published already)' : ''}`));
  }
  return active.kid;
}

const CERTIFICATE_ERRORS = /CERT|SELF_SIGNED|UNABLE_TO_(VERIFY|GET)|ALTNAME|ERR_TLS/;

async function jwks(config: Config, activeKid: string | undefined, timeoutMs: number): Promise<Finding> {
  const url = config.derived.jwksUrl;
  const check = 'jwks';
  let res: Response;
  try {
    res = await fetch(url, { signal: AbortSignal.timeout(timeoutMs), redirect: 'manual' });
  } catch (e) {
    const cause = (e as { cause?: { code?: string; message?: string } }).cause;
    const code = cause?.code ?? (e as { name?: string }).name ?? '';
    if (CERTIFICATE_ERRORS.test(code)) {
      return problem(
        check,
        `${url}: Grafana would refuse the certificate (${code}: ${cause?.message ?? ''})`,
        "use a certificate for this host name from a CA Grafana's machine trusts, or add your CA there (Debian: /usr/local/share/ca-certificates/ + update-ca-certificates)",
      );
    }
    return problem(check, `${url} does not answer (${code || (e as Error).message})`, 'start the server and the proxy; publicUrl must be the address Grafana reaches the server at');
  }
  const body = await res.text();
  if (res.status !== 200) return problem(check, `${url} answers ${res.status}`, 'the proxy must forward /.well-known/jwks.json to the token server (docs/reverse-proxy.md)');
  let kids: string[] = [];
  try {
    kids = ((JSON.parse(body) as { keys?: { kid?: string }[] }).keys ?? []).map((k) => String(k.kid));
  } catch {
    return problem(check, `${url} does not answer a key set (not JSON)`, 'the proxy must forward /.well-known/jwks.json to the token server');
  }
  if (activeKid && !kids.includes(activeKid)) {
    return problem(check, `${url} does not publish the active key ${activeKid}: it is not this server's key set`, 'point the proxy at this server, or this command at its database');
  }
  if (!url.startsWith('https:')) {
    return problem(check, `${url} answers, but over http: Grafana accepts it only with app_mode = development`, 'set publicUrl (GRAFANA_SSO_PUBLIC_URL) to the https URL of the TLS proxy');
  }
  return ok(check, `${url} publishes ${kids.length} key(s) over https with a trusted certificate`);
}

async function grafana(id: string, url: string, timeoutMs: number): Promise<Finding> {
  const check = `grafana ${id}`;
  try {
    const res = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(timeoutMs) });
    const body = (await res.json().catch(() => ({}))) as { database?: string; version?: string };
    if (res.status === 200 && body.database === 'ok') return ok(check, `${url} answers (Grafana ${body.version ?? 'version unknown'})`);
    return problem(check, `${url}/api/health answers ${res.status}${body.database ? `, database ${body.database}` : ''}`, "check Grafana's log; the URL must be Grafana's root URL");
  } catch (e) {
    const cause = (e as { cause?: { code?: string } }).cause;
    return problem(check, `${url} does not answer (${cause?.code ?? (e as Error).message})`, `start Grafana, or correct instances[].url for "${id}"`);
  }
}

/** The report: one line a finding, its fix below it. */
export function formatFindings(findings: readonly Finding[]): string {
  const label: Record<Severity, string> = { ok: 'ok     ', warning: 'warning', problem: 'PROBLEM' };
  const lines = findings.flatMap((f) => [`${label[f.severity]}  ${f.check}: ${f.message}`, ...(f.fix ? [`         fix: ${f.fix}`] : [])]);
  const problems = findings.filter((f) => f.severity === 'problem').length;
  lines.push('', problems === 0 ? 'No problems found.' : `${problems} problem(s) found.`);
  return lines.join('\n');
}
