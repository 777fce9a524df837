// Token endpoint cost of a provider session (identity state read on each request) beside a password
// session, same server, same run: medians of sequential requests. `npx tsx test/bench/oidc-token-path.ts`
import { freePort } from '../helpers/stack.ts';
import { requestToken, signInWithForm, startTokenServer } from '../helpers/token-server.ts';
import { HttpBrowser } from '../oidc/http-browser.ts';
import { startTestProvider, tokenServerClient } from '../oidc/provider.ts';
import { signInThroughProvider } from '../oidc/sign-in-steps.ts';

const ROUNDS = Number(process.env.ROUNDS ?? 2000);
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const port = await freePort();
const url = `http://127.0.0.1:${port}`;
const client = tokenServerClient(url, 'corp');
const dave = { sub: 'sub-dave', login: 'dave', password: 'dave-password', email: 'dave@example.com', name: 'Dave', groups: [] };
const provider = await startTestProvider({ accounts: [dave], clients: [client] });
const server = await startTokenServer({
  port,
  settings: { auditLog: '', providers: [{ id: 'corp', issuer: provider.issuer, clientId: client.client_id, clientSecret: client.client_secret }] },
  users: [{ login: 'alice', password: 'alice password 123' }],
});
try {
  const local = await signInWithForm(url, 'alice', 'alice password 123');
  const browser = new HttpBrowser();
  await signInThroughProvider(browser, url, 'corp', dave);
  const oidc = `grafana_sso_session=${browser.cookies(url).get('grafana_sso_session')}`;
  const time = async (cookie: string) => {
    const t = process.hrtime.bigint();
    const res = await requestToken(url, cookie, 'grafana');
    if (res.status !== 200) throw new Error(`token ${res.status}`);
    await res.arrayBuffer();
    return Number(process.hrtime.bigint() - t) / 1e6;
  };
  for (let i = 0; i < 200; i++) await Promise.all([time(local), time(oidc)]);
  const a: number[] = [];
  const b: number[] = [];
  // Alternating, so that load on the machine falls on both alike.
  for (let i = 0; i < ROUNDS; i++) {
    a.push(await time(local));
    b.push(await time(oidc));
  }
  console.log(`POST /api/token, ${ROUNDS} sequential requests each: password session median ${median(a).toFixed(3)} ms, provider session median ${median(b).toFixed(3)} ms`);
} finally {
  await server.close();
  await provider.close();
}
