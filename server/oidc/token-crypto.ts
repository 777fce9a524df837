import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import type { ProviderConfig } from './provider-config.ts';

/**
 * The provider's refresh and access tokens are kept encrypted (AES-256-GCM), bound to the session
 * row they belong to. The key is derived from the client's own credential (secret or private key):
 * a copy of the database alone gives neither readable tokens nor, for a confidential client, any
 * use of them. Rotating the client credential makes old rows unreadable: those sessions then end.
 */
export class TokenSealer {
  private readonly key: Buffer;

  constructor(provider: ProviderConfig) {
    const material = provider.clientAuth.method === 'private_key_jwt' ? String(provider.clientAuth.privateKey.d) : provider.clientAuth.secret;
    this.key = Buffer.from(hkdfSync('sha256', material, 'grafana-sso provider tokens', `${provider.issuer} ${provider.clientId}`, 32));
  }

  seal(plain: string, boundTo: string): string {
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.key, iv).setAAD(Buffer.from(boundTo));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return `v1.${iv.toString('base64url')}.${body.toString('base64url')}`;
  }

  /** The plain token, or undefined when the row was sealed with another key or for another session. */
  open(sealed: string, boundTo: string): string | undefined {
    const [version, iv, body] = sealed.split('.');
    if (version !== 'v1' || !iv || !body) return undefined;
    try {
      const data = Buffer.from(body, 'base64url');
      const decipher = createDecipheriv('aes-256-gcm', this.key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(boundTo));
      decipher.setAuthTag(data.subarray(data.length - 16));
      return Buffer.concat([decipher.update(data.subarray(0, data.length - 16)), decipher.final()]).toString('utf8');
    } catch {
      return undefined;
    }
  }
}
