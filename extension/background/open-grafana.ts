// Opening Grafana signed in: a new tab on `<grafana url><path>?<query>&auth_token=<jwt>`, or without
// the token when the user keeps tokens out of URLs (the header rule then signs the page in).
import browser from 'webextension-polyfill';
import type { OpenResult, OpenTarget } from '../common/messages';
import { hasOrigins } from '../common/permissions';
import { tokenForOpening } from './account-sync';
import { systemDeps, type WorkerDeps } from './worker-deps';
import { instanceUrl, withAuthToken } from './grafana-url';
import { noteOpening } from './in-use';
import { recordRecent } from './recent';
import { openSignIn } from './server-sign-in';

/** Where the page opens: the omnibox's dispositions; `background` in a target asks for a background tab. */
export type Placement = 'currentTab' | 'newForegroundTab' | 'newBackgroundTab';

export async function openGrafana(
  target: OpenTarget = {},
  deps: WorkerDeps = systemDeps,
  placement: Placement = target.background ? 'newBackgroundTab' : 'newForegroundTab',
): Promise<OpenResult> {
  const outcome = await tokenForOpening(target.instanceId, deps);
  if (!outcome.ok) {
    // Signed out (session_required): sign in, then do what was asked (finish-sign-in.ts).
    if (outcome.reason === 'signed-out') await openSignIn(target, deps.clock);
    if (outcome.reason === 'unconfigured') await browser.runtime.openOptionsPage();
    return outcome;
  }
  const { record, instance, options } = outcome;
  const url = instanceUrl(instance, target.path ?? '/');
  if (options.keepTokensOutOfUrls && !(await hasOrigins([instance.url]))) {
    // Without host access the header rule does not apply: the tab would open signed out. The user
    // chose no tokens in URLs, so say what is missing instead of putting one there.
    await browser.runtime.openOptionsPage();
    return {
      ok: false,
      reason: 'no-host-access',
      message: `Tokens are kept out of URLs, so ${instance.name} needs access to ${new URL(instance.url).host}: allow it in Options, or turn that option off.`,
    };
  }
  // Before the tab exists: a refresh due meanwhile sees the instance in use even if the tab's URL is hidden.
  await noteOpening(instance.id, deps.clock.now());
  const tabUrl = options.keepTokensOutOfUrls ? url : withAuthToken(url, record.token);
  // The omnibox's "current tab": the active tab of the window the user typed in (the worker's current window).
  const [current] = placement === 'currentTab' ? await browser.tabs.query({ active: true, currentWindow: true }) : [];
  if (current?.id !== undefined) await browser.tabs.update(current.id, { url: tabUrl });
  else await browser.tabs.create({ url: tabUrl, active: placement !== 'newBackgroundTab' });
  // A launcher opening (it names the dashboard): Recent keeps the path without query or fragment.
  if (target.title && target.path) await recordRecent({ instanceId: instance.id, path: target.path, title: target.title }, deps.clock.now());
  return { ok: true, instanceId: instance.id };
}
