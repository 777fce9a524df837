// @vitest-environment node
// The launcher's search over the popup's port, against the real token server and a Grafana stand-in
// per instance (real tokens, verified by the stand-in over the real JWKS endpoint).
import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { granted } from './fakes';
import { connectSearchPort, popupSender, sendAs, startWorker, until } from './harness';
import { startLauncherStack, type LauncherStack } from './real-stack';

// Real servers on a machine shared with other work: more time than the unit tests' default.
vi.setConfig({ testTimeout: 30_000, hookTimeout: 30_000 });

let s: LauncherStack | undefined;
afterEach(async () => {
  await s?.close();
  s = undefined;
});

/** Signed in, worker started and synced: as after the user signed in. */
async function signedIn(options: Parameters<typeof startLauncherStack>[0] = {}) {
  s = await startLauncherStack(options);
  await s.signIn();
  await startWorker();
  const { syncAccount } = await import('../../extension/background/account-sync');
  await syncAccount();
  return s;
}

const searchCalls = (stack: LauncherStack) => stack.calls.filter((c) => c.url.pathname.endsWith('/api/search'));
const tokenCalls = (stack: LauncherStack) => stack.calls.filter((c) => c.url.pathname === '/api/token');

describe('launcher search over the port', () => {
  it('searches every instance with the token in its JWT header, no cookie, and ranks the answers', async () => {
    const stack = await signedIn();
    const popup = await connectSearchPort();
    popup.search(1, 'latency');
    const answer = await popup.done(1);
    expect(answer.instances.map((i) => [i.instanceId, i.problem])).toEqual(expect.arrayContaining([['main', null], ['ops', null]]));
    expect(answer.hits.length).toBeGreaterThan(0);
    expect(answer.hits.every((h) => /latency/i.test(h.title))).toBe(true);
    // The same dashboard in both instances: the default instance first.
    const first = answer.hits.filter((h) => h.uid === answer.hits[0]!.uid);
    expect(first.map((h) => h.instanceId)).toEqual(['main', 'ops']);
    // Paths within the instance: Ops's sub-path (/grafana/d/…) taken off.
    for (const hit of answer.hits) expect(hit.path, hit.instanceId).toMatch(/^\/d\/[^/]+\/[^/]+$/);
    expect(answer.recent).toEqual([]);

    const calls = searchCalls(stack);
    expect(calls).toHaveLength(2);
    for (const { url, init } of calls) {
      expect(url.searchParams.get('query')).toBe('latency');
      expect([...url.searchParams.keys()]).not.toContain('auth_token');
      expect(init.credentials).toBe('omit');
      expect(init.cache).toBe('no-store');
      const header = stack.stack.grafana[url.port === new URL(stack.stack.grafana.main!.url).port ? 'main' : 'ops']!.settings.jwt.headerName;
      expect(new Headers(init.headers).get(header)).toMatch(/^ey/);
    }
    // The stand-ins verified those tokens (header, not URL) and searched as alice.
    for (const grafana of Object.values(stack.stack.grafana)) {
      const search = grafana.requests.filter((r) => r.path.endsWith('/api/search'));
      expect(search.map((r) => [r.tokenSource, r.status, r.login])).toEqual([['header', 200, 'alice']]);
    }
  });

  it('fetches a missing token once, then searches with the cached one', async () => {
    const stack = await signedIn();
    // No Grafana tab is open: the sync fetched no token (in-use.ts), so the first search asks for them.
    expect(tokenCalls(stack)).toHaveLength(0);
    const popup = await connectSearchPort();
    popup.search(1, 'node');
    expect((await popup.done(1)).hits.map((h) => h.title)).toContain('Node Exporter Full');
    expect(tokenCalls(stack)).toHaveLength(2);
    popup.search(2, 'postgres');
    expect((await popup.done(2)).hits.map((h) => h.title)).toContain('PostgreSQL Overview');
    popup.search(3, 'token');
    await popup.done(3);
    expect(tokenCalls(stack)).toHaveLength(2);
  });

  it('never lets a stale answer reach the port after a newer query', async () => {
    const stack = await signedIn();
    const popup = await connectSearchPort();
    popup.search(1, 'node');
    await popup.done(1); // tokens cached
    const slow = stack.hold((url) => url.searchParams.get('query') === 'disk');
    popup.search(2, 'disk');
    await until(() => expect(searchCalls(stack).filter((c) => c.url.searchParams.get('query') === 'disk')).toHaveLength(2));
    popup.search(3, 'latency');
    const newer = await popup.done(3);
    const afterNewer = popup.answers.length;
    slow.release();
    // The held requests were aborted; had they been answered, their answer would come now.
    const held = searchCalls(stack).filter((c) => c.url.searchParams.get('query') === 'disk');
    expect(held.every((c) => c.init.signal?.aborted)).toBe(true);
    await new Promise((r) => setTimeout(r, 100));
    expect(popup.answers.slice(afterNewer)).toEqual([]);
    const firstOfNewer = popup.answers.findIndex((a) => a.seq === 3);
    expect(popup.answers.slice(firstOfNewer).every((a) => a.seq === 3)).toBe(true);
    expect(popup.answers.filter((a) => a.seq === 2 && a.hits.length > 0)).toEqual([]);
    expect(newer.hits.every((h) => /latency/i.test(h.title))).toBe(true);
  });

  it('stops searching when the popup closes', async () => {
    const stack = await signedIn();
    const popup = await connectSearchPort();
    popup.search(1, 'node');
    await popup.done(1);
    const slow = stack.hold((url) => url.searchParams.get('query') === 'disk');
    popup.search(2, 'disk');
    await until(() => expect(searchCalls(stack).filter((c) => c.url.searchParams.get('query') === 'disk')).toHaveLength(2));
    const before = popup.answers.length;
    popup.close();
    slow.release();
    await new Promise((r) => setTimeout(r, 100));
    expect(popup.answers.length).toBe(before);
    expect(searchCalls(stack).filter((c) => c.url.searchParams.get('query') === 'disk').every((c) => c.init.signal?.aborted)).toBe(true);
  });

  it('says per instance what went wrong: Grafana stopped, token refused', async () => {
    const stack = await signedIn();
    await stack.stack.stop('main');
    // Ops comes back with an [auth.jwt] that expects another audience: our tokens are refused.
    await stack.stack.restart('ops', (ini) => ini.replace(/^expect_claims = .*$/m, 'expect_claims = {"aud": "someone-else"}'));
    const popup = await connectSearchPort();
    popup.search(1, 'node');
    const answer = await popup.done(1);
    expect(answer.hits).toEqual([]);
    const byId = Object.fromEntries(answer.instances.map((i) => [i.instanceId, i]));
    expect(byId.main).toMatchObject({ problem: 'unreachable', message: expect.stringMatching(/Cannot reach Main Grafana \(127\.0\.0\.1:\d+\): check that Grafana is up/) });
    expect(byId.ops).toMatchObject({ problem: 'rejected', message: expect.stringMatching(/refused your token \(401\).*\[auth\.jwt\]/) });
  });

  it('does not call an instance it has no host access to, nor one the user has no role in', async () => {
    const stack = await signedIn({ grants: { main: 'Viewer', ops: 'no-access' } });
    granted.origins.clear();
    const popup = await connectSearchPort();
    popup.search(1, 'node');
    const answer = await popup.done(1);
    const byId = Object.fromEntries(answer.instances.map((i) => [i.instanceId, i]));
    expect(byId.main).toMatchObject({ problem: 'no-host-access', message: expect.stringMatching(/no access to 127\.0\.0\.1:\d+: allow it in Options/) });
    expect(byId.ops).toMatchObject({ problem: 'no-access' });
    expect(searchCalls(stack)).toEqual([]);
    expect(tokenCalls(stack)).toEqual([]);
    expect(fakeBrowser.permissions.request).not.toHaveBeenCalled();
  });

  it('answers signed out without asking Grafana', async () => {
    s = await startLauncherStack();
    await startWorker();
    const popup = await connectSearchPort();
    popup.search(1, 'node');
    const answer = await popup.done(1);
    expect(answer.instances.map((i) => i.problem)).toEqual(['signed-out', 'signed-out']);
    expect(searchCalls(s)).toEqual([]);
  });

  it('asks for starred dashboards when nothing is typed, and answers Recent at once', async () => {
    const stack = await signedIn();
    const popup = await connectSearchPort();
    popup.search(1, '  ');
    const answer = await popup.done(1);
    expect(answer.query).toBe('');
    expect(popup.answers[0]).toMatchObject({ seq: 1, done: false, hits: [], instances: [] });
    const calls = searchCalls(stack);
    expect(calls).toHaveLength(2);
    expect(calls.every((c) => c.url.searchParams.get('starred') === 'true' && !c.url.searchParams.has('query'))).toBe(true);
  });

  it('ignores malformed requests and ports that are not its own', async () => {
    const stack = await signedIn();
    const popup = await connectSearchPort();
    popup.send({ seq: 'x', query: 'node' });
    popup.send({ seq: 1 });
    popup.send('node');
    popup.send({ seq: -1, query: 'node' });
    await new Promise((r) => setTimeout(r, 50));
    expect(popup.answers).toEqual([]);
    const stranger = await connectSearchPort({ id: fakeBrowser.runtime.id, url: 'https://evil.example/', tab: { url: 'https://evil.example/' } as never });
    expect(stranger.port.disconnect).toHaveBeenCalled();
    stranger.search(1, 'node');
    await new Promise((r) => setTimeout(r, 50));
    expect(stranger.answers).toEqual([]);
    // A long query is cut, not refused.
    popup.search(2, `node ${'x'.repeat(500)}`);
    expect((await popup.done(2)).query).toHaveLength(200);
    expect(searchCalls(stack).every((c) => (c.url.searchParams.get('query') ?? '').length === 200)).toBe(true);
    expect(popupSender().url).toContain('popup');
  });

  it("answers the user's starred dashboards when nothing is typed", async () => {
    const stack = await signedIn();
    const popup = await connectSearchPort();
    popup.search(1, 'x');
    await popup.done(1); // a token per instance, cached
    const token = ((await fakeBrowser.storage.session.get('token:main'))['token:main'] as { token: string }).token;
    const main = stack.stack.grafana.main!;
    const star = await fetch(`${main.url}/api/user/stars/dashboard/uid/checkout-slo`, { method: 'POST', headers: { [main.settings.jwt.headerName]: token } });
    expect(star.status).toBe(200);
    popup.search(2, '');
    const answer = await popup.done(2);
    expect(answer.hits.map((h) => [h.instanceId, h.uid, h.isStarred, h.folderTitle])).toEqual([['main', 'checkout-slo', true, 'Services']]);
  });
});

