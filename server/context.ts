import type { AuditLog } from './audit.ts';
import type { Clock } from './clock.ts';
import type { Config, InstanceConfig } from './config.ts';
import type { LoginCsrf } from './csrf.ts';
import type { DeviceCookies } from './device-cookie.ts';
import type { KeyManager } from './keys.ts';
import type { PasswordSignIn } from './password-sign-in.ts';
import type { Metrics } from './metrics.ts';
import type { ProviderRegistry } from './oidc/providers.ts';
import type { ProviderSessions } from './oidc/provider-sessions.ts';
import type { Sessions } from './sessions.ts';
import type { Store } from './store/types.ts';
import type { SignInThrottle } from './throttle.ts';

/** What route modules need; built once by createApp. */
export interface Context {
  config: Config;
  store: Store;
  clock: Clock;
  keys: KeyManager;
  sessions: Sessions;
  audit: AuditLog;
  throttle: SignInThrottle;
  passwordSignIn: PasswordSignIn;
  loginCsrf: LoginCsrf;
  devices: DeviceCookies;
  metrics: Metrics;
  /** OpenID Connect providers and their discovery state. */
  providers: ProviderRegistry;
  /** Provider state of sessions signed in through a provider. */
  providerSessions: ProviderSessions;
  instance(id: string): InstanceConfig | undefined;
  log(message: string): void;
}
