import type { InstanceConfig } from '../config.ts';
import type { GrafanaRole } from '../contract/index.ts';
import type { User } from '../store/types.ts';
import { html, type Html } from './html.ts';

/** Server-rendered pages: plain forms that work without JavaScript, styled by /assets/style.css. */
export const STYLE = `
body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1f2328}
main{max-width:28rem;margin:4rem auto;background:#fff;padding:2rem;border-radius:8px;box-shadow:0 1px 3px #0002}
h1{font-size:1.4rem;margin-top:0} label{display:block;margin:.8rem 0 .2rem;font-weight:600}
input[type=text],input[type=password]{width:100%;box-sizing:border-box;padding:.5rem;font-size:1rem;border:1px solid #aaa;border-radius:4px}
button{margin-top:1rem;padding:.5rem 1rem;font-size:1rem;border:0;border-radius:4px;background:#1f60c4;color:#fff;cursor:pointer}
button.link{background:none;color:#1f60c4;padding:0;margin:0}
a.button{display:inline-block;padding:.5rem 1rem;border-radius:4px;background:#1f60c4;color:#fff;text-decoration:none}
.error{background:#fde7e9;color:#a4000f;padding:.6rem;border-radius:4px} .muted{color:#666;font-size:.9rem}
ul.instances{list-style:none;padding:0} ul.instances li{display:flex;justify-content:space-between;align-items:center;padding:.6rem 0;border-bottom:1px solid #eee}
ul.instances form{margin:0} ul.instances button{margin:0}
:focus-visible{outline:2px solid #1f60c4;outline-offset:2px}
`;

function layout(title: string, body: Html): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title><link rel="stylesheet" href="/assets/style.css"></head>
<body><main>${body}</main></body></html>`.value;
}

export interface LoginPageOptions {
  csrf: string;
  returnTo: string;
  login?: string;
  error?: string;
  /** "Sign in with <name>" buttons, one per identity provider. */
  providers?: { id: string; name: string }[];
  /** Show the password form (local accounts on). */
  passwordForm?: boolean;
  notice?: string;
}

export function loginPage(o: LoginPageOptions): string {
  const providers = o.providers ?? [];
  const returnTo = encodeURIComponent(o.returnTo);
  return layout(
    'Sign in',
    html`<h1>Sign in to Grafana SSO</h1>
${o.notice ? html`<p class="muted" role="status">${o.notice}</p>` : ''}
${o.error ? html`<p class="error" role="alert">${o.error}</p>` : ''}
${providers.map((p) => html`<p><a class="button" href="/oidc/${p.id}/login?return_to=${returnTo}">Sign in with ${p.name}</a></p>`)}
${o.passwordForm === false ? '' : passwordForm(o, providers.length > 0)}`,
  );
}

function passwordForm(o: LoginPageOptions, withProviders: boolean) {
  return html`${withProviders ? html`<p class="muted">Or with a local account:</p>` : ''}
<form method="post" action="/login">
  <input type="hidden" name="csrf" value="${o.csrf}">
  <input type="hidden" name="return_to" value="${o.returnTo}">
  <label for="login">Login</label>
  <input type="text" id="login" name="login" value="${o.login ?? ''}" autocomplete="username" autofocus required>
  <label for="password">Password</label>
  <input type="password" id="password" name="password" autocomplete="current-password" required>
  <button type="submit">Sign in</button>
</form>`;
}

export function homePage(o: { user: User; csrf: string; instances: { instance: InstanceConfig; role: GrafanaRole }[]; isAdmin: boolean }): string {
  return layout(
    'Grafana SSO',
    html`<h1>Signed in as ${o.user.name}</h1>
<p class="muted">${o.user.login} · ${o.user.email}</p>
${o.instances.length === 0 ? html`<p class="error">You have no access to any Grafana instance. Ask an administrator.</p>` : ''}
<ul class="instances">
${o.instances.map(
  ({ instance, role }) => html`<li><span><strong>${instance.name}</strong> <span class="muted">as ${role}</span></span>
<form method="post" action="/open/${instance.id}"><input type="hidden" name="csrf" value="${o.csrf}"><button type="submit">Open</button></form>
${o.isAdmin ? html`<a class="muted" href="/admin/grafana-config/${instance.id}">Grafana settings</a>` : ''}</li>`,
)}
</ul>
<form method="post" action="/logout"><input type="hidden" name="csrf" value="${o.csrf}"><button type="submit" class="link">Sign out</button></form>`,
  );
}

export function messagePage(title: string, message: string, link?: { href: string; text: string }, code?: string): string {
  return layout(
    title,
    html`<h1>${title}</h1><p>${message}</p>${code ? html`<p class="muted">Error code: <code id="error-code">${code}</code></p>` : ''}${link ? html`<p><a href="${link.href}">${link.text}</a></p>` : ''}`,
  );
}

/** After sign-out of a provider session: offer to sign out at the provider too (RP-initiated logout). */
export function signedOutPage(o: { providerName: string; endSessionUrl: string }): string {
  return layout(
    'Signed out',
    html`<h1>Signed out</h1><p>You are signed out of Grafana SSO. You are still signed in at ${o.providerName}.</p>
<p><a class="button" id="provider-logout" href="${o.endSessionUrl}">Also sign out at ${o.providerName}</a></p>
<p><a href="/login?signed_out=1">Back to the sign-in page</a></p>`,
  );
}
