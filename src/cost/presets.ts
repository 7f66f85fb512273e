/**
 * Usage presets and the checks on custom usage. `small` is the guide plan's "small scale" (one 0.5 vCPU task,
 * ~50 GB of files, ~5 GB of logs), deployed as the infra stacks' defaults deploy it: db.t4g.micro (cheaper
 * than the plan's db.t3.micro), Graviton tasks with public IPs in 2 AZs, no NAT gateway, the migrate-user
 * Lambda's one Secrets Manager endpoint.
 */
import { ConfigError } from '../core/errors.ts';
import { networkResources } from './deployment.ts';
import { awsPrices, rdsClasses, supabasePrices } from './prices.ts';
import type { PresetName, Usage } from './types.ts';

const BASE: Omit<Usage, 'mau' | 'dbGb' | 'storageGb' | 'egressGb'> = {
  cdnShare: 0.7,
  tasks: 1,
  taskVcpu: 0.5,
  taskGb: 1,
  hours: 730,
  instance: 'db.t4g.micro',
  multiAz: false,
  architecture: 'arm64',
  network: 'public',
  azs: 2,
  ...networkResources('public', 2),
  albLcu: 0.5,
  outboundGb: 20,
  s3Puts: 20_000,
  s3Gets: 200_000,
  cdnRequests: 1_000_000,
  logsGb: 5,
  secrets: 6,
  secretCalls: 5_000,
  ecrGb: 1,
  backupFactor: 1,
  cognitoPlan: 'lite',
  supabasePlan: 'pro',
  supabaseCompute: 'micro',
  otherHostingUsd: 0,
};

export const PRESETS: Record<PresetName, Usage> = {
  small: { ...BASE, mau: 1_000, dbGb: 2, storageGb: 50, egressGb: 50 },
  medium: {
    ...BASE,
    mau: 25_000,
    dbGb: 20,
    storageGb: 500,
    egressGb: 1_000,
    tasks: 2,
    taskVcpu: 1,
    taskGb: 2,
    instance: 'db.t4g.small',
    albLcu: 2,
    outboundGb: 200,
    s3Puts: 200_000,
    s3Gets: 2_000_000,
    cdnRequests: 20_000_000,
    logsGb: 20,
    secrets: 8,
    secretCalls: 20_000,
    ecrGb: 2,
    supabaseCompute: 'small',
  },
  large: {
    ...BASE,
    mau: 150_000,
    dbGb: 100,
    storageGb: 3_000,
    egressGb: 8_000,
    cdnShare: 0.8,
    tasks: 4,
    taskVcpu: 1,
    taskGb: 2,
    instance: 'db.m7g.large',
    network: 'nat',
    ...networkResources('nat', 2),
    albLcu: 8,
    outboundGb: 1_000,
    s3Puts: 2_000_000,
    s3Gets: 20_000_000,
    cdnRequests: 150_000_000,
    logsGb: 100,
    secrets: 10,
    secretCalls: 100_000,
    ecrGb: 5,
    supabaseCompute: 'large',
  },
};

export const PRESET_NAMES = Object.keys(PRESETS) as PresetName[];

function usageError(field: string, value: unknown, expected: string): ConfigError {
  return new ConfigError('COST_INVALID_USAGE', `${field} is ${JSON.stringify(value)}; expected ${expected}`, {
    exit: 'usage',
    hint: `Fix --${field.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} and run supa2aws cost again.`,
    details: { field, value, expected },
  });
}

