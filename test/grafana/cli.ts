/**
 * Runs the Grafana stand-in out of process:
 *   tsx test/grafana/cli.ts --config path/to/grafana.ini [--port 3000] [--host 127.0.0.1] [--audience-mode all|any]
 * Prints the URL on stdout. Bad arguments: message on stderr, exit 2. grafana.ini that real Grafana
 * would refuse: message on stderr, exit 1.
 */
import { startGrafanaStandin, StandinConfigError, type AudienceMode } from './standin.ts';

const USAGE =
  'usage: grafana-standin --config <grafana.ini> [--port <0-65535>] [--host <address>] [--audience-mode all|any]';

interface CliArgs {
  config: string;
  port: number;
  host: string;
  audienceMode: AudienceMode;
}

function parseArgs(argv: readonly string[]): CliArgs | string {
  const out: Partial<CliArgs> = { port: 3000, host: '127.0.0.1', audienceMode: 'all' };
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
      case '--audience-mode': {
        const v = value();
        if (v !== 'all' && v !== 'any') return `--audience-mode must be all or any, got ${v ?? 'nothing'}`;
        out.audienceMode = v;
        break;
      }
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
      audienceMode: args.audienceMode,
    });
    console.log(standin.url);
    const stop = () => void standin.close().finally(() => process.exit(0));
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  } catch (err) {
    if (err instanceof StandinConfigError) {
      console.error(`grafana-standin: Grafana would not start: ${err.message}`);
      process.exit(1);
    }
    throw err;
  }
}

await main();
