import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Router } from 'express';
import { startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

describe('createApp extraRoutes', () => {
  let s: RunningTokenServer;

  beforeAll(async () => {
    const extra = Router();
    extra.get('/extra/constant', (_req, res) => {
      res.json({ constant: true });
    });
    s = await startTokenServer({ extraRoutes: extra });
  });
  afterAll(() => s.close());

  it('answers an added route after every middleware of the app (its security headers are set)', async () => {
    const res = await fetch(`${s.url}/extra/constant`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ constant: true });
    expect(res.headers.get('x-frame-options')).toBe('DENY');
    expect(res.headers.get('content-security-policy')).toMatch(/default-src 'none'/);
  });

  it('keeps the 404 handler last: other paths still get the JSON not_found', async () => {
    const res = await fetch(`${s.url}/extra/missing`, { headers: { accept: 'application/json' } });
    expect(res.status).toBe(404);
    expect(await res.json()).toMatchObject({ code: 'not_found' });
  });
});
