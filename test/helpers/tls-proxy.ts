import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { connect } from 'node:net';
import { join } from 'node:path';
import { apacheSite, nginxSite, type ProxySites } from '../../server/proxy-config.ts';

export type ProxyKind = 'apache' | 'nginx';

export const PROXY_BINARIES: Record<ProxyKind, string> = { apache: '/usr/sbin/apache2', nginx: '/usr/sbin/nginx' };

/** A throwaway CA and a certificate it signed for localhost / 127.0.0.1 (openssl, all in `dir`). */
export function makeCertificates(dir: string): { caFile: string; certFile: string; keyFile: string } {
  const p = (f: string) => join(dir, f);
  const openssl = (...args: string[]) => execFileSync('openssl', args, { stdio: 'pipe' });
  openssl('req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('ca.key'), '-out', p('ca.pem'), '-days', '2', '-subj', '/CN=grafana-sso test CA');
  openssl('req', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes', '-keyout', p('server.key'), '-out', p('server.csr'), '-subj', '/CN=localhost');
  writeFileSync(p('ext.cnf'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n');
  openssl('x509', '-req', '-in', p('server.csr'), '-CA', p('ca.pem'), '-CAkey', p('ca.key'), '-CAcreateserial', '-out', p('server.pem'), '-days', '2', '-extfile', p('ext.cnf'));
  return { caFile: p('ca.pem'), certFile: p('server.pem'), keyFile: p('server.key') };
}

export interface RunningProxy {
  kind: ProxyKind;
  /** The access log of one site (`grafana-sso` or `grafana`). */
  accessLog(site: 'grafana-sso' | 'grafana'): string;
  errorLog(): string;
  stop(): Promise<void>;
}

const APACHE_MODULES = ['mpm_event', 'authz_core', 'headers', 'proxy', 'proxy_http', 'ssl', 'socache_shmcb'];

/** The main configuration around the site file: everything in `dir`, nothing from /etc. */
function mainConfig(kind: ProxyKind, dir: string, sites: ProxySites): string {
  if (kind === 'apache') {
    return [
      `ServerRoot ${dir}`,
      `DefaultRuntimeDir ${dir}`,
      `PidFile ${dir}/apache.pid`,
      `ErrorLog ${dir}/error.log`,
      'ServerName localhost',
      ...APACHE_MODULES.map((m) => `LoadModule ${m}_module /usr/lib/apache2/modules/mod_${m}.so`),
      'User nobody',
      'Group nogroup',
      `Listen ${sites.tokenServer.listen}`,
      `Listen ${sites.grafana.listen}`,
      `Include ${dir}/site.conf`,
      '',
    ].join('\n');
  }
  const temp = ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((t) => `    ${t}_temp_path ${dir}/tmp-${t};`);
  return [
    `pid ${dir}/nginx.pid;`,
    `error_log ${dir}/error.log;`,
    'worker_processes 1;',
    'events { worker_connections 64; }',
    'http {',
    `    access_log ${dir}/default.access.log;`,
    ...temp,
    `    include ${dir}/site.conf;`,
    '}',
    '',
  ].join('\n');
}

async function accepts(listen: string): Promise<boolean> {
  const at = listen.lastIndexOf(':');
  return new Promise((resolve) => {
    const s = connect(Number(listen.slice(at + 1)), listen.slice(0, at));
    s.once('connect', () => {
      s.destroy();
      resolve(true);
    });
    s.once('error', () => resolve(false));
  });
}

/**
 * Apache or nginx, as a foreground process of its own with the tested site file (the templates the
 * docs show), its own ports, logs and pid file in `dir`. Resolves once both sites accept connections.
 */
export async function startProxy(kind: ProxyKind, dir: string, sites: ProxySites): Promise<RunningProxy> {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'site.conf'), kind === 'apache' ? apacheSite(sites) : nginxSite(sites));
  writeFileSync(join(dir, 'main.conf'), mainConfig(kind, dir, sites));
  const args = kind === 'apache' ? ['-f', join(dir, 'main.conf'), '-DFOREGROUND'] : ['-p', dir, '-c', join(dir, 'main.conf'), '-g', 'daemon off;'];
  if (!existsSync(PROXY_BINARIES[kind])) throw new Error(`${PROXY_BINARIES[kind]} is missing: install Debian's ${kind === 'apache' ? 'apache2' : 'nginx'} (.ci/run does)`);
  const child: ChildProcess = spawn(PROXY_BINARIES[kind], args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const errorLog = () => (existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : '');
  const deadline = Date.now() + 20_000;
  while (!((await accepts(sites.tokenServer.listen)) && (await accepts(sites.grafana.listen)))) {
    if (child.exitCode !== null) throw new Error(`${kind} exited (${child.exitCode}): ${output}${errorLog()}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`${kind} did not listen within 20 s: ${output}${errorLog()}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    kind,
    accessLog: (site) => readFileSync(join(sites.logDir, `${site}.access.log`), 'utf8'),
    errorLog,
    stop: async () => {
      if (child.exitCode !== null) return;
      // Apache stops gracefully on SIGWINCH and at once on SIGTERM; nginx quits at once on SIGTERM too.
      child.kill('SIGTERM');
      await exited;
    },
  };
}

export interface HttpsAnswer {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
}

/** An https request trusting `ca`, optionally from a given local address (127.0.0.2: another client). */
export function httpsRequest(
  url: string,
  o: { ca: string; method?: string; headers?: Record<string, string>; body?: string; localAddress?: string },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(url, { method: o.method ?? 'GET', headers: o.headers ?? {}, ca: o.ca, localAddress: o.localAddress, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.once('error', reject);
    req.end(o.body);
  });
}
