import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  StallWatch,
  type ProbeResult,
  type WatchedConnection,
  type WatchedSide,
} from '../../src/db/stall-watch.ts';

function connection(): WatchedConnection & { cuts: number; receive(): void } {
  const listeners: Array<() => void> = [];
  const c = {
    cuts: 0,
    onProgress: (listener: () => void) => void listeners.push(listener),
    cut: () => void c.cuts++,
    receive: () => listeners.forEach((l) => l()),
  };
  return c;
}

function setup(answers: Record<WatchedSide, ProbeResult>) {
  let t = 0;
  const probes: Array<{ side: WatchedSide; timeoutMs: number }> = [];
  const lines: string[] = [];
  const watch = new StallWatch({
    stallMs: 1000,
    now: () => t,
    probe: async (side, timeoutMs) => {
      probes.push({ side, timeoutMs });
      return answers[side];
    },
    onWait: (m) => lines.push(m),
  });
  const source = connection();
  const target = connection();
  watch.add('source', source);
  watch.add('target', target);
  return { watch, source, target, probes, lines, advance: (ms: number) => void (t += ms) };
}

describe('the stall watch of db copy and db verify', () => {
  it('GIVEN replies keep arriving WHEN it looks THEN it probes nothing', async () => {
    const s = setup({ source: { ok: true }, target: { ok: true } });
    for (let i = 0; i < 5; i++) {
      s.advance(900);
      s.source.receive();
      await s.watch.check();
    }
    assert.deepEqual(s.probes, []);
  });

  it('GIVEN silence but both servers answer a fresh connection WHEN it looks THEN the slow query goes on and the watch re-arms', async () => {
    const s = setup({ source: { ok: true }, target: { ok: true } });
    s.advance(1000);
    await s.watch.check();
    assert.deepEqual(
      s.probes.map((p) => [p.side, p.timeoutMs]),
      [
        ['source', 1000],
        ['target', 1000],
      ],
    );
    assert.equal(s.source.cuts + s.target.cuts, 0, 'nothing cut');
    assert.equal(s.watch.dead, undefined);
    assert.match(s.lines[0]!, /still waiting for a slow query/);
    s.advance(999);
    await s.watch.check();
    assert.equal(s.probes.length, 2, 're-armed: no probe before another stallMs of silence');
    s.advance(1);
    await s.watch.check();
    assert.equal(s.probes.length, 4);
  });

  it('GIVEN silence and the target does not answer a fresh connection WHEN it looks THEN only the target connections are cut, once', async () => {
    const s = setup({ source: { ok: true }, target: { ok: false, reason: 'no answer within 1 s' } });
    s.advance(2500);
    await s.watch.check();
    assert.equal(s.target.cuts, 1);
    assert.equal(s.source.cuts, 0);
    assert.deepEqual(s.watch.dead, {
      side: 'target',
      reason: 'no reply for 3 s, and a fresh connection: no answer within 1 s',
    });
    assert.match(s.lines[0]!, /the target database stopped answering .*closing its connections/);
    s.advance(5000);
    await s.watch.check();
    assert.equal(s.target.cuts, 1, 'given up once');
    assert.equal(s.probes.length, 2);
  });

  it('GIVEN a probe still running WHEN it looks again THEN it does not start another', async () => {
    let finish: (r: ProbeResult) => void = () => undefined;
    let probes = 0;
    let t = 0;
    const watch = new StallWatch({
      stallMs: 1000,
      now: () => t,
      probe: () => {
        probes++;
        return new Promise<ProbeResult>((resolve) => (finish = resolve));
      },
    });
    watch.add('target', connection());
    t = 1000;
    const first = watch.check();
    await watch.check();
    assert.equal(probes, 1);
    finish({ ok: true });
    await first;
  });
});
