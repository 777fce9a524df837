import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { README_END, README_START, settingsMarkdown, withSettings } from '../../server/config/readme.ts';
import { SETTINGS } from '../../server/config/settings.ts';

describe('README settings table', () => {
  it('is the one generated from the settings table (run npm run docs:settings after changing a setting)', () => {
    const readme = readFileSync(new URL('../../README.md', import.meta.url), 'utf8');
    expect(readme).toContain(README_START);
    expect(readme).toContain(README_END);
    expect(readme).toBe(withSettings(readme));
  });

  it('documents every setting and every instance key with its environment variable', () => {
    const md = settingsMarkdown();
    for (const [key, f] of Object.entries(SETTINGS)) {
      expect(md).toContain(`| \`${key}\` | \`${f.env}\``);
      for (const nested of Object.keys(f.parse.fields ?? {})) expect(md).toContain(`| \`${nested}\` |`);
    }
    expect(md).toContain('| `signInMaxFailuresPerAccount` | `GRAFANA_SSO_SIGN_IN_MAX_FAILURES_PER_ACCOUNT` | `5` |');
    expect(md).toContain('token lifetime in seconds (30–86400)');
  });
});
