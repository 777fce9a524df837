import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog } from '../../server/audit.ts';
import { ManualClock } from '../../server/clock.ts';
import { KeyManager, keySchedule } from '../../server/keys.ts';
import { openSqliteStore } from '../../server/store/sqlite.ts';
import type { Store } from '../../server/store/types.ts';

const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const schedule = keySchedule({ grafanaJwksCacheSeconds: 3600, tokenLifetimeSeconds: 300, keyRotationDays: 30 });

describe('signing key lifecycle', () => {
  let dir: string;
  let store: Store;
  let clock: ManualClock;
  let keys: KeyManager;
  const open = async () => {
    store = await openSqliteStore(join(dir, 'db.sqlite'));
    keys = new KeyManager(store, clock, schedule, new AuditLog(store, clock, ''));
  };
  const published = () => (JSON.parse(keys.jwks()) as { keys: { kid: string }[] }).keys.map((k) => k.kid);

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'keys-'));
    clock = new ManualClock(Date.UTC(2026, 0, 1));
    await open();
  });
  afterEach(async () => {
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('pre-publishes longer than Grafana caches the JWKS, and keeps retired keys longer than a token lives', () => {
    expect(schedule.prepublishMs).toBeGreaterThan(3600_000);
    expect(schedule.retiredPublishedMs).toBeGreaterThan((300 + 60) * 1000);
  });

  it('creates the first key on first start, signing at once, and keeps it across restarts', async () => {
    await keys.maintain();
    const first = (await keys.currentSigner()).kid;
    expect(published()).toEqual([first]);
    await store.close();
    await open();
    await keys.maintain();
    expect((await keys.currentSigner()).kid).toBe(first);
  });

  it('publishes only public members: no private "d" ever leaves', async () => {
    await keys.maintain();
    await keys.rotate();
    const jwks = JSON.parse(keys.jwks()) as { keys: Record<string, unknown>[] };
    expect(jwks.keys).toHaveLength(2);
    for (const k of jwks.keys) {
      expect(Object.keys(k).sort()).toEqual(['alg', 'crv', 'kid', 'kty', 'use', 'x', 'y']);
      expect(k).toMatchObject({ kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' });
    }
    expect(keys.jwks()).not.toMatch(/"d"/);
  });

  it('a rotated key is published at once but never signs before the pre-publication time', async () => {
    await keys.maintain();
    const old = (await keys.currentSigner()).kid;
    const next = await keys.rotate();
    expect(published()).toContain(next.kid);
    clock.advanceMs(schedule.prepublishMs - MIN);
    await keys.maintain();
    expect((await keys.currentSigner()).kid).toBe(old);
    clock.advanceMs(MIN);
    expect((await keys.currentSigner()).kid).toBe(next.kid);
    expect(published()).toEqual([old, next.kid]);
    // The retired key stays published while tokens it signed can still be accepted, then goes.
    clock.advanceMs(schedule.retiredPublishedMs - MIN);
    await keys.maintain();
    expect(published()).toContain(old);
    clock.advanceMs(MIN);
    await keys.maintain();
    expect(published()).toEqual([next.kid]);
    const types = (await store.listAudit(50)).map((e) => e.type);
    expect(types).toEqual(['key_generated', 'key_activated', 'key_generated', 'key_retired', 'key_activated', 'key_removed']);
  });

  it('rotates on schedule: the next key appears a pre-publication time before the old one is due', async () => {
    await keys.maintain();
    const old = (await keys.currentSigner()).kid;
    clock.advanceMs(30 * DAY - schedule.prepublishMs - MIN);
    await keys.maintain();
    expect(published()).toEqual([old]);
    clock.advanceMs(MIN);
    await keys.maintain();
    expect(published()).toHaveLength(2);
    expect((await keys.currentSigner()).kid).toBe(old);
    clock.advanceMs(schedule.prepublishMs);
    expect((await keys.currentSigner()).kid).not.toBe(old);
  });

  it('concurrent maintenance (many requests at the rotation point) adds one key, not several', async () => {
    await keys.maintain();
    clock.advanceMs(30 * DAY - schedule.prepublishMs);
    await Promise.all([keys.maintain(), keys.maintain(), keys.currentSigner(), keys.maintain()]);
    expect(published()).toHaveLength(2);
    expect((await store.listKeys()).length).toBe(2);
  });

  it('two servers sharing the database (two key managers) add one first key and one next key, not two', async () => {
    const other = new KeyManager(store, clock, schedule, new AuditLog(store, clock, ''));
    await Promise.all([keys.maintain(), other.maintain()]);
    expect(await store.listKeys()).toHaveLength(1);
    expect((await other.currentSigner()).kid).toBe((await keys.currentSigner()).kid);
    clock.advanceMs(30 * DAY - schedule.prepublishMs);
    await Promise.all([keys.maintain(), other.maintain(), keys.rotate(), other.rotate()]);
    expect(await store.listKeys()).toHaveLength(2);
    expect((await store.listAudit(50)).filter((e) => e.type === 'key_generated')).toHaveLength(2);
  });

  it('a second rotate while a key is pending returns that key instead of stacking another', async () => {
    await keys.maintain();
    const a = await keys.rotate();
    const b = await keys.rotate();
    expect(b.kid).toBe(a.kid);
    expect(published()).toHaveLength(2);
  });
});
