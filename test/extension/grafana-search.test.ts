// @vitest-environment node
// The search client's reading of Grafana's answers. What the real stand-in answers is covered in
// launcher-search.test.ts; here, what only a broken Grafana or a proxy in front of it would send.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { parseHit, searchGrafana, searchTimeoutMs } from '../../extension/background/grafana-search';
import { matchTier, rankHits } from '../../extension/background/search-ranking';
import type { DashboardHit } from '../../extension/common/launcher';

const nodeFetch = globalThis.fetch;
const sub = { id: 'ops', name: 'Ops', url: 'https://ops.example.com/grafana/', headerName: 'X-Ops-JWT', default: false };

describe('parseHit', () => {
  const hit = { uid: 'abc', title: 'CPU', type: 'dash-db', url: '/grafana/d/abc/cpu', tags: ['a', 1, 'b'], folderTitle: 'Infra', isStarred: true };

  it("turns Grafana's url (with the sub-path) into the path within the instance", () => {
    expect(parseHit(hit, sub)).toEqual({
      instanceId: 'ops',
      instanceName: 'Ops',
      uid: 'abc',
      title: 'CPU',
      type: 'dash-db',
      path: '/d/abc/cpu',
      folderTitle: 'Infra',
      tags: ['a', 'b'],
      isStarred: true,
    });
    expect(parseHit({ ...hit, type: 'dash-folder', url: '/grafana/dashboards/f/infra/', folderTitle: '' }, sub)).toMatchObject({ path: '/dashboards/f/infra/', folderTitle: null });
  });

  it('drops entries outside the instance or not shaped like a hit', () => {
    for (const url of ['/d/abc/cpu', 'https://evil.example/grafana/d/abc', '/grafana/../d/x', '/grafana/%2e%2e/x', '/grafana/', '//evil.example/grafana/d/x']) {
      expect(parseHit({ ...hit, url }, sub), url).toBeNull();
    }
    for (const bad of [null, 'x', [], { ...hit, uid: 1 }, { ...hit, title: '' }, { ...hit, type: 'dash-home' }, { ...hit, url: undefined }]) {
      expect(parseHit(bad, sub)).toBeNull();
    }
    expect(parseHit({ ...hit, tags: 'x', isStarred: 'yes', folderTitle: 3 }, sub)).toMatchObject({ tags: [], isStarred: false, folderTitle: null });
  });
});

describe('searchGrafana against a broken Grafana', () => {
  let server: Server | undefined;
  afterEach(() => {
    server?.closeAllConnections();
    server?.close();
    vi.useRealTimers();
  });

  async function grafanaAnswering(status: number, body: string, type = 'application/json') {
    server = createServer((_req, res) => {
      res.writeHead(status, { 'Content-Type': type });
      res.end(body);
    });
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/grafana/`;
    return searchGrafana({ ...sub, url }, 'jwt', { query: 'x', limit: 10 }, nodeFetch, new AbortController().signal);
  }

  it('says what to do for each kind of failure', async () => {
    expect(await grafanaAnswering(403, '{}')).toMatchObject({ ok: false, problem: 'rejected', message: expect.stringMatching(/403.*administrator/) });
    expect(await grafanaAnswering(502, 'bad gateway', 'text/plain')).toMatchObject({ ok: false, problem: 'unreachable', message: expect.stringMatching(/502: try again/) });
    expect(await grafanaAnswering(404, '{"message":"Not found"}')).toMatchObject({ ok: false, problem: 'bad-answer', message: expect.stringMatching(/404.*instance's URL/) });
    expect(await grafanaAnswering(200, '<html>Sign in</html>', 'text/html')).toMatchObject({ ok: false, problem: 'bad-answer', message: expect.stringMatching(/proxy/) });
    expect(await grafanaAnswering(200, '{"hits": []}')).toMatchObject({ ok: false, problem: 'bad-answer' });
  });

  it('keeps the well-formed hits and at most `limit`', async () => {
    const hits = Array.from({ length: 15 }, (_, n) => ({ uid: `u${n}`, title: `T${n}`, type: 'dash-db', url: `/grafana/d/u${n}/t` }));
    const outcome = await grafanaAnswering(200, JSON.stringify([{ junk: true }, ...hits]));
    expect(outcome.ok && outcome.hits.map((h) => h.uid)).toEqual(hits.slice(0, 10).map((h) => h.uid));
  });

  it('gives up after the timeout and counts the instance unreachable', async () => {
    server = createServer(() => undefined); // never answers
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    const pending = searchGrafana({ ...sub, url }, 'jwt', { query: 'x', limit: 10 }, nodeFetch, new AbortController().signal);
    await vi.advanceTimersByTimeAsync(searchTimeoutMs);
    expect(await pending).toMatchObject({ ok: false, problem: 'unreachable', message: expect.stringMatching(/did not answer within 8 s/) });
  });

  it("rejects with the caller's abort, so the fan-out posts nothing for it", async () => {
    server = createServer(() => undefined);
    await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
    const controller = new AbortController();
    const pending = searchGrafana({ ...sub, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/` }, 'jwt', { limit: 1 }, nodeFetch, controller.signal);
    controller.abort();
    await expect(pending).rejects.toThrow();
  });
});

describe('ranking', () => {
  const h = (title: string, over: Partial<DashboardHit> = {}): DashboardHit => ({
    instanceId: 'main',
    instanceName: 'Main',
    uid: title,
    title,
    type: 'dash-db',
    path: `/d/${title}`,
    folderTitle: null,
    tags: [],
    isStarred: false,
    ...over,
  });

  it('orders exact, prefix, word-prefix, then substring matches', () => {
    expect(['Latency', 'Latency SLO', 'API latency', 'Nolatency', 'Other'].map((t) => matchTier(t, 'latency'))).toEqual([0, 1, 2, 3, 4]);
    const ranked = rankHits([h('Nolatency'), h('API latency'), h('Latency SLO'), h('latency')], 'Latency', 'main', 10);
    expect(ranked.map((r) => r.title)).toEqual(['latency', 'Latency SLO', 'API latency', 'Nolatency']);
  });

  it('puts starred first among equals, then the default instance, then dashboards before folders; caps', () => {
    const ranked = rankHits(
      [h('Disk', { instanceId: 'ops' }), h('Disk', { type: 'dash-folder', uid: 'f' }), h('Disk', { instanceId: 'ops', isStarred: true, uid: 's' }), h('Disk')],
      'disk',
      'main',
      3,
    );
    expect(ranked.map((r) => [r.instanceId, r.isStarred, r.type])).toEqual([
      ['ops', true, 'dash-db'],
      ['main', false, 'dash-db'],
      ['main', false, 'dash-folder'],
    ]);
  });
});
