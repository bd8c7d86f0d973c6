// Entry: /embed shows one public number; every other path is the dashboard behind a key sign-in:
// usage by default, the event explorer at #events (secret keys only).
import './styles.css';
import { AlertsPage } from './alerts-page';
import { ApiClient, describeError, type Me } from './api-client';
import { DashboardPage } from './dashboard-page';
import { h } from './dom';
import { renderEmbed } from './embed-page';
import { EventsPage } from './events-page';
import { type PageName, pageFor } from './page-nav';
import { clearKey, loadKey } from './session-key';
import { renderSignIn } from './sign-in-view';
import { metersWithUsage } from './subject-scope';

const root = document.getElementById('app') ?? document.body;

let session: { client: ApiClient; me: Me } | null = null;
let shownPage: PageName | null = null;
let current: { destroy(): void } | null = null;
/** Bumped on every page switch: a dashboard whose meters arrive after the user left it stays away. */
let routeGeneration = 0;

async function openDashboard(client: ApiClient, me: Me, generation: number): Promise<void> {
  document.body.dataset.state = 'loading';
  root.replaceChildren(h('main', { id: 'main' }, h('p', { role: 'status' }, 'Loading meters…')));
  try {
    const all = await client.meters();
    // A subject-bound key lists every meter; offer only those its subject has usage on.
    const meters = me.subject ? await metersWithUsage(client, all) : all;
    if (generation !== routeGeneration) return;
    current = new DashboardPage(root, client, me, meters, signOut);
  } catch (err) {
    if (generation !== routeGeneration) return;
    session = null;
    shownPage = null;
    showSignIn(describeError(err, 'Loading meters'));
  }
}

/** Shows the page the URL asks for, unless it is already shown. */
function route(): void {
  if (!session) return;
  const want = pageFor(location.hash, session.me);
  if (want === shownPage) return;
  current?.destroy();
  current = null;
  shownPage = want;
  const generation = ++routeGeneration;
  if (want === 'events') {
    current = new EventsPage(root, session.client, session.me, route, signOut);
  } else if (want === 'alerts') {
    current = new AlertsPage(root, session.client, session.me, route, signOut);
  } else {
    void openDashboard(session.client, session.me, generation);
  }
}

function openApp(client: ApiClient, me: Me): void {
  session = { client, me };
  shownPage = null;
  route();
}

function signOut(error = ''): void {
  current?.destroy();
  current = null;
  session = null;
  shownPage = null;
  routeGeneration++;
  clearKey();
  showSignIn(error);
}

function showSignIn(error = ''): void {
  renderSignIn(root, openApp, error);
  document.body.dataset.state = error ? 'error' : 'signed-out';
}

async function start(): Promise<void> {
  if (location.pathname.replace(/\/+$/, '') === '/embed') {
    renderEmbed(root, location.search);
    return;
  }
  // Registered before any page's own listeners: a page being left is gone before they run.
  window.addEventListener('popstate', route);
  window.addEventListener('hashchange', route);
  const key = loadKey();
  if (!key) {
    showSignIn();
    return;
  }
  const client = new ApiClient(key);
  try {
    openApp(client, await client.me());
  } catch (err) {
    clearKey();
    showSignIn(describeError(err, 'Sign-in'));
  }
}

void start();
