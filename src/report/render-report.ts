/**
 * The migration report as Markdown and as a self-contained HTML page (inline SVG charts, no scripts), both
 * from one model (report-model.ts) in the same order: verdict, failures, not proven here, not moved, steps,
 * charts (HTML), checks. Charts are drawn only where a picture says more than the table: time per step, and
 * source against target for the tables and buckets where they differ.
 */
import { barChart, escapeHtml } from './bar-chart.ts';
import { formatSeconds } from './metric-words.ts';
import type { MigrationReport } from './report-model.ts';

export { buildMigrationReport, type MigrationReport } from './report-model.ts';

const cell = (text: string) => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');

export function renderMarkdown(report: MigrationReport): string {
  const out = [
    `# ${report.title}`,
    '',
    `Generated ${report.generatedAt}. Overall: **${report.ok ? 'PASS' : 'FAIL'}**.`,
  ];
  if (report.failures.length > 0) {
    out.push('', '## Needs attention', '');
    for (const f of report.failures) out.push(`- ✖ ${f.step}: ${f.what}${f.detail ? ` — ${f.detail}` : ''}`);
  }
  if (report.caveats.length > 0) {
    out.push('', '## Not proven here', '', ...report.caveats.map((c) => `- ${c.step}: ${c.text}`));
  }
  if (report.notMoved.length > 0) {
    out.push('', '## Not moved, on purpose', '', '| step | what | how many | why |', '|---|---|---:|---|');
    for (const n of report.notMoved) {
      const names = n.names?.length ? ` (${n.names.join(', ')}${n.count > n.names.length ? ', …' : ''})` : '';
      out.push(`| ${n.step} | ${cell(n.what + names)} | ${n.count} | ${cell(n.why)} |`);
    }
  }
  out.push('', '## Steps', '', '| step | result | time | moved or counted |', '|---|---|---:|---|');
  for (const s of report.steps) {
    out.push(`| ${s.name} | ${s.result} | ${formatSeconds(s.durationMs)} | ${cell(s.moved) || '—'} |`);
  }
  if (report.differences.length > 0) {
    out.push(
      '',
      '## Source and target differ',
      '',
      '| step | table or bucket | source | target |',
      '|---|---|---:|---:|',
    );
    for (const d of report.differences) {
      for (const i of d.items)
        out.push(`| ${d.step} | ${cell(i.name)} | ${i.source} ${d.unit} | ${i.target} ${d.unit} |`);
    }
  }
  const checked = report.phases.filter((p) => p.checks.length > 0);
  if (checked.length > 0) out.push('', '## Checks');
  for (const p of checked) {
    out.push('', `### ${p.phase} ${p.command}`, '');
    for (const c of p.checks) out.push(`- ${c.ok ? '✔' : '✖'} ${c.name}${c.detail ? ` — ${c.detail}` : ''}`);
  }
  return `${out.join('\n')}\n`;
}

function charts(report: MigrationReport): string[] {
  const out: string[] = [];
  if (report.steps.length >= 2) {
    out.push(
      barChart(
        'Time per step',
        report.steps.map((s) => ({
          label: s.name,
          values: [{ value: s.durationMs, display: formatSeconds(s.durationMs) }],
        })),
      ),
    );
  }
  for (const d of report.differences) {
    out.push(
      barChart(
        `${d.step}: source and target differ (${d.unit})`,
        d.items.map((i) => ({
          label: i.name,
          values: [
            {
              value: i.source,
              display: `${i.source.toLocaleString('en-US')} at the source`,
              series: 'source',
            },
            {
              value: i.target,
              display: `${i.target.toLocaleString('en-US')} on the target`,
              series: 'target',
            },
          ],
        })),
        { legend: ['source', 'target'] },
      ),
    );
  }
  return out;
}

const list = (items: string[]) => `<ul>${items.map((i) => `<li>${i}</li>`).join('')}</ul>`;

