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
