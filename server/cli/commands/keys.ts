import { systemClock } from '../../clock.ts';
import { KeyManager, keySchedule, keyState } from '../../keys.ts';
import { command, type CommandContext } from '../command.ts';
import { keySealerFor } from '../../key-encryption.ts';

const show = (ms: number) => new Date(ms).toISOString();

/** The key manager over the CLI's store, brought up to date first (as the server would on start). */
async function keyManager({ config, store }: CommandContext): Promise<KeyManager> {
  const { store: db, audit } = await store();
  const manager = new KeyManager(db, systemClock, keySchedule(config), audit, keySealerFor(config));
  await manager.maintain();
  return manager;
}

export const commands = [
  command({
    words: ['keys', 'list'],
    summary: 'signing keys and their state',
    async run(ctx) {
      await keyManager(ctx);
      const { store } = await ctx.store();
      const now = systemClock.now();
      for (const k of await store.listKeys()) {
        const state = keyState(k, now);
        const when = state === 'pending' ? `signs from ${show(k.activatesAt)}` : state === 'active' ? `signing since ${show(k.activatesAt)}` : `retired ${show(k.retiredAt!)}`;
        ctx.io.out(`${k.kid}\t${k.alg}\t${state}\t${when}`);
      }
      return 0;
    },
  }),
  command({
    words: ['keys', 'rotate'],
    summary: "publish a new key now; it signs after Grafana's cache time",
    async run(ctx) {
      const key = await (await keyManager(ctx)).rotate();
      ctx.io.out(`Key ${key.kid} is published now and signs from ${show(key.activatesAt)} (after Grafana's JWKS cache time of ${ctx.config.grafanaJwksCacheSeconds} s).`);
      return 0;
    },
  }),
];
