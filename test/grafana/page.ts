/**
 * The HTML the stand-in serves. The dashboard page's inline script behaves like Grafana's frontend
 * (public/app/core/utils/urlToken.ts + backend_srv.ts): it reads `auth_token` from the page URL once,
 * keeps it in memory (the address bar is left alone), sends it as `<header_name>: <token>` on its API
 * calls, and leaves for /login when an API call answers 401. A header set by the browser itself (e.g. an
 * extension's declarativeNetRequest rule) replaces the one the script sends, which is the point.
 *
 * The document title is the one Grafana's frontend sets (docs/grafana-jwt.md#search), so tests can read
 * dashboards' titles from tabs.
 *
 * Hooks for tests: elements #status, #login, #name, #email, #role, #admin, #dashboard, #folder; and
 * window.standin = { refresh(), search(query), ready (the first /api/user call), apiCalls, hasUrlToken }.
 */

export interface PageOptions {
  headerName: string;
  /** The tab title, exactly. */
  tabTitle: string;
  heading: string;
  dashboardUid?: string;
  folderUid?: string;
  /** Grafana's AppSubUrl: the app calls its API under it. */
  subUrl?: string;
}

export function renderDashboardPage({ headerName, tabTitle, heading, dashboardUid, folderUid, subUrl = '' }: PageOptions): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>${escapeHtml(tabTitle)}</title></head>
<body>
<h1>${escapeHtml(heading)}</h1>
<p>Dashboard: <span id="dashboard">${escapeHtml(dashboardUid ?? '')}</span></p>
<p>Folder: <span id="folder">${escapeHtml(folderUid ?? '')}</span></p>
<p>Status: <span id="status">loading</span></p>
<p>Signed in as <span id="login"></span> (<span id="name"></span>, <span id="email"></span>),
   role <span id="role"></span>, server admin <span id="admin"></span></p>
<script>
(function () {
  var headerName = ${scriptJson(headerName)};
  var subUrl = ${scriptJson(subUrl)};
  // Read once, kept in memory: like Grafana, later navigation inside the app does not re-read it.
  var token = new URLSearchParams(window.location.search).get('auth_token');
  var state = { apiCalls: 0, hasUrlToken: !!token };

  function api(path) {
    var headers = {};
    if (token && headerName) headers[headerName] = token;
    state.apiCalls++;
    return fetch(subUrl + path, { headers: headers, credentials: 'same-origin' }).then(function (res) {
      return res.json().catch(function () { return null; }).then(function (body) {
        if (res.status === 401) {
          document.getElementById('status').textContent = 'unauthorized';
          window.location.href = subUrl + '/login';
        }
        return { status: res.status, body: body };
      });
    });
  }

  function show(id, value) { document.getElementById(id).textContent = value == null ? '' : String(value); }

  function refresh() {
    return api('/api/user').then(function (r) {
      if (r.status === 200 && r.body) {
        show('login', r.body.login); show('name', r.body.name); show('email', r.body.email);
        show('role', r.body.orgRole); show('admin', r.body.isGrafanaAdmin);
        show('status', r.body.isAnonymous ? 'anonymous' : 'signed-in');
      } else if (r.status !== 401) {
        show('status', 'error ' + r.status);
      }
      return r;
    });
  }

  function search(query) {
    return api('/api/search?query=' + encodeURIComponent(query || ''));
  }

  state.refresh = refresh;
  state.search = search;
  window.standin = state;
  state.ready = refresh();
})();
</script>
</body>
</html>
`;
}

export function renderLoginPage(): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Grafana login - Grafana stand-in</title></head>
<body>
<h1>Grafana login</h1>
<p id="status">not signed in</p>
<p>This stand-in has no password login: sign in with a JWT.</p>
</body>
</html>
`;
}

function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** JSON that cannot end the script element early. */
function scriptJson(value: unknown): string {
  return JSON.stringify(value).replace(/</g, '\\u003c').replace(/\u2028/g, '\\u2028').replace(/\u2029/g, '\\u2029');
}
