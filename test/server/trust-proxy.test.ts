import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../server/config.ts';
import { loginForm, postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

/**
 * A reverse proxy as deployments have one: forwards to the token server and appends the address it
 * saw to X-Forwarded-For, keeping whatever the client sent before it.
 */
async function startProxy(target: string, clientAddress: string): Promise<{ url: string; close(): Promise<void> }> {
  const to = new URL(target);
  const server: Server = createServer((req, res) => {
    const sent = req.headers['x-forwarded-for'];
    const headers = { ...req.headers, 'x-forwarded-for': sent ? `${String(sent)}, ${clientAddress}` : clientAddress };
    const upstream = request({ host: to.hostname, port: to.port, path: req.url, method: req.method, headers }, (r) => {
      res.writeHead(r.statusCode ?? 502, r.headers);
      r.pipe(res);
    });
    req.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// Issue 8, item 11.
describe('trustProxy: the number of proxy hops or their addresses, never "trust everything"', () => {
  let s: RunningTokenServer | undefined;
  let proxy: { url: string; close(): Promise<void> } | undefined;
  afterEach(async () => {
    await proxy?.close();
    await s?.close();
    s = proxy = undefined;
  });

  it('refuses true, with a message that says what to give instead', () => {
    for (const v of [true, 'true']) {
      expect(() => loadConfig({ env: {}, overrides: { trustProxy: v } })).toThrow(/number of proxies|hop/);
    }
    expect(loadConfig({ env: {}, overrides: { trustProxy: 1 } }).trustProxy).toBe(1);
    expect(loadConfig({ env: { GRAFANA_SSO_TRUST_PROXY: '10.0.0.0/8, 127.0.0.1' } }).trustProxy).toEqual(['10.0.0.0/8', '127.0.0.1']);
    expect(loadConfig({ env: {}, overrides: { trustProxy: ['loopback'] } }).trustProxy).toEqual(['loopback']);
  });

  for (const trustProxy of [1, ['127.0.0.1']]) {
    it(`a client rotating X-Forwarded-For behind one proxy (trustProxy ${JSON.stringify(trustProxy)}) still reaches 429`, async () => {
      s = await startTokenServer({ settings: { trustProxy, signInMaxFailuresPerIp: 10, signInMaxFailuresPerAccount: 1000 } });
      proxy = await startProxy(s.url, '203.0.113.7');
      const form = await loginForm(proxy.url);
      const statuses: number[] = [];
      for (let i = 0; i < 15; i++) {
        const res = await postForm(`${proxy.url}/login`, form.cookie, { login: `user${i}`, password: 'wrong-password', csrf: form.csrf }, { 'x-forwarded-for': `198.51.100.${i}` });
        statuses.push(res.status);
      }
      expect(statuses.slice(0, 10).every((st) => st === 401)).toBe(true);
      expect(statuses.slice(10).every((st) => st === 429)).toBe(true);
      const failed = (await s.store.listAudit(100)).filter((e) => e.type === 'sign_in_failed');
      expect(new Set(failed.map((e) => e.ip))).toEqual(new Set(['203.0.113.7']));
    });
  }
});
