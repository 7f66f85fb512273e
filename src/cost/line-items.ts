/** Small helpers to build line items whose formula states the arithmetic. */
import type { LineItem, PriceEntry, Tier } from './types.ts';

/** A number as a formula shows it: no float noise, thousands separated. */
export function num(n: number): string {
  const clean = Number(n.toPrecision(12));
  if (Math.abs(clean) >= 10_000) return clean.toLocaleString('en-US', { maximumFractionDigits: 6 });
  return String(clean);
}

/** USD with cents, for text. */
export function usd(n: number): string {
  const sign = n < 0 ? '-' : '';
  return `${sign}$${Math.abs(n).toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 })}`;
}

/** Cost of a quantity across tiers (each tier's upTo is inclusive of the running total). */
export function tieredCost(quantity: number, tiers: Tier[]): { cost: number; parts: string[] } {
  let remaining = quantity;
  let lower = 0;
  let cost = 0;
  const parts: string[] = [];
  for (const tier of tiers) {
    if (remaining <= 0) break;
    const size = tier.upTo === null ? remaining : Math.max(0, tier.upTo - lower);
    const take = Math.min(remaining, size);
    if (take > 0) {
      cost += take * tier.value;
      parts.push(`${num(take)} x ${num(tier.value)}`);
    }
    remaining -= take;
    if (tier.upTo !== null) lower = tier.upTo;
  }
  return { cost, parts };
}

export interface ItemInput {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  unitPrice: number;
  formula: string;
  prices: Array<[string, PriceEntry]>;
  monthly?: number;
  hidden?: boolean;
  note?: string;
}

/** A line item; monthly defaults to quantity x unitPrice. */
export function lineItem(input: ItemInput): LineItem {
  const monthly = input.monthly ?? input.quantity * input.unitPrice;
  const item: LineItem = {
    service: input.service,
    item: input.item,
    quantity: input.quantity,
    unit: input.unit,
    unitPrice: input.unitPrice,
    monthly,
    formula: input.formula,
    priceKeys: input.prices.map(([k]) => k),
  };
  if (input.hidden) item.hidden = true;
  if (input.prices.some(([, p]) => !p.confirmed)) item.unconfirmed = true;
  if (input.note) item.note = input.note;
  return item;
}

export function total(items: LineItem[]): number {
  return items.reduce((sum, i) => sum + i.monthly, 0);
}
