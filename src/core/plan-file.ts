/**
 * A saved plan (`storage plan --out`, `auth plan --out`): a versioned JSON envelope around a phase's plan,
 * with the config parts that decide what is moved (names only, never a secret) and their SHA-256, so the
 * apply step (`storage copy --plan`, `auth import --plan`) can refuse a file of another kind or version, or
 * a config that no longer matches the plan that was reviewed. Each phase says what goes in its envelope.
 */
import { createHash } from 'node:crypto';
import {
  accessSync,
  chmodSync,
  constants,
  existsSync,
  mkdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import path from 'node:path';
import type { z } from 'zod';
import { ConfigError } from './errors.ts';

/** The config parts that decide what a plan moves: names, mappings, options. Never a secret. */
export type PlanInputs = Record<string, unknown>;

export interface PlanFile<P> {
  /** What the file holds, e.g. `supa2aws/storage-plan`. */
  kind: string;
  version: number;
  createdAt: string;
  /** SHA-256 of `inputs` in canonical JSON. */
  fingerprint: string;
  /** The config parts the fingerprint is taken of, kept so a refusal can name what differs. */
  inputs: PlanInputs;
  plan: P;
}

/** One kind of plan file: its name, its version, how its plan is checked, and the command that writes one. */
export interface PlanFileSpec<P> {
  kind: string;
  version: number;
  schema: z.ZodType<P, z.ZodTypeDef, unknown>;
  /** The command that writes a fresh plan, for hints: `supa2aws storage plan --out <file>`. */
  planCommand: string;
}

/** JSON with object keys sorted at every level: the same inputs give the same text. */
function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value) ?? 'null';
}

export function fingerprintOf(inputs: PlanInputs): string {
  return createHash('sha256').update(canonicalJson(inputs)).digest('hex');
}

/** The envelope for `plan`, made now from `inputs`. */
export function planFileFor<P>(
  spec: Pick<PlanFileSpec<P>, 'kind' | 'version'>,
  inputs: PlanInputs,
  plan: P,
  now: Date = new Date(),
): PlanFile<P> {
  return {
    kind: spec.kind,
    version: spec.version,
    createdAt: now.toISOString(),
    fingerprint: fingerprintOf(inputs),
    inputs,
    plan,
  };
}

/** The names the phases' reports take in the report folder: `<phase>-<command>.json` and `.md`. */
const PHASE_REPORT_NAME = /^(storage|db|auth)-[a-z0-9-]+\.(json|md)$/i;

/**
 * Refuses a plan file that a phase report would replace: in the report folder under a report's name (say
 * `supa2aws-report/auth-plan.json`, which the same run writes its report to). Any other name is fine.
 */
export function assertPlanOutsideReports(file: string, reportDir: string): void {
  const resolved = path.resolve(file);
  if (path.dirname(resolved) !== path.resolve(reportDir) || !PHASE_REPORT_NAME.test(path.basename(resolved)))
    return;
  throw new ConfigError('PLAN_FILE_IS_A_REPORT', `${file} is where the phase reports go`, {
    exit: 'usage',
    details: { file, reportDir },
    hint: 'Name the plan so no report takes its place, e.g. --out plans/auth-plan.json or supa2aws-report/saved-auth-plan.json.',
  });
}

/** Refuses, before any work, an `--out` a phase report would replace or that cannot be written. */
export function assertOutFile(file: string, reportDir: string): void {
  assertPlanOutsideReports(file, reportDir);
  assertPlanWritable(file);
}

/** Writes the plan file (mode 0600: it names users and objects), creating its folder. */
export function writePlanFile(file: string, planFile: PlanFile<unknown>): void {
  try {
    mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
    writeFileSync(file, `${JSON.stringify(planFile, null, 2)}\n`, { mode: 0o600 });
    // The mode applies only to a new file: one written before keeps its own.
    chmodSync(file, 0o600);
  } catch (error) {
    throw unwritable(file, error);
  }
}

function unwritable(file: string, error: unknown): ConfigError {
  const code = (error as NodeJS.ErrnoException).code ?? 'error';
  return new ConfigError('PLAN_FILE_UNWRITABLE', `cannot write the plan to ${file} (${code})`, {
    exit: 'usage',
    details: { file, code },
    cause: error,
    hint: 'Pass --out a file path in a folder this user can write (not a folder itself).',
  });
}

/**
 * Refuses, before any planning, an `--out` that cannot be written: its folder cannot be made or written, or
 * it is a folder. Writes nothing. (`assertPlanOutsideReports` covers one a report would replace.)
 */
export function assertPlanWritable(file: string): void {
  const resolved = path.resolve(file);
  try {
    if (existsSync(resolved) && statSync(resolved).isDirectory())
      throw Object.assign(new Error('a folder'), { code: 'EISDIR' });
    if (existsSync(resolved)) accessSync(resolved, constants.W_OK);
    // The folder need not exist yet: the nearest one that does must take new entries.
    let dir = path.dirname(resolved);
    while (!existsSync(dir)) dir = path.dirname(dir);
    if (!statSync(dir).isDirectory()) throw Object.assign(new Error('not a folder'), { code: 'ENOTDIR' });
    accessSync(dir, constants.W_OK);
  } catch (error) {
    throw unwritable(file, error);
  }
}

