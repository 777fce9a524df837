import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { requestToken, signInWithForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

// Issue 8, item 7: with a one-minute idle time, a session used every 10 s must not die at 60 s.
describe('a short idle time does not end an active session', () => {
  let s: RunningTokenServer;
  beforeAll(async () => {
    s = await startTokenServer({ settings: { sessionIdleMinutes: 1, instances: [{ id: 'g', url: 'http://127.0.0.1:1' }] }, users: [{ login: 'erin', password: 'erin-password-1' }] });
  });
  afterAll(() => s.close());

  it('stays signed in while used every 10 s, and ends a minute after the last use', async () => {
    const cookie = await signInWithForm(s.url, 'erin', 'erin-password-1');
    for (let elapsed = 10; elapsed <= 180; elapsed += 10) {
      s.clock.advanceMs(10_000);
      expect((await requestToken(s.url, cookie, 'g')).status, `after ${elapsed} s`).toBe(200);
    }
    s.clock.advanceMs(60_000);
    expect((await requestToken(s.url, cookie, 'g')).status).toBe(401);
  });
});
