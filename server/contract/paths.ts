/** Paths of the token server's endpoints, relative to its public URL (docs/api.md). */
export const apiPaths = {
  config: '/api/config',
  session: '/api/session',
  token: '/api/token',
  logout: '/api/logout',
  login: '/login',
  jwks: '/.well-known/jwks.json',
} as const;

/** Where a JSON error answer is always JSON (never an HTML page), whatever the Accept header says. */
export const jsonPathPrefixes = ['/api/', '/.well-known/'] as const;
