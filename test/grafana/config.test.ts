// grafana.ini parsing and settings (docs/grafana-jwt.md#settings), plus the JMESPath subset.
import { describe, expect, it } from 'vitest';
import { parseGoDuration } from './duration.ts';
import { iniValue, parseIni } from './ini.ts';
import { compilePath, UnsupportedPathError } from './jmespath.ts';
import { readSettings } from './settings.ts';

describe('ini parsing (go-ini rules)', () => {
  it('reads top-level keys before any section into the unnamed section (app_mode)', () => {
    const ini = parseIni('app_mode = development\ninstance_name = x\n[auth.jwt]\nenabled = true\n');
    expect(iniValue(ini, '', 'app_mode')).toBe('development');
    expect(iniValue(ini, 'auth.jwt', 'app_mode')).toBeUndefined();
    expect(readSettings(ini).appMode).toBe('development');
  });

  it('skips ; and # comment lines and cuts inline comments', () => {
    const ini = parseIni('; top\n# another\n[auth.jwt]\n;enabled = true\nheader_name = X-A ; the header\nurl_login = true # yes\n');
    expect(iniValue(ini, 'auth.jwt', 'enabled')).toBeUndefined();
    expect(iniValue(ini, 'auth.jwt', 'header_name')).toBe('X-A');
    expect(iniValue(ini, 'auth.jwt', 'url_login')).toBe('true');
  });

  it('strips one pair of surrounding quotes; """ and ` keep # and ; literally', () => {
    const ini = parseIni('[s]\na = "quoted"\nb = \'single\'\nc = """p#ss;word"""\nd = `x;y`\ne = "in"side"\n');
    expect(iniValue(ini, 's', 'a')).toBe('quoted');
    expect(iniValue(ini, 's', 'b')).toBe('single');
    expect(iniValue(ini, 's', 'c')).toBe('p#ss;word');
    expect(iniValue(ini, 's', 'd')).toBe('x;y');
    expect(iniValue(ini, 's', 'e')).toBe('"in"side"');
  });

  it('keeps a JSON object value (expect_claims) intact, colons included', () => {
    const ini = parseIni('[auth.jwt]\nexpect_claims = {"iss": "http://x", "aud": "grafana-prod"}\n');
    expect(JSON.parse(iniValue(ini, 'auth.jwt', 'expect_claims') ?? '')).toEqual({ iss: 'http://x', aud: 'grafana-prod' });
  });

  it('accepts key: value, lets a repeated key overwrite and a repeated section merge', () => {
    const ini = parseIni('[a]\nx: 1\nx = 2\n[b]\n[a]\ny = 3\n');
    expect(iniValue(ini, 'a', 'x')).toBe('2');
    expect(iniValue(ini, 'a', 'y')).toBe('3');
  });

  it('refuses a line that is neither section, comment nor key = value', () => {
    expect(() => parseIni('[auth.jwt]\nenabled\n')).toThrow(/delimiter/);
  });
});

describe('settings and defaults', () => {
  it('defaults: disabled, header_name empty, cache_ttl 60m, expect_claims {}, roles Viewer', () => {
    const s = readSettings(parseIni(''));
    expect(s.appMode).toBe('production');
    expect(s.jwt).toMatchObject({ enabled: false, headerName: '', urlLogin: false, cacheTtlMs: 3_600_000, expectClaims: '{}', autoSignUp: false });
    expect(s.users.autoAssignOrgRole).toBe('Viewer');
    expect(s.anonymous).toEqual({ enabled: false, orgRole: 'Viewer' });
  });

  it('unknown keys have no effect (role_claim, expected_claims, enable_login_token)', () => {
    const s = readSettings(parseIni('[auth.jwt]\nrole_claim = role\nexpected_claims = {"iss":"x"}\nenable_login_token = true\n'));
    expect(s.jwt.roleAttributePath).toBe('');
    expect(s.jwt.expectClaims).toBe('{}');
  });

  it('booleans parse like go-ini; an unparseable one falls back to the default', () => {
    const s = readSettings(parseIni('[auth.jwt]\nenabled = 1\nurl_login = On\nauto_sign_up = sure\n'));
    expect(s.jwt.enabled).toBe(true);
    expect(s.jwt.urlLogin).toBe(true);
    expect(s.jwt.autoSignUp).toBe(false);
  });

  it('reads [auth.anonymous] enabled/org_role and [users] auto_assign_org_role', () => {
    const s = readSettings(parseIni('[auth.anonymous]\nenabled = true\norg_role = Editor\n[users]\nauto_assign_org_role = Admin\n'));
    expect(s.anonymous).toEqual({ enabled: true, orgRole: 'Editor' });
    expect(s.users.autoAssignOrgRole).toBe('Admin');
  });

  it('cache_ttl durations: 60m, 1h, 10s, 1h30m, 0; invalid falls back to 60m', () => {
    expect(parseGoDuration('60m')).toBe(3_600_000);
    expect(parseGoDuration('1h')).toBe(3_600_000);
    expect(parseGoDuration('10s')).toBe(10_000);
    expect(parseGoDuration('1h30m')).toBe(5_400_000);
    expect(parseGoDuration('1.5h')).toBe(5_400_000);
    expect(parseGoDuration('0')).toBe(0);
    expect(parseGoDuration('5')).toBeUndefined();
    expect(parseGoDuration('ten minutes')).toBeUndefined();
    expect(readSettings(parseIni('[auth.jwt]\ncache_ttl = 5m\n')).jwt.cacheTtlMs).toBe(300_000);
    expect(readSettings(parseIni('[auth.jwt]\ncache_ttl = 0\n')).jwt.cacheTtlMs).toBe(0);
    expect(readSettings(parseIni('[auth.jwt]\ncache_ttl = 5\n')).jwt.cacheTtlMs).toBe(3_600_000);
  });
});

describe('JMESPath subset for role_attribute_path', () => {
  const data = { role: 'Editor', roles: ['Admin', 'Viewer'], grafana: { role: 'Admin', list: [{ r: 'None' }] }, 'x-role': 'Viewer' };

  it('identifier, dotted path, index (incl. negative) and quoted names', () => {
    expect(compilePath('role')(data)).toBe('Editor');
    expect(compilePath('grafana.role')(data)).toBe('Admin');
    expect(compilePath('roles[0]')(data)).toBe('Admin');
    expect(compilePath('roles[-1]')(data)).toBe('Viewer');
    expect(compilePath('grafana.list[0].r')(data)).toBe('None');
    expect(compilePath('"x-role"')(data)).toBe('Viewer');
  });

  it('missing paths yield null; an array is returned as an array (not a role)', () => {
    expect(compilePath('nope.deeper')(data)).toBeNull();
    expect(compilePath('roles[5]')(data)).toBeNull();
    expect(compilePath('role[0]')(data)).toBeNull();
    expect(compilePath('roles')(data)).toEqual(['Admin', 'Viewer']);
  });

  it('refuses JMESPath the stand-in does not implement instead of guessing', () => {
    for (const path of ["contains(groups[*], 'admin') && 'Admin'", 'a || b', 'a.', 'roles[*]', '']) {
      expect(() => compilePath(path), path).toThrow(UnsupportedPathError);
    }
  });
});
