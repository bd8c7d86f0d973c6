// The Events page: stored events newest first, filters, "Load more", a live tail, and one event's
// detail with what each meter of the account makes of it.
import { DateTime } from 'luxon';
import { type ApiClient, describeError, type IngestedEvent, type Me } from './api-client';
import { h, option } from './dom';
import { renderEventDetail } from './event-detail-view';
import {
  DEFAULT_PAGE_SIZE,
  EMPTY_FILTER_FORM,
  type EventFilterForm,
  eventFilter,
  eventListParams,
  formProblem,
  localToInstant,
  PAGE_SIZES,
} from './events-filter';
import { eventKey, eventRow, eventsTable, newestIngestedAt } from './events-table';
import { secondaryTopbar } from './page-nav';
import { Poller } from './poller';

export const TAIL_POLL_MS = 2000;
/** Pages one tail poll follows; more new events than this at once need a reload to see them all. */
const TAIL_MAX_PAGES = 5;
const TAIL_PAGE_SIZE = 100;

type ListStatus = 'loading' | 'ready' | 'empty' | 'error';

export class EventsPage {
  private form: EventFilterForm = { ...EMPTY_FILTER_FORM };
  private pageSize = DEFAULT_PAGE_SIZE;
  /** Bumped by every reload and by destroy: answers to an older generation are dropped. */
  private generation = 0;
  private listAbort: AbortController | null = null;
  private detailAbort: AbortController | null = null;
  private cursor: string | undefined;
  /** The latest ingestedAt among the rows received: the tail asks for what came after it. */
  private newest = '';
  private tailAdded = 0;
  private readonly shownKeys = new Set<string>();
  private selected: HTMLTableRowElement | null = null;
  private readonly tail: Poller;

  private readonly filters = h('form', {
    id: 'events-filters',
    className: 'card',
    'aria-label': 'Event filters',
  });
  private readonly filterError = h('p', {
    id: 'events-filter-error',
    className: 'error',
    role: 'alert',
  });
  private readonly status = h('p', { id: 'events-status', role: 'status', 'aria-live': 'polite' });
  private readonly tbody = h('tbody');
  private readonly more = h(
    'button',
    { type: 'button', id: 'events-more', hidden: true },
    'Load more',
  );
  private readonly tailBox = h('input', { type: 'checkbox', id: 'events-tail' });
  private readonly tailStatus = h(
    'p',
    { id: 'tail-status', className: 'muted', 'aria-live': 'polite' },
    'Live tail is off.',
  );
  private readonly detailTitle = h('h2', { id: 'event-detail-title' }, 'Event');
  private readonly detailBody = h('div', { id: 'event-detail-body' });
  private readonly detail = h('section', {
    id: 'event-detail',
    className: 'card',
    'aria-labelledby': 'event-detail-title',
    tabindex: -1,
    hidden: true,
  });

  constructor(
    private readonly root: HTMLElement,
    private readonly client: ApiClient,
    private readonly me: Me,
    private readonly onUsage: () => void,
    private readonly onSignOut: () => void,
  ) {
    this.tail = new Poller(() => this.tailTick(), TAIL_POLL_MS);
    this.renderFilters();
    const close = h(
      'button',
      { type: 'button', id: 'event-detail-close', className: 'link' },
      'Close',
    );
    close.addEventListener('click', () => this.closeDetail());
    this.detail.append(
      h('div', { className: 'detail-head' }, this.detailTitle, close),
      this.detailBody,
    );
    this.more.addEventListener('click', () => void this.loadPage(true));
    this.tailBox.addEventListener('change', () => this.setTail(this.tailBox.checked));
    this.root.replaceChildren(this.header(), this.layout());
    this.reload();
  }

  /** Stops the tail and drops every answer still on its way: the page is being left. */
  destroy(): void {
    this.generation++;
    this.tail.destroy();
    this.listAbort?.abort();
    this.detailAbort?.abort();
  }

  private header(): HTMLElement {
    return secondaryTopbar({
      me: this.me,
      current: 'events',
      skip: { href: '#events-section', label: 'Skip to events' },
      leave: () => this.destroy(),
      onUsage: this.onUsage,
      onSignOut: this.onSignOut,
    });
  }

  private layout(): HTMLElement {
    const list = h(
      'section',
      {
        id: 'events-section',
        className: 'card',
        tabindex: -1,
        'aria-labelledby': 'events-title',
      },
      h(
        'div',
        { className: 'events-bar' },
        h('h2', { id: 'events-title' }, 'Events'),
        h(
          'label',
          { className: 'check', for: 'events-tail' },
          this.tailBox,
          ` Live tail (every ${TAIL_POLL_MS / 1000} s)`,
        ),
      ),
      this.tailStatus,
      this.status,
      h('div', { className: 'table-wrap' }, eventsTable(this.tbody)),
      h('div', { className: 'downloads' }, this.more),
    );
    return h(
      'main',
      { id: 'main' },
      this.filters,
      h('div', { className: 'events-layout' }, list, this.detail),
    );
  }

