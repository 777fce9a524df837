/**
 * Runs the Grafana stand-in out of process:
 *   tsx test/grafana/cli.ts --config path/to/grafana.ini [--port 3000] [--host 127.0.0.1]
 *                           [--grafana-version 12.x|main] [--empty] [--dashboards <file.json>]
 * Prints the URL on stdout (and, on main, what Grafana would log at startup on stderr). Bad arguments or
 * a bad dashboards file: message on stderr, exit 2. grafana.ini that real Grafana would refuse: message on
 * stderr, exit 1.
 */
import { DEFAULT_GRAFANA_VERSION, GRAFANA_VERSIONS, startGrafanaStandin, StandinConfigError, type GrafanaVersion } from './standin.ts';
import { isGrafanaVersion } from './versions.ts';

const USAGE = `usage: grafana-standin --config <grafana.ini> [--port <0-65535>] [--host <address>]
                       [--grafana-version ${GRAFANA_VERSIONS.join('|')}] [--empty] [--dashboards <file.json>]
  --grafana-version  the Grafana version line to model (default ${DEFAULT_GRAFANA_VERSION}, the newest release line)
  --empty            start without Grafana's built-in admin (default: like a fresh Grafana, with it)
  --dashboards       folders and dashboards to serve instead of the default set:
                     {"folders": [{"uid", "title", "folderUid"?}], "dashboards": [{"uid", "title", "tags"?, "folderUid"?}]}`;

interface CliArgs {
  config: string;
  port: number;
  host: string;
  version: GrafanaVersion;
  empty: boolean;
  dashboards?: string;
}

function parseArgs(argv: readonly string[]): CliArgs | string {
  const out: Partial<CliArgs> = { port: 3000, host: '127.0.0.1', version: DEFAULT_GRAFANA_VERSION, empty: false };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.includes('=') ? (arg.split(/=(.*)/s) as [string, string]) : [arg, undefined];
    const value = (): string | undefined => inline ?? argv[++i];
    switch (flag) {
      case '--config': {
        const v = value();
        if (!v) return '--config needs a path';
        out.config = v;
        break;
      }
      case '--port': {
        const v = value();
        const n = Number(v);
        if (!v || !Number.isInteger(n) || n < 0 || n > 65535) return `--port must be an integer 0-65535, got ${v ?? 'nothing'}`;
        out.port = n;
        break;
      }
      case '--host': {
        const v = value();
        if (!v) return '--host needs an address';
        out.host = v;
        break;
      }
      case '--grafana-version': {
        const v = value();
        if (!isGrafanaVersion(v)) return `--grafana-version must be one of ${GRAFANA_VERSIONS.join(', ')}, got ${v ?? 'nothing'}`;
        out.version = v;
        break;
      }
      case '--dashboards': {
        const v = value();
        if (!v) return '--dashboards needs a path';
        out.dashboards = v;
        break;
      }
      case '--empty':
        if (inline !== undefined) return '--empty takes no value';
        out.empty = true;
        break;
      case '--help':
      case '-h':
        return 'help';
      default:
        return `unknown argument ${arg}`;
    }
  }
  if (!out.config) return '--config is required';
  return out as CliArgs;
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  if (typeof args === 'string') {
    if (args === 'help') {
      console.log(USAGE);
      return;
    }
    console.error(`grafana-standin: ${args}\n${USAGE}`);
    process.exit(2);
  }
  try {
    const standin = await startGrafanaStandin({
      iniPath: args.config,
      port: args.port,
      host: args.host,
      version: args.version,
      empty: args.empty,
      ...(args.dashboards === undefined ? {} : { dashboards: args.dashboards }),
    });
    for (const line of standin.startupLog) console.error(line);
    console.log(standin.url);
    const stop = () => void standin.close().finally(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof StandinConfigError && err.setting === 'dashboards') {
      console.error(`grafana-standin: ${err.message}\n${USAGE}`);
      process.exit(2);
    }
    if (err instanceof StandinConfigError) {
      console.error(`grafana-standin: Grafana would not start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

await main();
