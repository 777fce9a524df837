import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it, vi } from 'vitest';
import { ruleIds } from '../../extension/background/header-rules';
import { instances, serverUrl, sessionRules } from './fakes';
import { advance, alarmTime, openTabs, session, setUp, t0, until } from './harness';


const headerValue = (instanceId: string) =>
  sessionRules.get(ruleIds(instanceId).subresources)?.action.requestHeaders?.[0]?.value;
const badgeText = () => fakeBrowser.action.getBadgeText({});
const fire = (name: string) => fakeBrowser.alarms.onAlarm.trigger({ name, scheduledTime: Date.now() } as never);

describe('sync after sign-in', () => {
  it('fetches one token per instance in use (here: a tab open on each) and keeps it in storage.session only', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();

    const stored = await session();
    expect(stored['token:main']).toEqual({
      token: 'jwt-1',
      receivedAt: t0,
      expiresIn: 300,
      user: { id: 'u1', login: 'alice', email: 'alice@example.com', name: 'Alice Doe', role: 'Editor' },
    });
    expect(stored['token:ops']).toMatchObject({ token: 'jwt-2', user: { role: 'Viewer' } });
    expect(stored.account).toEqual({
      status: 'signed-in',
      user: { id: 'u1', login: 'alice', email: 'alice@example.com', name: 'Alice Doe' },
      roles: { main: 'Editor', ops: 'Viewer' },
    });
    expect(JSON.stringify(await fakeBrowser.storage.local.get())).not.toMatch(/jwt-/);
    expect(server.state.calls).toEqual(['GET /api/config', 'GET /api/session', 'POST /api/token', 'POST /api/token']);
  });

  it('sends the custom request header and the cookies on every call', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    for (const headers of server.state.headers) expect(headers['X-Grafana-SSO']).toBe('1');
    for (const [, init] of server.fetch.mock.calls) expect(init?.credentials).toBe('include');
  });

  it('installs the header rules and schedules the refresh from receipt time + expiresIn', async () => {
    const { sync } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    expect(headerValue('main')).toBe('jwt-1');
    expect(headerValue('ops')).toBe('jwt-2');
    // Two header rules each; the /go/ link rules only for main, whose origin is granted (link-rules.test.ts).
    expect(sessionRules.size).toBe(6);
    expect(sessionRules.get(ruleIds('main').linkRedirect)?.action.type).toBe('redirect');
    expect(sessionRules.has(ruleIds('ops').linkRedirect)).toBe(false);
    expect(await alarmTime('refresh:main')).toBe(t0 + 240_000);
    expect(await badgeText()).toBe('✓');
  });

  it('a second sync reuses fresh tokens instead of fetching new ones', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    await sync.syncAccount();
    expect(server.state.issued).toBe(2);
    expect(headerValue('main')).toBe('jwt-1');
  });
});

