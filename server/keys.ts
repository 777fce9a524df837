import { createPrivateKey, type JsonWebKey as NodeJwk } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { signingKey, type Signer } from './token-signing.ts';
import type { Clock } from './clock.ts';
import type { AuditLog } from './audit.ts';
import type { Store, StoredKey } from './store/types.ts';

/** Members of a public JWK that may leave the server; anything else (notably `d`) never does. */
const PUBLIC_MEMBERS = ['kty', 'kid', 'alg', 'use', 'crv', 'x', 'y', 'n', 'e'] as const;

export function publicJwk(jwk: JWK): JWK {
  const out: Record<string, unknown> = {};
  for (const m of PUBLIC_MEMBERS) if (jwk[m] !== undefined) out[m] = jwk[m];
  return out as JWK;
}

export interface KeySchedule {
  /** A new key is published this long before it signs: longer than Grafana's JWKS cache (cache_ttl). */
  prepublishMs: number;
  /** Each key signs for this long; 0 disables scheduled rotation. */
  rotationMs: number;
  /** A retired key stays published this long: longer than any token it signed can be accepted. */
  retiredPublishedMs: number;
}

/** What Grafana must hear: cache_ttl + 5 minutes for clock differences and fetches at the edge. */
export function keySchedule(o: { grafanaJwksCacheSeconds: number; tokenLifetimeSeconds: number; keyRotationDays: number }): KeySchedule {
  const margin = 5 * 60_000;
  return {
    prepublishMs: o.grafanaJwksCacheSeconds * 1000 + margin,
    rotationMs: o.keyRotationDays * 24 * 3600_000,
    // Grafana accepts a token up to 60 s past its exp.
    retiredPublishedMs: (o.tokenLifetimeSeconds + 60) * 1000 + margin,
  };
}

export type KeyState = 'pending' | 'active' | 'retired';

export function keyState(k: StoredKey, now: number): KeyState {
  if (k.retiredAt !== null) return 'retired';
  return k.activatesAt <= now ? 'active' : 'pending';
}

/**
 * Signing keys: generated, persisted, published, rotated. The active key is the newest one whose
 * activation time has come; a key is published (JWKS) from creation — pre-publication — until its
 * retirement grace ends. All decisions are made from stored times, so several servers sharing one
 * store agree.
 */
export class KeyManager {
  private signer: (Signer & { until: number }) | undefined;
  private jwksJson = '{"keys":[]}';
  private maintaining: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly schedule: KeySchedule,
    private readonly audit: AuditLog,
  ) {}

  /**
   * Brings the key set up to date: first key, activation, retirement, next key, removal. Single-flight:
   * concurrent callers (requests, the timer) share one run, so two runs cannot both add a key.
   */
  maintain(): Promise<void> {
    this.maintaining ??= this.update().finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  private async update(): Promise<void> {
    const now = this.clock.now();
    let keys = await this.store.listKeys();

    if (keys.length === 0) {
      // Nobody can have cached a key set before the first key, so the first key signs at once.
      await this.generate(now, now);
      keys = await this.store.listKeys();
    }

    const usable = keys.filter((k) => k.retiredAt === null && k.activatesAt <= now);
    const newest = usable.at(-1);
    if (newest && usable.length > 1) {
      for (const k of usable.slice(0, -1)) {
        await this.store.retireKey(k.kid, newest.activatesAt);
        await this.audit.record('key_retired', { kid: k.kid, by: newest.kid });
      }
      await this.audit.record('key_activated', { kid: newest.kid });
    }

    for (const k of keys) {
      if (k.retiredAt !== null && k.retiredAt + this.schedule.retiredPublishedMs <= now) {
        await this.store.deleteKey(k.kid);
        await this.audit.record('key_removed', { kid: k.kid });
      }
    }

    const pending = keys.some((k) => k.retiredAt === null && k.activatesAt > now);
    if (newest && !pending && this.schedule.rotationMs > 0 && newest.activatesAt + this.schedule.rotationMs - this.schedule.prepublishMs <= now) {
      await this.generate(now, Math.max(now + this.schedule.prepublishMs, newest.activatesAt + this.schedule.rotationMs));
    }
    await this.reload();
  }

  /** Starts a rotation now: a new key, published at once, signing after the pre-publication time. */
  async rotate(): Promise<StoredKey> {
    await this.maintain();
    const now = this.clock.now();
    const keys = await this.store.listKeys();
    const pending = keys.find((k) => k.retiredAt === null && k.activatesAt > now);
    if (pending) return pending;
    const key = await this.generate(now, now + this.schedule.prepublishMs);
    await this.reload();
    return key;
  }

  /** The key to sign with now. Cheap: cached until the next scheduled change or for a minute. */
  async currentSigner(): Promise<Signer> {
    if (!this.signer || this.clock.now() >= this.signer.until) await this.maintain();
    if (!this.signer) throw new Error('no active signing key');
    return this.signer;
  }

  /** The public key set, as served at /.well-known/jwks.json. */
  jwks(): string {
    return this.jwksJson;
  }

  private async generate(now: number, activatesAt: number): Promise<StoredKey> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub);
    const meta = { kid, alg: 'ES256', use: 'sig' } as const;
    const key: StoredKey = {
      kid,
      alg: 'ES256',
      publicJwk: JSON.stringify(publicJwk({ ...pub, ...meta })),
      privateJwk: JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }),
      createdAt: now,
      activatesAt,
      retiredAt: null,
    };
    await this.store.insertKey(key);
    await this.audit.record('key_generated', { kid, activatesAt: new Date(activatesAt).toISOString() });
    if (activatesAt <= now) await this.audit.record('key_activated', { kid });
    return key;
  }

  private async reload(): Promise<void> {
    const now = this.clock.now();
    const keys = await this.store.listKeys();
    this.jwksJson = JSON.stringify({ keys: keys.map((k) => publicJwk(JSON.parse(k.publicJwk) as JWK)) });
    const active = keys.filter((k) => keyState(k, now) === 'active').at(-1);
    if (!active?.privateJwk) {
      this.signer = undefined;
      return;
    }
    if (this.signer?.kid !== active.kid) {
      const key = signingKey(createPrivateKey({ key: JSON.parse(active.privateJwk) as NodeJwk, format: 'jwk' }));
      this.signer = { kid: active.kid, key, until: 0 };
    }
    const nextChange = keys.filter((k) => k.activatesAt > now).map((k) => k.activatesAt);
    // Re-read at least every minute: another server sharing the store may have rotated.
    this.signer.until = Math.min(now + 60_000, ...nextChange);
  }
}
