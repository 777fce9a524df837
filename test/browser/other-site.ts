// "Another site" for the header rule's scoping: a page on localhost (a different site from Grafana's
// 127.0.0.1 for the browser) that links to Grafana, posts a form to it, and, through `window.probe()`,
// fetches from it, loads an <img> and an iframe from it.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtherSite {
  url: string;
  close(): Promise<void>;
}

export async function startOtherSite(grafanaUrl: string): Promise<OtherSite> {
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><title>other site</title>
<a id="link" href="${grafanaUrl}/">Grafana</a>
<form id="post" method="post" action="${grafanaUrl}/"></form>
<script>
  window.probe = () => Promise.all([
    fetch('${grafanaUrl}/api/user?from=other-site', { mode: 'no-cors', credentials: 'include' }),
    new Promise((done) => { const img = new Image(); img.onload = img.onerror = done; img.src = '${grafanaUrl}/api/search?query=from-other-site'; }),
    new Promise((done) => { const f = document.createElement('iframe'); f.onload = done; f.src = '${grafanaUrl}/api/dashboards/uid/from-other-site'; document.body.append(f); }),
  ]).then(() => 'done');
</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
