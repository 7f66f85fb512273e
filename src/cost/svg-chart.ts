/**
 * An SVG line chart of monthly cost against scale for AWS and Supabase, both axes logarithmic (so $58 against
 * $276 at the user's own usage stays as visible as $25,000 at x100), with both bills labelled at that usage
 * and every crossover marked. Self-contained: no fonts, scripts or external files.
 */
import { num, usd } from './line-items.ts';
import type { CostEstimate } from './types.ts';

const W = 860;
const H = 500;
const M = { left: 80, right: 30, top: 56, bottom: 64 };
const COLORS = { aws: '#e07b00', supabase: '#1f9d6a', grid: '#e3e3e3', axis: '#444444', mark: '#c0392b' };

function esc(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** The decade range [10^a, 10^b] that holds every value (at least one decade). */
function decades(values: number[]): { min: number; max: number } {
  const positive = values.filter((v) => v > 0);
  if (positive.length === 0) return { min: 1, max: 10 };
  const low = Math.floor(Math.log10(Math.min(...positive)));
  const high = Math.ceil(Math.log10(Math.max(...positive)));
  return { min: Math.pow(10, low), max: Math.pow(10, Math.max(high, low + 1)) };
}

/** 1, 2, 5 × each power of ten between `from` and `to`. */
function logTicks(from: number, to: number): number[] {
  const ticks: number[] = [];
  for (let e = Math.floor(Math.log10(from)); e <= Math.ceil(Math.log10(to)); e++) {
    for (const m of [1, 2, 5]) {
      const v = Number((m * Math.pow(10, e)).toPrecision(6));
      if (v >= from * 0.999 && v <= to * 1.001) ticks.push(v);
    }
  }
  return ticks;
}

const f = (n: number) => n.toFixed(1);

/** Both bills at the user's own usage (x1): a marker on each line and its value beside it, the higher above. */
function usageLabels(estimate: CostEstimate, atX: number, y: (usd: number) => number): string[] {
  const sides = (['aws', 'supabase'] as const)
    .map((side) => ({ side, label: estimate[side].label, monthly: estimate[side].monthly }))
    .sort((a, b) => b.monthly - a.monthly);
  return sides.flatMap((s, i) => {
    const py = y(s.monthly);
    const ty = i === 0 ? py - 10 : py + 20;
    return [
      `<rect x="${f(atX - 4)}" y="${f(py - 4)}" width="8" height="8" fill="${COLORS[s.side]}"/>`,
      `<text x="${f(atX + 8)}" y="${f(ty)}" font-family="sans-serif" font-size="12" font-weight="bold" fill="${COLORS[s.side]}" stroke="#ffffff" stroke-width="3" paint-order="stroke" class="usage-value">` +
        `${esc(s.label)}: ${esc(usd(s.monthly))}/mo</text>`,
    ];
  });
}

/** The chart as an SVG document (UTF-8 text). */
export function renderCostSvg(estimate: CostEstimate): string {
  const { from, to, points } = estimate.sweep;
  const plotW = W - M.left - M.right;
  const plotH = H - M.top - M.bottom;
  const range = decades(points.flatMap((p) => [p.aws, p.supabase]));
  const x = (scale: number) =>
    M.left + ((Math.log10(scale) - Math.log10(from)) / Math.log10(to / from)) * plotW;
  const y = (usdValue: number) =>
    M.top +
    plotH -
    ((Math.log10(Math.max(usdValue, range.min)) - Math.log10(range.min)) /
      Math.log10(range.max / range.min)) *
      plotH;
  const out: string[] = [];
  out.push(
    '<?xml version="1.0" encoding="UTF-8"?>',
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-labelledby="title desc">`,
    `<title id="title">Monthly cost against scale: ${esc(estimate.aws.label)} vs ${esc(estimate.supabase.label)}</title>`,
    `<desc id="desc">${esc(estimate.sweep.note)}</desc>`,
    `<rect x="0" y="0" width="${W}" height="${H}" fill="#ffffff"/>`,
    `<text x="${M.left}" y="28" font-family="sans-serif" font-size="17" font-weight="bold" fill="${COLORS.axis}">` +
      `Monthly cost vs scale (${esc(estimate.preset)} usage = x1, ${esc(estimate.region)})</text>`,
  );
  out.push('<g font-family="sans-serif" font-size="11" fill="#555555">');
  for (const v of logTicks(range.min, range.max)) {
    out.push(
      `<line x1="${M.left}" y1="${f(y(v))}" x2="${W - M.right}" y2="${f(y(v))}" stroke="${COLORS.grid}"/>`,
      `<text x="${M.left - 8}" y="${f(y(v) + 4)}" text-anchor="end">${esc(usd(v).replace('.00', ''))}</text>`,
    );
  }
  for (const t of logTicks(from, to)) {
    out.push(
      `<line x1="${f(x(t))}" y1="${M.top}" x2="${f(x(t))}" y2="${M.top + plotH}" stroke="${COLORS.grid}"/>`,
      `<text x="${f(x(t))}" y="${M.top + plotH + 18}" text-anchor="middle">x${esc(num(t))}</text>`,
    );
  }
  out.push('</g>');
  out.push(
    `<line x1="${M.left}" y1="${M.top + plotH}" x2="${W - M.right}" y2="${M.top + plotH}" stroke="${COLORS.axis}"/>`,
    `<line x1="${M.left}" y1="${M.top}" x2="${M.left}" y2="${M.top + plotH}" stroke="${COLORS.axis}"/>`,
    `<text x="${M.left + plotW / 2}" y="${H - 16}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="${COLORS.axis}">` +
      'scale (x the usage: MAU, data, egress; compute fixed), log axis</text>',
    `<text x="18" y="${M.top + plotH / 2}" text-anchor="middle" font-family="sans-serif" font-size="12" fill="${COLORS.axis}" ` +
      `transform="rotate(-90 18 ${M.top + plotH / 2})">USD per month, log axis</text>`,
  );
  if (from <= 1 && to >= 1) {
    out.push(
      `<line x1="${f(x(1))}" y1="${M.top}" x2="${f(x(1))}" y2="${M.top + plotH}" stroke="#888888" stroke-dasharray="4 4"/>`,
      `<text x="${f(x(1) + 4)}" y="${M.top + 12}" font-family="sans-serif" font-size="11" fill="#666666">this usage</text>`,
    );
  }
  for (const side of ['aws', 'supabase'] as const) {
    const pts = points.map((p) => `${f(x(p.scale))},${f(y(p[side]))}`).join(' ');
    out.push(`<polyline fill="none" stroke="${COLORS[side]}" stroke-width="2.5" points="${pts}"/>`);
  }
  if (from <= 1 && to >= 1) out.push(...usageLabels(estimate, x(1), y));
  for (const c of estimate.crossovers) {
    const cx = f(x(c.scale));
    const cy = f(y(c.monthly));
    out.push(
      `<circle cx="${cx}" cy="${cy}" r="6" fill="none" stroke="${COLORS.mark}" stroke-width="2"/>`,
      `<text x="${f(x(c.scale) + 9)}" y="${f(y(c.monthly) - 9)}" font-family="sans-serif" font-size="12" fill="${COLORS.mark}" stroke="#ffffff" stroke-width="3" paint-order="stroke">` +
        `crossover x${esc(num(Number(c.scale.toPrecision(3))))}: ${esc(usd(c.monthly))}/mo</text>`,
    );
  }
  if (estimate.crossovers.length === 0) {
    out.push(
      `<text x="${M.left + plotW - 4}" y="${M.top + plotH - 10}" text-anchor="end" font-family="sans-serif" font-size="12" fill="${COLORS.mark}">` +
        `no crossover between x${esc(num(from))} and x${esc(num(to))}</text>`,
    );
  }
  const legendY = 44;
  out.push(
    `<g font-family="sans-serif" font-size="12">`,
    `<line x1="${W - 300}" y1="${legendY - 4}" x2="${W - 280}" y2="${legendY - 4}" stroke="${COLORS.aws}" stroke-width="3"/>`,
    `<text x="${W - 274}" y="${legendY}" fill="${COLORS.axis}">${esc(estimate.aws.label)}</text>`,
    `<line x1="${W - 160}" y1="${legendY - 4}" x2="${W - 140}" y2="${legendY - 4}" stroke="${COLORS.supabase}" stroke-width="3"/>`,
    `<text x="${W - 134}" y="${legendY}" fill="${COLORS.axis}">${esc(estimate.supabase.label)}</text>`,
    '</g>',
    '</svg>',
  );
  return `${out.join('\n')}\n`;
}