  private renderFilters(): void {
    const text = (id: string, label: string, placeholder: string) =>
      h(
        'div',
        { className: 'field' },
        h('label', { for: id }, label),
        h('input', {
          id,
          type: 'text',
          autocomplete: 'off',
          spellcheck: 'false',
          placeholder,
        }),
      );
    const time = (id: string, label: string) =>
      h(
        'div',
        { className: 'field' },
        h('label', { for: id }, label),
        h('input', { id, type: 'datetime-local', step: 1 }),
      );
    const problems = h('input', { type: 'checkbox', id: 'events-problems' });
    const size = h(
      'select',
      { id: 'events-limit' },
      ...PAGE_SIZES.map((n) => option(String(n), String(n), n === this.pageSize)),
    );
    const clear = h('button', { type: 'button', id: 'events-clear', className: 'link' }, 'Clear');
    this.filters.replaceChildren(
      h(
        'div',
        { className: 'controls-grid' },
        text('events-subject', 'Subject', 'exact subject'),
        text('events-type', 'Type', 'exact event type'),
        text('events-source', 'Source', 'exact source'),
        text('events-id', 'Id', 'exact event id'),
        time('events-from', 'Event time from (inclusive)'),
        time('events-to', 'Event time to (exclusive)'),
      ),
      h(
        'div',
        { className: 'filter-add' },
        h(
          'label',
          { className: 'check', for: 'events-problems' },
          problems,
          ' Only events some meter cannot count',
        ),
        h('label', { for: 'events-limit' }, 'Per page'),
        size,
        h('span', { className: 'spacer' }),
        h('button', { type: 'submit', id: 'events-apply' }, 'Apply'),
        clear,
      ),
      this.filterError,
    );
    // Text fields wait for Apply (or Enter); a checkbox or a select has nothing more to type.
    this.filters.addEventListener('submit', (ev) => {
      ev.preventDefault();
      this.applyForm();
    });
    problems.addEventListener('change', () => this.applyForm());
    size.addEventListener('change', () => this.applyForm());
    clear.addEventListener('click', () => {
      this.filters.reset();
      size.value = String(this.pageSize);
      this.applyForm();
    });
  }

  private applyForm(): void {
    const value = (id: string) =>
      (this.filters.querySelector<HTMLInputElement>(`#${id}`)?.value ?? '').trim();
    const from = localToInstant(value('events-from'));
    const to = localToInstant(value('events-to'));
    const next: EventFilterForm = {
      subject: value('events-subject'),
      type: value('events-type'),
      source: value('events-source'),
      id: value('events-id'),
      from: from ?? '',
      to: to ?? '',
      onlyProblems:
        this.filters.querySelector<HTMLInputElement>('#events-problems')?.checked ?? false,
    };
    const problem =
      from === null || to === null ? 'Enter a complete date and time.' : formProblem(next);
    this.filterError.textContent = problem;
    if (problem) {
      document.body.dataset.state = 'error';
      return;
    }
    this.form = next;
    this.pageSize = Number(value('events-limit')) || DEFAULT_PAGE_SIZE;
    this.reload();
  }

  /** Starts the list over under the current filters; the tail goes on from the new rows. */
  private reload(): void {
    this.generation++;
    this.listAbort?.abort();
    this.listAbort = null;
    this.tbody.replaceChildren();
    this.shownKeys.clear();
    this.selected = null;
    this.cursor = undefined;
    this.newest = '';
    this.tailAdded = 0;
    this.more.hidden = true;
    void this.loadPage(false);
  }

  private async loadPage(append: boolean): Promise<void> {
    const gen = this.generation;
    const abort = new AbortController();
    this.listAbort = abort;
    this.more.disabled = true;
    this.setStatus('loading', append ? 'Loading more events…' : 'Loading events…');
    const params = eventListParams(this.form, {
      limit: this.pageSize,
      ...(append && this.cursor ? { cursor: this.cursor } : {}),
    });
    try {
      const page = await this.client.events(params, abort.signal);
      if (gen !== this.generation) return;
      this.tbody.append(...this.unseen(page.items).map((e) => this.row(e)));
      this.newest = newestIngestedAt(this.newest, page.items);
      this.cursor = page.nextCursor;
      this.more.hidden = !this.cursor;
      this.showCount();
    } catch (err) {
      if (abort.signal.aborted || gen !== this.generation) return;
      this.setStatus('error', describeError(err, 'Loading events'));
    } finally {
      if (this.listAbort === abort) this.listAbort = null;
      this.more.disabled = false;
    }
  }

  private showCount(): void {
    const n = this.tbody.rows.length;
    const filtered = this.form.onlyProblems || Object.keys(eventFilter(this.form)).length > 0;
    if (n === 0 && !this.cursor) {
      this.setStatus(
        'empty',
        filtered ? 'No events match these filters.' : 'No events stored yet.',
      );
    } else if (n === 0) {
      // hasProblems: the server scans a bounded number of events per request.
      this.setStatus('ready', 'None found among the events scanned so far: Load more to go on.');
    } else {
      this.setStatus(
        'ready',
        `${n} event${n === 1 ? '' : 's'} shown, newest first${this.cursor ? '; Load more for older ones' : ''}.`,
      );
    }
  }