describe('refresh alarm', () => {
  it('replaces token and rule before expiry and schedules the next refresh', async () => {
    const { sync } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    advance(240_000);
    await fire('refresh:main');
    await until(async () => expect((await session())['token:main']).toMatchObject({ token: 'jwt-3' }));
    expect(headerValue('main')).toBe('jwt-3');
    expect(headerValue('ops')).toBe('jwt-2');
    expect(await alarmTime('refresh:main')).toBe(t0 + 480_000);
  });

  it('honours the configured margin (short-lived tokens in tests, policies in production)', async () => {
    const { sync, server } = await setUp({ refreshMinMarginSeconds: 2, refreshMarginRatio: 0.2 });
    await openTabs(); // both instances in use
    server.state.lifetime = 60;
    await sync.syncAccount();
    expect(await alarmTime('refresh:main')).toBe(t0 + 48_000);
  });

  it('backs off while the server is unreachable, keeps the valid token, then drops it at expiry', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    vi.spyOn(Math, 'random').mockReturnValue(0); // no jitter
    await sync.syncAccount();
    server.state.reachable = false;

    advance(240_000);
    await sync.refreshInstance('main');
    expect(await alarmTime('refresh:main')).toBe(t0 + 270_000);
    expect(headerValue('main')).toBe('jwt-1');
    expect((await session()).problem).toMatchObject({ code: 'unreachable', retryAt: t0 + 270_000 });
    await until(async () => expect(await badgeText()).toBe('!'));

    vi.setSystemTime(t0 + 270_000);
    await sync.refreshInstance('main');
    // The second retry would be 60 s later, after expiry: it is moved to the expiry instead.
    expect(await alarmTime('refresh:main')).toBe(t0 + 300_000);

    vi.setSystemTime(t0 + 300_000);
    await sync.refreshInstance('main');
    expect((await session())['token:main']).toBeUndefined();
    expect(headerValue('main')).toBeUndefined();
    expect(sessionRules.has(ruleIds('main').navigations)).toBe(false);
    expect(sessionRules.has(ruleIds('main').linkRedirect)).toBe(false);
    expect((await session())['failures:refresh:main']).toBe(3);

    server.state.reachable = true;
    await sync.refreshInstance('main');
    expect(headerValue('main')).toMatch(/^jwt-/);
    expect((await session()).problem).toBeUndefined();
    expect((await session())['failures:refresh:main']).toBeUndefined();
    await until(async () => expect(await badgeText()).toBe('✓'));
  });

  it('drops every token, rule and alarm when the server says the session is gone', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    server.state.signedIn = false;
    advance(240_000);
    await fire('refresh:main');
    await until(async () => expect((await session()).account).toEqual({ status: 'signed-out' }));
    const stored = await session();
    expect(Object.keys(stored).filter((k) => k.startsWith('token:'))).toEqual([]);
    expect(sessionRules.size).toBe(0);
    expect(await fakeBrowser.alarms.getAll()).toEqual([]);
    await until(async () => expect(await badgeText()).toBe('off'));
  });

  it('drops only the instance the user lost access to', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    delete server.state.roles.ops;
    advance(240_000);
    await sync.refreshInstance('ops');
    expect((await session())['token:ops']).toBeUndefined();
    expect(headerValue('ops')).toBeUndefined();
    expect(headerValue('main')).toBe('jwt-1');
    expect((await session()).account).toMatchObject({ roles: { main: 'Editor' } });
  });

  it('after a browser restart (storage.session empty) an old alarm triggers a full sync', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await fakeBrowser.storage.session.clear();
    await sync.refreshInstance('main');
    expect(server.state.calls.slice(0, 2)).toEqual(['GET /api/config', 'GET /api/session']);
    expect(headerValue('main')).toBe('jwt-1');
  });
});

describe('configuration changes', () => {
  it('forgets everything of the previous server when the server URL changes', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await sync.syncAccount();
    server.state.reachable = false;
    await fakeBrowser.storage.local.set({ options: { serverUrl: 'http://127.0.0.1:7999' } });
    await until(async () => expect((await session())['token:main']).toBeUndefined());
    expect(sessionRules.size).toBe(0);
  });

  it('is unconfigured without a server URL', async () => {
    const { sync } = await setUp();
    await openTabs(); // both instances in use
    await fakeBrowser.storage.local.set({ options: {} });
    await sync.syncAccount();
    expect((await session()).account).toEqual({ status: 'unconfigured' });
    expect(await badgeText()).toBe('?');
  });

  it('uses the administrator-pushed server over the user one', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    await fakeBrowser.storage.local.set({ options: { serverUrl: 'http://127.0.0.1:1' } });
    await fakeBrowser.storage.managed.set({ serverUrl });
    await sync.syncAccount();
    expect(String(server.fetch.mock.calls.at(-1)?.[0])).toContain(serverUrl);
    expect((await session()).config).toMatchObject({ serverUrl, config: { instances } });
  });
});

describe('results and roles', () => {
  it('writes the roles once after the fan-out, so one token answer cannot overwrite another', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    // The session still lists both instances, but by now the token endpoint grants Admin on main and nothing on ops.
    server.state.sessionRoles = { main: 'Editor', ops: 'Viewer' };
    server.state.roles = { main: 'Admin' };
    const set = vi.spyOn(fakeBrowser.storage.session, 'set');
    await sync.syncAccount();
    expect((await session()).account).toMatchObject({ status: 'signed-in', roles: { main: 'Admin' } });
    expect((await session())['token:ops']).toBeUndefined();
    const accountWrites = set.mock.calls.filter(([items]) => 'account' in (items as object));
    expect(accountWrites).toHaveLength(2); // the session's view, then the settled roles
  });

  it('runs on the clock and network it is given, not the global ones', async () => {
    const { sync, server } = await setUp();
    await openTabs(); // both instances in use
    const at = t0 + 3_600_000;
    await sync.syncAccount({ clock: { now: () => at }, fetch: server.fetch });
    expect((await session())['token:main']).toMatchObject({ receivedAt: at });
    expect(await alarmTime('refresh:main')).toBe(at + 240_000);
  });
});
