// What every job starts from: the resolved options, a client of the configured server, and the
// stored config and account when they belong to that server.
import type { PublicConfig, PublicInstance } from '../../server/contract/index.ts';
import { buildConfig } from '../common/build-config';
import { readOptions, type Options } from '../common/options';
import { serverApi, type ServerApi } from '../common/server-api';
import type { WorkerDeps } from './worker-deps';
import type { RefreshPolicy } from './refresh-schedule';
import * as store from './store';
import type { Account } from './store';

export interface WorkerState {
  options: Options;
  api: ServerApi;
  /** The config fetched from the configured server, if any yet. */
  config: PublicConfig | undefined;
  account: Account | undefined;
}

export async function loadWorkerState(deps: WorkerDeps): Promise<WorkerState> {
  const [{ options }, cached, account] = await Promise.all([readOptions(), store.load('config'), store.load('account')]);
  const config = cached && cached.serverUrl === options.serverUrl ? cached.config : undefined;
  return { options, api: serverApi(options.serverUrl, deps.fetch), config, account };
}

/** Whether the stored state belongs to the configured server and a known account state. */
export const isSynced = (state: WorkerState): boolean => state.config !== undefined && state.account !== undefined;

/** The option's default instance if it exists, else the server's default, else the first. */
export function pickInstance(config: PublicConfig, options: Options, instanceId?: string): PublicInstance | undefined {
  const byId = (id: string) => config.instances.find((i) => i.id === id);
  if (instanceId) return byId(instanceId);
  return byId(options.defaultInstance) ?? config.instances.find((i) => i.default) ?? config.instances[0];
}

export function refreshPolicy(options: Options): RefreshPolicy {
  return {
    minMarginSeconds: options.refreshMinMarginSeconds,
    marginRatio: options.refreshMarginRatio,
    minDelaySeconds: buildConfig.minAlarmSeconds,
  };
}
