/** `costReport`: the estimate plus, when asked, its Markdown report and SVG chart written to files. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { estimateCost, type CostOptions } from './estimate.ts';
import { renderCostMarkdown } from './markdown.ts';
import { renderCostSvg } from './svg-chart.ts';
import type { CostEstimate } from './types.ts';

export interface CostReportOptions extends CostOptions {
  /** Write the Markdown report here. */
  markdownFile?: string;
  /** Write the SVG chart here. */
  svgFile?: string;
}

export interface CostReport {
  estimate: CostEstimate;
  /** Files written, in order. */
  written: string[];
}

async function write(file: string, text: string): Promise<string> {
  const abs = path.resolve(file);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, text, 'utf8');
  return abs;
}

export async function costReport(options: CostReportOptions = {}): Promise<CostReport> {
  const estimate = estimateCost(options);
  const written: string[] = [];
  if (options.svgFile) written.push(await write(options.svgFile, renderCostSvg(estimate)));
  if (options.markdownFile) {
    const svgPath =
      options.svgFile &&
      path
        .relative(path.dirname(path.resolve(options.markdownFile)), path.resolve(options.svgFile))
        .split(path.sep)
        .join('/');
    written.push(await write(options.markdownFile, renderCostMarkdown(estimate, svgPath ? { svgPath } : {})));
  }
  return { estimate, written };
}
