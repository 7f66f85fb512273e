/**
 * `supa2aws config from-stack`: fold what `cdk deploy --outputs-file` wrote into the config file. The file
 * is read and written raw (its `${ENV}` references stay references); only the fields the outputs
 * determine change, everything else is kept.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { ConfigError } from '../errors.ts';
import { parseConfig, type ConfigProblem } from '../config/load.ts';
import {
  configFromStackOutputs,
  stackOutputsSummary,
  StackOutputsError,
  type ConfigFromOutputsOptions,
  type StackOutputs,
} from './config-from-outputs.ts';

type Json = Record<string, unknown>;

function isObject(value: unknown): value is Json {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** Deep merge: objects merge key by key, anything else in `over` replaces what `base` had. */
export function deepMerge(base: Json, over: Json): Json {
  const out: Json = { ...base };
  for (const [key, value] of Object.entries(over)) {
    out[key] = isObject(value) && isObject(out[key]) ? deepMerge(out[key] as Json, value) : value;
  }
  return out;
}

export interface FromStackResult {
  file: string;
  written: boolean;
  /** Whether the file is new ("created") or was there and was merged into ("updated"). */
  created: boolean;
  /** The merged raw config. */
  config: Json;
  /** Outputs that are not config fields but worth knowing (secret ARNs, URLs). */
  summary: Record<string, string>;
  /** What still keeps the merged config from validating (usually the source side on a new file). */
  problems: ConfigProblem[];
}

export function configFromStack(options: {
  outputsFile: string;
  configFile: string;
  dryRun?: boolean;
  outputs?: ConfigFromOutputsOptions;
}): FromStackResult {
  let outputs: StackOutputs;
  try {
    outputs = JSON.parse(readFileSync(options.outputsFile, 'utf8')) as StackOutputs;
  } catch (error) {
    throw new ConfigError(
      'STACK_OUTPUTS_UNREADABLE',
      `cannot read ${options.outputsFile}: ${(error as Error).message}`,
      {
        exit: 'usage',
        hint: 'Write it with `npx cdk deploy --all --outputs-file outputs.json` in infra/.',
      },
    );
  }
  let partial: Json;
  let summary: Record<string, string>;
  try {
    partial = configFromStackOutputs(outputs, options.outputs ?? {}) as Json;
    summary = stackOutputsSummary(outputs, options.outputs ?? {});
  } catch (error) {
    if (error instanceof StackOutputsError) {
      throw new ConfigError(error.code, error.message, {
        exit: 'usage',
        hint: 'Pass --stack-prefix to pick one app’s stacks, or deploy the stacks again with --outputs-file.',
      });
    }
    throw error;
  }
  const created = !existsSync(options.configFile);
  const existing: Json = !created
    ? (JSON.parse(readFileSync(options.configFile, 'utf8')) as Json)
    : { version: 1 };
  const config = deepMerge(existing, partial);
  // Check the shape only: ${ENV} references need not be set to write the file.
  const env = new Proxy({}, { get: () => 'set' }) as Record<string, string>;
  const { errors } = parseConfig(config, env);
  if (!options.dryRun) writeFileSync(options.configFile, `${JSON.stringify(config, null, 2)}\n`);
  return { file: options.configFile, written: !options.dryRun, created, config, summary, problems: errors };
}
