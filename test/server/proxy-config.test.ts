import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apacheSite, exampleSites, nginxSite } from '../../server/proxy-config.ts';

describe('docs/reverse-proxy.md', () => {
  const doc = readFileSync(new URL('../../docs/reverse-proxy.md', import.meta.url), 'utf8');

  it('shows exactly the site files the templates give (the ones the proxy tests run)', () => {
    expect(doc).toContain(`\`\`\`apache\n${apacheSite(exampleSites('/var/log/apache2'))}\`\`\``);
    expect(doc).toContain(`\`\`\`nginx\n${nginxSite(exampleSites('/var/log/nginx'))}\`\`\``);
  });

  it('logs neither the query string nor the Referer in either proxy', () => {
    const apache = apacheSite(exampleSites('/l'));
    const nginx = nginxSite(exampleSites('/l'));
    expect(apache).toMatch(/LogFormat ".*%U.*" grafana_sso/);
    expect(apache).not.toMatch(/LogFormat .*(%r|%q|Referer)/i);
    expect(nginx).toMatch(/log_format grafana_sso .*\$uri /);
    expect(nginx).not.toMatch(/log_format .*(\$request |\$request_uri|\$args|\$query_string|referer)/i);
    expect(apache.match(/CustomLog .* grafana_sso/g)).toHaveLength(2);
    expect(nginx.match(/access_log .* grafana_sso;/g)).toHaveLength(2);
  });
});
