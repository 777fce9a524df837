import { createHmac, hkdfSync, randomBytes } from 'node:crypto';
import type { Store } from './store/types.ts';

/**
 * One random secret per deployment, kept in the store so every server process sharing it agrees, and
 * made at the first start. Each use gets its own key derived from it (HKDF), so a MAC made for one
 * purpose is worthless for another.
 */
export class ServerSecret {
  private readonly keys = new Map<string, Buffer>();

  private constructor(private readonly secret: Buffer) {}

  static async load(store: Store): Promise<ServerSecret> {
    const stored = await store.ensureSecret('server', randomBytes(32).toString('base64url'));
    return new ServerSecret(Buffer.from(stored, 'base64url'));
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
