// The extension's footprint: the JavaScript the popup and the service worker load (their entry and
// every module it imports statically, followed through the built files), raw and gzip, and the
// permissions the built manifest asks for.
import { readFileSync } from 'node:fs';
import { join, posix } from 'node:path';
import { gzipSync } from 'node:zlib';

export interface Bundle {
  files: string[];
  rawBytes: number;
  /** Sum of each file gzipped on its own (how they are stored and fetched: one file each). */
  gzipBytes: number;
}

export interface Footprint {
  popup: Bundle;
  worker: Bundle;
  permissions: string[];
  hostPermissions: string[];
  optionalHostPermissions: string[];
}

export function measureFootprint(dist: string): Footprint {
  const manifest = JSON.parse(readFileSync(join(dist, 'manifest.json'), 'utf8')) as {
    action: { default_popup: string };
    background: { service_worker: string };
    permissions?: string[];
    host_permissions?: string[];
    optional_host_permissions?: string[];
  };
  const popupHtml = readFileSync(join(dist, manifest.action.default_popup), 'utf8');
  const popupEntries = [...popupHtml.matchAll(/<script[^>]*\ssrc="([^"]+)"/g)].map((m) => resolveFrom(manifest.action.default_popup, m[1]!));
  return {
    popup: bundle(dist, popupEntries),
    worker: bundle(dist, [manifest.background.service_worker]),
    permissions: manifest.permissions ?? [],
    hostPermissions: manifest.host_permissions ?? [],
    optionalHostPermissions: manifest.optional_host_permissions ?? [],
  };
}

/** A path inside dist/ for `spec` as referenced from the file at `from` (also inside dist/). */
function resolveFrom(from: string, spec: string): string {
  return spec.startsWith('/') ? spec.slice(1) : posix.normalize(posix.join(posix.dirname(from), spec));
}

/** Static imports of an ES module (minified or not); dynamic import() is loaded later, if ever. */
export function staticImports(code: string): string[] {
  const specs = new Set<string>();
  for (const m of code.matchAll(/(?:^|[;\s}])import\s*(?:[\w$*{}\s,]+?\s*from\s*)?["']([^"']+)["']/g)) specs.add(m[1]!);
  for (const m of code.matchAll(/(?:^|[;\s}])export\s*(?:\*|\{[^}]*\})\s*from\s*["']([^"']+)["']/g)) specs.add(m[1]!);
  return [...specs].filter((s) => s.startsWith('.') || s.startsWith('/'));
}

function bundle(dist: string, entries: string[]): Bundle {
  const seen = new Set<string>();
  const queue = [...entries];
  while (queue.length) {
    const file = queue.shift()!;
    if (seen.has(file)) continue;
    seen.add(file);
    const code = readFileSync(join(dist, file), 'utf8');
    for (const spec of staticImports(code)) queue.push(resolveFrom(file, spec));
  }
  let rawBytes = 0;
  let gzipBytes = 0;
  for (const file of seen) {
    const data = readFileSync(join(dist, file));
    rawBytes += data.length;
    gzipBytes += gzipSync(data, { level: 9 }).length;
  }
  return { files: [...seen].sort(), rawBytes, gzipBytes };
}
