import { afterEach, describe, expect, it } from 'vitest';
import { developmentWarnings, loadConfig } from '../../server/config.ts';
import { requestToken, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

const ours = 'abcdefghijklmnopabcdefghijklmnop';
const other = 'ponmlkjihgfedcbaponmlkjihgfedcba';

// Issue 8, item 12: the administrator pins which extensions may call the token API.
describe('extensionIds pins the extensions that may call the API', () => {
  let s: RunningTokenServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('with ids pinned, only those extension origins get tokens', async () => {
    s = await startTokenServer({ settings: { extensionIds: [ours, '6f0c1a52-52a4-4b5e-9d3a-0e5b1c9c2f11'] }, users: [{ login: 'alice', password: 'alice-password-1' }] });
    const cookie = await s.signIn('alice', 'alice-password-1');
    expect((await requestToken(s.url, cookie, 'grafana', { origin: `chrome-extension://${ours}` })).status).toBe(200);
    expect((await requestToken(s.url, cookie, 'grafana', { origin: 'moz-extension://6f0c1a52-52a4-4b5e-9d3a-0e5b1c9c2f11' })).status).toBe(200);
    const refused = await requestToken(s.url, cookie, 'grafana', { origin: `chrome-extension://${other}` });
    expect(refused.status).toBe(403);
    expect((await refused.json()).code).toBe('origin_not_allowed');
    expect((await requestToken(s.url, cookie, 'grafana', { origin: 'moz-extension://00000000-0000-4000-8000-000000000000' })).status).toBe(403);
  });

  it('without pinning any extension may call it, and an https deployment is warned', async () => {
    s = await startTokenServer({ users: [{ login: 'bob', password: 'bob-password-12' }] });
    const cookie = await s.signIn('bob', 'bob-password-12');
    expect((await requestToken(s.url, cookie, 'grafana', { origin: `chrome-extension://${other}` })).status).toBe(200);
    const https = loadConfig({ env: {}, overrides: { publicUrl: 'https://sso.example.com' } });
    expect(developmentWarnings(https).join('\n')).toMatch(/extensionIds/);
    expect(developmentWarnings(loadConfig({ env: {}, overrides: { publicUrl: 'https://sso.example.com', extensionIds: [ours] } })).join('\n')).not.toMatch(/extensionIds/);
  });

  it('refuses an id that is not an extension id', () => {
    expect(() => loadConfig({ env: {}, overrides: { extensionIds: ['https://evil.example'] } })).toThrow(/extensionIds/);
    expect(loadConfig({ env: { GRAFANA_SSO_EXTENSION_IDS: `${ours}, ${other}` } }).extensionIds).toEqual([ours, other]);
  });
});
