import { apiPaths } from '../contract/index.ts';
import type { Settings } from './settings.ts';

/** Facts that follow from the settings, computed once at load so no module decides them again. */
export interface Derived {
  /** The origin of publicUrl: forms and API calls from anywhere else are refused. */
  origin: string;
  /** The server is reached over https: Secure/__Host- cookies, HSTS, an https JWKS URL for Grafana. */
  https: boolean;
  /** Where Grafana fetches the public keys (jwk_set_url). */
  jwksUrl: string;
  /** metricsAddress split, or undefined when /metrics is served by the main listener. */
  metricsListen: { host: string; port: number } | undefined;
  cookies: {
    session: string;
    /** The pre-sign-in CSRF cookie of the login form. */
    loginCsrf: string;
    /** Marks a browser that signed in before: its own sign-in allowance (device-cookie.ts). */
    device: string;
  };
}

export function derive(settings: Settings): Derived {
  const url = new URL(settings.publicUrl);
  const https = url.protocol === 'https:';
  // Over https the __Host- prefix makes the browser refuse a cookie with a Domain or from plain http.
  const cookie = (name: string) => (https ? `__Host-${name}` : name);
  return {
    origin: url.origin,
    https,
    jwksUrl: `${settings.publicUrl}${apiPaths.jwks}`,
    metricsListen: listenAddress(settings.metricsAddress),
    cookies: { session: cookie('grafana_sso_session'), loginCsrf: cookie('grafana_sso_login_csrf'), device: cookie('grafana_sso_device') },
  };
}

/** `host:port` or `[v6]:port` → parts; '' → undefined. The settings table checked the shape. */
function listenAddress(address: string): { host: string; port: number } | undefined {
  if (address === '') return undefined;
  const at = address.lastIndexOf(':');
  return { host: address.slice(0, at).replace(/^\[(.*)\]$/, '$1'), port: Number(address.slice(at + 1)) };
}
