import { chmodSync, existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { main, type Io } from '../../server/cli.ts';
import { startGrafanaStandin, type GrafanaStandin } from '../grafana/standin.ts';
import { freePort } from '../helpers/stack.ts';
import { startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

/** The database and its SQLite companions (-wal, -shm) to `mode`. */
function chmodDatabase(db: string, mode: number): void {
  for (const f of [db, `${db}-wal`, `${db}-shm`]) if (existsSync(f)) chmodSync(f, mode);
}

async function doctor(env: Record<string, string>): Promise<{ code: number; out: string }> {
  const out: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => out.push(t), readStdin: async () => '', env };
  const code = await main(['doctor'], io);
  return { code, out: out.join('\n') };
}

describe('grafana-sso doctor', () => {
  let s: RunningTokenServer;
  let other: RunningTokenServer;
  let grafana: GrafanaStandin;
  let env: Record<string, string>;
  let kid: string;
  let gonePort: number;

  beforeAll(async () => {
    s = await startTokenServer();
    other = await startTokenServer();
    grafana = await startGrafanaStandin({ ini: s.grafanaIni() });
    kid = (await s.store.listKeys())[0]!.kid;
    gonePort = await freePort();
    env = {
      GRAFANA_SSO_DATABASE: s.config.databasePath,
      GRAFANA_SSO_AUDIT_LOG: s.auditLogPath,
      GRAFANA_SSO_PUBLIC_URL: s.url,
      GRAFANA_SSO_INSTANCES: JSON.stringify([
        { id: 'prod', url: grafana.url },
        { id: 'gone', url: `http://127.0.0.1:${gonePort}` },
      ]),
    };
  });
  afterAll(async () => {
    await grafana.close();
    await other.close();
    await s.close();
  });

  it('reports each problem with its fix, and what is fine; exit 1 when there is a problem', async () => {
    chmodDatabase(s.config.databasePath, 0o600);
    const { code, out } = await doctor(env);
    expect(code).toBe(1);
    expect(out).toMatch(/PROBLEM {2}configuration: publicUrl http:\/\/127\.0\.0\.1:\d+ is plain http.*\n {9}fix: serve the token server and Grafana over https/);
    expect(out).toMatch(/ok {7}permissions: the database and the audit log are readable by their owner only/);
    expect(out).toContain(`ok       keys: key ${kid} signs; next key signs from `);
    expect(out).toMatch(/PROBLEM {2}jwks: http:\/\/.*\/\.well-known\/jwks\.json answers, but over http: Grafana accepts it only with app_mode = development\n {9}fix: set publicUrl/);
    expect(out).toMatch(/ok {7}grafana prod: http:\/\/127\.0\.0\.1:\d+ answers \(Grafana 12\./);
    expect(out).toContain(`PROBLEM  grafana gone: http://127.0.0.1:${gonePort} does not answer (ECONNREFUSED)`);
    expect(out).toContain('fix: start Grafana, or correct instances[].url for "gone"');
    expect(out).toMatch(/\d problem\(s\) found\.$/);
  });

  it('names a database other users can read, with the chmod that fixes it', async () => {
    chmodDatabase(s.config.databasePath, 0o600);
    chmodSync(s.config.databasePath, 0o644);
    const { out } = await doctor(env);
    expect(out).toContain(`PROBLEM  permissions: ${s.config.databasePath} is readable or writable by other users (mode 644)\n         fix: chmod 600 ${s.config.databasePath}`);
    chmodSync(s.config.databasePath, 0o600);
  });

  it('sees that the public URL serves another key set than this database signs with', async () => {
    const { out } = await doctor({ ...env, GRAFANA_SSO_PUBLIC_URL: other.url });
    expect(out).toContain(`does not publish the active key ${kid}: it is not this server's key set`);
  });

  it('creates nothing where there is no database yet, and says how to get one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'grafana-sso-doctor-'));
    try {
      const db = join(dir, 'db.sqlite');
      const { code, out } = await doctor({ ...env, GRAFANA_SSO_DATABASE: db, GRAFANA_SSO_AUDIT_LOG: '' });
      expect(code).toBe(1);
      expect(out).toContain(`warning  permissions: no database at ${db} yet\n         fix: start the server once`);
      expect(existsSync(db)).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
