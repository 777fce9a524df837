// Finds Debian's Chromium and Firefox ESR, installs them when running as root (CI, fresh machines), or
// explains how.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

interface DebianBrowser {
  name: string;
  aptPackage: string;
  /** Preferred first. */
  candidates: string[];
}

// The binary first: /usr/bin/chromium is a wrapper script that prints a harmless shell warning.
const chromium: DebianBrowser = { name: 'Chromium', aptPackage: 'chromium', candidates: ['/usr/lib/chromium/chromium', '/usr/bin/chromium'] };
const firefox: DebianBrowser = { name: 'Firefox ESR', aptPackage: 'firefox-esr', candidates: ['/usr/bin/firefox-esr'] };

function aptInstall(aptPackage: string): boolean {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  // dpkg's lock can be held for a moment by another apt run: try twice.
  for (let attempt = 1; attempt <= 2; attempt++) {
    const update = spawnSync('apt-get', ['update', '-q'], { stdio: 'inherit', env });
    const install = update.status === 0 && spawnSync('apt-get', ['install', '-y', '-q', aptPackage], { stdio: 'inherit', env });
    if (install && install.status === 0) return true;
    spawnSync('sleep', ['5']);
  }
  return false;
}

function browserPath(b: DebianBrowser): string {
  const found = () => b.candidates.find((path) => existsSync(path));
  const howToInstall = `sudo apt-get update && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y ${b.aptPackage}`;
  const existing = found();
  if (existing) return existing;
  if (process.platform === 'linux' && process.getuid?.() === 0) {
    console.warn(`${b.name} not found: installing Debian's ${b.aptPackage} package (about a minute)…`);
    const installed = aptInstall(b.aptPackage) && found();
    if (installed) return installed;
    throw new Error(`Installing ${b.name} with apt-get failed. Install it by hand: ${howToInstall}`);
  }
  throw new Error(
    `The browser tests need Debian's ${b.name} (${b.candidates.join(' or ')}), and it is not installed. ` +
      `Install it with: ${howToInstall} (as root, the tests install it themselves).`,
  );
}

export const chromiumPath = (): string => browserPath(chromium);
export const firefoxPath = (): string => browserPath(firefox);
