import { describe, expect, it } from 'vitest';
import { dropUngrantedLinkRules, removeHeaderRules, ruleIds, setHeaderRules } from '../../extension/background/header-rules';
import { linkRedirectRegex, linkRules } from '../../extension/background/link-rules';
import { goLink } from '../../server/contract/index.ts';
import { fakeDeclarativeNetRequest } from './fake-dnr';
import { dnr, granted, sessionRules } from './fakes';

const server = 'https://sso.example.test';
const root = { id: 'main', url: 'http://127.0.0.1:3000/', headerName: 'X-JWT-Assertion' };
const sub = { id: 'ops', url: 'https://ops.example.com/grafana/', headerName: 'X-Ops-JWT' };

async function dnrWith(...instances: (typeof root)[]) {
  const d = fakeDeclarativeNetRequest();
  await d.api.updateSessionRules({ addRules: instances.flatMap((i) => linkRules(i, server, ruleIds(i.id))) });
  const navigate = (url: string, method = 'get') => d.actionFor({ url, type: 'main_frame', method });
  return { d, navigate };
}

describe('linkRules: /go/ links straight to Grafana, through the header rule', () => {
  it('redirects top-level GET navigations to the Grafana page, query and fragment as they were', async () => {
    const { navigate } = await dnrWith(root, sub);
    const cases: [string, string][] = [
      [goLink(server, 'main', '/d/abc/cpu?orgId=1&var-host=a%20b&from=now-1h'), 'http://127.0.0.1:3000/d/abc/cpu?orgId=1&var-host=a%20b&from=now-1h'],
      [`${server}/go/main`, 'http://127.0.0.1:3000/'],
      [`${server}/go/main/`, 'http://127.0.0.1:3000/'],
      [`${server}/go/main?orgId=2`, 'http://127.0.0.1:3000/?orgId=2'],
      [`${server}/go/main/explore#left`, 'http://127.0.0.1:3000/explore#left'],
      [`${server}/go/main/d/a%20b%3Ac/x`, 'http://127.0.0.1:3000/d/a%20b%3Ac/x'],
      [`${server}/go/ops/d/x/y?orgId=1`, 'https://ops.example.com/grafana/d/x/y?orgId=1'],
    ];
    for (const [link, grafana] of cases) expect(navigate(link), link).toEqual({ type: 'redirect', redirectUrl: grafana });
  });

  it('leaves to the server what target-url.ts refuses, other ids, other servers, POSTs and sub-requests', async () => {
    const { d, navigate } = await dnrWith(root);
    for (const link of [
      `${server}/go/main/d/a%2fb`,
      `${server}/go/main/d/a%2Fb`,
      `${server}/go/main/d/a%5cb`,
      `${server}/go/main/d/a%2eb`,
      `${server}/go/main/d/a%2E%2E/x`,
      `${server}/go/main/d\\x`,
      `${server}/go/main//evil.example/x`,
      `${server}/go/main/d/100%`,
      `${server}/go/MAIN/d/x`,
      `${server}/go/mainx/d/x`,
      `${server}/go/ops/d/x`,
      `https://other.example.test/go/main/d/x`,
      `${server}/sub/go/main/d/x`,
    ]) {
      expect(navigate(link), link).toBeUndefined();
    }
    expect(navigate(`${server}/go/main/d/x`, 'post')).toBeUndefined();
    expect(d.actionFor({ url: `${server}/go/main/d/x`, type: 'image', initiator: 'https://evil.example' })).toBeUndefined();
    expect(d.actionFor({ url: `${server}/go/main/d/x`, type: 'sub_frame', initiator: 'https://evil.example' })).toBeUndefined();
  });

  it('never forwards a link whose query names auth_token: the higher-priority allow lets the server drop it', async () => {
    const { navigate } = await dnrWith(root);
    for (const link of [
      `${server}/go/main/d/x?auth_token=someone-else`,
      `${server}/go/main/d/x?orgId=1&auth_token=someone-else`,
      `${server}/go/main?auth_token=x`,
      `${server}/go/main/?a=1&auth%5Ftoken=x`,
      `${server}/go/main/d/x?%61uth_token=x`,
    ]) {
      expect(navigate(link), link).toEqual({ type: 'allow' });
    }
    // A "%" in a value, or auth_token only in a value or the fragment, is redirected as usual.
    expect(navigate(`${server}/go/main/d/x?q=a%20b&note=auth_token`)?.type).toBe('redirect');
    expect(navigate(`${server}/go/main/d/x?q=1#auth_token=x`)?.type).toBe('redirect');
  });

  it('matches case-sensitively and anchors at the server URL', () => {
    const regex = linkRedirectRegex('https://sso.example.test/base', 'main');
    expect(regex.startsWith('^https://sso\\.example\\.test/base/go/main')).toBe(true);
    expect(linkRules(root, server, ruleIds('main')).every((r) => r.condition.isUrlFilterCaseSensitive === true)).toBe(true);
    expect(linkRules(root, server, ruleIds('main')).map((r) => r.condition.resourceTypes)).toEqual([['main_frame'], ['main_frame']]);
  });
});

describe('link rules live and go with the header rules', () => {
  it('set with a token only where the Grafana origin is granted; removed with the header rules', async () => {
    granted.origins = new Set(['http://127.0.0.1/*']);
    await setHeaderRules(root, 'jwt-1', server);
    await setHeaderRules(sub, 'jwt-2', server);
    expect([...sessionRules.keys()].sort()).toEqual([...Object.values(ruleIds('main')), ruleIds('ops').subresources, ruleIds('ops').navigations].sort());
    // The redirected navigation then gets the header.
    const to = dnr.actionFor({ url: `${server}/go/main/d/x`, type: 'main_frame' })!.redirectUrl!;
    expect(dnr.headersFor({ url: to, type: 'main_frame' })).toEqual({ 'X-JWT-Assertion': 'jwt-1' });

    await removeHeaderRules('main');
    expect(dnr.actionFor({ url: `${server}/go/main/d/x`, type: 'main_frame' })).toBeUndefined();
    expect(sessionRules.size).toBe(2);
  });

  it('go when the Grafana origin is withdrawn; the header rules stay until their token lapses', async () => {
    granted.origins = new Set(['http://127.0.0.1/*']);
    await setHeaderRules(root, 'jwt-1', server);
    granted.origins.clear();
    await dropUngrantedLinkRules([root, sub]);
    expect([...sessionRules.keys()].sort()).toEqual([ruleIds('main').subresources, ruleIds('main').navigations].sort());
  });
});
