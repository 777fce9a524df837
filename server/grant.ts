import type { InstanceConfig } from './config.ts';
import { HttpError } from './errors.ts';
import type { Context } from './context.ts';
import { roleFor } from './policy.ts';
import { mintToken, type MintedToken } from './token-signing.ts';
import { AUTH_TOKEN_PARAM, withParam, type GrafanaRole } from './contract/index.ts';
import type { User } from './store/types.ts';
import { TurnBudget } from './turn-budget.ts';

// One per process, like the event loop it shares out. Eight token requests a turn: a turn costs a few
// milliseconds at saturation, and audit rows still commit in groups of several (docs/benchmarks.md).
const signingTurns = new TurnBudget(8);

/**
 * The one path from a signed-in user to a Grafana token, shared by the JSON API (extension) and the
 * home page's Open buttons and /go/ links: resolve the instance, apply policy, sign, audit (`via` says
 * a link was followed).
 */
export async function grantToken(ctx: Context, user: User, instanceId: string, via?: 'link'): Promise<MintedToken & { role: GrafanaRole; instance: InstanceConfig }> {
  const instance = ctx.instance(instanceId);
  if (!instance) {
    ctx.metrics.tokensMinted.inc({ instance: '(unknown)', outcome: 'unknown_instance' });
    throw new HttpError('unknown_instance', { instance: instanceId });
  }
  const role = roleFor(user, instance);
  if (!role) {
    ctx.metrics.tokensMinted.inc({ instance: instance.id, outcome: 'denied' });
    throw new HttpError('access_denied', { disabled: user.disabled, instanceName: instance.name });
  }
  // Signing and the audit commit take their turn, so a saturated server keeps accepting connections.
  await signingTurns.next();
  const minted = await mintToken({
    signer: await ctx.keys.currentSigner(),
    issuer: ctx.config.publicUrl,
    instance,
    user,
    role,
    nowMs: ctx.clock.now(),
    lifetimeSeconds: ctx.config.tokenLifetimeSeconds,
  });
  ctx.metrics.tokensMinted.inc({ instance: instance.id, outcome: 'minted' });
  await ctx.audit.record('token_minted', { user: user.id, login: user.login, instance: instance.id, role, jti: minted.jti, exp: minted.exp, ...(via ? { via } : {}) });
  return { ...minted, role, instance };
}

/** `target` (already resolved inside the instance, see contract/target-url.ts) with `auth_token` added, for URL login. */
export function grafanaUrlWithToken(target: URL, token: string): string {
  // The rest of the query byte for byte: searchParams would re-encode Grafana's variables.
  return withParam(target.href, AUTH_TOKEN_PARAM, token);
}
