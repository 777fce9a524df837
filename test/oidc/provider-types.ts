// The messages between the tests and the test provider's process (provider-process.ts).

export interface ProviderAccount {
  sub: string;
  login: string;
  password: string;
  email: string;
  emailVerified?: boolean;
  name: string;
  groups: string[];
  disabled?: boolean;
}

/** oidc-provider client metadata (client_id, client_secret, redirect_uris, …). */
export type ProviderClient = Record<string, unknown>;

export interface ProviderStart {
  accounts: ProviderAccount[];
  clients: ProviderClient[];
  /** Listen on this port (127.0.0.1) instead of a free one. */
  port?: number;
}

/** How the next ID token from the token endpoint is broken. */
export type Tamper = 'wrong-nonce' | 'expired' | 'wrong-audience' | 'other-key' | 'alg-none' | 'unsigned-hs256';

export type ControlRequest =
  | { op: 'start'; options: ProviderStart }
  | { op: 'account'; sub: string; patch: Partial<Omit<ProviderAccount, 'sub'>> }
  | { op: 'tamper'; mode: Tamper }
  | { op: 'delay'; path: string; ms: number }
  | { op: 'calls' };
