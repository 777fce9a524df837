// "Copy link": the Grafana page in the current tab as the token server's /go/ link, which opens it
// signed in for whoever follows it. Shown only when the current tab is in a reachable instance.
import { useEffect, useState } from 'react';
import type { PageLink } from '../common/launcher';
import { send } from '../common/messages';

export function CopyLink(props: { announce: (text: string) => void }) {
  const [link, setLink] = useState<PageLink | null>(null);
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    let alive = true;
    send('currentPageLink').then(
      (l) => alive && setLink(l),
      () => undefined, // no link to offer: the button stays hidden
    );
    return () => void (alive = false);
  }, []);
  if (!link) return null;

  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link.link);
      setCopied(true);
      props.announce('Link copied');
    } catch {
      props.announce('Could not copy the link');
    }
  };
  return (
    <button className="copy-link" onClick={() => void copy()} title={`A link to “${link.title}” that opens it signed in: ${link.link}`}>
      {copied ? 'Link copied' : 'Copy link'}
    </button>
  );
}
