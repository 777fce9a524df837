import { describe, expect, it } from 'vitest';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { developmentWarnings, loadConfig, validateConfig } from '../../server/config.ts';
import { ConfigError } from '../../server/errors.ts';

const setting = (fn: () => unknown): string => {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return (e as ConfigError).setting;
  }
  throw new Error('expected a ConfigError');
};

describe('configuration', () => {
  it('has documented defaults: 5-minute tokens, 60-minute Grafana JWKS cache, one default instance', () => {
    const c = validateConfig({});
    expect(c.tokenLifetimeSeconds).toBe(300);
    expect(c.grafanaJwksCacheSeconds).toBe(3600);
    expect(c.publicUrl).toBe('http://127.0.0.1:8080');
    expect(c.instances).toHaveLength(1);
    expect(c.instances[0]).toMatchObject({ id: 'grafana', headerName: 'X-JWT-Assertion', audience: 'grafana:grafana', defaultRole: 'Viewer' });
    expect(c.defaultInstance).toBe('grafana');
  });

  it('reads environment variables over the file, and names the setting when a value is wrong', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cfg-'));
    const file = join(dir, 'c.json');
    writeFileSync(file, JSON.stringify({ tokenLifetimeSeconds: 120, instances: [{ id: 'prod', url: 'https://g.example.com' }] }));
    const c = loadConfig({ file, env: { GRAFANA_SSO_TOKEN_LIFETIME: '240', GRAFANA_SSO_PUBLIC_URL: 'https://sso.example.com/' } });
    expect(c.tokenLifetimeSeconds).toBe(240);
    expect(c.publicUrl).toBe('https://sso.example.com');
    expect(c.instances[0]!.id).toBe('prod');
    expect(setting(() => loadConfig({ env: { GRAFANA_SSO_TOKEN_LIFETIME: 'five' } }))).toBe('tokenLifetimeSeconds');
    expect(setting(() => loadConfig({ env: { GRAFANA_SSO_INSTANCES: '[{' } }))).toBe('GRAFANA_SSO_INSTANCES');
    expect(setting(() => loadConfig({ file: join(dir, 'missing.json'), env: {} }))).toBe('GRAFANA_SSO_CONFIG');
  });

  it('rejects settings that would make tokens Grafana cannot use, naming each', () => {
    expect(setting(() => validateConfig({ publicUrl: 'sso.example.com' }))).toBe('publicUrl');
    expect(setting(() => validateConfig({ publicUrl: 'https://sso.example.com/?x=1' }))).toBe('publicUrl');
    expect(setting(() => validateConfig({ tokenLifetimeSeconds: 5 }))).toBe('tokenLifetimeSeconds');
    expect(setting(() => validateConfig({ tokenLifetime: 300 }))).toBe('tokenLifetime');
    expect(setting(() => validateConfig({ instances: [] }))).toBe('instances');
    expect(setting(() => validateConfig({ instances: [{ id: 'Prod!', url: 'https://g' }] }))).toBe('instances[0].id');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'ftp://g' }] }))).toBe('instances[0].url');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g', headerName: 'Cookie' }] }))).toBe('instances[0].headerName');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g', defaultRole: 'admin' }] }))).toBe('instances[0].defaultRole');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g', allowedRoles: ['GrafanaAdmin'] }] }))).toBe('instances[0].allowedRoles');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g', groupRoles: { ops: 'Root' } }] }))).toBe('instances[0].groupRoles.ops');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g', role_claim: 'role' }] }))).toBe('instances[0].role_claim');
    expect(
      setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g', audience: 'x' }, { id: 'b', url: 'https://h', audience: 'x' }] })),
    ).toBe('instances');
    expect(setting(() => validateConfig({ instances: [{ id: 'a', url: 'https://g' }, { id: 'a', url: 'https://h' }] }))).toBe('instances[1].id');
    expect(setting(() => validateConfig({ defaultInstance: 'nope' }))).toBe('defaultInstance');
  });

  it('warns about plain http, and not about https', () => {
    expect(developmentWarnings(validateConfig({})).join(' ')).toMatch(/plain http/);
    const https = { publicUrl: 'https://sso.example.com', instances: [{ id: 'a', url: 'https://g.example.com' }] };
    expect(developmentWarnings(validateConfig({ ...https, keyEncryptionKey: Buffer.alloc(32, 7).toString('base64') }))).toEqual([]);
  });
});
