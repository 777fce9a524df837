// The configurable dashboards and folders: a custom set by option or file, and clear errors for a bad one.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_DASHBOARDS, slugify } from './dashboards.ts';
import { call, harness, iniText, makeKey, sign } from './helpers.ts';
import { StandinConfigError, startGrafanaStandin } from './standin.ts';

const h = harness();
afterEach(() => h.cleanup());

const dir = mkdtempSync(join(tmpdir(), 'grafana-dashboards-'));
let n = 0;
const writeTemp = (content: string) => {
  const path = join(dir, `d${n++}.json`);
  writeFileSync(path, content);
  return path;
};
const ini = iniText({ jwk_set_url: 'http://127.0.0.1:9/jwks.json' });

describe('the default set', () => {
  it('has a few folders, about ten tagged dashboards and some at the root, uids unique', () => {
    expect(DEFAULT_DASHBOARDS.folders.length).toBeGreaterThanOrEqual(3);
    expect(DEFAULT_DASHBOARDS.dashboards.length).toBeGreaterThanOrEqual(8);
    expect(DEFAULT_DASHBOARDS.dashboards.filter((d) => d.folderUid === undefined).length).toBeGreaterThanOrEqual(1);
    const uids = [...DEFAULT_DASHBOARDS.folders, ...DEFAULT_DASHBOARDS.dashboards].map((x) => x.uid);
    expect(new Set(uids).size).toBe(uids.length);
  });

  it('slugs as Grafana makes them for plain titles', () => {
    expect(slugify('Node Exporter Full')).toBe('node-exporter-full');
    expect(slugify('  API / Errors (5xx)  ')).toBe('api-errors-5xx');
  });
});

describe('a custom set', () => {
  it('by option or from a file replaces the default set', async () => {
    const key = await makeKey();
    const set = { folders: [{ uid: 'team-a', title: 'Team A' }], dashboards: [{ uid: 'a1', title: 'Alpha', tags: ['x'], folderUid: 'team-a' }, { uid: 'b1', title: 'Beta' }] };
    const token = await sign(key);
    for (const dashboards of [set, writeTemp(JSON.stringify(set))]) {
      const { grafana } = await h.start(key, {}, '', { dashboards });
      const hits = (await call(grafana, '/api/search', { token })).body as { uid: string; folderTitle?: string }[];
      expect(hits.map((x) => [x.uid, x.folderTitle])).toEqual([['team-a', undefined], ['a1', 'Team A'], ['b1', undefined]]);
      await h.cleanup();
    }
  });

  it('folders nest: a subfolder\'s hit names its parent, its dashboards\' pages carry the whole chain in the tab title', async () => {
    const key = await makeKey();
    const token = await sign(key);
    const dashboards = {
      folders: [{ uid: 'ops', title: 'Ops' }, { uid: 'ops-db', title: 'Databases', folderUid: 'ops' }],
      dashboards: [{ uid: 'pg', title: 'Postgres', folderUid: 'ops-db' }],
    };
    const { grafana } = await h.start(key, {}, '', { dashboards });
    const hits = (await call(grafana, '/api/search', { token })).body as Record<string, unknown>[];
    expect(hits.map((x) => [x.uid, x.folderUid, x.folderTitle, x.folderUrl])).toEqual([
      ['ops-db', 'ops', 'Ops', '/dashboards/f/ops/ops'],
      ['ops', undefined, undefined, undefined],
      ['pg', 'ops-db', 'Databases', '/dashboards/f/ops-db/databases'],
    ]);
    // folderUIDs picks the direct children only.
    expect(((await call(grafana, '/api/search?folderUIDs=ops', { token })).body as { uid: string }[]).map((x) => x.uid)).toEqual(['ops-db']);
    const title = (html: unknown) => /<title>([^<]*)<\/title>/.exec(html as string)?.[1];
    expect(title((await call(grafana, '/d/pg/postgres', { token })).body)).toBe('Postgres - Databases - Ops - Dashboards - Grafana');
    expect(title((await call(grafana, '/dashboards/f/ops-db/databases', { token })).body)).toBe('Databases - Ops - Dashboards - Grafana');
  });

  it('a bad set is refused at startup with a message naming the file and what is wrong', async () => {
    const bad: Array<[string, RegExp]> = [
      ['not json', /d\d+\.json is not JSON/],
      ['[]', /must be an object/],
      ['{"folders": []}', /"dashboards" must be an array/],
      ['{"folders": {}, "dashboards": []}', /"folders" must be an array/],
      ['{"dashboards": [{"uid": "a b", "title": "x"}]}', /dashboards\[0\]\.uid must be 1-40 letters/],
      [`{"dashboards": [{"uid": "${'x'.repeat(41)}", "title": "x"}]}`, /dashboards\[0\]\.uid must be 1-40/],
      ['{"dashboards": [{"uid": "a", "title": ""}]}', /dashboards\[0\]\.title must be a non-empty string/],
      ['{"folders": [{"uid": "a", "title": "F"}], "dashboards": [{"uid": "a", "title": "D"}]}', /dashboards\[0\]\.uid "a" is used twice/],
      ['{"dashboards": [{"uid": "a", "title": "D", "folderUid": "nope"}]}', /dashboards\[0\]\.folderUid "nope" is not the uid of a folder/],
      ['{"dashboards": [{"uid": "a", "title": "D", "tags": "x"}]}', /dashboards\[0\]\.tags must be an array of non-empty strings/],
      ['{"dashboards": [7]}', /dashboards\[0\] must be an object/],
      ['{"folders": [{"uid": "b", "title": "B", "folderUid": "a"}, {"uid": "a", "title": "A"}], "dashboards": []}', /folders\[0\]\.folderUid "a" is not the uid of a folder listed before it/],
    ];
    for (const [text, message] of bad) {
      const path = writeTemp(text);
      const start = startGrafanaStandin({ ini, dashboards: path });
      await expect(start, text).rejects.toBeInstanceOf(StandinConfigError);
      await expect(startGrafanaStandin({ ini, dashboards: path }), text).rejects.toThrow(message);
    }
    await expect(startGrafanaStandin({ ini, dashboards: join(dir, 'missing.json') })).rejects.toThrow(/dashboards: cannot read .*missing\.json/);
    await expect(startGrafanaStandin({ ini, dashboards: { folders: [], dashboards: [{ uid: '', title: 'x' }] } })).rejects.toThrow(/uid must be/);
  });
});
