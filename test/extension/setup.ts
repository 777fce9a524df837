// Vitest setup for the extension's unit tests: @webext-core/fake-browser as `chrome` and `browser`
// (so `import browser from 'webextension-polyfill'` returns it), plus in-memory stand-ins for the
// APIs the fake leaves unimplemented.
import { fakeBrowser } from '@webext-core/fake-browser';
import { afterEach, beforeEach, vi } from 'vitest';
import { installMissingApis } from './fakes';

Object.assign(globalThis, { chrome: fakeBrowser, browser: fakeBrowser });

const noNetwork = () => Promise.reject(new TypeError('unit tests have no network'));

beforeEach(() => {
  // reset() also drops listeners modules registered: tests re-import what they need.
  fakeBrowser.reset();
  installMissingApis();
  vi.resetModules();
  vi.stubGlobal('fetch', noNetwork);
});

afterEach(async () => {
  vi.restoreAllMocks();
  vi.useRealTimers();
  vi.unstubAllGlobals();
  // Work a listener started may still be running: it must not reach a real network.
  vi.stubGlobal('fetch', noNetwork);
});
