// The toolbar badge: signed in / signed out / error at a glance, derived from the stored state.
import browser from 'webextension-polyfill';
import { load, type Account, type Problem } from './store';

export interface Badge {
  text: string;
  color: string;
  title: string;
}

export function badgeFor(account: Account | undefined, problem: Problem | undefined): Badge {
  if (problem) return { text: '!', color: '#c4314b', title: `Grafana SSO: ${problem.message}` };
  switch (account?.status) {
    case 'signed-in':
      return { text: '✓', color: '#1a7f37', title: `Grafana SSO: signed in as ${account.user.login}` };
    case 'signed-out':
      return { text: 'off', color: '#6e7781', title: 'Grafana SSO: signed out. Click to sign in.' };
    case 'unconfigured':
      return { text: '?', color: '#6e7781', title: 'Grafana SSO: no token server configured' };
    default:
      return { text: '', color: '#6e7781', title: 'Grafana SSO' };
  }
}

export async function updateBadge(): Promise<void> {
  const [account, problem] = await Promise.all([load('account'), load('problem')]);
  const badge = badgeFor(account, problem);
  await Promise.all([
    browser.action.setBadgeText({ text: badge.text }),
    browser.action.setBadgeBackgroundColor({ color: badge.color }),
    browser.action.setTitle({ title: badge.title }),
  ]);
}
