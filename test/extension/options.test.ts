import { fakeBrowser } from '@webext-core/fake-browser';
import { describe, expect, it } from 'vitest';
import { defaults, readOptions, resolveOptions, saveUserOptions, affectsOptions } from '../../extension/common/options';
import { normalizeServerUrl } from '../../extension/common/urls';

describe('resolveOptions', () => {
  it('starts from the documented defaults', () => {
    const { options, locked, source } = resolveOptions({});
    expect(options).toEqual(defaults);
    expect(locked).toEqual([]);
    expect(source.serverUrl).toBe('default');
  });

  it('applies build preset < user < administrator, and locks what the administrator set', () => {
    const resolved = resolveOptions({
      preset: { serverUrl: 'https://preset.example.com' },
      user: { serverUrl: 'https://mine.example.com', keepTokensOutOfUrls: true, defaultInstance: 'ops' },
      managed: { serverUrl: 'https://corp.example.com', refreshMinMarginSeconds: 90 },
    });
    expect(resolved.options).toEqual({
      ...defaults,
      serverUrl: 'https://corp.example.com',
      keepTokensOutOfUrls: true,
      defaultInstance: 'ops',
      refreshMinMarginSeconds: 90,
    });
    expect(resolved.locked.sort()).toEqual(['refreshMinMarginSeconds', 'serverUrl']);
    expect(resolved.source.keepTokensOutOfUrls).toBe('user');
  });

  it('uses the preset when the user chose nothing', () => {
    const { options, source } = resolveOptions({ preset: { serverUrl: 'https://preset.example.com' }, user: undefined });
    expect(options.serverUrl).toBe('https://preset.example.com');
    expect(source.serverUrl).toBe('preset');
  });

  it('ignores unknown keys and values of the wrong type or out of range, at every layer', () => {
    const { options, locked } = resolveOptions({
      user: { serverUrl: 42, keepTokensOutOfUrls: 'yes', refreshMarginRatio: 2, other: true },
      managed: { serverUrl: 'javascript:alert(1)', refreshMinMarginSeconds: -5, defaultInstance: null },
    });
    expect(options).toEqual(defaults);
    expect(locked).toEqual([]);
  });
});

describe('readOptions and saveUserOptions', () => {
  it('reads the user layer from storage.local and the administrator layer from storage.managed', async () => {
    await saveUserOptions({ serverUrl: 'https://mine.example.com', keepTokensOutOfUrls: true });
    await fakeBrowser.storage.managed.set({ keepTokensOutOfUrls: false });
    const { options, locked } = await readOptions();
    expect(options.serverUrl).toBe('https://mine.example.com');
    expect(options.keepTokensOutOfUrls).toBe(false);
    expect(locked).toEqual(['keepTokensOutOfUrls']);
  });

  it('merges saves and refuses invalid values', async () => {
    await saveUserOptions({ serverUrl: 'https://mine.example.com' });
    await saveUserOptions({ defaultInstance: 'ops' });
    expect((await readOptions()).options).toMatchObject({ serverUrl: 'https://mine.example.com', defaultInstance: 'ops' });
    await expect(saveUserOptions({ serverUrl: 'https://x.example.com/?q=1' })).rejects.toThrow(/serverUrl/);
  });

  it('survives a browser whose storage.managed throws (Firefox without policy)', async () => {
    const managed = fakeBrowser.storage.managed;
    const original = managed.get;
    managed.get = (() => Promise.reject(new Error('Managed storage manifest not found'))) as typeof managed.get;
    try {
      expect((await readOptions()).options).toEqual(defaults);
    } finally {
      managed.get = original;
    }
  });

  it('tells which storage changes concern options', () => {
    expect(affectsOptions({ options: {} }, 'local')).toBe(true);
    expect(affectsOptions({ 'token:main': {} }, 'session')).toBe(false);
    expect(affectsOptions({}, 'managed')).toBe(true);
  });
});

describe('normalizeServerUrl', () => {
  it('accepts http(s) URLs and strips trailing slashes', () => {
    expect(normalizeServerUrl(' https://sso.example.com/ ')).toBe('https://sso.example.com');
    expect(normalizeServerUrl('http://127.0.0.1:7000')).toBe('http://127.0.0.1:7000');
    expect(normalizeServerUrl('https://example.com/sso/')).toBe('https://example.com/sso');
  });

  it('rejects other schemes, credentials, queries and fragments', () => {
    for (const bad of ['ftp://x', 'javascript:alert(1)', 'https://u:p@x.example', 'https://x.example/?a=1', 'https://x.example/#f', 'x']) {
      expect(normalizeServerUrl(bad)).toBeNull();
    }
  });
});
