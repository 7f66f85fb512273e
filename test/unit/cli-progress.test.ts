/**
 * The progress renderer at 40, 80 and 200 columns, on a terminal (a fake TTY stream with columns) and piped,
 * and the NDJSON throttle. Time is a fake clock; the live block is redrawn by hand.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { stripVTControlCharacters } from 'node:util';
import type { ProgressEvent } from '../../src/core/reporter.ts';
import { CliReporter } from '../../src/cli/render.ts';
import { LiveProgress } from '../../src/cli/progress/live-progress.ts';
import { NdjsonEvents } from '../../src/cli/progress/ndjson-events.ts';

class FakeStream {
  readonly chunks: string[] = [];
  constructor(
    readonly isTTY: boolean,
    readonly columns: number,
    readonly rows = 24,
  ) {}
  write(text: string): boolean {
    this.chunks.push(text);
    return true;
  }
  get text(): string {
    return this.chunks.join('');
  }
  /** What a reader sees: every line printed, escape codes removed. */
  get lines(): string[] {
    return stripVTControlCharacters(this.text)
      .split('\n')
      .filter((l) => l.length > 0);
  }
  /** The live block as last drawn. */
  get lastFrame(): string[] {
    return stripVTControlCharacters(this.chunks[this.chunks.length - 1] ?? '')
      .split('\n')
      .filter((l) => l.length > 0);
  }
}

const MiB = 1024 * 1024;
const SPINNER = /^[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] /;

/** Two tables copied at once and the overall count, sampled every 250 ms for 6 s; then both finish. */
function copyRun(stream: FakeStream, tty: boolean) {
  let now = 1_000_000;
  const live = new LiveProgress({ stream, tty, now: () => now, redrawMs: 0 });
  const frames: string[][] = [];
  live.step({ type: 'step', step: 'copy 2 table(s), 2 at a time', status: 'start' });
  const table = (task: string, bytes: number, totalBytes: number): ProgressEvent => ({
    type: 'progress',
    task,
    done: bytes,
    bytes,
    totalBytes,
    unit: 'bytes',
  });
  for (let i = 0; i <= 24; i++) {
    live.progress(table('copy public.scene_generation_jobs_with_a_long_name', i * MiB, 40 * MiB));
    live.progress(table('copy public.user_credit_transactions', i * 2 * MiB, 60 * MiB));
    live.progress({
      type: 'progress',
      task: 'db copy',
      done: 0,
      total: 2,
      bytes: i * 3 * MiB,
      totalBytes: 100 * MiB,
      unit: 'tables',
    });
    live.redraw();
    if (tty) frames.push(stream.lastFrame);
    now += 250;
  }
  const done = (task: string, rows: number, bytes: number): ProgressEvent => ({
    type: 'progress',
    task,
    done: rows,
    total: rows,
    bytes,
    unit: 'rows',
  });
  live.progress(done('copy public.user_credit_transactions', 5000, 60 * MiB));
  live.progress(done('copy public.user_credit_transactions', 5000, 60 * MiB));
  live.progress(done('copy public.scene_generation_jobs_with_a_long_name', 900, 40 * MiB));
  const overall = {
    type: 'progress',
    task: 'db copy',
    done: 2,
    total: 2,
    bytes: 100 * MiB,
    totalBytes: 100 * MiB,
    unit: 'tables',
  } as const;
  live.progress(overall);
  live.progress(overall);
  live.step({ type: 'step', step: 'copy 2 table(s), 2 at a time', status: 'done', elapsedMs: 6300 });
  live.close();
  return frames;
}

