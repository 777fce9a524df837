import { describe, expect, it } from 'vitest';
import { parseConfig, serverApi, ServerError } from '../../extension/common/server-api';

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

describe('server error codes', () => {
  const answering = (status: number, body: unknown) => serverApi('https://sso.example.com', async () => new Response(JSON.stringify(body), { status }));

  it("keeps the server's catalogue code and message", async () => {
    const error = await answering(403, { code: 'access_denied', message: 'You have no access to Lab' }).requestToken('lab').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ServerError);
    expect(error).toMatchObject({ code: 'access_denied', message: 'You have no access to Lab', status: 403 });
  });

  it('treats a code outside the catalogue, and any 5xx, as server_error', async () => {
    await expect(answering(400, { code: 'something_new', message: 'x' }).getSession()).rejects.toMatchObject({ code: 'server_error', status: 400 });
    await expect(answering(503, { code: 'access_denied', message: 'x' }).getSession()).rejects.toMatchObject({ code: 'server_error', status: 503 });
  });

  it('refuses a token answer whose role is not a Grafana role', async () => {
    const user = { id: 'u1', login: 'alice', email: '', name: 'Alice', role: 'admin' };
    await expect(answering(200, { token: 't', expiresIn: 300, instance: 'lab', user }).requestToken('lab')).rejects.toMatchObject({ code: 'server_error' });
  });
});
