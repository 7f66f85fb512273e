/**
 * The Supabase side at the same usage: plan fee, compute add-on less the plan's compute credits, and the
 * overages for MAU, disk, file storage and egress (uncached and cached). Pure.
 */
import { lineItem, num, total } from './line-items.ts';
import { valueOf } from './prices.ts';
import type {
  LineItem,
  SideEstimate,
  SupabasePlan,
  SupabasePlanSummary,
  SupabasePriceTable,
  Usage,
} from './types.ts';

function cap(s: string): string {
  return `${s[0]?.toUpperCase() ?? ''}${s.slice(1)}`;
}

/** Paid plans cannot run Nano: it is billed as Micro. The Free plan runs Nano only. */
function effectiveCompute(plan: SupabasePlan, size: string): string {
  if (plan === 'free') return 'nano';
  return size === 'nano' ? 'micro' : size;
}

function overage(
  items: LineItem[],
  args: { item: string; used: number; quota: number; key: string; table: SupabasePriceTable; unit: string },
): void {
  const entry = args.table.overages[args.key as keyof SupabasePriceTable['overages']];
  const rate = valueOf(entry);
  items.push(
    lineItem({
      service: 'Supabase',
      item: args.item,
      quantity: Math.max(0, args.used - args.quota),
      unit: args.unit,
      unitPrice: rate,
      formula: `max(0, ${num(args.used)} - ${num(args.quota)} included) x ${num(rate)}`,
      prices: [[`overages.${args.key}`, entry]],
    }),
  );
}

/** The Supabase bill for one plan at this usage. */
export function estimateSupabase(
  usage: Usage,
  table: SupabasePriceTable,
  planName = usage.supabasePlan,
): SideEstimate {
  const plan = table.plans[planName];
  const size = effectiveCompute(planName, usage.supabaseCompute);
  const computeEntry = table.compute[size];
  const items: LineItem[] = [
    lineItem({
      service: 'Supabase',
      item: `${cap(planName)} plan`,
      quantity: 1,
      unit: 'month',
      unitPrice: valueOf(plan.base),
      formula: `${num(valueOf(plan.base))} USD/month`,
      prices: [[`plans.${planName}.base`, plan.base]],
    }),
  ];
  if (computeEntry) {
    const rate = valueOf(computeEntry);
    const computeCost = rate * usage.hours;
    items.push(
      lineItem({
        service: 'Supabase',
        item: `${cap(size)} compute`,
        quantity: usage.hours,
        unit: 'compute-hours',
        unitPrice: rate,
        formula: `${num(rate)} USD/h x ${num(usage.hours)} h`,
        prices: [[`compute.${size}`, computeEntry]],
      }),
    );
    if (plan.computeCredits > 0) {
      const credit = Math.min(plan.computeCredits, computeCost);
      items.push(
        lineItem({
          service: 'Supabase',
          item: 'compute credits',
          quantity: 1,
          unit: 'month',
          unitPrice: -credit,
          formula: `-min(${num(plan.computeCredits)}, ${num(computeCost)})`,
          prices: [[`plans.${planName}.base`, plan.base]],
        }),
      );
    }
  }
  if (plan.overages) {
    const q = plan.quotas;
    const uncached = usage.egressGb * (1 - usage.cdnShare);
    const cached = usage.egressGb * usage.cdnShare;
    overage(items, { item: 'MAU over quota', used: usage.mau, quota: q.mau, key: 'mau', table, unit: 'MAU' });
    overage(items, {
      item: 'disk over quota',
      used: usage.dbGb,
      quota: q.dbGb,
      key: 'dbGb',
      table,
      unit: 'GB-month',
    });
    overage(items, {
      item: 'file storage over quota',
      used: usage.storageGb,
      quota: q.storageGb,
      key: 'storageGb',
      table,
      unit: 'GB-month',
    });
    overage(items, {
      item: 'uncached egress',
      used: uncached,
      quota: q.egressGb,
      key: 'egressGb',
      table,
      unit: 'GB',
    });
    overage(items, {
      item: 'cached egress (CDN)',
      used: cached,
      quota: q.cachedEgressGb,
      key: 'cachedEgressGb',
      table,
      unit: 'GB',
    });
  }
  if (usage.otherHostingUsd > 0) {
    items.push({
      service: 'Other',
      item: 'backend hosting outside Supabase (as given)',
      quantity: 1,
      unit: 'month',
      unitPrice: usage.otherHostingUsd,
      monthly: usage.otherHostingUsd,
      formula: `${num(usage.otherHostingUsd)} USD/month (--other-hosting)`,
      priceKeys: [],
    });
  }
  const label = `Supabase ${cap(planName)}${usage.otherHostingUsd > 0 ? ' + other hosting' : ''}`;
  return { provider: 'supabase', label, items, monthly: total(items) };
}

/** Whether the usage fits the Free plan, which restricts rather than bills past its quotas. */
function freeFit(usage: Usage, table: SupabasePriceTable): string[] {
  const q = table.plans.free.quotas;
  const reasons: string[] = [];
  const check = (what: string, used: number, quota: number, unit: string) => {
    const u = unit ? ` ${unit}` : '';
    if (used > quota) reasons.push(`${what} ${num(used)}${u} > ${num(quota)}${u}`);
  };
  check('MAU', usage.mau, q.mau, '');
  check('database', usage.dbGb, q.dbGb, 'GB');
  check('file storage', usage.storageGb, q.storageGb, 'GB');
  check('uncached egress', usage.egressGb * (1 - usage.cdnShare), q.egressGb, 'GB');
  check('cached egress', usage.egressGb * usage.cdnShare, q.cachedEgressGb, 'GB');
  if (usage.supabaseCompute !== 'nano' && usage.supabaseCompute !== 'micro') {
    reasons.push(`compute ${usage.supabaseCompute} is not available on Free (Nano only)`);
  }
  reasons.push('Free projects pause after a week of inactivity: not for production');
  return reasons;
}

/** Free, Pro and Team side by side at the same usage. */
export function supabasePlanSummaries(usage: Usage, table: SupabasePriceTable): SupabasePlanSummary[] {
  const freeReasons = freeFit(usage, table);
  const fitsFree = freeReasons.length === 1;
  return [
    {
      plan: 'free',
      monthly: fitsFree ? estimateSupabase(usage, table, 'free').monthly : null,
      fits: fitsFree,
      reasons: freeReasons,
    },
    { plan: 'pro', monthly: estimateSupabase(usage, table, 'pro').monthly, fits: true, reasons: [] },
    {
      plan: 'team',
      monthly: estimateSupabase(usage, table, 'team').monthly,
      fits: true,
      reasons: ['Team adds compliance (SOC 2, HIPAA add-on) and dashboard SSO, not capacity'],
    },
  ];
}
