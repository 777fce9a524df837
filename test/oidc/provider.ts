// Starts the test OpenID Provider (provider-process.ts) in its own process and drives it over IPC.
import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ControlRequest, ProviderAccount, ProviderClient, ProviderStart, Tamper } from './provider-types.ts';

export type { ProviderAccount, ProviderClient, Tamper };

export interface TestProvider {
  issuer: string;
  /** Changes an account at the provider (groups, disabled, email…), as its administrator would. */
  updateAccount(sub: string, patch: Partial<Omit<ProviderAccount, 'sub'>>): Promise<void>;
  /** The next ID token the token endpoint answers is broken this way. */
  tamperNextIdToken(mode: Tamper): Promise<void>;
  /** Every request to `path` (e.g. "/token") waits `ms` first; 0 removes the delay. */
  delay(path: string, ms: number): Promise<void>;
  /** Requests the provider answered, per path. */
  calls(): Promise<Record<string, number>>;
  close(): Promise<void>;
}

const script = fileURLToPath(new URL('./provider-process.ts', import.meta.url));

export async function startTestProvider(options: ProviderStart): Promise<TestProvider> {
  const child: ChildProcess = fork(script, [], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'ignore', 'pipe', 'ipc'] });
  // oidc-provider's notices (stdout) and warnings about its development defaults (in-memory adapter,
  // default pages) are expected here; anything else on stderr goes on to the test's output.
  child.stderr!.setEncoding('utf8').on('data', (text: string) => {
    const rest = text.split('\n').filter((line) => line && !/^(\x1b\[[\d;]*m)?oidc-provider (WARNING|NOTICE): /.test(line));
    if (rest.length) process.stderr.write(`${rest.join('\n')}\n`);
  });
  let next = 0;
  const pending = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  child.on('message', (m: { id: number; result?: unknown; error?: string }) => {
    const p = pending.get(m.id);
    pending.delete(m.id);
    if (m.error !== undefined) p?.reject(new Error(`test provider: ${m.error}`));
    else p?.resolve(m.result);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  void exited.then(() => {
    for (const p of pending.values()) p.reject(new Error('test provider exited'));
  });
  const call = <T>(request: ControlRequest): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const id = next++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ id, request });
    });

  const { issuer } = await call<{ issuer: string }>({ op: 'start', options });
  return {
    issuer,
    updateAccount: (sub, patch) => call({ op: 'account', sub, patch }),
    tamperNextIdToken: (mode) => call({ op: 'tamper', mode }),
    delay: (path, ms) => call({ op: 'delay', path, ms }),
    calls: () => call({ op: 'calls' }),
    close: async () => {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await exited;
      }
    },
  };
}

/** A confidential client of the token server, registered at the test provider. */
export function tokenServerClient(tokenServerUrl: string, providerId: string, extra: ProviderClient = {}): ProviderClient {
  return {
    client_id: `grafana-sso-${providerId}`,
    client_secret: `secret-of-${providerId}-0123456789abcdef`,
    redirect_uris: [`${tokenServerUrl}/oidc/${providerId}/callback`],
    post_logout_redirect_uris: [`${tokenServerUrl}/login?signed_out=1`],
    grant_types: ['authorization_code', 'refresh_token'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'ES256',
    ...extra,
  };
}
