import { readFileSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { loginForm, postForm, startTokenServer, type RunningTokenServer } from '../helpers/token-server.ts';

// Issue 8, item 4: refused attempts cannot flood the audit trail, and old events are pruned.
describe('audit flooding and retention', () => {
  let s: RunningTokenServer | undefined;
  afterEach(async () => {
    await s?.close();
    s = undefined;
  });

  it('one client repeating a throttled sign-in adds one event per key per window, with a count', async () => {
    s = await startTokenServer({ settings: { signInMaxFailuresPerIp: 3, signInMaxFailuresPerAccount: 1000 } });
    const form = await loginForm(s.url);
    const attempt = () => postForm(`${s!.url}/login`, form.cookie, { login: 'victim', password: 'wrong-password', csrf: form.csrf });
    for (let i = 0; i < 3; i++) expect((await attempt()).status).toBe(401);
    const statuses: number[] = [];
    for (let i = 0; i < 300; i++) statuses.push((await attempt()).status);
    expect(statuses.every((st) => st === 429)).toBe(true);
    const throttled = async () => (await s!.store.listAudit(10_000)).filter((e) => e.type === 'sign_in_throttled');
    expect(await throttled()).toHaveLength(1);
    // When the window ends the rest are one event with their count.
    s.clock.advanceMs(61_000);
    await s.server.maintain();
    const events = await throttled();
    expect(events).toHaveLength(2);
    expect(events.map((e) => e.count)).toEqual([1, 299]);
    expect(readFileSync(s.auditLogPath, 'utf8').split('\n').filter((l) => l.includes('sign_in_throttled'))).toHaveLength(2);
  });

  it('prunes audit events older than auditRetentionDays at maintenance', async () => {
    s = await startTokenServer({ settings: { auditRetentionDays: 30 } });
    const now = s.clock.now();
    await s.store.appendAudit({ at: now - 31 * 86_400_000, type: 'old_event' });
    await s.store.appendAudit({ at: now - 29 * 86_400_000, type: 'recent_event' });
    await s.server.maintain();
    const types = (await s.store.listAudit(1000)).map((e) => e.type);
    expect(types).not.toContain('old_event');
    expect(types).toContain('recent_event');
  });

  it('keeps a year of audit events by default', async () => {
    s = await startTokenServer();
    expect(s.config.auditRetentionDays).toBe(365);
  });
});
