import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createApp } from '../../server/app.ts';
import { developmentWarnings, loadConfig } from '../../server/config.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import { TEST_PASSWORD_COST } from '../helpers/token-server.ts';

// Issue 8, item 2: a copied database or backup holds no usable signing key.
describe('private keys encrypted at rest', () => {
  let dir: string;
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts the app on the same database with the given settings; returns its JWKS and stored keys. */
  async function start(settings: Record<string, unknown>) {
    const config = loadConfig({ env: {}, overrides: { databasePath: join(dir, 'db.sqlite'), auditLog: '', ...settings } });
    const store = await openSqliteStore(config.databasePath);
    try {
      const server = await createApp({ config, store, timers: false, log: () => {}, passwordCost: TEST_PASSWORD_COST });
      const signer = await server.ctx.keys.currentSigner();
      const stored = await store.listKeys();
      await server.close();
      return { kid: signer.kid, privateJwks: stored.map((k) => k.privateJwk ?? '') };
    } finally {
      await store.close();
    }
  }
  const kek = () => randomBytes(32).toString('base64');

  it('with a key-encryption key, the database holds no private key member, and signing works', async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-kek-'));
    const { privateJwks } = await start({ keyEncryptionKey: kek() });
    expect(privateJwks.every((p) => p.startsWith('sealed:v1:'))).toBe(true);
    const files = ['db.sqlite', 'db.sqlite-wal'].map((f) => join(dir, f)).filter((f) => existsSync(f));
    const bytes = Buffer.concat(files.map((f) => readFileSync(f))).toString('latin1');
    expect(bytes).not.toMatch(/"d":"/);
    expect(bytes).toContain('"kty":"EC"'); // the public key is there, so the search would find a JWK
  });

  it('existing plain keys keep signing and are sealed at the next start; a rotation re-seals under the new key', async () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-kek-'));
    const plain = await start({});
    expect(plain.privateJwks[0]).toMatch(/^\{/);
    const a = kek();
    const sealed = await start({ keyEncryptionKey: a });
    expect(sealed.kid).toBe(plain.kid);
    expect(sealed.privateJwks[0]).toMatch(/^sealed:v1:/);

    const b = kek();
    const keyFile = join(dir, 'kek');
    writeFileSync(keyFile, `${b}\n${a}\n`, { mode: 0o600 });
    const rotated = await start({ keyEncryptionKeyFile: keyFile });
    expect(rotated.kid).toBe(plain.kid);
    expect(rotated.privateJwks[0]!.split(':')[2]).not.toBe(sealed.privateJwks[0]!.split(':')[2]);
    // After the rotation the old key is no longer needed, and is no longer enough.
    expect((await start({ keyEncryptionKey: b })).kid).toBe(plain.kid);
    await expect(start({ keyEncryptionKey: a })).rejects.toThrow(/not configured/);
  });

  it('warns when an https deployment has no key-encryption key; refuses a malformed one', () => {
    dir = mkdtempSync(join(tmpdir(), 'grafana-sso-kek-'));
    const https = (extra: Record<string, unknown>) => loadConfig({ env: {}, overrides: { publicUrl: 'https://sso.example.com', ...extra } });
    expect(developmentWarnings(https({})).map((w) => w.problem).join('\n')).toMatch(/key-encryption key/);
    expect(developmentWarnings(https({ keyEncryptionKey: kek() })).map((w) => w.problem).join('\n')).not.toMatch(/key-encryption key/);
    return expect(start({ keyEncryptionKey: 'short' })).rejects.toThrow(/openssl rand -base64 32/);
  });
});