/** The preset's usage with overrides applied; throws coded errors on an unknown preset or bad values. */
export function resolveUsage(
  options: { preset?: string; overrides?: Partial<Usage>; region?: string } = {},
): Usage {
  const presetName = options.preset ?? 'small';
  if (!(presetName in PRESETS)) {
    throw new ConfigError('COST_UNKNOWN_PRESET', `no usage preset "${presetName}"`, {
      exit: 'usage',
      hint: `Use --preset ${PRESET_NAMES.join(' | ')}, or give the usage with --mau --db-gb --storage-gb --egress-gb.`,
      details: { preset: presetName, known: PRESET_NAMES },
    });
  }
  const defined = Object.fromEntries(
    Object.entries(options.overrides ?? {}).filter(([, v]) => v !== undefined),
  ) as Partial<Usage>;
  const preset = PRESETS[presetName as PresetName];
  // A network mode or AZ count given without resource counts gets the ones the stacks create for it.
  const derived =
    (defined.network !== undefined || defined.azs !== undefined) &&
    defined.natGateways === undefined &&
    defined.interfaceEndpointAzs === undefined
      ? networkResources(defined.network ?? preset.network, defined.azs ?? preset.azs)
      : {};
  const usage: Usage = { ...preset, ...derived, ...defined };
  validateUsage(usage, options.region ?? 'us-east-1');
  return usage;
}

/** Checks every field; all problems are usage errors naming the field, the value and what is allowed. */
function validateUsage(usage: Usage, region: string): void {
  const nonNegative: Array<keyof Usage> = [
    'mau',
    'dbGb',
    'storageGb',
    'egressGb',
    'outboundGb',
    's3Puts',
    's3Gets',
    'cdnRequests',
    'logsGb',
    'secrets',
    'secretCalls',
    'ecrGb',
    'backupFactor',
    'otherHostingUsd',
    'albLcu',
  ];
  for (const key of nonNegative) {
    const v = usage[key];
    if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) throw usageError(key, v, 'a number >= 0');
  }
  if (!Number.isInteger(usage.tasks) || usage.tasks < 0)
    throw usageError('tasks', usage.tasks, 'a whole number >= 0');
  if (!Number.isInteger(usage.azs) || usage.azs < 1)
    throw usageError('azs', usage.azs, 'a whole number >= 1');
  for (const key of ['natGateways', 'interfaceEndpointAzs'] as const) {
    if (!Number.isInteger(usage[key]) || usage[key] < 0)
      throw usageError(key, usage[key], 'a whole number >= 0');
  }
  if (!['arm64', 'x86_64'].includes(usage.architecture)) {
    throw usageError('architecture', usage.architecture, 'arm64 | x86_64');
  }
  if (!(usage.taskVcpu > 0))
    throw usageError('taskVcpu', usage.taskVcpu, 'a number > 0 (0.25, 0.5, 1, 2, 4...)');
  if (!(usage.taskGb > 0)) throw usageError('taskGb', usage.taskGb, 'a number > 0');
  if (!(usage.hours > 0 && usage.hours <= 744))
    throw usageError('hours', usage.hours, 'hours in a month, 1..744');
  if (!(usage.cdnShare >= 0 && usage.cdnShare <= 1))
    throw usageError('cdnShare', usage.cdnShare, 'a share 0..1');
  if (!['nat', 'endpoints', 'public'].includes(usage.network)) {
    throw usageError('network', usage.network, 'nat | endpoints | public');
  }
  if (!['lite', 'essentials', 'plus'].includes(usage.cognitoPlan)) {
    throw usageError('cognitoPlan', usage.cognitoPlan, 'lite | essentials | plus');
  }
  if (!['free', 'pro', 'team'].includes(usage.supabasePlan)) {
    throw usageError('supabasePlan', usage.supabasePlan, 'free | pro | team');
  }
  const classes = rdsClasses(awsPrices(region));
  if (!classes.includes(usage.instance)) {
    throw new ConfigError(
      'COST_UNKNOWN_INSTANCE',
      `no ${region} price for RDS instance class "${usage.instance}"`,
      {
        exit: 'usage',
        hint: `Use --instance ${classes.join(' | ')}.`,
        details: { instance: usage.instance, known: classes },
      },
    );
  }
  const sizes = Object.keys(supabasePrices().compute);
  if (!sizes.includes(usage.supabaseCompute)) {
    throw usageError('supabaseCompute', usage.supabaseCompute, sizes.join(' | '));
  }
}
