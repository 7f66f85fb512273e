/** The SVG chart is well-formed XML with both lines and the crossover; the Markdown report is complete; tables are dated. */
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  AWS_REGIONS,
  awsPrices,
  costReport,
  estimateCost,
  PRESETS,
  renderCostMarkdown,
  renderCostSvg,
  supabasePrices,
} from '../../src/cost/index.ts';
import { usd } from '../../src/cost/line-items.ts';

/**
 * A small well-formedness check (no XML library in the project): one prolog, one root, every tag closed in
 * order, attributes quoted, no stray '<' or bare '&' in text or attribute values. Returns the tag names seen.
 */
function checkXml(xml: string): string[] {
  const body = xml.replace(/^<\?xml[^?]*\?>\s*/, '');
  assert.ok(body !== xml, 'has an XML prolog');
  const stack: string[] = [];
  const seen: string[] = [];
  let roots = 0;
  const token = /<(\/?)([A-Za-z][\w:-]*)((?:\s+[\w:-]+="[^"<]*")*)\s*(\/?)>|([^<]+)/gy;
  let m: RegExpExecArray | null;
  let pos = 0;
  while ((m = token.exec(body))) {
    pos = token.lastIndex;
    const [, closing, name, attrs, selfClosing, text] = m;
    if (text !== undefined) {
      assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(text), `bare & in text: ${text}`);
      if (stack.length === 0) assert.equal(text.trim(), '', 'text outside the root');
      continue;
    }
    assert.ok(!/&(?!(amp|lt|gt|quot|apos|#\d+);)/.test(attrs ?? ''), `bare & in attributes of ${name}`);
    if (closing) {
      assert.equal(stack.pop(), name, `</${name}> closes the open tag`);
      continue;
    }
    if (stack.length === 0) roots++;
    seen.push(name ?? '');
    if (!selfClosing) stack.push(name ?? '');
  }
  assert.equal(pos, body.length, `unparsed input at ${pos}: ${body.slice(pos, pos + 40)}`);
  assert.equal(stack.length, 0, `unclosed: ${stack.join(', ')}`);
  assert.equal(roots, 1, 'one root element');
  return seen;
}

describe('SVG chart', () => {
  const withCrossover = estimateCost({
    usage: {
      ...PRESETS.small,
      mau: 0,
      dbGb: 0,
      storageGb: 0,
      egressGb: 100,
      cdnShare: 0,
      outboundGb: 0,
      s3Puts: 0,
      s3Gets: 0,
      cdnRequests: 0,
      logsGb: 0,
      secrets: 0,
      secretCalls: 0,
      ecrGb: 0,
      albLcu: 10,
      otherHostingUsd: 102.77505,
      architecture: 'x86_64',
      interfaceEndpointAzs: 0,
    },
  });

  it('is well-formed, with two lines and the crossover marked', () => {
    const svg = renderCostSvg(withCrossover);
    const tags = checkXml(svg);
    assert.equal(tags[0], 'svg');
    assert.equal(tags.filter((t) => t === 'polyline').length, 2);
    assert.equal(tags.filter((t) => t === 'circle').length, 1);
    assert.match(svg, /crossover x2\.11/);
    const points = /<polyline[^>]*points="([^"]+)"/.exec(svg)?.[1]?.split(' ') ?? [];
    assert.equal(points.length, withCrossover.sweep.points.length);
    for (const p of points) assert.match(p, /^\d+(\.\d)?,\d+(\.\d)?$/);
  });

  it('GIVEN bills far apart in scale THEN the y axis is logarithmic and both bills are labelled at the usage', () => {
    const estimate = estimateCost({ preset: 'small' });
    const svg = renderCostSvg(estimate);
    assert.match(svg, /USD per month, log axis/);
    const labels = [...svg.matchAll(/class="usage-value">([^<]+)</g)].map((m) => m[1]);
    assert.deepEqual(labels, [
      `${estimate.aws.label}: ${usd(estimate.aws.monthly)}/mo`,
      `${estimate.supabase.label}: ${usd(estimate.supabase.monthly)}/mo`,
    ]);
  });

  it('says so when the lines never cross, and escapes text', () => {
    const svg = renderCostSvg(estimateCost({ preset: 'large' }));
    const tags = checkXml(svg);
    assert.equal(tags.filter((t) => t === 'circle').length, 0);
    assert.match(svg, /no crossover between x0\.1 and x100/);
    assert.ok(!svg.includes('<script'));
  });
});

describe('Markdown and files', () => {
  it('has both bills with formulas, the plans and the verdict', () => {
    const md = renderCostMarkdown(estimateCost({ preset: 'medium' }), { svgPath: 'cost.svg' });
    for (const heading of [
      '## Verdict',
      '## AWS us-east-1',
      '## Supabase Pro',
      '## Supabase plans at this usage',
      '## Prices',
    ]) {
      assert.ok(md.includes(heading), heading);
    }
    assert.match(
      md,
      /\| Cognito \| Lite MAU \| 25,000 MAU \| \$82\.50 \| `10,000 x 0 \+ 15,000 x 0\.0055` \|/,
    );
    assert.match(md, /!\[Monthly cost against scale\]\(cost\.svg\)/);
    assert.match(md, /https:\/\/aws\.amazon\.com\/fargate\/pricing\//);
  });

  it('writes the Markdown and SVG files it is asked for', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'supa2aws-cost-'));
    try {
      const report = await costReport({
        preset: 'small',
        markdownFile: path.join(dir, 'out', 'cost.md'),
        svgFile: path.join(dir, 'out', 'cost.svg'),
      });
      assert.equal(report.written.length, 2);
      const md = await readFile(path.join(dir, 'out', 'cost.md'), 'utf8');
      assert.match(md, /!\[Monthly cost against scale\]\(cost\.svg\)/);
      checkXml(await readFile(path.join(dir, 'out', 'cost.svg'), 'utf8'));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('price tables', () => {
  it('date and source every price, and every region prices the same things', () => {
    const keys = Object.keys(awsPrices('us-east-1').prices).sort();
    assert.ok(AWS_REGIONS.length >= 2);
    for (const region of AWS_REGIONS) {
      const table = awsPrices(region);
      assert.deepEqual(Object.keys(table.prices).sort(), keys, `${region} has the same keys`);
      for (const [key, p] of Object.entries(table.prices)) {
        assert.match(p.source, /^https:\/\/aws\.amazon\.com\//, `${region} ${key} source`);
        assert.match(p.asOf, /^\d{4}-\d{2}-\d{2}$/, `${region} ${key} asOf`);
        assert.equal(typeof p.confirmed, 'boolean');
      }
    }
    const sb = supabasePrices();
    for (const p of [...Object.values(sb.compute), ...Object.values(sb.overages)]) {
      assert.match(p.source, /^https:\/\/supabase\.com\//);
    }
  });

  it('records the facts the design relies on', () => {
    const us = awsPrices('us-east-1').prices;
    assert.equal(us['ipv4.hour']?.value, 0.005);
    assert.ok((us['rds.instance.db.t4g.micro']?.value ?? 1) < (us['rds.instance.db.t3.micro']?.value ?? 0));
    assert.equal(us['cognito.essentials']?.tiers?.[0]?.upTo, 10_000);
    assert.match(us['cognito.lite']?.note ?? '', /50K/);
  });
});
