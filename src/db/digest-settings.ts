/** Session settings that fix the text form of values, so digests agree between servers. */
import type { PgClient } from '../core/pg.ts';

export const DIGEST_SETTINGS: Readonly<Record<string, string>> = {
  TimeZone: 'UTC',
  DateStyle: 'ISO, MDY',
  IntervalStyle: 'postgres',
  extra_float_digits: '3',
  bytea_output: 'hex',
  lc_monetary: 'C',
};

export async function applyDigestSettings(client: PgClient): Promise<void> {
  for (const [name, value] of Object.entries(DIGEST_SETTINGS)) {
    await client.query('SELECT pg_catalog.set_config($1, $2, false)', [name, value]);
  }
}
