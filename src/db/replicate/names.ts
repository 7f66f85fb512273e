/**
 * What replication is called on each side, and how the subscriber reaches the publisher. Every object
 * supa2aws creates for replication is named `supa2aws_<publisher database>`: the slot (slot names are
 * unique per cluster, so the database name keeps two databases of one cluster apart), the publication on
 * the publisher and the subscription on the subscriber. `decommission check` looks for that prefix.
 */
import { createHash } from 'node:crypto';
import { DbError } from '../../core/errors.ts';
import { redactUrl } from '../../core/redact.ts';

export const REPLICATION_PREFIX = 'supa2aws_';

export interface ReplicationNames {
  publication: string;
  slot: string;
  subscription: string;
}

/** Names for replication out of `database`: lower-case letters, digits and `_`, at most 63 characters. */
export function replicationNames(database: string): ReplicationNames {
  const clean = database.toLowerCase().replace(/[^a-z0-9_]/g, '_');
  const name =
    clean === database && REPLICATION_PREFIX.length + clean.length <= 63
      ? `${REPLICATION_PREFIX}${clean}`
      : `${REPLICATION_PREFIX}${clean.slice(0, 40)}_${createHash('sha256').update(database).digest('hex').slice(0, 8)}`;
  return { publication: name, slot: name, subscription: name };
}

/** The database a connection string names. */
export function urlDatabase(url: string): string {
  const parsed = new URL(url);
  return decodeURIComponent(parsed.pathname.replace(/^\//, '')) || decodeURIComponent(parsed.username);
}

/** Supabase's poolers (Supavisor, session 5432 and transaction 6543) cannot carry a replication connection. */
export function isPoolerUrl(url: string): boolean {
  const parsed = new URL(url);
  return parsed.hostname.endsWith('.pooler.supabase.com') || parsed.port === '6543';
}

/** Throws REPLICATE_NEEDS_DIRECT_HOST when the publisher's URL goes through a pooler. */
export function assertDirectHost(url: string, setting: string): void {
  if (!isPoolerUrl(url)) return;
  throw new DbError(
    'REPLICATE_NEEDS_DIRECT_HOST',
    `replication needs the database's direct host, got the pooler ${redactUrl(url)}`,
    {
      exit: 'usage',
      hint: `Set ${setting} to the direct connection (db.<ref>.supabase.co:5432, user postgres; IPv6, or the IPv4 add-on): Supabase's poolers cannot carry logical replication.`,
    },
  );
}

function conninfoValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

const PASSED_PARAMS = ['sslmode', 'sslrootcert', 'sslcert', 'sslkey', 'sslcrl', 'target_session_attrs'];

/** The libpq key/value connection string a subscription stores for `url` (its password included). */
export function subscriptionConninfo(url: string): string {
  const parsed = new URL(url);
  const parts: Array<[string, string]> = [
    ['host', parsed.hostname.replace(/^\[(.*)\]$/, '$1')],
    ['port', parsed.port || '5432'],
    ['dbname', urlDatabase(url)],
    ['user', decodeURIComponent(parsed.username)],
  ];
  if (parsed.password) parts.push(['password', decodeURIComponent(parsed.password)]);
  for (const key of PASSED_PARAMS) {
    const value = parsed.searchParams.get(key);
    if (value) parts.push([key, value]);
  }
  return parts.map(([k, v]) => `${k}=${conninfoValue(v)}`).join(' ');
}

/** `url` with one query parameter set. */
export function withParam(url: string, key: string, value: string): string {
  const parsed = new URL(url);
  parsed.searchParams.set(key, value);
  return parsed.toString();
}