export function renderHtml(report: MigrationReport): string {
  const e = escapeHtml;
  const failures = report.failures.length
    ? `<section id="failures" class="attention"><h2>Needs attention</h2>${list(
        report.failures.map((f) => `✖ ${e(f.step)}: ${e(f.what)}${f.detail ? ` — ${e(f.detail)}` : ''}`),
      )}</section>`
    : '';
  const caveats = report.caveats.length
    ? `<section id="caveats"><h2>Not proven here</h2>${list(report.caveats.map((c) => e(`${c.step}: ${c.text}`)))}</section>`
    : '';
  const notMoved = report.notMoved.length
    ? `<section id="not-moved"><h2>Not moved, on purpose</h2><table><thead><tr><th>step</th><th>what</th><th class="n">how many</th><th>why</th></tr></thead><tbody>${report.notMoved
        .map(
          (n) =>
            `<tr><td>${e(n.step)}</td><td>${e(n.what)}${n.names?.length ? `<div class="names">${e(n.names.join(', '))}${n.count > n.names.length ? ', …' : ''}</div>` : ''}</td><td class="n">${n.count}</td><td>${e(n.why)}</td></tr>`,
        )
        .join('')}</tbody></table></section>`
    : '';
  const steps = report.steps
    .map(
      (s) =>
        `<tr class="${s.ok ? 'pass' : 'fail'}"><td>${e(s.name)}</td><td>${e(s.result)}</td>` +
        `<td class="n">${formatSeconds(s.durationMs)}</td><td>${e(s.moved) || '—'}</td></tr>`,
    )
    .join('\n');
  const pictures = charts(report);
  const checks = report.phases
    .filter((p) => p.checks.length > 0)
    .map(
      (p) =>
        `<h3>${e(`${p.phase} ${p.command}`)}</h3>${list(
          p.checks.map(
            (c) =>
              `<span class="${c.ok ? 'pass' : 'fail'}">${c.ok ? '✔' : '✖'} ${e(c.name)}${c.detail ? ` — ${e(c.detail)}` : ''}</span>`,
          ),
        )}`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${e(report.title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font-family:system-ui,sans-serif;margin:1.2rem auto;padding:0 1rem;max-width:960px;color:#1b1f24;line-height:1.35}
h1{margin:0 0 .2rem;font-size:1.5rem} h2{font-size:1.1rem;margin:1rem 0 .3rem} h3{font-size:1rem;margin:.8rem 0 .2rem}
.meta{margin:0;color:#57606a;font-size:.85rem} .overall{font-size:1.15rem;font-weight:600;margin:.3rem 0}
.pass{color:#116329} .fail{color:#b42318}
section.attention{border-left:4px solid #b42318;padding:.1rem .8rem;background:#fff5f5}
#caveats{border-left:4px solid #9a6700;padding:.1rem .8rem;background:#fff8e6}
ul{list-style:none;padding-left:0;margin:.2rem 0} li{margin:.15rem 0}
table{border-collapse:collapse;width:100%;margin:.5rem 0} td,th{border-bottom:1px solid #d0d7de;padding:.3rem;text-align:left;vertical-align:top}
td.n,th.n,td:first-child{white-space:nowrap} td.n,th.n{text-align:right} .names{color:#57606a;font-size:.85rem}
svg{display:block;margin:1rem 0;max-width:100%;height:auto} svg .bar,svg .key{fill:#3b82f6} svg .source{fill:#94a3b8}
svg .title{font-weight:600;font-size:14px} svg .label,svg .value{font-size:12px;fill:#1b1f24}
</style></head>
<body>
<h1>${e(report.title)}</h1>
<p class="meta">Generated ${e(report.generatedAt)}</p>
<p class="overall ${report.ok ? 'pass' : 'fail'}" id="overall">Overall: ${report.ok ? 'PASS' : 'FAIL'}</p>
${failures}
${caveats}
${notMoved}
<h2>Steps</h2>
<table id="steps"><thead><tr><th>step</th><th>result</th><th class="n">time</th><th>moved or counted</th></tr></thead>
<tbody>
${steps}
</tbody></table>
${pictures.length ? `<section id="charts">${pictures.join('\n')}</section>` : ''}
<section id="checks"><h2>Checks</h2>${checks}</section>
</body></html>
`;
}
