/** `costReport`: the estimate plus, when asked, its Markdown report and SVG chart written to files. */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { resolveAwsContext } from '../core/aws/aws-context.ts';
import { estimateCost, type CostOptions } from './estimate.ts';
import { renderCostMarkdown } from './markdown.ts';
import { renderCostSvg } from './svg-chart.ts';
import type { CostEstimate } from './types.ts';

export interface CostReportOptions extends CostOptions {
  /** `--profile`: its `region` counts as the AWS CLI counts it. */
  profile?: string;
  /** @default process.env */
  env?: NodeJS.ProcessEnv;
  /** Write the Markdown report here. */
  markdownFile?: string;
  /** Write the SVG chart here. */
  svgFile?: string;
}

export interface CostReport {
  estimate: CostEstimate;
  /** Where the priced region came from: `--region`, `AWS_REGION`, a profile, or `default`. */
  regionFrom: string;
  /** Files written, in order. */
  written: string[];
}

async function write(file: string, text: string): Promise<string> {
  const abs = path.resolve(file);
  await mkdir(path.dirname(abs), { recursive: true });
  await writeFile(abs, text, 'utf8');
  return abs;
}

/**
 * Prices the region the rest of the CLI would deploy to (`--region` > AWS_REGION > AWS_DEFAULT_REGION >
 * the profile's region), us-east-1 when nothing names one.
 */
export async function costReport(options: CostReportOptions = {}): Promise<CostReport> {
  const aws = resolveAwsContext({
    ...(options.region ? { region: options.region } : {}),
    ...(options.profile ? { profile: options.profile } : {}),
    ...(options.env ? { env: options.env } : {}),
  });
  const estimate = estimateCost({ ...options, region: aws.region ?? 'us-east-1' });
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
  return { estimate, regionFrom: aws.regionFrom ?? 'default', written };
}
