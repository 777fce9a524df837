import { GRAFANA_TOKEN_ENV, PreflightError, runPreflight, type PreflightReport, type Takeover } from '../../grafana-preflight.ts';
import { UsageError, command } from '../command.ts';

/**
 * `grafana-preflight [INSTANCE]`: run before switching SSO on (README, "Grafana already has users").
 * Exit 0: nobody would be demoted; 3: someone would be (listed first); 1: the check could not run
 * (unreachable, timeout, not Grafana, token refused or lacking the permission); 2: bad usage.
 */
export const commands = [
  command({
    words: ['grafana-preflight'],
    args: [{ name: 'INSTANCE', optional: true }],
    options: {
      'grafana-url': { type: 'string', value: 'URL', help: "Grafana's URL (default: the instance's url)" },
      'token-stdin': { type: 'boolean', help: `read the service-account token from standard input (default: ${GRAFANA_TOKEN_ENV})` },
      timeout: { type: 'string', value: 'SECONDS', help: 'per request (default 10)' },
      format: { type: 'string', value: 'text|json' },
    },
    summary: 'Grafana accounts SSO would take over, roles it would change (exit 3: a demotion)',
    async run({ config, io, args, options, store }) {
      const id = args[0] ?? config.defaultInstance;
      const instance = config.instances.find((i) => i.id === id);
      if (!instance) throw new UsageError(`No instance "${id}"; configured: ${config.instances.map((i) => i.id).join(', ')}`);
      const format = options.format ?? 'text';
      if (format !== 'text' && format !== 'json') throw new UsageError('--format must be text or json');
      const seconds = Number(options.timeout ?? '10');
      if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 600) throw new UsageError('--timeout must be a number of seconds, more than 0 and at most 600');
      const grafanaUrl = options['grafana-url'];
      if (grafanaUrl !== undefined && !/^https?:\/\/[^/]/.test(grafanaUrl)) throw new UsageError('--grafana-url must be an http(s) URL');
      const token = (options['token-stdin'] ? await io.readStdin() : (io.env[GRAFANA_TOKEN_ENV] ?? '')).trim();
      if (!token) throw new UsageError(`A Grafana service-account token is needed: set ${GRAFANA_TOKEN_ENV} or pass it on standard input with --token-stdin`);

      const { store: db } = await store();
      let report: PreflightReport;
      try {
        report = await runPreflight({ instance, users: await db.listUsers(), token, timeoutMs: seconds * 1000, ...(grafanaUrl ? { grafanaUrl } : {}) });
      } catch (e) {
        if (!(e instanceof PreflightError)) throw e;
        io.err(`grafana-preflight: ${e.message}`);
        return 1;
      }
      io.out(format === 'json' ? JSON.stringify(report, null, 2) : describe(report, instance.id).join('\n'));
      return report.takeovers.some(isDemotion) ? 3 : 0;
    },
  }),
];

const isDemotion = (t: Takeover) => t.change === 'demotion' || t.losesServerAdmin;

function describe(report: PreflightReport, instanceId: string): string[] {
  const lines = [
    `Grafana ${report.grafanaVersion} at ${report.grafanaUrl}, org ${report.org.id} "${report.org.name}": ${report.accountsChecked} accounts checked.`,
  ];
  if (report.coverage === 'org-members') {
    lines.push(`Only members of org ${report.org.id} were checked: the token lacks users:read (only a server admin has it), so accounts outside this org are not seen.`);
  }
  if (report.org.id !== 1) lines.push(`Note: JWT sign-in puts users in the main org (auto_assign_org_id, default 1), not necessarily org ${report.org.id}.`);
  if (report.takeovers.length === 0) {
    lines.push(`No existing Grafana account has the email or login of a user who can open "${instanceId}": SSO creates new accounts only.`);
    return lines;
  }
  const demotions = report.takeovers.filter(isDemotion).length;
  const n = report.takeovers.length;
  lines.push(`${n} Grafana account${n === 1 ? '' : 's'} would be taken over by users of "${instanceId}"${demotions ? `, ${demotions} of them demoted` : ''}:`);
  for (const t of report.takeovers) lines.push(line(t));
  if (demotions) lines.push(`Before switching SSO on, give these users their Grafana role here (users set-role LOGIN ${instanceId} ROLE, or groupRoles), then run this again.`);
  return lines;
}

function line(t: Takeover): string {
  const a = t.account;
  const who = `${a.login} (${a.email || 'no email'}, id ${a.id}${a.linkedToJwt ? ', already JWT-linked' : ''})`;
  const by = `user "${t.user.login}" here, same ${t.matchedBy}`;
  const tokenOrgRole = t.tokenRole === 'GrafanaAdmin' ? 'Admin + server admin' : t.tokenRole;
  const change = t.change === 'joins-org' ? `joins the org as ${tokenOrgRole}` : t.change === 'unchanged' ? `stays ${a.role}` : `${a.role} → ${tokenOrgRole}`;
  const notes = [
    ...(t.losesServerAdmin ? ['loses server admin'] : []),
    ...(t.lastAdmin ? ["the org's last Admin: Grafana refuses the demotion, so this user's sign-in fails (unless a service account is an Admin)"] : []),
    ...(a.otherOrgs?.length ? [`leaves ${a.otherOrgs.map((o) => `org ${o.id} "${o.name}" (${o.role})`).join(', ')}`] : []),
  ];
  const label = isDemotion(t) ? 'DEMOTED ' : t.change === 'unchanged' ? 'SAME    ' : 'CHANGED ';
  return `  ${label}${who}: ${change}${notes.length ? `; ${notes.join('; ')}` : ''} — ${by}`;
}
