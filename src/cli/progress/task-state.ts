/**
 * What the renderers know of each progress task: its last event, when it started, its rates, and whether
 * it finished. A task finishes when its count reaches its total; an event for a finished task with the same
 * numbers is a repeat (ignored), one with a lower count in the same unit is the task starting again.
 */
import type { ProgressEvent } from '../../core/reporter.ts';
import { RateMeter } from './rate-meter.ts';

export interface TaskState {
  event: ProgressEvent;
  startedAt: number;
  updatedAt: number;
  finished: boolean;
  /** Units done per second (objects, rows, users). */
  units: RateMeter;
  /** Bytes per second, when the task moves bytes. */
  bytes: RateMeter;
}

export type TaskChange = 'new' | 'update' | 'finished' | 'repeat';

export const isFinished = (e: ProgressEvent): boolean => e.total !== undefined && e.done >= e.total;

export class TaskStates {
  private readonly tasks = new Map<string, TaskState>();

  update(event: ProgressEvent, now: number): { state: TaskState; change: TaskChange } {
    const known = this.tasks.get(event.task);
    if (known?.finished && event.done <= known.event.done && event.total === known.event.total) {
      return { state: known, change: 'repeat' };
    }
    // A lower count in the same unit is the task starting over (a count in another unit is its last word:
    // a table copied by bytes that ends with its rows).
    const restarted =
      known === undefined ||
      known.finished ||
      (event.done < known.event.done && event.unit === known.event.unit);
    const state: TaskState = restarted
      ? {
          event,
          startedAt: now,
          updatedAt: now,
          finished: false,
          units: new RateMeter(),
          bytes: new RateMeter(),
        }
      : known;
    state.event = event;
    state.updatedAt = now;
    state.units.add(now, event.done);
    if (event.bytes !== undefined) state.bytes.add(now, event.bytes);
    state.finished = isFinished(event);
    this.tasks.set(event.task, state);
    return { state, change: state.finished ? 'finished' : restarted ? 'new' : 'update' };
  }

  /** Tasks still running, in the order they started. */
  running(): Array<[string, TaskState]> {
    return [...this.tasks].filter(([, s]) => !s.finished);
  }

  /** Marks a running task as over (its step ended) without it reaching a total. */
  end(task: string): void {
    const state = this.tasks.get(task);
    if (state) state.finished = true;
  }
}
