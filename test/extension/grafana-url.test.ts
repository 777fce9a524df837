import { describe, expect, it } from 'vitest';
import { instanceUrl, locateInInstances, searchPath, withAuthToken } from '../../extension/background/grafana-url';

const root = { url: 'https://grafana.example.com' };
const subPath = { url: 'https://tools.example.com/grafana/' };

describe('instanceUrl', () => {
  it('joins the instance URL and a path, with or without a sub-path', () => {
    expect(instanceUrl(root)).toBe('https://grafana.example.com/');
    expect(instanceUrl(root, '/d/abc/cpu?orgId=1')).toBe('https://grafana.example.com/d/abc/cpu?orgId=1');
    expect(instanceUrl(subPath, '/d/abc')).toBe('https://tools.example.com/grafana/d/abc');
    expect(instanceUrl({ url: 'https://tools.example.com/grafana' }, '/d/abc')).toBe('https://tools.example.com/grafana/d/abc');
  });

  it('refuses paths that could leave the instance', () => {
    expect(() => instanceUrl(root, '//evil.example/x')).toThrow();
    expect(() => instanceUrl(root, 'https://evil.example/')).toThrow();
  });
});

describe('withAuthToken', () => {
  it('adds auth_token as the only query when there is none', () => {
    expect(withAuthToken('https://g.example.com/d/abc', 'a.b.c')).toBe('https://g.example.com/d/abc?auth_token=a.b.c');
  });

  it('keeps the existing query byte for byte and never doubles the ?', () => {
    const url = withAuthToken('https://g.example.com/d/abc?orgId=1&var-host=a%2Fb&var-q=x+y&from=now-6h', 'tok');
    expect(url).toBe('https://g.example.com/d/abc?orgId=1&var-host=a%2Fb&var-q=x+y&from=now-6h&auth_token=tok');
    expect(url.split('?')).toHaveLength(2);
  });

  it('replaces a stale auth_token and keeps the fragment last', () => {
    expect(withAuthToken('https://g.example.com/d/abc?auth_token=old&orgId=2#panel-4', 'new')).toBe(
      'https://g.example.com/d/abc?orgId=2&auth_token=new#panel-4',
    );
  });

  it('handles a bare trailing ?', () => {
    expect(withAuthToken('https://g.example.com/?', 't')).toBe('https://g.example.com/?auth_token=t');
  });
});

describe('locateInInstances', () => {
  const instances = [
    { id: 'root', url: 'https://tools.example.com' },
    { id: 'sub', url: 'https://tools.example.com/grafana/' },
    { id: 'port', url: 'http://127.0.0.1:3000' },
  ];

  it('finds the instance and the path within it, preferring the longest root', () => {
    expect(locateInInstances('https://tools.example.com/grafana/d/x?orgId=1#p', instances)).toEqual({
      instance: instances[1],
      path: '/d/x?orgId=1#p',
    });
    expect(locateInInstances('https://tools.example.com/grafana', instances)?.path).toBe('/');
    expect(locateInInstances('https://tools.example.com/grafanax/y', instances)?.instance.id).toBe('root');
  });

  it('requires the exact origin, port included', () => {
    expect(locateInInstances('http://127.0.0.1:3000/explore', instances)?.instance.id).toBe('port');
    expect(locateInInstances('http://127.0.0.1:3001/explore', instances)).toBeNull();
    expect(locateInInstances('https://127.0.0.1:3000/explore', instances)).toBeNull();
    expect(locateInInstances('not a url', instances)).toBeNull();
  });
});

describe('searchPath', () => {
  it("builds Grafana's dashboard search, trimmed and encoded", () => {
    expect(searchPath('  cpu  usage\n')).toBe('/dashboards?query=cpu%20usage');
    expect(searchPath('a&b=c')).toBe('/dashboards?query=a%26b%3Dc');
    expect(searchPath('x'.repeat(500))).toBe(`/dashboards?query=${'x'.repeat(200)}`);
  });
});

describe('targets stay inside the instance (issue 8, item 6)', () => {
  const sub = { id: 'sub', url: 'https://apps.example.test/grafana' };
  it('instanceUrl refuses dot segments, their encodings and encoded separators that leave the sub-path', () => {
    for (const path of ['/../admin/secret', '/%2e%2e/admin/secret', '/./../../x', '/..%2fadmin', '/..\\admin']) {
      expect(() => instanceUrl(sub, path), path).toThrow();
    }
    expect(instanceUrl(sub, '/d/x/../y')).toBe('https://apps.example.test/grafana/d/y');
  });
  it('a link whose path escapes through an encoded slash is not opened signed in', () => {
    expect(locateInInstances('https://apps.example.test/grafana/..%2fadmin', [sub])).toBeNull();
    expect(locateInInstances('https://apps.example.test/grafana/%2e%2e/admin', [sub])).toBeNull();
    expect(locateInInstances('https://apps.example.test/grafana/d/x', [sub])?.path).toBe('/d/x');
  });
});