  /** Items not already on screen (a tailed event may come again in an older page). */
  private unseen(items: readonly IngestedEvent[]): IngestedEvent[] {
    const out: IngestedEvent[] = [];
    for (const e of items) {
      const key = eventKey(e);
      if (this.shownKeys.has(key)) continue;
      this.shownKeys.add(key);
      out.push(e);
    }
    return out;
  }

  private row(e: IngestedEvent): HTMLTableRowElement {
    const tr = eventRow(e);
    tr.addEventListener('click', () => void this.showDetail(e, tr));
    return tr;
  }

  private setTail(on: boolean): void {
    if (on) {
      this.tailAdded = 0;
      this.tailStatus.textContent = 'Live tail: starting…';
      this.tail.start();
    } else {
      this.tail.stop();
      this.tailStatus.textContent = 'Live tail is off.';
    }
    this.tailStatus.classList.remove('error');
    this.tailStatus.setAttribute('role', 'status');
  }

  /** One poll: events ingested after the newest received, under the same filters, on top. */
  private async tailTick(): Promise<void> {
    // While the list loads, the newest row it will hold is unknown: the next tick asks.
    if (this.listAbort) return;
    const gen = this.generation;
    const after = this.newest;
    const found: IngestedEvent[] = [];
    let cursor: string | undefined;
    let pages = 0;
    try {
      do {
        const page = await this.client.events(
          eventListParams(this.form, {
            limit: TAIL_PAGE_SIZE,
            ...(cursor ? { cursor } : {}),
            ...(after ? { ingestedAfter: after } : {}),
          }),
        );
        if (gen !== this.generation || !this.tail.active) return;
        found.push(...page.items);
        cursor = page.nextCursor;
        pages++;
      } while (cursor && pages < TAIL_MAX_PAGES);
    } catch (err) {
      if (gen !== this.generation || !this.tail.active) return;
      this.tailStatus.textContent = describeError(err, 'Live tail');
      this.tailStatus.classList.add('error');
      this.tailStatus.setAttribute('role', 'alert');
      return;
    }
    const fresh = this.unseen(found);
    if (fresh.length > 0) {
      const rows = fresh.map((e) => this.row(e));
      for (const tr of rows) tr.classList.add('new');
      this.tbody.prepend(...rows);
      this.tailAdded += fresh.length;
      this.showCount();
    }
    this.newest = newestIngestedAt(this.newest, found);
    const more = cursor ? ' More arrived than one poll reads: Apply to reload the list.' : '';
    this.tailStatus.textContent = `Live tail: checked ${DateTime.now().toFormat('HH:mm:ss')}, ${this.tailAdded} new since it started.${more}`;
    this.tailStatus.classList.remove('error');
    this.tailStatus.setAttribute('role', 'status');
  }

  private async showDetail(e: IngestedEvent, tr: HTMLTableRowElement): Promise<void> {
    this.detailAbort?.abort();
    const abort = new AbortController();
    this.detailAbort = abort;
    this.selected?.classList.remove('selected');
    this.selected?.removeAttribute('aria-current');
    this.selected = tr;
    tr.classList.add('selected');
    tr.setAttribute('aria-current', 'true');
    const { source, id } = e.event;
    this.detail.hidden = false;
    this.detail.dataset.state = 'loading';
    this.detail.dataset.source = source;
    this.detail.dataset.id = id;
    this.detailTitle.textContent = `Event ${id}`;
    this.detailBody.replaceChildren(
      h('p', { role: 'status' }, 'Loading what the meters make of it…'),
    );
    this.detail.scrollIntoView({ block: 'nearest' });
    try {
      const x = await this.client.explainEvent(source, id, abort.signal);
      if (abort.signal.aborted) return;
      this.detailBody.replaceChildren(...renderEventDetail(x));
      this.detail.dataset.state = 'ready';
    } catch (err) {
      if (abort.signal.aborted) return;
      this.detailBody.replaceChildren(
        h(
          'p',
          { className: 'status error', role: 'alert' },
          describeError(err, 'Explaining the event'),
        ),
      );
      this.detail.dataset.state = 'error';
    }
  }

  private closeDetail(): void {
    this.detailAbort?.abort();
    this.detail.hidden = true;
    this.detail.dataset.state = '';
    this.selected?.classList.remove('selected');
    this.selected?.removeAttribute('aria-current');
    this.selected?.querySelector('button')?.focus();
    this.selected = null;
  }

  private setStatus(status: ListStatus, message: string): void {
    document.body.dataset.state = status;
    this.status.className = `status ${status}`;
    this.status.setAttribute('role', status === 'error' ? 'alert' : 'status');
    this.status.textContent = message;
    this.tbody.setAttribute('aria-busy', String(status === 'loading'));
  }
}
