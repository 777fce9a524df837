/**
 * `key_file`: Grafana reads the first PEM block and accepts these block types only. A file without a PEM
 * block (e.g. a raw HMAC secret, the widely copied recipe) stops Grafana from starting. A private-key PEM
 * loads on 12.x, but no token can then be verified with it; main refuses it.
 */
import { createPrivateKey, createPublicKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { StandinConfigError } from './errors.ts';
import type { VerificationKey } from './jwk.ts';
import type { VersionRules } from './versions.ts';

export function loadKeyFile(path: string, keyId: string, rules: VersionRules): VerificationKey {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw new StandinConfigError('[auth.jwt] key_file', `cannot read ${path}: ${(err as Error).message}`);
  }
  const block = /-----BEGIN ([A-Z0-9 ]+)-----\r?\n([\s\S]*?)-----END \1-----/.exec(text);
  if (!block) {
    throw new StandinConfigError(
      '[auth.jwt] key_file',
      `failed to parse pem-encoded file ${path} (a PEM public key is required; HMAC secrets are not supported)`,
    );
  }
  const [pem, type] = block as unknown as [string, string];
  try {
    switch (type) {
      case 'PUBLIC KEY':
        return { kid: keyId, kind: 'asymmetric', key: createPublicKey({ key: pem, format: 'pem' }), canVerify: true };
      case 'RSA PUBLIC KEY':
        return {
          kid: keyId,
          kind: 'asymmetric',
          key: createPublicKey({ key: pem, format: 'pem', type: 'pkcs1' }),
          canVerify: true,
        };
      case 'PRIVATE KEY':
      case 'RSA PRIVATE KEY':
      case 'EC PRIVATE KEY':
        if (rules.privateKeyPem === 'refuse') {
          throw new StandinConfigError('[auth.jwt] key_file', `${path} holds a private key; a public key is required`);
        }
        return { kid: keyId, kind: 'asymmetric', key: createPrivateKey({ key: pem, format: 'pem' }), canVerify: false };
      default:
        throw new StandinConfigError('[auth.jwt] key_file', `unknown pem block type "${type}" in ${path}`);
    }
  } catch (err) {
    if (err instanceof StandinConfigError) throw err;
    throw new StandinConfigError('[auth.jwt] key_file', `cannot parse ${type} in ${path}: ${(err as Error).message}`);
  }
}
