/**
 * The dated price tables (src/cost/prices/*.json) and their lookup. Each table is validated on load so
 * a price without a source, a unit or a date never reaches an estimate.
 */
import { z } from 'zod';
import { ConfigError, InternalError } from '../core/errors.ts';
import awsEuWest1 from './prices/aws-eu-west-1.json' with { type: 'json' };
import awsUsEast1 from './prices/aws-us-east-1.json' with { type: 'json' };
import supabaseJson from './prices/supabase.json' with { type: 'json' };
import type { AwsPriceTable, PriceEntry, SupabasePriceTable, Tier } from './types.ts';

const tier = z.object({ upTo: z.number().positive().nullable(), value: z.number().nonnegative() });
const entry = z
  .object({
    unit: z.string().min(1),
    value: z.number().nonnegative().optional(),
    tiers: z.array(tier).min(1).optional(),
    source: z.string().url(),
    asOf: z.string().regex(/^\d{4}-\d{2}-\d{2}$/),
    confirmed: z.boolean(),
    note: z.string().optional(),
  })
  .refine((e) => (e.value === undefined) !== (e.tiers === undefined), 'either value or tiers');

const awsTable = z.object({
  provider: z.literal('aws'),
  region: z.string(),
  regionName: z.string(),
  currency: z.literal('USD'),
  hoursPerMonth: z.number().positive(),
  asOf: z.string(),
  prices: z.record(entry),
});

const planSchema = z.object({
  base: entry,
  quotas: z.object({
    mau: z.number(),
    dbGb: z.number(),
    storageGb: z.number(),
    egressGb: z.number(),
    cachedEgressGb: z.number(),
  }),
  computeCredits: z.number(),
  overages: z.boolean(),
  source: z.string().url(),
  asOf: z.string(),
  confirmed: z.boolean(),
  note: z.string().optional(),
});

const supabaseTable = z.object({
  provider: z.literal('supabase'),
  currency: z.literal('USD'),
  asOf: z.string(),
  plans: z.object({ free: planSchema, pro: planSchema, team: planSchema }),
  compute: z.record(entry),
  overages: z.object({
    mau: entry,
    dbGb: entry,
    storageGb: entry,
    egressGb: entry,
    cachedEgressGb: entry,
  }),
});

const RAW_AWS: Record<string, unknown> = { 'us-east-1': awsUsEast1, 'eu-west-1': awsEuWest1 };

/** Regions that have a price table. */
export const AWS_REGIONS = Object.keys(RAW_AWS);

const cache = new Map<string, AwsPriceTable>();

function parseTable<T>(schema: z.ZodType<T>, raw: unknown, name: string): T {
  const parsed = schema.safeParse(raw);
  if (!parsed.success) {
    throw new InternalError(
      `price table ${name} is malformed: ${parsed.error.issues[0]?.message ?? 'invalid'}`,
    );
  }
  return parsed.data;
}

/** The AWS price table of a region; throws COST_UNKNOWN_REGION for a region without one. */
export function awsPrices(region: string): AwsPriceTable {
  const hit = cache.get(region);
  if (hit) return hit;
  const raw = RAW_AWS[region];
  if (raw === undefined) {
    throw new ConfigError('COST_UNKNOWN_REGION', `no AWS price table for region "${region}"`, {
      exit: 'usage',
      hint: `Use one of: ${AWS_REGIONS.join(', ')} (e.g. supa2aws cost --region us-east-1), or add src/cost/prices/aws-${region}.json.`,
      details: { region, known: AWS_REGIONS },
    });
  }
  const table = parseTable(awsTable, raw, `aws-${region}`) as AwsPriceTable;
  cache.set(region, table);
  return table;
}

let supabaseCache: SupabasePriceTable | undefined;

export function supabasePrices(): SupabasePriceTable {
  supabaseCache ??= parseTable(supabaseTable, supabaseJson, 'supabase') as SupabasePriceTable;
  return supabaseCache;
}

/** A price entry by key; a missing key is a bug in the tables, except RDS classes which the user names. */
export function price(table: AwsPriceTable, key: string): PriceEntry {
  const found = table.prices[key];
  if (!found) throw new InternalError(`price ${key} missing from the ${table.region} table`);
  return found;
}

/** The single value of a flat price entry. */
export function valueOf(entry: PriceEntry): number {
  if (entry.value === undefined) throw new InternalError(`price "${entry.unit}" is tiered, not flat`);
  return entry.value;
}

/** The tiers of a tiered entry (a flat entry is one tier). */
export function tiersOf(entry: PriceEntry): Tier[] {
  return entry.tiers ?? [{ upTo: null, value: valueOf(entry) }];
}

/** RDS instance classes priced in a region. */
export function rdsClasses(table: AwsPriceTable): string[] {
  return Object.keys(table.prices)
    .filter((k) => k.startsWith('rds.instance.'))
    .map((k) => k.slice('rds.instance.'.length));
}
