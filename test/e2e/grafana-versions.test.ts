import { afterEach, describe, expect, it } from 'vitest';
import { openFromHome, signInWithForm } from '../helpers/token-server.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

/** The generated settings and minted tokens work on each Grafana version line the stand-in models. */
describe.each(['12.x', 'main'] as const)('Grafana %s accepts what the server generates and mints', (version) => {
  let stack: Stack | undefined;
  afterEach(() => stack?.close());

  it('a fresh Grafana: Open lands signed in as a new account, the built-in admin untouched', async () => {
    stack = await startStack({ standin: { version }, users: [{ login: 'alice', password: 'alice-password-1', grants: { grafana: 'Editor' } }] });
    const grafana = stack.grafana.grafana!;
    expect(grafana.startupLog).toEqual([]);
    const cookie = await signInWithForm(stack.server.url, 'alice', 'alice-password-1');
    const target = new URL((await openFromHome(stack.server.url, cookie, 'grafana', '/d/any-uid?orgId=1')).headers.get('location')!);
    expect((await fetch(target, { redirect: 'manual' })).status).toBe(200);
    const token = target.searchParams.get('auth_token')!;
    const me = await fetch(`${grafana.url}/api/user`, { headers: { 'X-JWT-Assertion': `Bearer ${token}` } });
    expect(await me.json()).toMatchObject({ id: 2, login: 'alice', orgRole: 'Editor' });
    expect(grafana.users.byId(1)).toMatchObject({ login: 'admin', email: 'admin@localhost' });
    expect(grafana.users.byId(1)?.authId).toBeUndefined();
  });
});
