import { grafanaSettings } from '../../grafana-config.ts';
import { UsageError, command } from '../command.ts';

export const commands = [
  command({
    words: ['grafana-config'],
    args: [{ name: 'INSTANCE', optional: true }],
    options: { format: { type: 'string', value: 'ini|env' } },
    summary: 'the exact Grafana [auth.jwt] settings for an instance',
    async run({ config, io, args, options }) {
      const id = args[0] ?? config.defaultInstance;
      const instance = config.instances.find((i) => i.id === id);
      if (!instance) throw new UsageError(`No instance "${id}"; configured: ${config.instances.map((i) => i.id).join(', ')}`);
      const format = options.format ?? 'ini';
      if (format !== 'ini' && format !== 'env') throw new UsageError('--format must be ini or env');
      const settings = grafanaSettings(config, instance);
      io.out(format === 'env' ? settings.env : settings.ini);
      for (const w of settings.warnings) io.err(`warning: ${w}`);
      return 0;
    },
  }),
];