function invalid(file: string, spec: PlanFileSpec<unknown>, what: string): ConfigError {
  return new ConfigError('PLAN_FILE_INVALID', `${file} is not a ${spec.kind} plan file: ${what}`, {
    exit: 'usage',
    details: { file },
    hint: `Pass a file written by \`${spec.planCommand}\`, unedited.`,
  });
}

/** Reads a plan file of `spec`'s kind and version; anything else is refused with a coded usage error. */
export function readPlanFile<P>(file: string, spec: PlanFileSpec<P>): PlanFile<P> {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    const unreadable = (error as NodeJS.ErrnoException).code !== undefined;
    if (!unreadable) throw invalid(file, spec, `not JSON (${(error as Error).message})`);
    throw new ConfigError(
      'PLAN_FILE_UNREADABLE',
      `cannot read the plan file ${file}: ${(error as Error).message}`,
      {
        exit: 'usage',
        details: { file },
        hint: `Write one with \`${spec.planCommand}\`, review it, then pass that file to --plan.`,
      },
    );
  }
  const envelope = raw as Partial<PlanFile<unknown>> | null;
  if (envelope === null || typeof envelope !== 'object' || typeof envelope.kind !== 'string')
    throw invalid(file, spec, 'it has no "kind"');
  if (envelope.kind !== spec.kind) {
    throw new ConfigError(
      'PLAN_KIND_MISMATCH',
      `${file} is a ${envelope.kind} plan file; this command applies a ${spec.kind} plan file`,
      {
        exit: 'usage',
        details: { file, kind: envelope.kind, expected: spec.kind },
        hint: `Pass the file \`${spec.planCommand}\` wrote.`,
      },
    );
  }
  if (envelope.version !== spec.version) {
    throw new ConfigError(
      'PLAN_VERSION_UNSUPPORTED',
      `${file} is version ${String(envelope.version)} of the ${spec.kind} plan file; this supa2aws reads version ${spec.version}`,
      {
        exit: 'usage',
        details: { file, version: envelope.version, expected: spec.version },
        hint: `Write the plan again with this supa2aws: \`${spec.planCommand}\`.`,
      },
    );
  }
  if (typeof envelope.fingerprint !== 'string' || typeof envelope.createdAt !== 'string')
    throw invalid(file, spec, 'it has no "fingerprint" or "createdAt"');
  if (envelope.inputs === null || typeof envelope.inputs !== 'object' || Array.isArray(envelope.inputs))
    throw invalid(file, spec, 'it has no "inputs"');
  if (fingerprintOf(envelope.inputs) !== envelope.fingerprint)
    throw invalid(file, spec, 'its fingerprint does not match its config inputs (they were edited)');
  const plan = spec.schema.safeParse(envelope.plan);
  if (!plan.success) {
    const issue = plan.error.issues[0];
    throw invalid(file, spec, `plan.${issue?.path.join('.') ?? ''}: ${issue?.message ?? 'invalid'}`);
  }
  return {
    kind: envelope.kind,
    version: envelope.version,
    createdAt: envelope.createdAt,
    fingerprint: envelope.fingerprint,
    inputs: envelope.inputs,
    plan: plan.data,
  };
}

/** `{a: {b: 1}, c: [2]}` → `{'a.b': '1', c: '[2]'}`: each leaf (arrays whole) as canonical JSON. */
function leaves(value: unknown, prefix = '', out = new Map<string, string>()): Map<string, string> {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value as Record<string, unknown>))
      if (v !== undefined) leaves(v, prefix ? `${prefix}.${k}` : k, out);
  } else {
    out.set(prefix, canonicalJson(value));
  }
  return out;
}

/** Each input that differs between the plan and now: `buckets.videos.target (planned "a", now "b")`. */
function differingInputs(saved: PlanInputs, now: PlanInputs): string[] {
  const was = leaves(saved);
  const is = leaves(now);
  const names = [...new Set([...was.keys(), ...is.keys()])].sort();
  return names
    .filter((name) => was.get(name) !== is.get(name))
    .map((name) => `${name} (planned ${was.get(name) ?? 'none'}, now ${is.get(name) ?? 'none'})`);
}

/**
 * Refuses (PLAN_CONFIG_CHANGED, exit 2) when the config's inputs now are not those the plan was made from
 * (whose fingerprint readPlanFile checked), naming the parts that differ.
 */
export function assertSameInputs(
  file: string,
  planFile: PlanFile<unknown>,
  now: PlanInputs,
  spec: Pick<PlanFileSpec<unknown>, 'planCommand'>,
): void {
  if (fingerprintOf(now) === planFile.fingerprint) return;
  const differ = differingInputs(planFile.inputs, now);
  throw new ConfigError(
    'PLAN_CONFIG_CHANGED',
    `the config does not match the plan in ${file}: ${differ.join('; ')}`,
    {
      exit: 'usage',
      details: { file, differ },
      hint: `Apply it with the config it was planned with, or plan again with this one: \`${spec.planCommand}\`, review it, then pass that file to --plan.`,
    },
  );
}
