/**
 * Horizontal bar charts as inline SVG, sized from their text so no label or value is ever cut: the label
 * column is as wide as the longest label, the value column as wide as the longest value, and the drawing
 * scales down as a whole (viewBox) on a narrow page instead of clipping.
 */

export interface Bar {
  label: string;
  /** Bars of one row, drawn one under the other (source and target), each with its shown value. */
  values: Array<{ value: number; display: string; series?: string }>;
}

const FONT = 12;
/** An upper bound of a character's width at 12 px in a sans-serif face: labels are measured with it. */
const CHAR_PX = 7.5;
const BAR_H = 16;
const GAP = 10;
const PLOT_W = 360;

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

const textWidth = (text: string) => Math.ceil([...text].length * CHAR_PX);

export function barChart(title: string, bars: Bar[], options: { legend?: string[] } = {}): string {
  const labelW = Math.max(...bars.map((b) => textWidth(b.label)), 40) + 12;
  const valueW = Math.max(...bars.flatMap((b) => b.values.map((v) => textWidth(v.display))), 20) + 12;
  const width = Math.max(textWidth(title), labelW + PLOT_W + valueW);
  const max = Math.max(1, ...bars.flatMap((b) => b.values.map((v) => v.value)));
  const legendH = options.legend ? 20 : 0;
  let y = 30 + legendH;
  const rows: string[] = [];
  for (const b of bars) {
    const rowH = b.values.length * (BAR_H + 2);
    rows.push(`<text x="0" y="${y + rowH / 2 + FONT / 2 - 2}" class="label">${escapeHtml(b.label)}</text>`);
    b.values.forEach((v, i) => {
      const top = y + i * (BAR_H + 2);
      const w = Math.max(2, Math.round((PLOT_W * v.value) / max));
      rows.push(
        `<rect x="${labelW}" y="${top}" width="${w}" height="${BAR_H}" rx="2" class="bar${v.series ? ` ${v.series}` : ''}"/>`,
        `<text x="${labelW + w + 6}" y="${top + BAR_H - 4}" class="value">${escapeHtml(v.display)}</text>`,
      );
    });
    y += rowH + GAP;
  }
  const legend = (options.legend ?? [])
    .map(
      (name, i) =>
        `<rect x="${i * 110}" y="28" width="12" height="12" class="key ${name}"/>` +
        `<text x="${i * 110 + 16}" y="38" class="label">${escapeHtml(name)}</text>`,
    )
    .join('');
  const height = y;
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="0" y="16" class="title">${escapeHtml(title)}</text>${legend}${rows.join('')}</svg>`
  );
}
