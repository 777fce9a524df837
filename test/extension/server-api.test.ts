import { describe, expect, it } from 'vitest';
import { parseConfig } from '../../extension/shared/server-api';

const config = (instance: Record<string, unknown>) => ({
  issuer: 'https://sso.example.com',
  loginUrl: 'https://sso.example.com/login',
  instances: [{ id: 'prod', name: 'Prod', url: 'https://grafana.example.com', headerName: 'X-JWT-Assertion', default: true, ...instance }],
});

describe('server config parsing: what the header rule may be built from', () => {
  it('accepts a well-formed config', () => {
    expect(parseConfig(config({}))?.instances[0]).toEqual({ id: 'prod', name: 'Prod', url: 'https://grafana.example.com', headerName: 'X-JWT-Assertion', default: true });
  });

  it('refuses a header name that is not a plain header or that browsers and servers treat specially', () => {
    for (const headerName of ['Cookie', 'host', 'Origin', 'Referer', 'Content-Length', 'X-JWT Assertion', 'X-JWT:1', '']) {
      expect(parseConfig(config({ headerName })), headerName).toBeNull();
    }
  });

  it('refuses an instance URL that is not http(s)', () => {
    for (const url of ['javascript:alert(1)', 'file:///etc/passwd', 'not a url']) expect(parseConfig(config({ url })), url).toBeNull();
  });
});
