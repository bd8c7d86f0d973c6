// The form that edits the view: meter, range, window, zone, group-by, filters, chart kind.
import type { Meter } from './api-client';
import { h, option } from './dom';
import { browserTimeZone, RANGE_LABELS, WINDOW_LABELS } from './time-range';
import {
  type ChartKind,
  RANGE_PRESETS,
  type RangePreset,
  type ViewState,
  WINDOW_CHOICES,
  type WindowChoice,
} from './view-state';

export const COMMON_TIME_ZONES = [
  'UTC',
  'Europe/London',
  'Europe/Berlin',
  'Europe/Helsinki',
  'America/New_York',
  'America/Chicago',
  'America/Denver',
  'America/Los_Angeles',
  'America/Sao_Paulo',
  'Asia/Kolkata',
  'Asia/Kathmandu',
  'Asia/Shanghai',
  'Asia/Tokyo',
  'Australia/Sydney',
  'Pacific/Auckland',
  '+05:30',
  '+05:45',
  '-03:00',
];

export interface ControlsProps {
  state: ViewState;
  meters: Meter[];
  /** Custom range inputs' values: wall times in the view's zone. */
  customFrom: string;
  customTo: string;
  /** The window auto resolves to, shown beside "Auto". */
  autoWindowLabel: string;
  /** Windows that would draw too many points over the current range: offered disabled. */
  tooFineWindows: readonly string[];
  /** What group-by and filters offer: "subject" and the meter's dimensions the key can use. */
  dims: readonly string[];
  tzError: string;
  rangeError: string;
  onChange: (patch: Partial<ViewState>) => void;
  onCustomRange: (fromLocal: string, toLocal: string) => void;
}

/** Meters grouped for the picker: the account's own, then each compat profile's preset metrics. */
function meterOptions(meters: Meter[], selected: string): HTMLElement[] {
  const groups = new Map<string, Meter[]>();
  for (const m of meters) {
    const profile = m.metadata?.profile ?? '';
    const list = groups.get(profile) ?? [];
    list.push(m);
    groups.set(profile, list);
  }
  const names = [...groups.keys()].sort((a, b) =>
    a === '' ? -1 : b === '' ? 1 : a.localeCompare(b),
  );
  return names.map((name) => {
    const opts = (groups.get(name) ?? []).map((m) =>
      option(
        m.slug,
        m.name && m.name !== m.slug ? `${m.name} (${m.slug})` : m.slug,
        m.slug === selected,
      ),
    );
    return h('optgroup', { label: name === '' ? 'Meters' : `Profile: ${name}` }, ...opts);
  });
}

function field(
  id: string,
  label: string,
  control: HTMLElement,
  hint?: HTMLElement | null,
): HTMLElement {
  return h('div', { className: 'field' }, h('label', { for: id }, label), control, hint ?? null);
}

