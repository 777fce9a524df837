import type { OptionKey, ResolvedOptions } from '../common/options';

export type Notice = { kind: 'ok' | 'error' | 'info'; text: string } | null;

/** Says who set an option the user cannot change here. */
export function LockNote(props: { resolved: ResolvedOptions; option: OptionKey }) {
  const source = props.resolved.source[props.option];
  if (source === 'managed') return <span className="locked">🔒 set by your administrator</span>;
  if (source === 'preset') return <span className="locked">preset by your organisation</span>;
  return null;
}

export function NoticeLine(props: { notice: Notice; role?: 'alert' | 'status' }) {
  const { notice } = props;
  if (!notice) return null;
  return (
    <p className={`notice ${notice.kind === 'info' ? '' : notice.kind}`} role={props.role ?? (notice.kind === 'error' ? 'alert' : 'status')}>
      {notice.text}
    </p>
  );
}
