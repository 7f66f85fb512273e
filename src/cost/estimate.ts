/** `estimateCost`: usage (a preset and/or custom values) in, both bills, the sweep and the verdict out. Pure. */
import { estimateAws } from './aws-estimate.ts';
import { usd } from './line-items.ts';
import { awsPrices, supabasePrices } from './prices.ts';
import { resolveUsage } from './presets.ts';
import { estimateSupabase, supabasePlanSummaries } from './supabase-estimate.ts';
import { findCrossovers, sweep, SWEEP_NOTE, type SweepOptions } from './sweep.ts';
import type { CostEstimate, PresetName, Usage } from './types.ts';
import { buildVerdict } from './verdict.ts';

export interface CostOptions {
  /** small | medium | large. @default 'small' */
  preset?: string;
  /** AWS region with a price table. @default 'us-east-1' */
  region?: string;
  /** Values that replace the preset's. */
  usage?: Partial<Usage>;
  /** Range of the scale sweep. @default { from: 0.1, to: 100, perDecade: 20 } */
  sweep?: SweepOptions;
}

export function estimateCost(options: CostOptions = {}): CostEstimate {
  const region = options.region ?? 'us-east-1';
  const aws = awsPrices(region);
  const supabase = supabasePrices();
  const usage = resolveUsage({ preset: options.preset, overrides: options.usage, region });
  const custom = Object.values(options.usage ?? {}).some((v) => v !== undefined);
  const tables = { aws, supabase };
  const awsSide = estimateAws(usage, aws);
  const supabaseSide = estimateSupabase(usage, supabase);
  const from = options.sweep?.from ?? 0.1;
  const to = options.sweep?.to ?? 100;
  const points = sweep(usage, tables, { ...options.sweep, from, to });
  const crossovers = findCrossovers(usage, tables, points);
  const unconfirmedKeys = [
    ...new Set(awsSide.items.filter((i) => i.unconfirmed).flatMap((i) => i.priceKeys)),
  ].filter((k) => aws.prices[k]?.confirmed === false);
  const verdict = buildVerdict({
    usage,
    aws: awsSide,
    supabase: supabaseSide,
    crossovers,
    sweepRange: { from, to },
    tables,
    unconfirmed: unconfirmedKeys.length,
  });
  if (!custom && (options.preset ?? 'small') === 'small') {
    const missed = awsSide.items.filter(
      (i) => i.service === 'Secrets Manager' || i.item === 'public IPv4 addresses',
    );
    const sum = missed.reduce((t, i) => t + i.monthly, 0);
    verdict.push(
      `The guide plan's small-scale table (~$48-50/month) leaves out public IPv4 addresses and Secrets Manager ` +
        `(${usd(sum)} here); with them this estimate is ${usd(awsSide.monthly)}.`,
    );
  }
  return {
    version: 1,
    region,
    preset: custom ? 'custom' : ((options.preset ?? 'small') as PresetName),
    usage,
    aws: awsSide,
    supabase: supabaseSide,
    supabasePlans: supabasePlanSummaries(usage, supabase),
    difference: awsSide.monthly - supabaseSide.monthly,
    sweep: { from, to, points, note: SWEEP_NOTE },
    crossovers,
    verdict,
    pricesAsOf: { aws: aws.asOf, supabase: supabase.asOf },
    unconfirmedPrices: unconfirmedKeys,
    assumptions: [
      `${usage.hours} hours a month; on-demand list prices, no free-tier credits for new accounts, no Savings Plans or reserved instances.`,
      `${Math.round(usage.cdnShare * 100)}% of egress is served from a CDN cache on both sides (CloudFront; Supabase Smart CDN as cached egress).`,
      'RDS storage is the database size with a 20 GB minimum; Supabase disk is billed on the database size too (it provisions more as it grows).',
      'An internet-facing ALB holds 2 public IPv4 addresses; tasks in public subnets hold one each; each NAT gateway holds one.',
      SWEEP_NOTE,
    ],
  };
}
