import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { errorCatalogue, errorCodes, isErrorCode } from '../../server/contract/index.ts';

const doc = readFileSync('docs/api.md', 'utf8');

/** The rows of the "Error codes" table: code → status. */
function documentedCodes(): Map<string, number> {
  const section = doc.split(/^## Error codes$/m)[1]?.split(/^## /m)[0] ?? '';
  const rows = [...section.matchAll(/^\| `([a-z_]+)` \| (\d{3}) \|/gm)];
  return new Map(rows.map(([, code, status]) => [code!, Number(status)]));
}

describe('docs/api.md and the error catalogue', () => {
  it('the Error codes table lists exactly the catalogue codes, each with its status', () => {
    const documented = documentedCodes();
    expect([...documented.keys()].sort()).toEqual([...errorCodes].sort());
    for (const code of errorCodes) expect(documented.get(code), code).toBe(errorCatalogue[code].status);
  });

  it('every "<status> `code`" elsewhere in the page names a catalogue code with that status', () => {
    const mentions = [...doc.matchAll(/\b([45]\d\d) `([a-z_]+)`/g)];
    expect(mentions.length).toBeGreaterThan(5);
    for (const [, status, code] of mentions) {
      expect(isErrorCode(code), `${status} ${code}`).toBe(true);
      expect(errorCatalogue[code as keyof typeof errorCatalogue].status, `${status} ${code}`).toBe(Number(status));
    }
  });
});
