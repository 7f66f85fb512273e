/** The plain-words verdict: which side costs more here, where the lines cross, and what people forget. */
import { num, usd } from './line-items.ts';
import { price, tiersOf, valueOf } from './prices.ts';
import type { AwsPriceTable, Crossover, SideEstimate, SupabasePriceTable, Usage } from './types.ts';

export interface VerdictInput {
  usage: Usage;
  aws: SideEstimate;
  supabase: SideEstimate;
  crossovers: Crossover[];
  sweepRange: { from: number; to: number };
  tables: { aws: AwsPriceTable; supabase: SupabasePriceTable };
  unconfirmed: number;
}

function sumWhere(side: SideEstimate, test: (service: string, item: string) => boolean): number {
  return side.items.filter((i) => test(i.service, i.item)).reduce((s, i) => s + i.monthly, 0);
}

function scaleWords(c: Crossover): string {
  return (
    `x${num(Number(c.scale.toPrecision(3)))} (about ${num(c.usage.mau)} MAU, ${num(Math.round(c.usage.dbGb))} GB database, ` +
    `${num(Math.round(c.usage.storageGb))} GB files, ${num(Math.round(c.usage.egressGb))} GB egress a month)`
  );
}

function perUnit(input: VerdictInput): string {
  const t = input.tables.aws;
  const s = input.tables.supabase.overages;
  const firstPaid = (key: string) => tiersOf(price(t, key)).find((tier) => tier.value > 0)?.value ?? 0;
  const cognitoRate = firstPaid(`cognito.${input.usage.cognitoPlan}`);
  return (
    `Per unit of growth AWS charges ${num(cognitoRate)} USD/MAU (Cognito ${input.usage.cognitoPlan}) vs ` +
    `${num(valueOf(s.mau))} on Supabase past its included MAU, ${num(firstPaid('s3.storage'))} vs ` +
    `${num(valueOf(s.storageGb))} USD per GB of files, ${num(firstPaid('cloudfront.out'))} vs ` +
    `${num(valueOf(s.cachedEgressGb))} USD per GB of CDN egress (after CloudFront's free 1 TB; its volume tiers reach 0.03 only past 500 TB a month), and ` +
    `${num(valueOf(price(t, 'rds.storage.gp3')))} vs ${num(valueOf(s.dbGb))} USD per GB of database.`
  );
}

export function buildVerdict(input: VerdictInput): string[] {
  const { aws, supabase, usage } = input;
  const lines: string[] = [];
  const diff = aws.monthly - supabase.monthly;
  const ratio = supabase.monthly > 0 ? aws.monthly / supabase.monthly : Infinity;
  lines.push(
    `At this usage ${aws.label} costs ${usd(aws.monthly)}/month and ${supabase.label} ${usd(supabase.monthly)}/month: ` +
      (diff >= 0
        ? `AWS costs ${usd(diff)} more${Number.isFinite(ratio) ? ` (${ratio.toFixed(1)}x)` : ''}.`
        : `AWS costs ${usd(-diff)} less.`),
  );
  if (diff > 0) {
    const fixed = sumWhere(
      aws,
      (svc, item) =>
        svc === 'Application Load Balancer' ||
        svc === 'ECS Fargate' ||
        (svc === 'RDS PostgreSQL' && !item.startsWith('backup')) ||
        item === 'public IPv4 addresses' ||
        item.startsWith('NAT gateway') ||
        item.startsWith('interface endpoints'),
    );
    lines.push(
      `Running it yourself has a floor: the load balancer, Fargate, RDS and public IPv4 addresses alone come to ` +
        `${usd(fixed)}/month before users arrive, against ${supabase.label}'s plan fee with compute credits included.`,
    );
  }
  const { from, to } = input.sweepRange;
  if (input.crossovers.length > 0) {
    for (const c of input.crossovers) {
      lines.push(
        `The lines cross at ${scaleWords(c)}, at ${usd(c.monthly)}/month: above it ${c.cheaperAbove === 'aws' ? 'AWS' : 'Supabase'} is cheaper.`,
      );
    }
  } else {
    lines.push(
      `No crossover between x${num(from)} and x${num(to)} of this usage with compute held as given: ` +
        `${diff >= 0 ? 'AWS stays the more expensive side' : 'AWS stays cheaper'}. ${perUnit(input)}`,
    );
  }
  const hidden = aws.items.filter((i) => i.hidden && i.monthly > 0);
  if (hidden.length > 0) {
    const byItem = hidden.map((i) => `${i.service} ${i.item} ${usd(i.monthly)}`).join(', ');
    lines.push(
      `Costs people miss add ${usd(hidden.reduce((s, i) => s + i.monthly, 0))}/month here: ${byItem}.`,
    );
  }
  const cognito = aws.items.find((i) => i.service === 'Cognito');
  lines.push(
    `The guide plan's "Cognito free up to 50K MAU" is out of date: new user pools get 10,000 free MAU (Lite, Essentials). ` +
      `${num(usage.mau)} MAU cost ${usd(cognito?.monthly ?? 0)} on Cognito ${usage.cognitoPlan}; Supabase Pro includes 100,000.`,
  );
  if (usage.otherHostingUsd === 0) {
    lines.push(
      'The Supabase figure leaves out wherever the Express backend runs today (the AWS side includes Fargate and the ALB): ' +
        'pass --other-hosting <USD> to compare like with like.',
    );
  }
  if (input.unconfirmed > 0) {
    lines.push(
      `${input.unconfirmed} price(s) used here could not be confirmed against a source (marked *): check them before deciding.`,
    );
  }
  return lines;
}
