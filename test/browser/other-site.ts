// "Another site" for the header rule's scoping: a page on localhost (a different site from Grafana's
// 127.0.0.1 for the browser) that links to Grafana, posts a form to it, and, through `window.probe()`,
// fetches from it, loads an <img> and an iframe from it; plus links of a test's own (`links`: element id
// → href, e.g. /go/ links on the token server) and `window.probeLink(href)`, which loads one as an
// <img> and with fetch, as a page that is not navigating would.
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface OtherSite {
  url: string;
  close(): Promise<void>;
}

const attr = (v: string) => v.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');

export async function startOtherSite(grafanaUrl: string, links: Record<string, string> = {}): Promise<OtherSite> {
  const extra = Object.entries(links).map(([id, href]) => `<a id="${attr(id)}" href="${attr(href)}">${attr(id)}</a>`).join('\n');
  const server = createServer((_req, res) => {
    res.setHeader('Content-Type', 'text/html');
    res.end(`<!doctype html><title>other site</title>
<a id="link" href="${grafanaUrl}/">Grafana</a>
<form id="post" method="post" action="${grafanaUrl}/"></form>
${extra}
<script>
  window.probe = () => Promise.all([
    fetch('${grafanaUrl}/api/user?from=other-site', { mode: 'no-cors', credentials: 'include' }),
    new Promise((done) => { const img = new Image(); img.onload = img.onerror = done; img.src = '${grafanaUrl}/api/search?query=from-other-site'; }),
    new Promise((done) => { const f = document.createElement('iframe'); f.onload = done; f.src = '${grafanaUrl}/api/dashboards/uid/from-other-site'; document.body.append(f); }),
  ]).then(() => 'done');
  window.probeLink = (href) => Promise.all([
    fetch(href, { mode: 'no-cors', credentials: 'include' }).catch(() => undefined),
    new Promise((done) => { const img = new Image(); img.onload = img.onerror = done; img.src = href; }),
  ]).then(() => 'done');
</script>`);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://localhost:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
