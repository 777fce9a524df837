import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ConfigError } from './errors.ts';

/**
 * Encryption at rest of what the database must not give away (private signing keys, the server
 * secret): AES-256-GCM under a key-encryption key (KEK) that lives outside the database, in the
 * environment or a file. A copied database or backup then holds no usable signing key.
 *
 * Sealed values read `sealed:v1:<kek id>:<iv>:<ciphertext+tag>`; the KEK id (a hash prefix) says
 * which key sealed it, so a rotation can name the key it still needs. Values written before a KEK
 * was set are plain and keep working; the server seals them with the current KEK at start.
 */
export class KeySealer {
  private readonly byId: Map<string, Buffer>;
  private readonly current: { id: string; key: Buffer } | undefined;

  /** `keys[0]` seals; every key opens (older keys stay listed during a rotation). Empty: no sealing. */
  constructor(keys: Buffer[]) {
    this.byId = new Map(keys.map((k) => [kekId(k), k]));
    this.current = keys[0] && { id: kekId(keys[0]), key: keys[0] };
  }

  get enabled(): boolean {
    return this.current !== undefined;
  }

  /** `context` binds the value to its row (e.g. `signing-key <kid>`): a sealed value moved elsewhere fails. */
  seal(plain: string, context: string): string {
    if (!this.current) return plain;
    const iv = randomBytes(12);
    const cipher = createCipheriv('aes-256-gcm', this.current.key, iv).setAAD(Buffer.from(context));
    const body = Buffer.concat([cipher.update(plain, 'utf8'), cipher.final(), cipher.getAuthTag()]);
    return ['sealed', 'v1', this.current.id, iv.toString('base64url'), body.toString('base64url')].join(':');
  }

  open(stored: string, context: string): string {
    if (!stored.startsWith('sealed:')) return stored;
    const [, version, id, iv, body] = stored.split(':');
    const key = id && this.byId.get(id);
    if (version !== 'v1' || !key || !iv || !body) {
      throw new ConfigError(
        'keyEncryptionKey',
        `the database holds values sealed with key-encryption key ${id ?? '?'}, which is not configured; set it (GRAFANA_SSO_KEY_ENCRYPTION_KEY or its file) — during a rotation, keep the old key listed after the new one`,
      );
    }
    const data = Buffer.from(body, 'base64url');
    const decipher = createDecipheriv('aes-256-gcm', key, Buffer.from(iv, 'base64url')).setAAD(Buffer.from(context));
    decipher.setAuthTag(data.subarray(-16));
    try {
      return Buffer.concat([decipher.update(data.subarray(0, -16)), decipher.final()]).toString('utf8');
    } catch {
      throw new ConfigError('keyEncryptionKey', `a value sealed for "${context}" does not open: the database was altered or the row moved`);
    }
  }

  /** Whether a stored value should be sealed again: plain while a KEK is set, or sealed by an older KEK. */
  needsResealing(stored: string): boolean {
    if (!this.current) return false;
    return !stored.startsWith(`sealed:v1:${this.current.id}:`);
  }
}

const kekId = (key: Buffer): string => createHash('sha256').update(key).digest('base64url').slice(0, 8);

/**
 * Key-encryption keys from a setting's text: one or more 32-byte keys in base64 (`openssl rand
 * -base64 32`), separated by commas or new lines; the first seals, the rest only open.
 */
export function parseKeyEncryptionKeys(text: string, setting: string): Buffer[] {
  const keys = text
    .split(/[\s,]+/)
    .filter(Boolean)
    .map((part, i) => {
      const key = Buffer.from(part, 'base64');
      if (key.length !== 32 || !/^[A-Za-z0-9+/_-]+=*$/.test(part)) {
        throw new ConfigError(setting, `key ${i + 1} is not 32 bytes in base64; create one with: openssl rand -base64 32`);
      }
      return key;
    });
  if (keys.length === 0) throw new ConfigError(setting, 'holds no key; create one with: openssl rand -base64 32');
  return keys;
}

/** The sealer a configuration asks for: the key-encryption key from the setting or its file, or none. */
export function keySealerFor(config: { keyEncryptionKey: string; keyEncryptionKeyFile: string }): KeySealer {
  if (config.keyEncryptionKey) return new KeySealer(parseKeyEncryptionKeys(config.keyEncryptionKey, 'keyEncryptionKey'));
  if (!config.keyEncryptionKeyFile) return new KeySealer([]);
  let text: string;
  try {
    text = readFileSync(config.keyEncryptionKeyFile, 'utf8');
  } catch (e) {
    throw new ConfigError('keyEncryptionKeyFile', `cannot read ${config.keyEncryptionKeyFile}: ${(e as NodeJS.ErrnoException).code ?? 'unreadable'}`);
  }
  return new KeySealer(parseKeyEncryptionKeys(text, 'keyEncryptionKeyFile'));
}
