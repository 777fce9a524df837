import { UsageError, command } from '../command.ts';

const MAX_LIMIT = 100_000;

export const commands = [
  command({
    words: ['audit'],
    options: { limit: { type: 'string', value: 'N' } },
    summary: 'the latest audit events as JSON lines (50 unless --limit)',
    async run({ io, options, store }) {
      const text = options.limit ?? '50';
      const limit = /^\d{1,6}$/.test(text) ? Number(text) : NaN;
      if (!(limit >= 1 && limit <= MAX_LIMIT)) throw new UsageError(`--limit must be a whole number from 1 to ${MAX_LIMIT} (got "${text}")`);
      const { store: db } = await store();
      for (const e of await db.listAudit(limit)) io.out(JSON.stringify({ time: new Date(e.at).toISOString(), ...e }));
      return 0;
    },
  }),
];
