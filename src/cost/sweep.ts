/**
 * Cost against scale: the usage's traffic and data (MAU, database, files, egress, requests, logs) are
 * multiplied by a scale factor while compute stays as given, and both bills are computed at each step.
 * Crossovers are where the difference changes sign, refined by bisection.
 */
import { estimateAws } from './aws-estimate.ts';
import { estimateSupabase } from './supabase-estimate.ts';
import type { AwsPriceTable, Crossover, SupabasePriceTable, SweepPoint, Usage } from './types.ts';

export const SWEEP_NOTE =
  'Scale multiplies MAU, database, file storage, egress, requests, outbound traffic and logs; ' +
  'compute (tasks, RDS class, Supabase compute size) stays as given.';

/** The usage at `scale` x its traffic and data. */
export function scaleUsage(usage: Usage, scale: number): Usage {
  return {
    ...usage,
    mau: Math.round(usage.mau * scale),
    dbGb: usage.dbGb * scale,
    storageGb: usage.storageGb * scale,
    egressGb: usage.egressGb * scale,
    outboundGb: usage.outboundGb * scale,
    s3Puts: usage.s3Puts * scale,
    s3Gets: usage.s3Gets * scale,
    cdnRequests: usage.cdnRequests * scale,
    logsGb: usage.logsGb * scale,
    secretCalls: usage.secretCalls * scale,
  };
}

export interface SweepTables {
  aws: AwsPriceTable;
  supabase: SupabasePriceTable;
}

/** Both monthly totals at one scale. */
function pointAt(usage: Usage, tables: SweepTables, scale: number): SweepPoint {
  const scaled = scaleUsage(usage, scale);
  return {
    scale,
    aws: estimateAws(scaled, tables.aws).monthly,
    supabase: estimateSupabase(scaled, tables.supabase).monthly,
  };
}

export interface SweepOptions {
  /** @default 0.1 */
  from?: number;
  /** @default 100 */
  to?: number;
  /** Points per factor of ten. @default 20 */
  perDecade?: number;
}

/** Points on a logarithmic grid from `from` to `to`. */
export function sweep(usage: Usage, tables: SweepTables, options: SweepOptions = {}): SweepPoint[] {
  const from = options.from ?? 0.1;
  const to = options.to ?? 100;
  const perDecade = options.perDecade ?? 20;
  const steps = Math.max(1, Math.round(Math.log10(to / from) * perDecade));
  const points: SweepPoint[] = [];
  for (let i = 0; i <= steps; i++) {
    const scale = from * Math.pow(to / from, i / steps);
    points.push(pointAt(usage, tables, Number(scale.toPrecision(12))));
  }
  return points;
}

/** Where AWS and Supabase cost the same, between sweep points whose difference changes sign. */
export function findCrossovers(usage: Usage, tables: SweepTables, points: SweepPoint[]): Crossover[] {
  const out: Crossover[] = [];
  const diff = (p: SweepPoint) => p.aws - p.supabase;
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1];
    const b = points[i];
    if (!a || !b) continue;
    const da = diff(a);
    const db = diff(b);
    if (da === 0 || Math.sign(da) === Math.sign(db)) continue;
    let lo = a.scale;
    let hi = b.scale;
    for (let k = 0; k < 50; k++) {
      const mid = Math.sqrt(lo * hi);
      const dm = diff(pointAt(usage, tables, mid));
      if (Math.sign(dm) === Math.sign(da)) lo = mid;
      else hi = mid;
    }
    const at = pointAt(usage, tables, hi);
    const scaled = scaleUsage(usage, hi);
    out.push({
      scale: hi,
      monthly: (at.aws + at.supabase) / 2,
      cheaperAbove: db < 0 ? 'aws' : 'supabase',
      usage: { mau: scaled.mau, dbGb: scaled.dbGb, storageGb: scaled.storageGb, egressGb: scaled.egressGb },
    });
  }
  return out;
}
