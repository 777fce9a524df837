import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { KeySealer } from './key-encryption.ts';
import type { Store } from './store/types.ts';

/**
 * One random secret per deployment, kept in the store so every server process sharing it agrees, and
 * made at the first start. Each use gets its own key derived from it (HKDF), so a MAC made for one
 * purpose is worthless for another.
 */
export class ServerSecret {
  private readonly keys = new Map<string, Buffer>();

  private constructor(private readonly secret: Buffer) {}

  /** Sealed at rest like the signing keys; a plain or older-sealed value is sealed again here. */
  static async load(store: Store, sealer: KeySealer): Promise<ServerSecret> {
    const context = 'server-secret';
    const stored = await store.ensureSecret('server', sealer.seal(randomBytes(32).toString('base64url'), context));
    const plain = sealer.open(stored, context);
    if (sealer.needsResealing(stored)) await store.replaceSecret('server', stored, sealer.seal(plain, context));
    return new ServerSecret(Buffer.from(plain, 'base64url'));
  }

  /** HMAC-SHA-256 of `data` under the key for `purpose`, base64url. */
  mac(purpose: string, data: string): string {
    let key = this.keys.get(purpose);
    if (!key) {
      key = Buffer.from(hkdfSync('sha256', this.secret, Buffer.alloc(0), `grafana-sso ${purpose}`, 32));
      this.keys.set(purpose, key);
    }
    return createHmac('sha256', key).update(data).digest('base64url');
  }
}
