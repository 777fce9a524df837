import { createPrivateKey, type JsonWebKey as NodeJwk } from 'node:crypto';
import { calculateJwkThumbprint, exportJWK, generateKeyPair, type JWK } from 'jose';
import { signingKey, type Signer } from './token-signing.ts';
import type { Clock } from './clock.ts';
import type { AuditLog } from './audit.ts';
import { KeySealer } from './key-encryption.ts';
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

/** One change to the key set, decided from stored times alone (so every server decides the same). */
type KeyChange =
  | { kind: 'generate'; activatesAt: number }
  | { kind: 'activate'; kid: string; activatesAt: number; retiring: string[] }
  | { kind: 'remove'; kid: string };

/**
 * What the key set needs now: a first key, the activation of a key whose time has come (retiring the
 * ones before it), removal of keys past their publication grace, and the next key a pre-publication
 * time before the active one is due.
 */
export function keyChanges(keys: readonly StoredKey[], now: number, schedule: KeySchedule): KeyChange[] {
  // Nobody can have cached a key set before the first key, so the first key signs at once.
  if (keys.length === 0) return [{ kind: 'generate', activatesAt: now }];
  const changes: KeyChange[] = [];
  const usable = keys.filter((k) => k.retiredAt === null && k.activatesAt <= now);
  const newest = usable.at(-1);
  if (newest && usable.length > 1) changes.push({ kind: 'activate', kid: newest.kid, activatesAt: newest.activatesAt, retiring: usable.slice(0, -1).map((k) => k.kid) });
  for (const k of keys) {
    if (k.retiredAt !== null && k.retiredAt + schedule.retiredPublishedMs <= now) changes.push({ kind: 'remove', kid: k.kid });
  }
  const pending = keys.some((k) => k.retiredAt === null && k.activatesAt > now);
  if (newest && !pending && schedule.rotationMs > 0 && newest.activatesAt + schedule.rotationMs - schedule.prepublishMs <= now) {
    changes.push({ kind: 'generate', activatesAt: Math.max(now + schedule.prepublishMs, newest.activatesAt + schedule.rotationMs) });
  }
  return changes;
}

/** How often the published key set is re-read, so every server behind a load balancer serves the same. */
const JWKS_REFRESH_MS = 5_000;

/**
 * Signing keys: generated, persisted, published, rotated. The active key is the newest one whose
 * activation time has come; a key is published (JWKS) from creation — pre-publication — until its
 * retirement grace ends. Changes are decided from stored times and made under the signing-keys
 * database lock, after re-reading the keys inside it: servers sharing one database (starting together
 * on an empty one, or meeting the rotation point together) make each change once.
 */
