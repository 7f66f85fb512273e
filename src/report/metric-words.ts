/**
 * A phase's metrics in words ("120 objects copied, 7.0 MiB"), never its raw keys: each key has its phrase;
 * a key without one is still split into words. Zeros are left out: the checks say what is missing.
 */
import { formatBytes } from '../core/format-bytes.ts';
import type { PhaseReport } from './phase-report.ts';

/** `{n}` is the value, formatted. Keys are `metric`, or `phase command:metric` where one step means another thing. */
const WORDS: Record<string, string> = {
  objects: '{n} objects',
  bytes: '{n}',
  rows: '{n} rows',
  users: '{n} users',
  tables: '{n} tables',
  // storage
  objectsAtSource: '{n} objects at the source',
  bytesAtSource: '{n} at the source',
  objectsIdentical: '{n} objects already identical',
  objectsToCopy: '{n} objects to copy',
  bytesToCopy: '{n} to copy',
  orphans: '{n} objects without a row',
  ghosts: '{n} rows without an object',
  objectsCopied: '{n} objects copied',
  bytesCopied: '{n} copied',
  failed: '{n} failed',
  retries: '{n} retries',
  'storage verify:rows': '{n} storage rows',
  objectsMatching: '{n} objects match',
  missing: '{n} missing',
  differ: '{n} differ',
  buckets: '{n} buckets',
  notSupported: '{n} settings this endpoint lacks',
  manual: '{n} settings left to do by hand',
  differs: '{n} settings differ',
  columns: '{n} URL columns',
  rowsScanned: '{n} rows scanned',
  valuesChanged: '{n} URLs changed',
  remaining: '{n} URLs left',
  // db
  kept: '{n} statements kept',
  rewritten: '{n} rewritten',
  dropped: '{n} dropped',
  blocked: '{n} blocked',
  statements: '{n} statements applied',
  'db copy:copied': '{n} tables copied',
  'db copy:skipped': '{n} tables already equal',
  sequences: '{n} sequences set',
  'db verify:tables': '{n} tables compared',
  matched: '{n} match',
  'db verify:rows': '{n} rows on the target',
  published: '{n} tables published',
  cleaned: '{n} left-overs removed',
  freezeMs: 'writes frozen for {n}',
  roles: '{n} roles frozen',
  // auth
  total: '{n} users',
  inserted: '{n} new',
  updated: '{n} changed',
  unchanged: '{n} unchanged',
  removed: '{n} removed',
  phoneOnly: '{n} phone-only',
  bcryptCostOutOfRange: '{n} with a bcrypt cost the Lambda refuses',
  candidates: '{n} users to create',
  created: '{n} created',
  existing: '{n} already in the pool',
  finished: '{n} finished',
  throttles: '{n} throttled calls',
  cognitoSubRecorded: '{n} Cognito IDs recorded',
  cognitoSubRebound: '{n} Cognito IDs re-bound',
  cognitoSubConflicts: '{n} Cognito ID conflicts',
  csvRows: '{n} CSV rows',
  poolUsers: '{n} users in the pool',
  migrated: '{n} migrated',
  pending: '{n} pending first sign-in',
  'not-migratable': '{n} cannot migrate',
  unaccounted: '{n} unaccounted',
  mismatch: '{n} mismatched',
  'outcome.lazy': '{n} migrate at first sign-in',
  'outcome.reset': '{n} migrate by password reset',
  'outcome.import': '{n} imported without a password',
  'outcome.skip': '{n} cannot migrate',
  changed: '{n} re-bound',
  // backend
  projects: '{n} projects read',
  imageBytes: '{n} of images',
  videoBytes: '{n} of video',
};

export function formatSeconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)} s`;
}

function formatValue(key: string, value: number): string {
  if (/bytes/i.test(key)) return formatBytes(value);
  if (/Ms$/.test(key)) return formatSeconds(value);
  return value.toLocaleString('en-US');
}

/** `cognitoSubRebound` → `cognito sub rebound`; `kind.phone-only` → `phone-only users`. */
function words(key: string): string {
  if (key.startsWith('kind.')) return `{n} ${key.slice(5)} users`;
  return `{n} ${key
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/[._]/g, ' ')
    .toLowerCase()}`;
}

function describeMetric(step: Pick<PhaseReport, 'phase' | 'command'>, key: string, value: number): string {
  const phrase = WORDS[`${step.phase} ${step.command}:${key}`] ?? WORDS[key] ?? words(key);
  return phrase.replace('{n}', formatValue(key, value));
}

/** What a step moved or counted, in words. */
export function describeMetrics(report: Pick<PhaseReport, 'phase' | 'command' | 'metrics'>): string {
  return Object.entries(report.metrics)
    .filter(([, v]) => v !== 0)
    .map(([k, v]) => describeMetric(report, k, v))
    .join(', ');
}