describe('Recent from Grafana tabs', () => {
  it("takes the dashboard's title from Grafana itself, whatever the tab title holds", async () => {
    const stack = await signedIn({
      dashboards: { folders: [{ uid: 'infra', title: 'Infra - EU' }], dashboards: [{ uid: 'cpu-mem', title: 'CPU - Memory', folderUid: 'infra' }] },
    });
    const popup = await connectSearchPort();
    popup.search(1, 'cpu');
    await popup.done(1); // tokens cached, as for a tab the header rule keeps signed in
    // The page Grafana serves for the dashboard, and the tab title it gets.
    const ops = stack.stack.instanceUrl('ops');
    const token = ((await fakeBrowser.storage.session.get('token:ops'))['token:ops'] as { token: string }).token;
    const page = await (await fetch(`${ops}d/cpu-mem/cpu-memory?orgId=1&var-host=db1`, { headers: { [stack.stack.grafana.ops!.settings.jwt.headerName]: token } })).text();
    const title = /<title>([^<]*)<\/title>/.exec(page)![1]!;
    expect(title).toBe('CPU - Memory - Infra - EU - Dashboards - Grafana');
    const tab = { id: 9, index: 0, highlighted: true, active: true, pinned: false, incognito: false, url: `${ops}d/cpu-mem/cpu-memory?orgId=1&var-host=db1`, title };
    await fakeBrowser.tabs.onUpdated.trigger(9, { title }, tab as never);
    await until(async () => expect(await sendAs(popupSender(), { type: 'recentDashboards' })).toEqual([{ instanceId: 'ops', path: '/d/cpu-mem/cpu-memory', title: 'CPU - Memory', openedAt: expect.any(Number) }]));
  });
});
