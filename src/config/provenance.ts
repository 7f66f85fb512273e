/**
 * Where each value of a resolved config came from: the file, an environment variable it references, a
 * flag or the AWS environment (the region), or the schema's default. For `config show`.
 */
import { readFileSync } from 'node:fs';
import type { AwsContext } from '../core/aws/aws-context.ts';
import { isSecretKey, redactValue } from '../core/redact.ts';
import type { Config } from './schema.ts';

export interface ShownValue {
  value: unknown;
  from: string;
}

function rawAt(raw: unknown, at: string[]): unknown {
  let node = raw;
  for (const key of at) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function walk(
  value: unknown,
  raw: unknown,
  at: string[],
  aws: AwsContext | undefined,
  out: Record<string, ShownValue>,
): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, child] of Object.entries(value)) walk(child, raw, [...at, key], aws, out);
    return;
  }
  const field = at.join('.');
  const inFile = rawAt(raw, at);
  const refs =
    typeof inFile === 'string'
      ? [...inFile.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g)].map((m) => m[1])
      : [];
  const from =
    field === 'target.region' && aws?.regionFrom
      ? aws.regionFrom
      : refs.length
        ? `file, with ${refs.map((r) => `$${r}`).join(', ')} from the environment`
        : inFile !== undefined
          ? 'file'
          : /^target\.(s3|cognito)\.region$/.test(field)
            ? 'target.region'
            : 'default';
  const secret = isSecretKey(at[at.length - 1] ?? '') || /secretAccessKey$/i.test(field);
  out[field] = { value: secret ? '***' : redactValue(value), from };
}

/** Every leaf of the resolved config (secrets redacted) with where it came from. */
export function showConfig(
  config: Config,
  file: string,
  aws: AwsContext | undefined,
): Record<string, ShownValue> {
  const raw = JSON.parse(readFileSync(file, 'utf8')) as unknown;
  const out: Record<string, ShownValue> = {};
  walk(config, raw, [], aws, out);
  return out;
}
