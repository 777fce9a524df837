// The options page: one section per concern, each fed by hooks; every server call goes through the
// worker (messages.ts), like the popup's.
import { useState } from 'react';
import { InstancesSection } from './InstancesSection';
import { NoticeLine, type Notice } from './LockNote';
import { PrivacySection } from './PrivacySection';
import { RefreshSection } from './RefreshSection';
import { ServerSection } from './ServerSection';
import { useGranted } from './use-granted';
import { useOptions, useSaveOption } from './use-options';
import { useServerCheck } from './use-server-check';

export function OptionsPage() {
  const resolved = useOptions();
  const serverUrl = resolved?.options.serverUrl ?? '';
  const { check, config, error, recheck } = useServerCheck(serverUrl);
  const granted = useGranted(serverUrl, config);
  const [notice, setNotice] = useState<Notice>(null);
  const save = useSaveOption((text) => setNotice({ kind: 'error', text }));

  // The heading comes first in every state, loading too: it names the page for screen readers.
  if (!resolved) {
    return (
      <main>
        <h1>Grafana SSO</h1>
        <p className="muted">Loading…</p>
      </main>
    );
  }
  const problem = error ?? (check && !check.ok ? check.message : null);
  return (
    <main>
      <h1>Grafana SSO</h1>
      <NoticeLine notice={notice} />
      {problem ? <NoticeLine notice={{ kind: 'error', text: `Could not read the server's configuration: ${problem}` }} /> : null}
      <ServerSection resolved={resolved} granted={granted} recheck={recheck} onNotice={setNotice} />
      {config ? <InstancesSection resolved={resolved} config={config} granted={granted} save={save} onNotice={setNotice} /> : null}
      <PrivacySection resolved={resolved} grafanaGranted={granted.grafana} save={save} />
      <RefreshSection resolved={resolved} save={save} />
    </main>
  );
}
