// /embed: one public number (e.g. a video's total views) read with a publishable key from the URL.
// Query: meter, key, optional label, from, to, subject, filterGroupBy[dim]=value; refreshes every 30 s.
import { ApiClient, describeError } from './api-client';
import { h } from './dom';
import { formatValue } from './series';

export const EMBED_REFRESH_MS = 30_000;

export function renderEmbed(root: HTMLElement, search: string): void {
  const p = new URLSearchParams(search);
  const meter = p.get('meter') ?? '';
  const key = p.get('key') ?? '';
  const value = h('output', { id: 'embed-value', className: 'embed-number' }, '…');
  const caption = h(
    'p',
    { id: 'embed-label', className: 'embed-label' },
    p.get('label') ?? meter.replaceAll('_', ' '),
  );
  const status = h('p', { id: 'embed-status', className: 'muted', role: 'status' });
  root.replaceChildren(h('main', { className: 'embed', id: 'main' }, value, caption, status));
  document.body.classList.add('embed-body');
  if (!meter || !key) {
    value.textContent = '–';
    status.textContent = 'This embed needs ?meter=<slug>&key=<publishable key>.';
    document.body.dataset.state = 'error';
    return;
  }
  const query = new URLSearchParams();
  for (const [name, v] of p) {
    if (name === 'from' || name === 'to' || name === 'subject' || name.startsWith('filterGroupBy['))
      query.append(name, v);
  }
  const client = new ApiClient(key);
  const refresh = async (): Promise<void> => {
    try {
      const res = await client.query(meter, query);
      const total = res.data.reduce((sum, r) => sum + r.value, 0);
      value.textContent = formatValue(total);
      value.dataset.value = String(total);
      // No rows is not a measured zero: say so, or a wrong meter or key looks like a quiet day.
      status.textContent =
        res.data.length === 0
          ? `No usage recorded for ${meter} with this key${query.has('from') || query.has('to') ? ' in this range' : ''}.`
          : '';
      document.body.dataset.state = res.data.length === 0 ? 'empty' : 'ready';
    } catch (err) {
      value.textContent = '–';
      status.textContent = describeError(err, 'Loading');
      document.body.dataset.state = 'error';
    }
  };
  void refresh();
  setInterval(() => void refresh(), EMBED_REFRESH_MS);
}
