// Entry: /embed shows one public number; every other path is the dashboard behind a key sign-in.
import './styles.css';
import { ApiClient, describeError, type Me } from './api-client';
import { DashboardPage } from './dashboard-page';
import { h } from './dom';
import { renderEmbed } from './embed-page';
import { clearKey, loadKey } from './session-key';
import { renderSignIn } from './sign-in-view';
import { metersWithUsage } from './subject-scope';

const root = document.getElementById('app') ?? document.body;

async function openDashboard(client: ApiClient, me: Me): Promise<void> {
  document.body.dataset.state = 'loading';
  root.replaceChildren(h('main', { id: 'main' }, h('p', { role: 'status' }, 'Loading meters…')));
  try {
    const all = await client.meters();
    // A subject-bound key lists every meter; offer only those its subject has usage on.
    const meters = me.subject ? await metersWithUsage(client, all) : all;
    new DashboardPage(root, client, me, meters, signOut);
  } catch (err) {
    showSignIn(describeError(err, 'Loading meters'));
  }
}

function signOut(): void {
  clearKey();
  showSignIn();
}

function showSignIn(error = ''): void {
  renderSignIn(root, (client, me) => void openDashboard(client, me), error);
  document.body.dataset.state = error ? 'error' : 'signed-out';
}

async function start(): Promise<void> {
  if (location.pathname.replace(/\/+$/, '') === '/embed') {
    renderEmbed(root, location.search);
    return;
  }
  const key = loadKey();
  if (!key) {
    showSignIn();
    return;
  }
  const client = new ApiClient(key);
  try {
    await openDashboard(client, await client.me());
  } catch (err) {
    clearKey();
    showSignIn(describeError(err, 'Sign-in'));
  }
}

void start();
