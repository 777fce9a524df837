/** Grafana's org roles, in its exact, case-sensitive spelling (docs/grafana-jwt.md#roles), lowest first. */
export const GRAFANA_ROLES = ['None', 'Viewer', 'Editor', 'Admin', 'GrafanaAdmin'] as const;
export type GrafanaRole = (typeof GRAFANA_ROLES)[number];

export function isGrafanaRole(value: unknown): value is GrafanaRole {
  return typeof value === 'string' && (GRAFANA_ROLES as readonly string[]).includes(value);
}

export function roleRank(role: GrafanaRole): number {
  return GRAFANA_ROLES.indexOf(role);
}

/** Finds the Grafana spelling of a role typed in any case ("admin" → "Admin"), for CLI input. */
export function parseRole(input: string): GrafanaRole | undefined {
  return GRAFANA_ROLES.find((r) => r.toLowerCase() === input.trim().toLowerCase());
}
