// Vitest setup for the extension's unit tests: @webext-core/fake-browser as `chrome` and `browser`
// (so `import browser from 'webextension-polyfill'` returns it), plus in-memory stand-ins for the
// APIs the fake leaves unimplemented.
import { fakeBrowser } from '@webext-core/fake-browser';
import { beforeEach, vi } from 'vitest';
import { installMissingApis } from './fakes';

Object.assign(globalThis, { chrome: fakeBrowser, browser: fakeBrowser });

beforeEach(() => {
  // reset() also drops listeners modules registered: tests re-import what they need.
  fakeBrowser.reset();
  installMissingApis();
  vi.resetModules();
});
