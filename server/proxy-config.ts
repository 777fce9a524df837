/**
 * Reverse-proxy sites for Apache (Debian's apache2) and nginx that terminate TLS in front of the token
 * server and Grafana. docs/reverse-proxy.md shows them generated from these templates with example
 * values (a test checks it), and the proxy tests run real Apache and nginx on the same templates.
 *
 * What the templates take care of:
 * - Access logs leave out the query string and the Referer: Grafana's URL login carries the token in
 *   `?auth_token=`, and the page it opens sends that URL as Referer to everything it loads.
 * - The token server learns the client's address from X-Forwarded-For (set trustProxy to the number
 *   of proxies, 1 here) and that the request came over https from X-Forwarded-Proto.
 * - /metrics is refused from outside; Prometheus scrapes it from inside (or use metricsAddress).
 */

export interface ProxiedSite {
  /** Host name users type, e.g. sso.example.com. */
  serverName: string;
  /** Where the proxy listens for it: `*:443` (Apache) or `443` (nginx) in production. */
  listen: string;
  /** Where the proxy sends requests, e.g. http://127.0.0.1:8080. */
  upstream: string;
}

export interface ProxySites {
  tokenServer: ProxiedSite;
  grafana: ProxiedSite;
  certFile: string;
  keyFile: string;
  /** Folder of the access logs. */
  logDir: string;
}

/** The values docs/reverse-proxy.md shows. */
export const exampleSites = (logDir: string): ProxySites => ({
  tokenServer: { serverName: 'sso.example.com', listen: '443', upstream: 'http://127.0.0.1:8080' },
  grafana: { serverName: 'grafana.example.com', listen: '443', upstream: 'http://127.0.0.1:3000' },
  certFile: '/etc/ssl/certs/example.com.pem',
  keyFile: '/etc/ssl/private/example.com.key',
  logDir,
});

/** A site file for Debian's apache2 (`/etc/apache2/sites-available/grafana-sso.conf`). */
export function apacheSite(s: ProxySites): string {
  const host = (site: ProxiedSite, name: string, extra: string[]) => [
    `<VirtualHost ${site.listen.includes(':') ? site.listen : `*:${site.listen}`}>`,
    `    ServerName ${site.serverName}`,
    '    SSLEngine on',
    `    SSLCertificateFile ${s.certFile}`,
    `    SSLCertificateKeyFile ${s.keyFile}`,
    '    SSLProtocol -all +TLSv1.2 +TLSv1.3',
    `    CustomLog ${s.logDir}/${name}.access.log grafana_sso`,
    ...extra,
    '    ProxyPreserveHost On',
    '    # mod_proxy_http appends the client address to X-Forwarded-For.',
    '    RequestHeader set X-Forwarded-Proto "https"',
    `    ProxyPass / ${site.upstream}/`,
    `    ProxyPassReverse / ${site.upstream}/`,
    '</VirtualHost>',
  ];
  return [
    '# a2enmod ssl proxy proxy_http headers; a2ensite grafana-sso',
    "# a2disconf other-vhosts-access-log: Debian's shared vhost log writes every full request line and Referer.",
    '# Access log without query strings (%U) or Referer: Grafana URL logins carry the token in ?auth_token=.',
    'LogFormat "%h %l %u %t \\"%m %U %H\\" %>s %b \\"%{User-Agent}i\\"" grafana_sso',
    '',
    ...host(s.tokenServer, 'grafana-sso', [
      '    # Prometheus scrapes /metrics from inside, not through the public name.',
      '    <Location "/metrics">',
      '        Require all denied',
      '    </Location>',
    ]),
    '',
    ...host(s.grafana, 'grafana', ['    Header always set Strict-Transport-Security "max-age=31536000"']),
    '',
  ].join('\n');
}

/** A site file for nginx (`/etc/nginx/sites-available/grafana-sso`, inside `http {}`). */
export function nginxSite(s: ProxySites): string {
  const server = (site: ProxiedSite, name: string, extra: string[]) => [
    'server {',
    `    listen ${site.listen} ssl;`,
    `    server_name ${site.serverName};`,
    `    ssl_certificate ${s.certFile};`,
    `    ssl_certificate_key ${s.keyFile};`,
    '    ssl_protocols TLSv1.2 TLSv1.3;',
    `    access_log ${s.logDir}/${name}.access.log grafana_sso;`,
    ...extra,
    '    location / {',
    `        proxy_pass ${site.upstream};`,
    '        proxy_set_header Host $host;',
    '        proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;',
    '        proxy_set_header X-Forwarded-Proto $scheme;',
    '        proxy_set_header X-Request-Id $request_id;',
    '    }',
    '}',
  ];
  return [
    '# Access log without query strings ($uri, not $request) or Referer: Grafana URL logins carry the token in ?auth_token=.',
    'log_format grafana_sso \'$remote_addr - $remote_user [$time_local] "$request_method $uri $server_protocol" $status $body_bytes_sent "$http_user_agent" $request_id\';',
    '',
    ...server(s.tokenServer, 'grafana-sso', [
      '    # Prometheus scrapes /metrics from inside, not through the public name.',
      '    location = /metrics {',
      '        deny all;',
      '    }',
    ]),
    '',
    ...server(s.grafana, 'grafana', ['    add_header Strict-Transport-Security "max-age=31536000" always;']),
    '',
  ].join('\n');
}