export function renderControls(host: HTMLElement, p: ControlsProps): void {
  const { state } = p;
  const meter = p.meters.find((m) => m.slug === state.meter);
  const dims = p.dims;

  const meterSelect = h('select', { id: 'meter' }, ...meterOptions(p.meters, state.meter));
  meterSelect.addEventListener('change', () =>
    p.onChange({ meter: meterSelect.value, groupBy: [], filters: {}, sort: 'value', dir: 'desc' }),
  );

  const rangeSelect = h(
    'select',
    { id: 'range' },
    ...RANGE_PRESETS.map((r) => option(r, RANGE_LABELS[r], r === state.range)),
  );
  rangeSelect.addEventListener('change', () =>
    p.onChange({ range: rangeSelect.value as RangePreset }),
  );

  let custom: HTMLElement | null = null;
  if (state.range === 'custom') {
    const from = h('input', {
      id: 'custom-from',
      type: 'datetime-local',
      value: p.customFrom,
      required: true,
    });
    const to = h('input', {
      id: 'custom-to',
      type: 'datetime-local',
      value: p.customTo,
      required: true,
    });
    const apply = (): void => p.onCustomRange(from.value, to.value);
    from.addEventListener('change', apply);
    to.addEventListener('change', apply);
    custom = h(
      'div',
      { className: 'custom-range' },
      field('custom-from', 'From (inclusive)', from),
      field('custom-to', 'To (exclusive)', to),
      p.rangeError ? h('p', { className: 'error', role: 'alert' }, p.rangeError) : null,
    );
  }

  const windowSelect = h(
    'select',
    { id: 'window' },
    ...WINDOW_CHOICES.map((w) => {
      const tooFine = p.tooFineWindows.includes(w);
      const label = w === 'auto' ? `Auto (${p.autoWindowLabel})` : (WINDOW_LABELS[w] ?? w);
      const opt = option(w, tooFine ? `${label} (too many points)` : label, w === state.window);
      opt.disabled = tooFine;
      return opt;
    }),
  );
  windowSelect.addEventListener('change', () =>
    p.onChange({ window: windowSelect.value as WindowChoice }),
  );

  const tzInput = h('input', {
    id: 'tz',
    type: 'text',
    list: 'tz-list',
    value: state.tz,
    placeholder: `Browser: ${browserTimeZone()}`,
    autocomplete: 'off',
    spellcheck: 'false',
    'aria-describedby': 'tz-hint',
    'aria-invalid': p.tzError ? 'true' : null,
  });
  tzInput.addEventListener('change', () => p.onChange({ tz: tzInput.value.trim() }));
  const tzList = h(
    'datalist',
    { id: 'tz-list' },
    ...[browserTimeZone(), ...COMMON_TIME_ZONES].map((z) => h('option', { value: z })),
  );
  const tzHint = h(
    'p',
    { id: 'tz-hint', className: p.tzError ? 'error' : 'hint' },
    p.tzError || 'IANA name or offset such as +05:45; empty for the browser’s zone.',
  );

  const groupBoxes = dims.map((d) => {
    const box = h('input', {
      type: 'checkbox',
      id: `group-${d}`,
      value: d,
      checked: state.groupBy.includes(d),
    });
    box.addEventListener('change', () => {
      const next = box.checked ? [...state.groupBy, d] : state.groupBy.filter((g) => g !== d);
      p.onChange({ groupBy: dims.filter((x) => next.includes(x)) });
    });
    return h('label', { className: 'check', for: `group-${d}` }, box, ` ${d}`);
  });

  const filterRows = Object.entries(state.filters).map(([dim, values]) => {
    const input = h('input', {
      id: `filter-${dim}`,
      type: 'text',
      value: values.join(', '),
      list: `values-${dim}`,
      autocomplete: 'off',
      placeholder: 'value, another value',
    });
    input.addEventListener('change', () => {
      const vals = input.value
        .split(',')
        .map((v) => v.trim())
        .filter((v) => v !== '');
      p.onChange({ filters: { ...state.filters, [dim]: vals } });
    });
    const remove = h(
      'button',
      { type: 'button', className: 'link', 'aria-label': `Remove filter on ${dim}` },
      'Remove',
    );
    remove.addEventListener('click', () => {
      const { [dim]: _gone, ...rest } = state.filters;
      p.onChange({ filters: rest });
    });
    return h(
      'div',
      { className: 'filter-row' },
      h('label', { for: `filter-${dim}` }, `${dim} is one of`),
      input,
      h('datalist', { id: `values-${dim}`, 'data-dim': dim }),
      remove,
    );
  });
  const free = dims.filter((d) => !(d in state.filters));
  const addSelect = h(
    'select',
    { id: 'filter-add-dim', 'aria-label': 'Dimension to filter' },
    ...free.map((d) => option(d, d, false)),
  );
  const addButton = h('button', { type: 'button', id: 'filter-add' }, 'Add filter');
  addButton.addEventListener('click', () => {
    if (addSelect.value) p.onChange({ filters: { ...state.filters, [addSelect.value]: [] } });
  });

  const chartRadios = (['lines', 'bars'] as ChartKind[]).map((k) => {
    const radio = h('input', {
      type: 'radio',
      name: 'chart',
      id: `chart-${k}`,
      value: k,
      checked: state.chart === k,
    });
    radio.addEventListener('change', () => radio.checked && p.onChange({ chart: k }));
    return h(
      'label',
      { className: 'check', for: `chart-${k}` },
      radio,
      k === 'lines' ? ' Lines' : ' Stacked bars',
    );
  });

  host.replaceChildren(
    h(
      'div',
      { className: 'controls-grid' },
      field(
        'meter',
        'Meter',
        meterSelect,
        meter
          ? h(
              'p',
              { className: 'hint', id: 'meter-hint' },
              `${meter.aggregation}${meter.description ? ` · ${meter.description}` : ''}`,
            )
          : null,
      ),
      field('range', 'Range', rangeSelect),
      field('window', 'Window', windowSelect),
      field('tz', 'Time zone', tzInput, tzHint),
    ),
    tzList,
    custom ?? '',
    h(
      'div',
      { className: 'fieldsets' },
      h('fieldset', { id: 'group-by' }, h('legend', {}, 'Group by'), ...groupBoxes),
      h(
        'fieldset',
        { id: 'filters' },
        h('legend', {}, 'Filters'),
        ...filterRows,
        free.length > 0 ? h('div', { className: 'filter-add' }, addSelect, addButton) : null,
      ),
      h(
        'fieldset',
        { id: 'chart-kind', className: 'inline' },
        h('legend', {}, 'Chart'),
        ...chartRadios,
      ),
    ),
  );
}
