// `npm run package` (after `vite build`): the two store-ready zips, each with its manifest at the root,
// in artifacts/: grafana-sso-chromium-<version>.zip (Chrome Web Store) and
// grafana-sso-firefox-<version>.zip (addons.mozilla.org).
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { firefoxDir } from './firefox.ts';

const root = fileURLToPath(new URL('../..', import.meta.url));
const artifacts = join(root, 'artifacts');
const chromium = join(root, 'dist');

if (process.env.GRAFANA_SSO_TEST_HOSTS) {
  console.error('GRAFANA_SSO_TEST_HOSTS is set: that is a test build (dist-test/), never a store package. Unset it and run again.');
  process.exit(2);
}

const { version } = JSON.parse(readFileSync(join(chromium, 'manifest.json'), 'utf8')) as { version: string };
for (const [browser, dir] of [['chromium', chromium], ['firefox', firefoxDir(chromium)]] as const) {
  const filename = `grafana-sso-${browser}-${version}.zip`;
  const result = spawnSync(
    join(root, 'node_modules/.bin/web-ext'),
    ['build', '--source-dir', dir, '--artifacts-dir', artifacts, '--filename', filename, '--overwrite-dest'],
    { encoding: 'utf8' },
  );
  if (result.status !== 0) {
    console.error(`packaging ${dir} failed:\n${result.stdout}${result.stderr}`);
    process.exit(1);
  }
  console.error(`${join('artifacts', filename)}`);
}
