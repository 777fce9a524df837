import { systemClock } from '../../clock.ts';
import { diagnose, formatFindings } from '../../doctor.ts';
import { command } from '../command.ts';

export const commands = [
  command({
    words: ['doctor'],
    summary: 'check settings, file modes, keys, the JWKS at the public URL and each Grafana',
    async run(ctx) {
      const findings = await diagnose(ctx.config, async () => (await ctx.store()).store, systemClock);
      ctx.io.out(formatFindings(findings));
      return findings.some((f) => f.severity === 'problem') ? 1 : 0;
    },
  }),
];
