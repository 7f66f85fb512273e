/**
 * What live migration (`db replicate`) needs, checked read-only on both sides: the source reached through
 * its direct host, wal_level = logical, REPLICATION, a free slot and WAL sender, every app table with a key
 * or replica identity; on RDS, the right to CREATE SUBSCRIPTION and, for the way back, wal_level = logical
 * (rds.logical_replication = 1); on Supabase, the right to CREATE SUBSCRIPTION for the way back. Each
 * shortfall warns: the snapshot route (`db copy`) works without them.
 */
import { selectSchemas } from '../db/catalog/schemas.ts';
import type { Config } from '../config/schema.ts';
import { redactText } from '../core/redact.ts';
import { defaultConnect, withClient, type ConnectFn } from '../core/pg.ts';
import { isPoolerUrl, replicationNames, urlDatabase } from '../db/replicate/names.ts';
import {
  assertPublisherReady,
  assertSubscriberReady,
  publisherFacts,
  subscriberFacts,
} from '../db/replicate/preflight.ts';
import { replicationSides } from '../db/replicate/from-config.ts';
import { replicatedTables } from '../db/replicate/published-tables.ts';
import type { DoctorCheck } from './types.ts';

function problem(error: unknown): { detail: string; fix?: string } {
  const e = error as { message?: string; hint?: string };
  return { detail: redactText(e.message ?? String(error)).slice(0, 240), ...(e.hint ? { fix: e.hint } : {}) };
}

export async function checkReplication(
  config: Config,
  connect: ConnectFn = defaultConnect,
): Promise<DoctorCheck[]> {
  const url = replicationSides(config).sourceUrl;
  const checks: DoctorCheck[] = [];
  if (isPoolerUrl(url))
    return [
      {
        id: 'replication-source',
        title: 'live migration: source',
        status: 'warn',
        detail: 'the source URL goes through a Supabase pooler, which cannot carry replication',
        fix: 'Set db.replication.sourceUrl to the direct host db.<ref>.supabase.co:5432 (IPv6, or the IPv4 add-on).',
      },
    ];
  const names = replicationNames(urlDatabase(url));
  try {
    await withClient(connect, url, 'source', async (source) => {
      assertPublisherReady(await publisherFacts(source, names.slot), 'source');
      await replicatedTables(source, (await selectSchemas(source, config.db.schemas)).schemas, {
        withAuthUsers: true,
      });
      checks.push({
        id: 'replication-source',
        title: 'live migration: source',
        status: 'pass',
        detail: 'direct host, wal_level logical, REPLICATION, a free slot, every app table replicable',
      });
    });
  } catch (error) {
    checks.push({
      id: 'replication-source',
      title: 'live migration: source',
      status: 'warn',
      ...problem(error),
    });
  }
  try {
    await withClient(connect, config.target.db.url, 'target', async (target) => {
      assertSubscriberReady(await subscriberFacts(target, names.subscription), 'target');
      const back = await publisherFacts(target, replicationNames(urlDatabase(config.target.db.url)).slot);
      checks.push(
        back.walLevel === 'logical'
          ? {
              id: 'replication-target',
              title: 'live migration: RDS',
              status: 'pass',
              detail: 'may CREATE SUBSCRIPTION; wal_level logical (the way back can replicate)',
            }
          : {
              id: 'replication-target',
              title: 'live migration: RDS',
              status: 'warn',
              detail: `may CREATE SUBSCRIPTION, but wal_level is ${back.walLevel}: no way back by replication`,
              fix: 'Set rds.logical_replication = 1 in the DB parameter group (infra: logicalReplication) and reboot.',
            },
      );
    });
  } catch (error) {
    checks.push({
      id: 'replication-target',
      title: 'live migration: RDS',
      status: 'warn',
      ...problem(error),
    });
  }
  checks.push(await checkWayBack(url, config.target.db.url, connect));
  return checks;
}

/** The way back subscribes on Supabase: on PostgreSQL 15 that needs a superuser Supabase does not give. */
async function checkWayBack(supabaseUrl: string, rdsUrl: string, connect: ConnectFn): Promise<DoctorCheck> {
  const title = 'live migration: way back (RDS → Supabase)';
  try {
    return await withClient(connect, supabaseUrl, 'source', async (supabase) => {
      const facts = await subscriberFacts(supabase, replicationNames(urlDatabase(rdsUrl)).subscription);
      assertSubscriberReady(facts, 'Supabase', { direction: 'reverse' });
      return {
        id: 'replication-way-back',
        title,
        status: 'pass',
        detail: `${facts.user} may CREATE SUBSCRIPTION on Supabase (PostgreSQL ${facts.version})`,
      };
    });
  } catch (error) {
    return { id: 'replication-way-back', title, status: 'warn', ...problem(error) };
  }
}
