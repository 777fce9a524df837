/**
 * The custom header every JSON API call carries. A web page cannot send it cross-origin without a CORS
 * preflight, which the server never grants, so other sites cannot use a signed-in user's cookie.
 */
export const requestHeader = { name: 'X-Grafana-SSO', value: '1' } as const;
