/** The scale sweep and the crossover search, on a usage simple enough to solve by hand. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  awsPrices,
  estimateCost,
  findCrossovers,
  PRESETS,
  scaleUsage,
  supabasePrices,
  sweep,
  type Usage,
} from '../../src/cost/index.ts';

const tables = { aws: awsPrices('us-east-1'), supabase: supabasePrices() };

/**
 * Only uncached egress grows (100 GB at x1, all through the ALB), everything else is zero or fixed:
 *
 *   AWS fixed   = RDS 0.016 x 730 (11.68) + gp3 20 GB x 0.115 (2.30) + Fargate x86 0.5 x 730 x 0.04048 (14.7752)
 *               + 1 x 730 x 0.004445 (3.24485) + ALB 730 x 0.0225 (16.425) + LCU floor 10 x 730 x 0.008 (58.40)
 *               + IPv4 3 x 730 x 0.005 (10.95) = 117.77505   (no VPC endpoint)
 *   AWS(s)      = 117.77505 + max(0, 100 s - 100) x 0.09           (100 GB out free)
 *   Supabase(s) = 25 + other hosting 102.77505 + max(0, 100 s - 250) x 0.09   (250 GB in Pro)
 *
 * So AWS is 10 cheaper up to x1, gains 9 per unit of s from x1 to x2.5, and the lines cross where
 * 9 (s - 1) = 10, at s = 19/9 = 2.1111; above it Supabase is cheaper (by 3.50 from x2.5 on, until the
 * LCU floor of 10 is passed at 100 s / 730 > 10, s > 73, which only widens the gap).
 */
const egressOnly: Usage = {
  ...PRESETS.small,
  mau: 0,
  dbGb: 0,
  storageGb: 0,
  egressGb: 100,
  cdnShare: 0,
  outboundGb: 0,
  s3Puts: 0,
  s3Gets: 0,
  cdnRequests: 0,
  logsGb: 0,
  secrets: 0,
  secretCalls: 0,
  ecrGb: 0,
  albLcu: 10,
  otherHostingUsd: 102.77505,
  architecture: 'x86_64',
  interfaceEndpointAzs: 0,
};

describe('sweep and crossover', () => {
  it('scales traffic and data but not compute', () => {
    const s = scaleUsage(PRESETS.medium, 3);
    assert.equal(s.mau, 75_000);
    assert.equal(s.egressGb, 3_000);
    assert.equal(s.tasks, PRESETS.medium.tasks);
    assert.equal(s.instance, PRESETS.medium.instance);
  });

  it('finds the one crossover at x19/9 worked by hand', () => {
    const points = sweep(egressOnly, tables, { from: 0.1, to: 100, perDecade: 20 });
    assert.equal(points.length, 61);
    const crossovers = findCrossovers(egressOnly, tables, points);
    assert.equal(crossovers.length, 1);
    const c = crossovers[0];
    assert.ok(c);
    assert.ok(Math.abs(c.scale - 19 / 9) < 1e-6, `crossover at ${c.scale}`);
    assert.equal(c.cheaperAbove, 'supabase');
    // at s = 19/9 both bills are 117.77505 + (1000/9) x 0.09 = 127.77505
    assert.ok(Math.abs(c.monthly - 127.77505) < 1e-4, `monthly ${c.monthly}`);
    assert.equal(Math.round(c.usage.egressGb), 211);
  });

  it('reports the crossover and the sweep in estimateCost', () => {
    const e = estimateCost({ usage: egressOnly });
    assert.equal(e.crossovers.length, 1);
    assert.ok(e.verdict.some((v) => v.startsWith('The lines cross at x2.11')));
    assert.equal(e.sweep.points[0]?.scale, 0.1);
    assert.equal(e.sweep.points.at(-1)?.scale, 100);
  });

  it('says when there is no crossover in range (the presets: AWS stays dearer)', () => {
    const e = estimateCost({ preset: 'small' });
    assert.equal(e.crossovers.length, 0);
    assert.ok(e.sweep.points.every((p) => p.aws > p.supabase));
    assert.ok(e.verdict.some((v) => v.startsWith('No crossover between x0.1 and x100')));
  });
});
