// The options page's question "is this token server usable, and am I signed in there?", answered by
// the worker: extension pages make no server calls of their own.
import type { ServerCheck } from '../common/messages';
import { readOptions } from '../common/options';
import { serverApi, ServerError } from '../common/server-api';
import { systemDeps, type WorkerDeps } from './worker-deps';

export async function checkServer(deps: WorkerDeps = systemDeps): Promise<ServerCheck> {
  const { options } = await readOptions();
  if (!options.serverUrl) throw new Error('No token server is configured.');
  const api = serverApi(options.serverUrl, deps.fetch);
  try {
    const config = await api.getConfig();
    try {
      return { ok: true, serverUrl: options.serverUrl, config, user: (await api.getSession()).user };
    } catch (error) {
      if (error instanceof ServerError && error.code === 'session_required') return { ok: true, serverUrl: options.serverUrl, config, user: null };
      throw error;
    }
  } catch (error) {
    if (!(error instanceof ServerError)) throw error;
    return { ok: false, serverUrl: options.serverUrl, code: error.code, message: error.message };
  }
}
