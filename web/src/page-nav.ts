// The pages behind a sign-in: usage (the default), Events at #events and Alerts at #alerts (secret keys only).
import type { Me } from './api-client';
import { h } from './dom';

export type PageName = 'usage' | 'events' | 'alerts';

/** The event list and explain endpoints answer secret keys only. */
export function canExploreEvents(me: Me): boolean {
  return me.keyKind === 'secret' && !me.subject;
}

/** The page a URL asks for and the key may see. */
export function pageFor(hash: string, me: Me): PageName {
  if (!canExploreEvents(me)) return 'usage';
  // The Alerts page (alert rules, webhook endpoints) answers the same keys as the Events page.
  return hash === '#events' ? 'events' : hash === '#alerts' ? 'alerts' : 'usage';
}

/**
 * Links between the pages; null for keys that have only the one. Usage drops the fragment with
 * pushState (a link without one would reload the page), so `onUsage` must show it.
 */
export function pageNav(me: Me, current: PageName, onUsage: () => void): HTMLElement | null {
  if (!canExploreEvents(me)) return null;
  const usage = h(
    'a',
    {
      href: `${location.pathname}${location.search}`,
      id: 'nav-usage',
      'aria-current': current === 'usage' ? 'page' : null,
    },
    'Usage',
  );
  usage.addEventListener('click', (ev) => {
    if (ev.button !== 0 || ev.metaKey || ev.ctrlKey || ev.shiftKey || ev.altKey) return;
    ev.preventDefault();
    if (current === 'usage') return;
    history.pushState(null, '', `${location.pathname}${location.search}`);
    onUsage();
  });
  const events = h(
    'a',
    { href: '#events', id: 'nav-events', 'aria-current': current === 'events' ? 'page' : null },
    'Events',
  );
  const alerts = h(
    'a',
    { href: '#alerts', id: 'nav-alerts', 'aria-current': current === 'alerts' ? 'page' : null },
    'Alerts',
  );
  return h('nav', { className: 'pages', 'aria-label': 'Pages' }, usage, events, alerts);
}

/** What a secondary page (Events, Alerts) hands its top bar. */
export interface TopbarParts {
  me: Me;
  current: Exclude<PageName, 'usage'>;
  /** The skip link's target and words, for keyboard users. */
  skip?: { href: string; label: string };
  /** Stops the page's work: called before leaving it either way. */
  leave: () => void;
  onUsage: () => void;
  onSignOut: () => void;
}

/** The top bar of a secondary page: brand, account, page links and sign-out. */
export function secondaryTopbar(p: TopbarParts): HTMLElement {
  const signOut = h('button', { type: 'button', id: 'sign-out' }, 'Sign out');
  signOut.addEventListener('click', () => {
    p.leave();
    p.onSignOut();
  });
  return h(
    'header',
    { className: 'topbar' },
    p.skip ? h('a', { className: 'skip', href: p.skip.href }, p.skip.label) : null,
    h('strong', { className: 'brand' }, 'Tally'),
    h('span', { id: 'account', className: 'muted' }, `${p.me.accountName} · ${p.me.keyKind} key`),
    pageNav(p.me, p.current, () => {
      p.leave();
      p.onUsage();
    }),
    h('span', { className: 'spacer' }),
    signOut,
  );
}
