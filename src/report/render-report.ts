/** The migration report: a Markdown summary and a self-contained HTML page (inline SVG charts, no scripts). */
import type { PhaseReport } from './phase-report.ts';

export interface MigrationReport {
  title: string;
  generatedAt: string;
  ok: boolean;
  phases: PhaseReport[];
}

export function buildMigrationReport(phases: PhaseReport[], now = new Date()): MigrationReport {
  return {
    title: 'supa2aws migration report',
    generatedAt: now.toISOString(),
    ok: phases.length > 0 && phases.every((p) => p.ok),
    phases,
  };
}

function formatNumber(value: number, key: string): string {
  if (/bytes/i.test(key)) {
    const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
    let v = value;
    let u = 0;
    while (v >= 1024 && u < units.length - 1) {
      v /= 1024;
      u++;
    }
    return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
  }
  return value.toLocaleString('en-US');
}

function result(p: PhaseReport): string {
  if (!p.ok) return 'FAIL';
  const n = p.caveats?.length ?? 0;
  return n > 0 ? `pass (${n} not proven here)` : 'pass';
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

export function renderMarkdown(report: MigrationReport): string {
  const out = [
    `# ${report.title}`,
    '',
    `Generated ${report.generatedAt}. Overall: **${report.ok ? 'PASS' : 'FAIL'}**.`,
    '',
  ];
  out.push('| phase | step | result | time | moved |', '|---|---|---|---|---|');
  for (const p of report.phases) {
    const moved = Object.entries(p.metrics)
      .map(([k, v]) => `${k} ${formatNumber(v, k)}`)
      .join(', ');
    out.push(`| ${p.phase} | ${p.command} | ${result(p)} | ${seconds(p.durationMs)} | ${moved || '—'} |`);
  }
  const caveats = report.phases.flatMap((p) =>
    (p.caveats ?? []).map((c) => `- ${p.phase} ${p.command}: ${c}`),
  );
  if (caveats.length > 0) out.push('', '## Not proven here', '', ...caveats);
  for (const p of report.phases.filter((r) => r.checks.length > 0)) {
    out.push('', `## ${p.phase} ${p.command}`, '');
    for (const c of p.checks) out.push(`- ${c.ok ? '✔' : '✖'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}

/** A horizontal bar chart as inline SVG. */
export function barChart(
  title: string,
  bars: Array<{ label: string; value: number; display: string }>,
): string {
  const width = 640;
  const rowHeight = 28;
  const labelWidth = 200;
  const max = Math.max(1, ...bars.map((b) => b.value));
  const height = 36 + bars.length * rowHeight;
  const rows = bars
    .map((b, i) => {
      const y = 30 + i * rowHeight;
      const w = Math.max(2, Math.round(((width - labelWidth - 120) * b.value) / max));
      return (
        `<text x="0" y="${y + 15}" class="label">${escapeHtml(b.label)}</text>` +
        `<rect x="${labelWidth}" y="${y}" width="${w}" height="20" rx="3" class="bar"/>` +
        `<text x="${labelWidth + w + 8}" y="${y + 15}" class="value">${escapeHtml(b.display)}</text>`
      );
    })
    .join('');
  return (
    `<svg xmlns="http://www.w3.org/2000/svg" role="img" aria-label="${escapeHtml(title)}" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}">` +
    `<text x="0" y="18" class="title">${escapeHtml(title)}</text>${rows}</svg>`
  );
}

const CHARTED: Array<{ key: RegExp; title: string }> = [
  { key: /^objects/, title: 'Objects moved' },
  { key: /^bytes/, title: 'Bytes moved' },
  { key: /^rows/, title: 'Rows moved' },
  { key: /^users/, title: 'Users' },
];

export function renderHtml(report: MigrationReport): string {
  const charts: string[] = [];
  for (const { key, title } of CHARTED) {
    const bars = report.phases.flatMap((p) =>
      Object.entries(p.metrics)
        .filter(([k]) => key.test(k))
        .map(([k, v]) => ({ label: `${p.phase} ${p.command}: ${k}`, value: v, display: formatNumber(v, k) })),
    );
    if (bars.length > 0) charts.push(barChart(title, bars));
  }
  charts.push(
    barChart(
      'Time per step',
      report.phases.map((p) => ({
        label: `${p.phase} ${p.command}`,
        value: p.durationMs,
        display: seconds(p.durationMs),
      })),
    ),
  );
  const rows = report.phases
    .map(
      (p) =>
        `<tr class="${p.ok ? 'pass' : 'fail'}"><td>${escapeHtml(p.phase)}</td><td>${escapeHtml(p.command)}</td>` +
        `<td>${escapeHtml(result(p))}</td><td>${seconds(p.durationMs)}</td>` +
        `<td>${escapeHtml(
          Object.entries(p.metrics)
            .map(([k, v]) => `${k} ${formatNumber(v, k)}`)
            .join(', '),
        )}</td></tr>`,
    )
    .join('\n');
  const checks = report.phases
    .filter((p) => p.checks.length > 0)
    .map(
      (p) =>
        `<h3>${escapeHtml(`${p.phase} ${p.command}`)}</h3><ul>${p.checks
          .map(
            (c) =>
              `<li class="${c.ok ? 'pass' : 'fail'}">${c.ok ? '✔' : '✖'} ${escapeHtml(c.name)}${c.detail ? ` — ${escapeHtml(c.detail)}` : ''}</li>`,
          )
          .join('')}</ul>`,
    )
    .join('\n');
  const caveats = report.phases.flatMap((p) =>
    (p.caveats ?? []).map((c) => `<li>${escapeHtml(`${p.phase} ${p.command}: ${c}`)}</li>`),
  );
  const caveatSection = caveats.length
    ? `<section id="caveats"><h2>Not proven here</h2><ul>${caveats.join('')}</ul></section>`
    : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(report.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:2rem;max-width:960px;color:#1b1f24}
h1{margin-bottom:.2rem} .overall{font-size:1.2rem;font-weight:600} .pass{color:#116329} .fail{color:#b42318}
table{border-collapse:collapse;width:100%;margin:1rem 0} td,th{border-bottom:1px solid #d0d7de;padding:.4rem;text-align:left}
svg{display:block;margin:1.5rem 0} svg .bar{fill:#3b82f6} svg .title{font-weight:600;font-size:14px}
svg .label,svg .value{font-size:12px;fill:#1b1f24} ul{list-style:none;padding-left:0}
</style></head>
<body>
<h1>${escapeHtml(report.title)}</h1>
<p>Generated ${escapeHtml(report.generatedAt)}</p>
<p class="overall ${report.ok ? 'pass' : 'fail'}" id="overall">Overall: ${report.ok ? 'PASS' : 'FAIL'}</p>
<table id="steps"><thead><tr><th>phase</th><th>step</th><th>result</th><th>time</th><th>moved</th></tr></thead>
<tbody>
${rows}
</tbody></table>
<section id="charts">${charts.join('\n')}</section>
<section id="checks"><h2>Verification</h2>${checks}</section>
${caveatSection}
</body></html>
`;
}
