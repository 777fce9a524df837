// Finds Debian's Chromium, installs it when running as root (CI, fresh machines), or explains how.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

// The binary first: /usr/bin/chromium is a wrapper script that prints a harmless shell warning.
const candidates = ['/usr/lib/chromium/chromium', '/usr/bin/chromium'];

const howToInstall = 'sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y chromium';

const found = () => candidates.find((path) => existsSync(path));

function aptInstall(): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // dpkg's lock can be held for a moment by another apt run: try twice.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const update = spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-q', 'chromium'], { stdio: 'inherit', env });
    if (install && install.status === 0) return true;
    spawnSync('sleep', ['5']);
  }
  return false;
}

export function chromiumPath(): string {
  const existing = found();
  if (existing) return existing;
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    console.log('Chromium not found: installing Debian\'s chromium package (about a minute)…');
    if (aptInstall()) {
      const installed = found();
      if (installed) return installed;
    }
    throw new Error(`Installing Chromium with apt-get failed. Install it by hand: ${howToInstall}`);
  }
  throw new Error(
    `The browser tests need Debian's Chromium (${candidates.join(' or ')}), and it is not installed. ` +
      `Install it with: ${howToInstall} (as root, the tests install it themselves).`,
  );
}
