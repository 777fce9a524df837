// Stars a dashboard in a Grafana stand-in as a user of the token server, the way Grafana's UI does
// it: POST /api/user/stars/dashboard/uid/<uid>, signed in by that user's own token.
import type { Stack } from './stack.ts';
import { requestToken, signInWithForm } from './token-server.ts';

export async function starDashboard(stack: Stack, instanceId: string, user: { login: string; password: string }, uid: string): Promise<void> {
  const cookie = await signInWithForm(stack.server.url, user.login, user.password);
  const minted = await requestToken(stack.server.url, cookie, instanceId);
  if (minted.status !== 200) throw new Error(`no token for ${user.login} on ${instanceId}: ${minted.status}`);
  const { token } = (await minted.json()) as { token: string };
  const grafana = stack.grafana[instanceId]!;
  const res = await fetch(`${grafana.url}/api/user/stars/dashboard/uid/${encodeURIComponent(uid)}`, { method: 'POST', headers: { 'X-JWT-Assertion': token } });
  if (res.status !== 200) throw new Error(`starring ${uid} on ${instanceId} answered ${res.status}: ${await res.text()}`);
}
