import { describe, expect, it } from 'vitest';
import { headerRules, ruleIds } from '../../extension/background/header-rules';
import { fakeDeclarativeNetRequest } from './fake-dnr';

const instance = { id: 'main', url: 'http://127.0.0.1:3000/', headerName: 'X-JWT-Assertion' };

describe('headerRules', () => {
  const [subresources, navigations] = headerRules(instance, 'the-token', 'extension-id');

  it('sets the instance header to the raw token', () => {
    for (const rule of [subresources, navigations]) {
      expect(rule?.action).toEqual({
        type: 'modifyHeaders',
        requestHeaders: [{ header: 'X-JWT-Assertion', operation: 'set', value: 'the-token' }],
      });
    }
  });

  it('matches only URLs on the exact Grafana origin, port included', () => {
    expect(subresources?.condition.urlFilter).toBe('|http://127.0.0.1:3000/');
    expect(navigations?.condition.urlFilter).toBe('|http://127.0.0.1:3000/');
  });

  it('gives sub-requests the header only when Grafana or the extension started them', () => {
    expect(subresources?.condition.initiatorDomains).toEqual(['127.0.0.1', 'extension-id']);
    expect(subresources?.condition.resourceTypes).toBeUndefined(); // = everything but main_frame
  });

  it('gives top-level navigations the header for GET only (no cross-site form POST)', () => {
    expect(navigations?.condition).toMatchObject({ resourceTypes: ['main_frame'], requestMethods: ['get'] });
    expect(navigations?.condition.initiatorDomains).toBeUndefined();
  });

  it('uses stable, distinct ids per instance', () => {
    expect(ruleIds('main')).toEqual(ruleIds('main'));
    expect([subresources?.id, navigations?.id]).toEqual([ruleIds('main').subresources, ruleIds('main').navigations]);
    const ids = ['main', 'ops', 'staging', 'prod', 'a', 'b'].flatMap((id) => Object.values(ruleIds(id)));
    expect(new Set(ids).size).toBe(ids.length);
    for (const id of ids) expect(Number.isInteger(id) && id >= 1 && id < 2 ** 31).toBe(true);
  });
});

describe('the rules in a declarativeNetRequest (the shared fake, after Chrome\'s documented matching)', () => {
  it('sign in Grafana\'s own calls and top-level GETs, and nothing another site starts', async () => {
    const dnr = fakeDeclarativeNetRequest();
    await dnr.api.updateSessionRules({ addRules: headerRules(instance, 'the-token', 'extension-id') });
    const api = 'http://127.0.0.1:3000/api/user';
    expect(dnr.headersFor({ url: api, type: 'xmlhttprequest', initiator: 'http://127.0.0.1:3000' })).toEqual({ 'X-JWT-Assertion': 'the-token' });
    expect(dnr.headersFor({ url: 'http://127.0.0.1:3000/d/x', type: 'main_frame' })).toEqual({ 'X-JWT-Assertion': 'the-token' });
    expect(dnr.headersFor({ url: api, type: 'xmlhttprequest', initiator: 'https://evil.example' })).toEqual({});
    expect(dnr.headersFor({ url: 'http://127.0.0.1:3000/', type: 'main_frame', method: 'post', initiator: 'https://evil.example' })).toEqual({});
    expect(dnr.headersFor({ url: 'http://127.0.0.1:3001/api/user', type: 'xmlhttprequest', initiator: 'http://127.0.0.1:3001' })).toEqual({});
  });

  it('applies an update atomically: a duplicate id changes nothing', async () => {
    const dnr = fakeDeclarativeNetRequest();
    const rules = headerRules(instance, 'one', 'extension-id');
    await dnr.api.updateSessionRules({ addRules: rules });
    await expect(dnr.api.updateSessionRules({ removeRuleIds: [rules[0]!.id], addRules: [rules[1]!] })).rejects.toThrow(/already exists/);
    expect(dnr.rules.size).toBe(2);
  });
});
