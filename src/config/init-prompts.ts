/**
 * The questions `supa2aws init` asks on a terminal for what the flags left out. The library only decides
 * what to ask and reads the answers; the CLI owns the terminal and passes an `ask` function.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { resolveAwsContext } from '../core/aws/aws-context.ts';
import { FALLBACK_REGION, type InitConfigOptions } from './init-config.ts';

export interface InitQuestion {
  key: 'project' | 'region' | 'supabaseRegion' | 'buckets' | 'fromStack';
  question: string;
  /** Taken when the answer is empty. */
  default?: string;
}

export type Ask = (question: InitQuestion) => Promise<string>;

/** Asks for every input the flags did not give, and returns the options with the answers in. */
export async function askInitOptions(options: InitConfigOptions, ask: Ask): Promise<InitConfigOptions> {
  const out: InitConfigOptions = { ...options };
  const answer = async (q: InitQuestion) => (await ask(q)).trim() || q.default || '';

  if (!out.projectRef && !out.projectUrl) {
    const project = await answer({
      key: 'project',
      question: 'Supabase project ref or Project URL (https://<ref>.supabase.co)',
    });
    if (/^https?:\/\//.test(project)) out.projectUrl = project;
    else if (project) out.projectRef = project;
  }
  if (!out.region && !out.fromStack) {
    const env = options.env ?? process.env;
    const resolved = resolveAwsContext({ ...(out.profile ? { profile: out.profile } : {}), env }).region;
    out.region = await answer({
      key: 'region',
      question: 'AWS region to migrate to',
      default: resolved ?? FALLBACK_REGION,
    });
    out.regionFrom = 'your answer';
  }
  if (!out.supabaseRegion) {
    const supabaseRegion = await answer({
      key: 'supabaseRegion',
      question: "The Supabase project's region (Project Settings → General)",
      ...(out.region ? { default: out.region } : {}),
    });
    if (supabaseRegion) out.supabaseRegion = supabaseRegion;
  }
  if (!out.buckets?.length) {
    const buckets = await answer({
      key: 'buckets',
      question: 'Supabase bucket ids to copy, comma-separated (id, id=target-bucket, id:public)',
    });
    out.buckets = buckets
      .split(',')
      .map((b) => b.trim())
      .filter(Boolean);
  }
  if (!out.fromStack) {
    const cwd = out.cwd ?? process.cwd();
    const outputs = existsSync(path.join(cwd, 'outputs.json')) ? 'outputs.json' : undefined;
    const fromStack = await answer({
      key: 'fromStack',
      question: 'cdk deploy --outputs-file output, if the stacks are deployed (empty: not yet)',
      ...(outputs ? { default: outputs } : {}),
    });
    if (fromStack) out.fromStack = fromStack;
  }
  return out;
}
