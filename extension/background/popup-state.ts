// What the popup shows, assembled from stored state only (no network).
import browser from 'webextension-polyfill';
import type { InstanceView, PopupState } from '../common/messages';
import { readOptions } from '../common/options';
import { originPattern } from '../common/urls';
import { systemDeps, type WorkerDeps } from './worker-deps';
import { expiresAt, isExpired } from './refresh-schedule';
import * as store from './store';
import { pickInstance } from './worker-state';

export async function popupState(deps: WorkerDeps = systemDeps): Promise<PopupState> {
  const [{ options }, cached, account, problem, tokens] = await Promise.all([
    readOptions(),
    store.load('config'),
    store.load('account'),
    store.load('problem'),
    store.loadTokens(),
  ]);
  const config = cached?.serverUrl === options.serverUrl ? cached.config : undefined;
  let status: PopupState['status'];
  if (!options.serverUrl) status = 'unconfigured';
  else if (!config || !account || account.status === 'unconfigured') status = 'checking';
  else status = account.status;
  const signedIn = account?.status === 'signed-in' ? account : undefined;
  const defaultId = config && pickInstance(config, options)?.id;
  const now = deps.clock.now();
  const instances: InstanceView[] = await Promise.all(
    (config?.instances ?? []).map(async (instance) => {
      const token = tokens.get(instance.id);
      return {
        id: instance.id,
        name: instance.name,
        url: instance.url,
        isDefault: instance.id === defaultId,
        role: signedIn?.roles[instance.id] ?? null,
        tokenExpiresAt: token && !isExpired(token, now) ? expiresAt(token) : null,
        keepAlive: await browser.permissions.contains({ origins: [originPattern(instance.url)] }),
      };
    }),
  );
  return {
    status,
    serverUrl: options.serverUrl,
    user: signedIn?.user ?? null,
    instances,
    problem: problem ? { code: problem.code, message: problem.message, retryAt: problem.retryAt ?? null } : null,
  };
}
