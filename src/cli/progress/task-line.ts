/**
 * One progress line, cut to a width: what the task is, how far (a bar on a terminal), bytes, rate and ETA.
 * When the line does not fit, the least useful parts go first (rate, bar, ETA, bytes), then the rest is cut
 * with an ellipsis, so a line never wraps.
 */
import cliTruncate from 'cli-truncate';
import stringWidth from 'string-width';
import { formatBytes } from '../../core/format-bytes.ts';
import { formatDuration, formatEta } from '../format.ts';
import { isFinished, type TaskState } from './task-state.ts';

export interface LineOptions {
  /** Columns available; the line is at most this wide. */
  width: number;
  /** A mark before the name (a spinner frame, ✔), or none. */
  icon?: string;
  /** Draw a bar when the total is known (terminals only: in a log a bar is noise). */
  bar: boolean;
  now: number;
}

const BAR_MAX = 24;
const BAR_MIN = 8;

/** Cuts a line to `width` columns (wide characters and escape codes counted right). */
export const fit = (line: string, width: number): string =>
  stringWidth(line) <= width ? line : cliTruncate(line, Math.max(1, width), { position: 'end' });

/** How full the bar is: by bytes when the task moves bytes (whole tables or objects land in jumps), else by count. */
function ratio(state: TaskState): number | undefined {
  const e = state.event;
  if (isFinished(e)) return 1;
  if (e.totalBytes && e.bytes !== undefined) return Math.min(1, e.bytes / e.totalBytes);
  return e.total ? Math.min(1, e.done / e.total) : undefined;
}

function amounts(state: TaskState): { count?: string; bytes?: string } {
  const e = state.event;
  const unit = e.unit ?? 'items';
  const byteTotal =
    e.totalBytes !== undefined && e.bytes !== undefined && e.bytes < e.totalBytes && !isFinished(e)
      ? `/${formatBytes(e.totalBytes)}`
      : '';
  const bytes = e.bytes === undefined ? undefined : `${formatBytes(e.bytes)}${byteTotal}`;
  if (unit === 'bytes') return bytes === undefined ? { count: formatBytes(e.done) } : { bytes };
  const count = e.total !== undefined ? `${e.done}/${e.total} ${unit}` : `${e.done} ${unit}`;
  return bytes === undefined ? { count } : { count, bytes };
}

function rateAndEta(state: TaskState): { rate?: string; eta?: string } {
  const e = state.event;
  if (state.finished) return {};
  const byBytes = e.bytes !== undefined;
  const perSecond = byBytes ? state.bytes.perSecond() : state.units.perSecond();
  const rate =
    perSecond === undefined || perSecond <= 0
      ? undefined
      : byBytes
        ? `${formatBytes(perSecond)}/s`
        : `${perSecond < 10 ? perSecond.toFixed(1) : Math.round(perSecond)} ${e.unit ?? 'items'}/s`;
  const etaMs =
    byBytes && e.totalBytes
      ? state.bytes.etaMs(e.totalBytes)
      : e.total !== undefined
        ? state.units.etaMs(e.total)
        : undefined;
  return {
    ...(rate ? { rate } : {}),
    ...(etaMs !== undefined ? { eta: `ETA ${formatEta(etaMs)}` } : {}),
  };
}

export function taskLine(state: TaskState, options: LineOptions): string {
  const head = `${options.icon ? `${options.icon} ` : ''}${state.event.task}`;
  const { count, bytes } = amounts(state);
  const { rate, eta } = rateAndEta(state);
  const took = state.finished ? `in ${formatDuration(state.updatedAt - state.startedAt)}` : undefined;
  const r = options.bar ? ratio(state) : undefined;
  // Dropped in this order until the line fits.
  const optional: Array<'rate' | 'bar' | 'eta' | 'bytes' | 'took'> = ['rate', 'took', 'bar', 'eta', 'bytes'];
  const shown = new Set<string>(['rate', 'took', 'bar', 'eta', 'bytes']);
  const compose = (barWidth: number) => {
    const parts = [head];
    if (shown.has('bar') && r !== undefined && barWidth >= BAR_MIN) {
      const filled = Math.floor(r * barWidth);
      parts.push(`${'█'.repeat(filled)}${'░'.repeat(barWidth - filled)}`);
    }
    if (count) parts.push(count);
    for (const [key, text] of [
      ['bytes', bytes],
      ['rate', rate],
      ['eta', eta],
      ['took', took],
    ] as const) {
      if (text && shown.has(key)) parts.push(text);
    }
    return parts.join('  ');
  };
  for (const next of [undefined, ...optional]) {
    if (next) shown.delete(next);
    const withoutBar = stringWidth(compose(0));
    const room = options.width - withoutBar - 2;
    const line = compose(Math.min(BAR_MAX, room));
    if (stringWidth(line) <= options.width) return line;
  }
  return fit(compose(0), options.width);
}

/** A running step without a count: its name and, after the first second, how long it has run. */
export function stepLine(name: string, startedAt: number, options: Omit<LineOptions, 'bar'>): string {
  const elapsed = options.now - startedAt;
  const text = `${options.icon ? `${options.icon} ` : ''}${name}${elapsed >= 1000 ? `  ${formatEta(elapsed)}` : ''}`;
  return fit(text, options.width);
}
