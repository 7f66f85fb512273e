import type { Command } from 'commander';
import {
  costReport,
  PRESET_NAMES,
  usd,
  type CostEstimate,
  type LineItem,
  type Usage,
} from '../../cost/index.ts';
import { ConfigError } from '../../core/errors.ts';
import { action } from '../context.ts';
import { table } from '../render.ts';

type Flags = Record<string, string | boolean | undefined>;

/** Numeric flags: flag name → usage field. Parsed here so a bad value is a coded usage error. */
const NUMBER_FLAGS: Array<[string, keyof Usage]> = [
  ['mau', 'mau'],
  ['dbGb', 'dbGb'],
  ['storageGb', 'storageGb'],
  ['egressGb', 'egressGb'],
  ['cdnShare', 'cdnShare'],
  ['tasks', 'tasks'],
  ['taskVcpu', 'taskVcpu'],
  ['taskGb', 'taskGb'],
  ['hours', 'hours'],
  ['azs', 'azs'],
  ['natGateways', 'natGateways'],
  ['interfaceEndpointAzs', 'interfaceEndpointAzs'],
  ['logsGb', 'logsGb'],
  ['otherHosting', 'otherHostingUsd'],
];
const STRING_FLAGS: Array<[string, keyof Usage]> = [
  ['instance', 'instance'],
  ['network', 'network'],
  ['architecture', 'architecture'],
  ['cognitoPlan', 'cognitoPlan'],
  ['supabasePlan', 'supabasePlan'],
  ['supabaseCompute', 'supabaseCompute'],
];

function usageFrom(flags: Flags): Partial<Usage> {
  const usage: Record<string, unknown> = {};
  for (const [flag, field] of NUMBER_FLAGS) {
    const raw = flags[flag];
    if (raw === undefined) continue;
    const n = Number(raw);
    if (typeof raw !== 'string' || raw.trim() === '' || !Number.isFinite(n)) {
      const name = flag.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
      throw new ConfigError('COST_INVALID_USAGE', `--${name} is "${String(raw)}"; expected a number`, {
        exit: 'usage',
        hint: `Give a number, e.g. --${name} 10`,
        details: { flag: name, value: raw },
      });
    }
    usage[field] = n;
  }
  for (const [flag, field] of STRING_FLAGS) {
    if (typeof flags[flag] === 'string') usage[field] = flags[flag];
  }
  if (flags.multiAz === true) usage.multiAz = true;
  return usage as Partial<Usage>;
}

function rows(items: LineItem[]): string[][] {
  return items.map((i) => [
    i.service,
    `${i.item}${i.hidden ? ' (often missed)' : ''}${i.unconfirmed ? ' *' : ''}`,
    usd(i.monthly),
    i.formula,
  ]);
}

function humanText(estimate: CostEstimate, regionFrom: string, written: string[]): string {
  const out = [
    `${estimate.aws.label}: ${usd(estimate.aws.monthly)}/month`,
    table(['service', 'item', 'monthly', 'formula'], rows(estimate.aws.items)),
    '',
    `${estimate.supabase.label}: ${usd(estimate.supabase.monthly)}/month`,
    table(['service', 'item', 'monthly', 'formula'], rows(estimate.supabase.items)),
    '',
    table(
      ['Supabase plan', 'monthly', 'notes'],
      estimate.supabasePlans.map((p) => [
        p.plan,
        p.monthly === null ? 'does not fit' : usd(p.monthly),
        p.reasons.slice(0, 2).join('; '),
      ]),
    ),
    '',
    ...estimate.verdict.map((v) => `- ${v}`),
    '',
    `Prices as of ${estimate.pricesAsOf.aws} (AWS ${estimate.region}, from ${regionFrom}) and ${estimate.pricesAsOf.supabase} (Supabase); * = not confirmed.`,
  ];
  for (const file of written) out.push(`wrote ${file}`);
  return out.join('\n');
}

export function registerCost(program: Command): void {
  program
    .command('cost')
    .description(
      'monthly cost on AWS vs Supabase at the same usage, with the hidden costs and where they cross',
    )
    .option('--preset <name>', `usage preset: ${PRESET_NAMES.join(' | ')}`, 'small')
    .option('--mau <n>', 'monthly active users')
    .option('--db-gb <n>', 'database size, GB')
    .option('--storage-gb <n>', 'file storage, GB')
    .option('--egress-gb <n>', 'data out to the internet per month, GB')
    .option('--cdn-share <0..1>', 'share of egress served from a CDN cache')
    .option('--tasks <n>', 'Fargate tasks')
    .option('--task-vcpu <n>', 'vCPU per task')
    .option('--task-gb <n>', 'memory per task, GB')
    .option('--hours <n>', 'hours a month everything runs (730)')
    .option('--instance <class>', 'RDS instance class, e.g. db.t4g.micro')
    .option('--multi-az', 'Multi-AZ RDS')
    .option('--network <mode>', 'how tasks reach out: nat | endpoints | public')
    .option('--azs <n>', 'AZs the VPC spans (the ALB holds an address in each; NAT and endpoints follow)')
    .option('--nat-gateways <n>', 'NAT gateways (default: as the stacks create them for --network)')
    .option('--interface-endpoint-azs <n>', 'interface endpoints x AZs (default: as the stacks create them)')
    .option('--architecture <arch>', 'Fargate CPU: arm64 (Graviton, the default) | x86_64')
    .option('--logs-gb <n>', 'CloudWatch Logs ingested per month, GB')
    .option('--cognito-plan <plan>', 'lite | essentials | plus')
    .option('--supabase-plan <plan>', 'free | pro | team')
    .option('--supabase-compute <size>', 'Supabase compute size: micro, small, medium, large, xl...')
    .option('--other-hosting <usd>', 'what the backend costs today outside Supabase, USD/month')
    .option('--markdown <file>', 'write a Markdown report')
    .option('--svg <file>', 'write an SVG chart of monthly cost against scale')
    .action(
      action(async (ctx, flags: Flags) => {
        const report = await costReport({
          preset: String(flags.preset),
          ...(ctx.globals.region ? { region: ctx.globals.region } : {}),
          ...(ctx.globals.profile ? { profile: ctx.globals.profile } : {}),
          usage: usageFrom(flags),
          ...(typeof flags.markdown === 'string' ? { markdownFile: flags.markdown } : {}),
          ...(typeof flags.svg === 'string' ? { svgFile: flags.svg } : {}),
        });
        ctx.print({ ...report.estimate, regionFrom: report.regionFrom, written: report.written }, () =>
          humanText(report.estimate, report.regionFrom, report.written),
        );
        return 0;
      }),
    );
}
