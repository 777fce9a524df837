// The launcher's interface between the popup and the worker: dashboard search across instances,
// starred and recent dashboards. Searches go over a port (one per open popup) so that a newer query
// cancels the older one in the worker; opening goes through the `open` message.
/** runtime.connect name of the popup's search port. */
export const searchPortName = 'launcher-search';

/** One dashboard or folder, as Grafana's /api/search answered it, placed in its instance. */
export interface DashboardHit {
  instanceId: string;
  instanceName: string;
  uid: string;
  title: string;
  type: 'dash-db' | 'dash-folder';
  /** Path within the instance ('/'-rooted, the instance's sub-path removed): what `open` takes. */
  path: string;
  /** The folder's title; null at the root ("Dashboards"/"General"). */
  folderTitle: string | null;
  tags: string[];
  isStarred: boolean;
}

/** A dashboard the user opened, kept by the extension (storage.local, capped): never a token, never content. */
export interface RecentDashboard {
  instanceId: string;
  /** Path within the instance, without query or fragment. */
  path: string;
  title: string;
  /** Local time (ms). */
  openedAt: number;
}

/** Why an instance has no results to show; each says what to do. */
export type InstanceSearchProblem =
  | 'no-access' // the user has no role there
  | 'no-host-access' // the Grafana origin is not granted: the worker cannot call its API
  | 'signed-out' // no session at the token server
  | 'unreachable' // no HTTP answer (network, timeout)
  | 'rejected' // Grafana answered 401/403 to the token: its [auth.jwt] settings
  | 'bad-answer'; // an answer that is not Grafana's search JSON

export interface InstanceSearchStatus {
  instanceId: string;
  instanceName: string;
  problem: InstanceSearchProblem | null;
  message: string | null;
}

/** Popup → worker over the port. An empty query asks for starred and recent dashboards. */
export interface SearchRequest {
  seq: number;
  query: string;
}

/**
 * Worker → popup over the port. Sent as instances answer; `done` once all have answered. Each answer
 * carries everything known so far for its `seq` (hits ranked across instances and capped, the status
 * of every instance that answered): the popup shows the latest one and drops answers of older seqs.
 */
export interface SearchAnswer {
  seq: number;
  query: string;
  hits: DashboardHit[];
  /** Only for the empty query: most recent first. */
  recent: RecentDashboard[];
  instances: InstanceSearchStatus[];
  done: boolean;
}

/** The Grafana page in the current tab as a link anyone can follow (the token server's /go/ form). */
export interface PageLink {
  instanceId: string;
  title: string;
  /** https://<token server>/go/<instance>/<path>. */
  link: string;
}