for (const columns of [40, 80, 200]) {
  describe(`progress at ${columns} columns`, () => {
    it('GIVEN a terminal WHEN two tables copy at once THEN each task has its own line, cut to the width', () => {
      const stream = new FakeStream(true, columns);
      const frames = copyRun(stream, true);
      for (const line of stream.lines) {
        assert.ok(line.length < columns, `${line.length} >= ${columns}: ${line}`);
      }
      const running = frames[10]!;
      assert.equal(running.length, 4, `one line per step and task: ${running.join(' | ')}`);
      for (const line of running) assert.match(line, SPINNER);
      assert.ok(running.some((l) => l.includes('user_credit')) || columns === 40);
    });

    it('GIVEN a terminal THEN no ETA and no rate before enough samples, an ETA after', () => {
      const stream = new FakeStream(true, columns);
      const frames = copyRun(stream, true);
      for (const frame of frames.slice(0, 4)) {
        assert.ok(!frame.join('\n').includes('ETA'), frame.join('\n'));
        assert.ok(!frame.join('\n').includes('/s'), frame.join('\n'));
      }
      assert.ok(!/ETA \d+ ms/.test(stream.text), 'never an ETA in milliseconds');
      if (columns >= 80) assert.match(frames[20]!.join('\n'), /ETA \d+ s/);
    });

    it('GIVEN a terminal THEN the bar follows bytes, and each final line prints once', () => {
      const stream = new FakeStream(true, columns);
      const frames = copyRun(stream, true);
      // 'db copy' is 0 of 2 tables but 18% of its bytes: the bar follows the bytes, never full before the end.
      for (const frame of frames) {
        const overall = frame.find((l) => l.includes('db copy')) ?? '';
        const filled = [...overall].filter((c) => c === '█').length;
        const cells = filled + [...overall].filter((c) => c === '░').length;
        if (cells > 0) assert.ok(filled < cells, overall);
      }
      const at18 = frames[6]!.find((l) => l.includes('db copy')) ?? '';
      if (at18.includes('░')) assert.ok(at18.includes('█'), at18);
      const finals = stream.lines.filter(
        (l) => l.startsWith('✔ copy public.user_credit') || l.startsWith('✔ copy publ'),
      );
      assert.equal(finals.length, 2, finals.join('\n'));
      assert.equal(stream.lines.filter((l) => l.startsWith('✔ db copy')).length, 1);
      assert.equal(stream.lines.filter((l) => l.startsWith('✔ copy 2 table(s)')).length, 1);
      assert.deepEqual(
        stream.lastFrame.filter((l) => SPINNER.test(l)),
        [],
        'nothing left spinning',
      );
    });

    it('GIVEN a pipe THEN plain lines: no escape codes, no bar, a running line at most every 5 s, final lines once', () => {
      const stream = new FakeStream(false, columns);
      copyRun(stream, false);
      assert.ok(!stream.text.includes('\x1b'), 'no escape codes');
      assert.ok(!/[█░]/.test(stream.text), 'no bar');
      const lines = stream.lines;
      const perTask = lines.filter((l) => l.startsWith('copy public.user_credit_transactions'));
      assert.equal(perTask.length, 1, `6 s of copy, one running line at 5 s: ${perTask.join('\n')}`);
      assert.match(perTask[0]!, /40\.0 MiB\/60\.0 MiB {2}8\.0 MiB\/s {2}ETA 3 s/);
      assert.equal(lines.filter((l) => l.startsWith('✔ copy public.user_credit')).length, 1);
      assert.equal(lines.filter((l) => l.startsWith('✔ db copy')).length, 1);
      assert.match(lines[lines.length - 1]!, /^✔ copy 2 table\(s\), 2 at a time \(6\.3 s\)$/);
    });

    it('GIVEN a terminal WHEN a step ends before its task reached its total THEN the last line shows the partial bytes and bar', () => {
      const stream = new FakeStream(true, columns);
      const live = new LiveProgress({ stream, now: () => 0, redrawMs: 0 });
      live.step({ type: 'step', step: 'copy', status: 'start' });
      live.progress({
        type: 'progress',
        task: 'copy t',
        done: 3,
        bytes: 3 * MiB,
        totalBytes: 4 * MiB,
        unit: 'bytes',
      });
      live.step({ type: 'step', step: 'copy', status: 'failed', message: 'connection lost' });
      const last = stream.lines.find((l) => l.startsWith('• copy t'));
      assert.ok(last);
      if (columns >= 80) assert.match(last, /░.*3\.0 MiB\/4\.0 MiB/);
      assert.equal(stream.lines.filter((l) => l.startsWith('✖ copy: connection lost')).length, 1);
    });

    it('GIVEN a terminal WHEN a step has no count THEN it shows a spinner and, after a second, its time', () => {
      let now = 0;
      const stream = new FakeStream(true, columns);
      const live = new LiveProgress({ stream, now: () => now, redrawMs: 0 });
      live.step({ type: 'step', step: 'apply the schema in one transaction', status: 'start' });
      assert.match(stream.lastFrame[0]!, SPINNER);
      now = 12_400;
      live.redraw();
      const line = stream.lastFrame[0]!;
      assert.ok(line.length < columns);
      if (columns >= 80) assert.match(line, /apply the schema in one transaction {2}12 s$/);
      live.print('a log line');
      assert.ok(stream.lines.includes('a log line'));
      live.close();
    });
  });
}

describe('NDJSON progress events', () => {
  it('GIVEN 1,000 progress events in 2 s for each of two tasks THEN at most a few per second per task, and the last of each is sent', () => {
    let now = 0;
    const lines: string[] = [];
    const out = new NdjsonEvents({ write: (l) => lines.push(l), now: () => now });
    for (let i = 1; i <= 1000; i++) {
      out.emit({ type: 'progress', task: 'storage copy', done: i, unit: 'objects' });
      out.emit({ type: 'progress', task: 'inspect avatars', done: i, total: 1000, unit: 'objects' });
      now += 2;
    }
    out.emit({ type: 'progress', task: 'inspect avatars', done: 1000, total: 1000, unit: 'objects' });
    out.flush();
    const events = lines.map((l) => JSON.parse(l) as ProgressEvent);
    for (const task of ['storage copy', 'inspect avatars']) {
      const mine = events.filter((e) => e.task === task);
      assert.ok(mine.length <= 10, `${task}: ${mine.length} events in 2 s`);
      assert.equal(mine[mine.length - 1]!.done, 1000, `${task}: its last event is sent`);
    }
    assert.equal(events.filter((e) => e.task === 'inspect avatars' && e.done === 1000).length, 1);
  });

  it('GIVEN a held progress event WHEN a step event follows THEN the progress goes out first', () => {
    let now = 0;
    const lines: string[] = [];
    const out = new NdjsonEvents({ write: (l) => lines.push(l), now: () => now });
    out.emit({ type: 'progress', task: 'create users', done: 200, unit: 'users' });
    now = 10;
    out.emit({ type: 'progress', task: 'create users', done: 400, unit: 'users' });
    out.emit({ type: 'step', step: 'create the remaining users', status: 'done', elapsedMs: 10 });
    assert.deepEqual(
      lines.map((l) => JSON.parse(l) as { type: string; done?: number }).map((e) => e.done ?? e.type),
      [200, 400, 'step'],
    );
  });

  it('GIVEN --json WHEN the reporter closes THEN a held event is written, redacted', () => {
    const stream = new FakeStream(false, 80);
    const reporter = new CliReporter({ json: true, verbose: false }, stream);
    reporter.emit({ type: 'progress', task: 'copy', done: 1, unit: 'rows' });
    reporter.emit({ type: 'progress', task: 'copy', done: 2, unit: 'rows' });
    reporter.emit({ type: 'log', level: 'info', message: 'to postgres://u:secret@host/db' });
    reporter.close();
    assert.equal(stream.chunks.length, 3);
    assert.ok(!stream.text.includes('secret'));
  });
});
