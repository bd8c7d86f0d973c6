// The "last minute" tile: a window-less query over the trailing 60 s, polled while the page is visible.
import { DateTime } from 'luxon';
import { type ApiClient, describeError } from './api-client';
import { h } from './dom';
import { toQueryParams } from './query-params';
import { formatValue } from './series';
import { toApiTime } from './time-range';

export const REALTIME_POLL_MS = 5000;

export class RealtimeTile {
  private timer: ReturnType<typeof setTimeout> | null = null;
  private generation = 0;
  private readonly valueEl = h(
    'output',
    { className: 'big', id: 'realtime-value', 'aria-live': 'off' },
    '–',
  );
  private readonly statusEl = h('p', { className: 'muted', id: 'realtime-status' }, 'Waiting…');

  constructor(host: HTMLElement) {
    host.replaceChildren(h('h2', {}, 'Last minute'), this.valueEl, this.statusEl);
    document.addEventListener('visibilitychange', () => {
      if (!document.hidden && this.timer === null && this.run) this.run();
    });
  }

  private run: (() => void) | null = null;

  start(client: ApiClient, slug: string, filters: Record<string, string[]>): void {
    this.stop();
    const gen = ++this.generation;
    const tick = async (): Promise<void> => {
      this.timer = null;
      const now = DateTime.now();
      const params = toQueryParams({
        from: toApiTime(now.minus({ seconds: 60 })),
        to: toApiTime(now),
        timeZone: 'UTC',
        groupBy: [],
        filters,
      });
      try {
        const res = await client.query(slug, params);
        if (gen !== this.generation) return;
        const total = res.data.reduce((sum, r) => sum + r.value, 0);
        this.valueEl.textContent = formatValue(total);
        this.valueEl.dataset.value = String(total);
        this.statusEl.textContent = `Updated ${now.toFormat('HH:mm:ss')}, refreshes every ${REALTIME_POLL_MS / 1000} s`;
        this.statusEl.classList.remove('error');
      } catch (err) {
        if (gen !== this.generation) return;
        this.statusEl.textContent = describeError(err, 'Realtime refresh');
        this.statusEl.classList.add('error');
      }
      if (gen === this.generation && !document.hidden)
        this.timer = setTimeout(tick, REALTIME_POLL_MS);
    };
    this.run = () => void tick();
    void tick();
  }

  stop(): void {
    this.generation++;
    if (this.timer !== null) clearTimeout(this.timer);
    this.timer = null;
    this.run = null;
  }
}
