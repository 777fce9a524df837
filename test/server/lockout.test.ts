import { afterEach, describe, expect, it } from 'vitest';
import { loginForm, postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

/** A browser: keeps the cookies the server sets, like a real one. */
function browser(base: string) {
  const jar = new Map<string, string>();
  const keep = (res: Response) => {
    for (const c of res.headers.getSetCookie()) {
      const [pair] = c.split(';');
      const eq = pair!.indexOf('=');
      jar.set(pair!.slice(0, eq), pair!.slice(eq + 1));
    }
    return res;
  };
  const cookie = () => [...jar].map(([k, v]) => `${k}=${v}`).join('; ');
  return {
    jar,
    async signIn(login: string, password: string) {
      const page = keep(await fetch(`${base}/login`, { headers: { cookie: cookie() } }));
      const csrf = /name="csrf" value="([^"]+)"/.exec(await page.text())![1]!;
      return keep(await postForm(`${base}/login`, cookie(), { login, password, csrf }));
    },
  };
}

// Issue 8, item 3: wrong passwords from anyone must not lock the owner out.
describe('no attacker-triggered lockout', () => {
  let s: RunningTokenServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  async function attack(times: number) {
    const form = await loginForm(s!.url);
    for (let i = 0; i < times; i++) {
      const res = await postForm(`${s!.url}/login`, form.cookie, { login: 'alice', password: `guess-${i}-guess`, csrf: form.csrf });
      expect([401, 429]).toContain(res.status);
    }
  }

  it('a browser that signed in before keeps its own allowance while the account is attacked', async () => {
    s = await startTokenServer({ users: [{ login: 'alice', password: 'alice-password-1' }] });
    const owner = browser(s.url);
    expect((await owner.signIn('alice', 'alice-password-1')).status).toBe(303);
    const device = [...owner.jar.keys()].find((k) => k.includes('device'));
    expect(device).toBeDefined();
    await attack(20);
    owner.jar.delete('grafana_sso_session'); // signed out, the device cookie stays
    expect((await owner.signIn('alice', 'alice-password-1')).status).toBe(303);
  });

  it('a new browser meets a short, growing backoff, not a 15-minute lock, and then gets in', async () => {
    s = await startTokenServer({ users: [{ login: 'alice', password: 'alice-password-1' }] });
    await attack(8);
    const fresh = browser(s.url);
    const refused = await fresh.signIn('alice', 'alice-password-1');
    expect(refused.status).toBe(429);
    const wait = Number(refused.headers.get('retry-after'));
    expect(wait).toBeGreaterThan(0);
    expect(wait).toBeLessThan(60);
    s.clock.advanceMs(wait * 1000);
    expect((await fresh.signIn('alice', 'alice-password-1')).status).toBe(303);
  });

  it("one account's device cookie gives no allowance to another account", async () => {
    s = await startTokenServer({ users: [{ login: 'alice', password: 'alice-password-1' }, { login: 'mallory', password: 'mallory-password-1' }] });
    const b = browser(s.url);
    expect((await b.signIn('mallory', 'mallory-password-1')).status).toBe(303);
    await attack(8);
    b.jar.delete('grafana_sso_session');
    expect((await b.signIn('alice', 'alice-password-1')).status).toBe(429);
  });
});