export class KeyManager {
  private signer: (Signer & { until: number }) | undefined;
  private jwksJson = '{"keys":[]}';
  private loadedAt = -Infinity;
  private maintaining: Promise<void> | undefined;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
    private readonly schedule: KeySchedule,
    private readonly audit: AuditLog,
    /** Seals private keys at rest (key-encryption.ts); without a key-encryption key they stay plain. */
    private readonly sealer: KeySealer = new KeySealer([]),
  ) {}

  /**
   * Seals every stored private key with the current key-encryption key: keys written before one was
   * set, or under the previous one during a rotation. Run at start; each key is opened first, so a
   * missing old key-encryption key stops the start with a message instead of losing a key. Under the
   * signing-keys lock, and each swap only if the row is unchanged, so servers starting together agree.
   */
  async sealStoredKeys(): Promise<number> {
    if (!this.sealer.enabled) return 0;
    return this.store.exclusive('signing-keys', async (tx) => {
      let sealed = 0;
      for (const k of await tx.listKeys()) {
        if (!k.privateJwk || !this.sealer.needsResealing(k.privateJwk)) continue;
        const context = sealContext(k.kid);
        if (await tx.replacePrivateKey(k.kid, k.privateJwk, this.sealer.seal(this.sealer.open(k.privateJwk, context), context))) sealed++;
      }
      if (sealed > 0) await this.audit.record('keys_sealed', { count: sealed }, tx);
      return sealed;
    });
  }

  /**
   * Brings the key set up to date and reloads it. Concurrent callers in this process share one run (to
   * save work); the database lock, not this, is what keeps two servers from both adding a key.
   */
  maintain(): Promise<void> {
    this.maintaining ??= this.update().finally(() => (this.maintaining = undefined));
    return this.maintaining;
  }

  private async update(): Promise<void> {
    let keys = await this.store.listKeys();
    // Most runs change nothing: only take the lock when a change looks due.
    if (keyChanges(keys, this.clock.now(), this.schedule).length > 0) {
      keys = await this.store.exclusive('signing-keys', async (tx) => {
        for (const change of keyChanges(await tx.listKeys(), this.clock.now(), this.schedule)) await this.apply(tx, change);
        return tx.listKeys();
      });
    }
    this.load(keys);
  }

  private async apply(tx: Store, change: KeyChange): Promise<void> {
    const now = this.clock.now();
    switch (change.kind) {
      case 'generate':
        await this.generate(tx, now, change.activatesAt);
        return;
      case 'activate':
        for (const kid of change.retiring) {
          await tx.retireKey(kid, change.activatesAt);
          await this.audit.record('key_retired', { kid, by: change.kid }, tx);
        }
        await this.audit.record('key_activated', { kid: change.kid }, tx);
        return;
      case 'remove':
        await tx.deleteKey(change.kid);
        await this.audit.record('key_removed', { kid: change.kid }, tx);
    }
  }

  /** Starts a rotation now: a new key, published at once, signing after the pre-publication time. */
  async rotate(): Promise<StoredKey> {
    await this.maintain();
    const key = await this.store.exclusive('signing-keys', async (tx) => {
      const now = this.clock.now();
      const pending = (await tx.listKeys()).find((k) => k.retiredAt === null && k.activatesAt > now);
      return pending ?? this.generate(tx, now, now + this.schedule.prepublishMs);
    });
    this.load(await this.store.listKeys());
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

  /**
   * The public key set, re-read when older than a few seconds: a key another server just added is
   * published here too. When the database does not answer, the last set read is still the right one
   * to publish (keys are pre-published long before they sign).
   */
  async currentJwks(): Promise<string> {
    if (this.clock.now() - this.loadedAt >= JWKS_REFRESH_MS) {
      try {
        this.load(await this.store.listKeys());
      } catch {
        // Served from memory; /readyz reports the database.
      }
    }
    return this.jwksJson;
  }

  private async generate(tx: Store, now: number, activatesAt: number): Promise<StoredKey> {
    const { publicKey, privateKey } = await generateKeyPair('ES256', { extractable: true });
    const pub = await exportJWK(publicKey);
    const kid = await calculateJwkThumbprint(pub);
    const meta = { kid, alg: 'ES256', use: 'sig' } as const;
    const key: StoredKey = {
      kid,
      alg: 'ES256',
      publicJwk: JSON.stringify(publicJwk({ ...pub, ...meta })),
      privateJwk: this.sealer.seal(JSON.stringify({ ...(await exportJWK(privateKey)), ...meta }), sealContext(kid)),
      createdAt: now,
      activatesAt,
      retiredAt: null,
    };
    await tx.insertKey(key);
    await this.audit.record('key_generated', { kid, activatesAt: new Date(activatesAt).toISOString() }, tx);
    if (activatesAt <= now) await this.audit.record('key_activated', { kid }, tx);
    return key;
  }

  private load(keys: readonly StoredKey[]): void {
    const now = this.clock.now();
    this.loadedAt = now;
    this.jwksJson = JSON.stringify({ keys: keys.map((k) => publicJwk(JSON.parse(k.publicJwk) as JWK)) });
    const active = keys.filter((k) => keyState(k, now) === 'active').at(-1);
    if (!active?.privateJwk) {
      this.signer = undefined;
      return;
    }
    if (this.signer?.kid !== active.kid) {
      const jwk = JSON.parse(this.sealer.open(active.privateJwk, sealContext(active.kid))) as NodeJwk;
      const key = signingKey(createPrivateKey({ key: jwk, format: 'jwk' }));
      this.signer = { kid: active.kid, key, until: 0 };
    }
    const nextChange = keys.filter((k) => k.activatesAt > now).map((k) => k.activatesAt);
    // Re-read at least every minute: another server sharing the store may have rotated.
    this.signer.until = Math.min(now + 60_000, ...nextChange);
  }
}

/** The additional data a private key is sealed with: a sealed key copied onto another row does not open. */
const sealContext = (kid: string): string => `signing-key ${kid}`;
