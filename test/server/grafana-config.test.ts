import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../server/config.ts';
import { grafanaSettings } from '../../server/grafana-config.ts';

const iniValues = (ini: string) =>
  Object.fromEntries(
    ini
      .split('\n')
      .filter((l) => /^\w+ = /.test(l))
      .map((l) => [l.slice(0, l.indexOf(' = ')), l.slice(l.indexOf(' = ') + 3)]),
  );

describe('generated Grafana settings (docs/grafana-jwt.md#recommended)', () => {
  const config = validateConfig({
    publicUrl: 'https://sso.example.com',
    grafanaJwksCacheSeconds: 1800,
    instances: [{ id: 'prod', url: 'https://grafana.example.com', headerName: 'X-Auth-JWT', allowGrafanaAdmin: true }],
  });
  const s = grafanaSettings(config, config.instances[0]!);

  it('matches what the server signs: issuer, audience, header, JWKS URL, cache time', () => {
    const v = iniValues(s.ini.split('[auth.anonymous]')[0]!);
    expect(v).toEqual({
      enabled: 'true',
      header_name: 'X-Auth-JWT',
      username_claim: 'login',
      email_claim: 'email',
      jwk_set_url: 'https://sso.example.com/.well-known/jwks.json',
      cache_ttl: '30m',
      expect_claims: '{"iss":"https://sso.example.com","aud":"grafana:prod"}',
      role_attribute_path: 'role',
      role_attribute_strict: 'true',
      allow_assign_grafana_admin: 'true',
      auto_sign_up: 'true',
      url_login: 'true',
    });
    expect(s.ini).toMatch(/\[auth\.anonymous\]\nenabled = false/);
    expect(s.warnings).toEqual([]);
  });

  it('never emits keys Grafana does not have (role_claim, expected_claims, key_file with a secret)', () => {
    expect(s.ini).not.toMatch(/role_claim|expected_claims|enable_login_token|key_file/);
  });

  it('gives the same settings as GF_AUTH_JWT_* variables, quoted for a shell', () => {
    expect(s.env).toContain('GF_AUTH_JWT_HEADER_NAME=X-Auth-JWT');
    expect(s.env).toContain(`GF_AUTH_JWT_EXPECT_CLAIMS='{"iss":"https://sso.example.com","aud":"grafana:prod"}'`);
    expect(s.env).toContain('GF_AUTH_JWT_ROLE_ATTRIBUTE_STRICT=true');
  });

  it('warns when the JWKS URL is not https', () => {
    const dev = validateConfig({});
    const d = grafanaSettings(dev, dev.instances[0]!);
    expect(d.warnings.join(' ')).toMatch(/not https/);
    expect(d.ini).toMatch(/# WARNING: .*not https/);
  });

  it('both forms carry the warning about existing accounts: linked by email, role set on every request, preflight first', () => {
    for (const text of [s.ini, s.env]) {
      const comment = text.split('\n').filter((l) => l.startsWith('#')).map((l) => l.replace(/^#\s*/, '')).join(' ');
      expect(comment).toMatch(/WARNING \(existing accounts\)/);
      expect(comment).toMatch(/linked by email, then login/);
      expect(comment).toMatch(/role sync sets its org role from the token on every request/);
      expect(comment).toMatch(/demoted/);
      expect(comment).toMatch(/grafana-preflight <instance>/);
    }
    // Comments only: the settings themselves are unchanged.
    expect(s.ini.split('\n').filter((l) => !l.startsWith('#') && l.includes('preflight'))).toEqual([]);
  });
});
