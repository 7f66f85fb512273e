/** The estimate as a Markdown report: usage, both bills with their formulas, plans, verdict, sources. */
import { num, usd } from './line-items.ts';
import { awsPrices, supabasePrices } from './prices.ts';
import type { CostEstimate, LineItem } from './types.ts';

function cell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

function itemsTable(items: LineItem[]): string[] {
  const rows = items.map(
    (i) =>
      `| ${cell(i.service)} | ${cell(i.item)}${i.hidden ? ' (often missed)' : ''}${i.unconfirmed ? ' *' : ''} | ` +
      `${num(Number(i.quantity.toPrecision(6)))} ${cell(i.unit)} | ${usd(i.monthly)} | \`${cell(i.formula)}\` |`,
  );
  return ['| service | item | quantity | monthly | formula |', '|---|---|---:|---:|---|', ...rows];
}

export interface MarkdownOptions {
  /** Relative path of the SVG chart to embed. */
  svgPath?: string;
}

export function renderCostMarkdown(estimate: CostEstimate, options: MarkdownOptions = {}): string {
  const u = estimate.usage;
  const lines: string[] = [
    `# Monthly cost: ${estimate.aws.label} vs ${estimate.supabase.label}`,
    '',
    `Usage: **${estimate.preset}** — ${num(u.mau)} MAU, ${num(u.dbGb)} GB database, ${num(u.storageGb)} GB files, ` +
      `${num(u.egressGb)} GB egress/month (${Math.round(u.cdnShare * 100)}% via CDN), ${u.tasks} x ${num(u.taskVcpu)} vCPU / ` +
      `${num(u.taskGb)} GB Fargate task(s), ${u.instance}${u.multiAz ? ' Multi-AZ' : ''}, network ${u.network}, ` +
      `Cognito ${u.cognitoPlan}, Supabase ${u.supabasePlan} + ${u.supabaseCompute} compute.`,
    '',
    '| | monthly |',
    '|---|---:|',
    `| ${estimate.aws.label} | ${usd(estimate.aws.monthly)} |`,
    `| ${estimate.supabase.label} | ${usd(estimate.supabase.monthly)} |`,
    `| difference (AWS - Supabase) | ${usd(estimate.difference)} |`,
    '',
    '## Verdict',
    '',
    ...estimate.verdict.map((v) => `- ${v}`),
    '',
  ];
  if (options.svgPath) lines.push(`![Monthly cost against scale](${options.svgPath})`, '');
  lines.push(`## ${estimate.aws.label}`, '', ...itemsTable(estimate.aws.items), '');
  lines.push(`## ${estimate.supabase.label}`, '', ...itemsTable(estimate.supabase.items), '');
  lines.push('## Supabase plans at this usage', '', '| plan | monthly | notes |', '|---|---:|---|');
  for (const p of estimate.supabasePlans) {
    lines.push(
      `| ${p.plan} | ${p.monthly === null ? 'does not fit' : usd(p.monthly)} | ${cell(p.reasons.join('; '))} |`,
    );
  }
  lines.push('', '## Scale', '', estimate.sweep.note, '');
  if (estimate.crossovers.length === 0) {
    lines.push(`No crossover between x${num(estimate.sweep.from)} and x${num(estimate.sweep.to)}.`, '');
  } else {
    for (const c of estimate.crossovers) {
      lines.push(
        `- Crossover at x${num(Number(c.scale.toPrecision(4)))} (${num(c.usage.mau)} MAU, ${num(Math.round(c.usage.egressGb))} GB egress): ` +
          `${usd(c.monthly)}/month; ${c.cheaperAbove === 'aws' ? 'AWS' : 'Supabase'} is cheaper above it.`,
      );
    }
    lines.push('');
  }
  lines.push('## Assumptions', '', ...estimate.assumptions.map((a) => `- ${a}`), '');
  const aws = awsPrices(estimate.region);
  const sources = new Set<string>();
  for (const i of estimate.aws.items)
    for (const k of i.priceKeys) if (aws.prices[k]) sources.add(aws.prices[k].source);
  const sb = supabasePrices();
  lines.push(
    '## Prices',
    '',
    `AWS ${estimate.region} prices as of ${estimate.pricesAsOf.aws}, Supabase prices as of ${estimate.pricesAsOf.supabase} ` +
      '(src/cost/prices/). Items marked * use a price that could not be confirmed: check it on the page.',
    '',
    ...[...sources].sort().map((s) => `- ${s}`),
    `- ${sb.plans.pro.source}`,
    '',
  );
  if (estimate.unconfirmedPrices.length) {
    lines.push(`Unconfirmed: ${estimate.unconfirmedPrices.map((k) => `\`${k}\``).join(', ')}.`, '');
  }
  return lines.join('\n');
}
