import { describe, expect, it } from 'vitest';
import { backoffSeconds, expiresAt, isExpired, isFresh, refreshAt, type RefreshPolicy } from '../../extension/background/refresh-schedule';

const policy: RefreshPolicy = { minMarginSeconds: 60, marginRatio: 0.2, minDelaySeconds: 30 };
const t0 = Date.UTC(2025, 0, 1, 12, 0, 0);

describe('refreshAt', () => {
  it('refreshes a 5-minute token when 60 s remain (60 s beats 20 % = 60 s)', () => {
    expect(refreshAt({ receivedAt: t0, expiresIn: 300 }, policy)).toBe(t0 + 240_000);
  });

  it('refreshes a 30-minute token when 20 % (6 min) remain', () => {
    expect(refreshAt({ receivedAt: t0, expiresIn: 1800 }, policy)).toBe(t0 + 1440_000);
  });

  it('uses the 60 s minimum margin for a 2-minute token (20 % would be 24 s)', () => {
    expect(refreshAt({ receivedAt: t0, expiresIn: 120 }, policy)).toBe(t0 + 60_000);
  });

  it('never schedules sooner than the alarm minimum, nor after expiry', () => {
    expect(refreshAt({ receivedAt: t0, expiresIn: 50 }, policy)).toBe(t0 + 30_000);
    expect(refreshAt({ receivedAt: t0, expiresIn: 20 }, policy)).toBe(t0 + 20_000);
  });

  it('counts from the local receipt time, whatever the server clock said', () => {
    const receivedAt = t0 + 3_600_000; // the browser's clock is an hour ahead of the server: irrelevant
    expect(refreshAt({ receivedAt, expiresIn: 300 }, policy)).toBe(receivedAt + 240_000);
  });

  it('follows a configured policy', () => {
    expect(refreshAt({ receivedAt: t0, expiresIn: 10 }, { minMarginSeconds: 2, marginRatio: 0.2, minDelaySeconds: 1 })).toBe(t0 + 8_000);
  });
});

describe('freshness and expiry', () => {
  const token = { receivedAt: t0, expiresIn: 300 };
  it('is fresh until its refresh time, then stale but still valid until expiry', () => {
    expect(isFresh(token, policy, t0 + 239_999)).toBe(true);
    expect(isFresh(token, policy, t0 + 240_000)).toBe(false);
    expect(isExpired(token, t0 + 299_999)).toBe(false);
    expect(isExpired(token, t0 + 300_000)).toBe(true);
    expect(expiresAt(token)).toBe(t0 + 300_000);
  });
});

describe('backoffSeconds', () => {
  const noJitter = () => 0;
  it('doubles from the alarm minimum and caps at 5 minutes', () => {
    expect([1, 2, 3, 4, 5, 6, 10].map((n) => backoffSeconds(n, 30, noJitter))).toEqual([30, 60, 120, 240, 300, 300, 300]);
  });

  it('starts at 1 s in an unpacked test build', () => {
    expect([1, 2, 3].map((n) => backoffSeconds(n, 1, noJitter))).toEqual([1, 2, 4]);
  });

  it('adds at most 20 % jitter and never goes below the minimum', () => {
    expect(backoffSeconds(1, 30, () => 0.999)).toBeLessThan(36);
    expect(backoffSeconds(1, 30, () => 0.5)).toBe(33);
    expect(backoffSeconds(5, 30, () => 1)).toBe(360);
  });
});
