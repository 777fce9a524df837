import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { settingsMarkdown } from '../../server/config/markdown.ts';
import { SETTINGS } from '../../server/config/settings.ts';
import { SECTIONS, endMarker, startMarker, withSections } from '../../server/readme-sections.ts';

describe('README sections generated from their source', () => {
  it('are what the settings table and the command table give (run npm run docs:readme after changing either)', async () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    for (const name of Object.keys(SECTIONS)) {
      expect(readme).toContain(startMarker(name));
      expect(readme).toContain(endMarker(name));
    }
    expect(readme).toBe(await withSections(readme));
  });

  it('document every setting and every instance key with its environment variable and bounds', () => {
    const md = settingsMarkdown();
    for (const [key, f] of Object.entries(SETTINGS)) {
      expect(md).toContain(`| \`${key}\` | \`${f.env}\``);
      for (const nested of Object.keys(f.parse.fields ?? {})) expect(md).toContain(`| \`${nested}\` |`);
    }
    expect(md).toContain('| `signInMaxFailuresPerAccount` | `GRAFANA_SSO_SIGN_IN_MAX_FAILURES_PER_ACCOUNT` | `5` |');
    expect(md).toContain('token lifetime in seconds (30–86400)');
  });
});
