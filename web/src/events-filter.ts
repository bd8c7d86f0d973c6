// The Events page's form as the v2 event list's query: `filter` JSON (OpenMeter grammar), hasProblems.
import { DateTime } from 'luxon';
import { toApiTime } from './time-range';

export const PAGE_SIZES = [10, 25, 50, 100] as const;
export const DEFAULT_PAGE_SIZE = 50;

export interface EventFilterForm {
  subject: string;
  type: string;
  source: string;
  id: string;
  /** Event-time bounds as API instants ('' for none): from inclusive, to exclusive. */
  from: string;
  to: string;
  onlyProblems: boolean;
}

export const EMPTY_FILTER_FORM: EventFilterForm = {
  subject: '',
  type: '',
  source: '',
  id: '',
  from: '',
  to: '',
  onlyProblems: false,
};

type Condition = Record<string, string>;
export type EventFilter = Partial<
  Record<'id' | 'source' | 'subject' | 'type' | 'time' | 'ingestedAt', Condition>
>;

const EXACT_FIELDS = ['id', 'source', 'subject', 'type'] as const;

/**
 * The `filter` object; `ingestedAfter` narrows it to events stored after an instant (the live
 * tail). Text is matched exactly: a pasted id or subject must not match its longer neighbours.
 */
export function eventFilter(form: EventFilterForm, ingestedAfter = ''): EventFilter {
  const out: EventFilter = {};
  for (const field of EXACT_FIELDS) {
    const v = form[field].trim();
    if (v) out[field] = { $eq: v };
  }
  const time: Condition = {};
  if (form.from) time.$gte = form.from;
  if (form.to) time.$lt = form.to;
  if (Object.keys(time).length > 0) out.time = time;
  if (ingestedAfter) out.ingestedAt = { $gt: ingestedAfter };
  return out;
}

export interface ListOptions {
  limit: number;
  cursor?: string;
  ingestedAfter?: string;
}

/** Query parameters of GET /api/v2/events; a cursor travels with the filter it was made for. */
export function eventListParams(form: EventFilterForm, o: ListOptions): URLSearchParams {
  const p = new URLSearchParams({ limit: String(o.limit) });
  const filter = eventFilter(form, o.ingestedAfter);
  if (Object.keys(filter).length > 0) p.set('filter', JSON.stringify(filter));
  if (form.onlyProblems) p.set('hasProblems', 'true');
  if (o.cursor) p.set('cursor', o.cursor);
  return p;
}

/** A datetime-local value (wall time in the browser's zone) as an API instant; null when invalid. */
export function localToInstant(local: string): string | null {
  if (!local) return '';
  const t = DateTime.fromISO(local);
  return t.isValid ? toApiTime(t) : null;
}

/** Why the form cannot be sent, or '' when it can. */
export function formProblem(form: EventFilterForm): string {
  if (form.from && form.to && Date.parse(form.to) <= Date.parse(form.from))
    return 'The “to” time must be after the “from” time.';
  return '';
}
