/**
 * What replication needs on each side, checked before anything is created, each missing piece a coded
 * error with the fix: the publisher's version, `wal_level`, the REPLICATION attribute, CREATE on the
 * database, a free slot and WAL sender; on the subscriber, the right to CREATE SUBSCRIPTION (superuser,
 * RDS's rds_superuser, or PostgreSQL 16's pg_create_subscription) and CREATE on the database.
 */
import { DbError } from '../../core/errors.ts';
import type { PgClient } from '../../core/pg.ts';
import type { Direction } from './published-tables.ts';

export interface PublisherFacts {
  version: number;
  walLevel: string;
  user: string;
  superuser: boolean;
  replication: boolean;
  canCreate: boolean;
  maxSlots: number;
  /** Slots in use, ours (`slot`) left out: it is reused or dropped. */
  slotsUsed: number;
  /** Other slots, with whether a client holds them: the hint names the idle ones. */
  otherSlots: Array<{ name: string; active: boolean }>;
  maxWalSenders: number;
  walSendersUsed: number;
}

export async function publisherFacts(client: PgClient, slot: string): Promise<PublisherFacts> {
  const { rows } = await client.query<{
    version: string;
    wal_level: string;
    usr: string;
    rolsuper: boolean;
    rolreplication: boolean;
    can_create: boolean;
    max_slots: string;
    max_senders: string;
    senders: string;
    slots: Array<{ name: string; active: boolean }> | null;
  }>(
    `SELECT current_setting('server_version_num') AS version, current_setting('wal_level') AS wal_level,
            current_user AS usr, r.rolsuper,
            r.rolreplication OR coalesce(to_regrole('rds_replication') IS NOT NULL
                                          AND pg_has_role(current_user, 'rds_replication', 'USAGE'), false) AS rolreplication,
            has_database_privilege(current_database(), 'CREATE') AS can_create,
            current_setting('max_replication_slots') AS max_slots,
            current_setting('max_wal_senders') AS max_senders,
            (SELECT count(*) FROM pg_catalog.pg_stat_replication) AS senders,
            (SELECT json_agg(json_build_object('name', slot_name, 'active', active) ORDER BY slot_name)
               FROM pg_catalog.pg_replication_slots WHERE slot_name <> $1) AS slots
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    [slot],
  );
  const r = rows[0]!;
  const otherSlots = r.slots ?? [];
  return {
    version: Math.floor(Number(r.version) / 10000),
    walLevel: r.wal_level,
    user: r.usr,
    superuser: r.rolsuper,
    replication: r.rolreplication,
    canCreate: r.can_create,
    maxSlots: Number(r.max_slots),
    slotsUsed: otherSlots.length,
    otherSlots,
    maxWalSenders: Number(r.max_senders),
    walSendersUsed: Number(r.senders),
  };
}

/** Throws the first thing the publisher lacks. `side` names it in messages (`source` or `target`). */
export function assertPublisherReady(facts: PublisherFacts, side: string): void {
  if (facts.version < 15)
    throw new DbError(
      'REPLICATE_VERSION',
      `the ${side} runs PostgreSQL ${facts.version}; replication by supa2aws needs 15 or later (publication column lists)`,
      {
        exit: 'environment',
        hint: 'Upgrade the project to PostgreSQL 15+, or move the data with `supa2aws db copy`.',
      },
    );
  if (facts.walLevel !== 'logical')
    throw new DbError(
      'REPLICATE_WAL_LEVEL',
      `the ${side}'s wal_level is ${facts.walLevel}; logical replication needs wal_level = logical`,
      {
        exit: 'environment',
        hint: 'On RDS set rds.logical_replication = 1 in the DB parameter group and reboot (infra: logicalReplication); elsewhere set wal_level = logical and restart. Supabase runs with logical already.',
      },
    );
  if (!facts.superuser && !facts.replication)
    throw new DbError(
      'REPLICATE_SOURCE_PRIVILEGES',
      `${facts.user} on the ${side} has no REPLICATION attribute: it cannot create a replication slot`,
      {
        exit: 'permission',
        hint: `Connect as a role with REPLICATION (on Supabase: postgres; on RDS: the master user, a member of rds_replication), or ALTER ROLE ${facts.user} REPLICATION as an administrator.`,
      },
    );
  if (!facts.canCreate)
    throw new DbError(
      'REPLICATE_SOURCE_PRIVILEGES',
      `${facts.user} may not create objects in the ${side} database: it cannot create the publication`,
      {
        exit: 'permission',
        hint: `GRANT CREATE ON DATABASE <db> TO ${facts.user}, or connect as the database owner.`,
      },
    );
  if (facts.slotsUsed >= facts.maxSlots) {
    const idle = facts.otherSlots.filter((s) => !s.active).map((s) => s.name);
    throw new DbError(
      'REPLICATE_SLOTS_EXHAUSTED',
      `the ${side} has no free replication slot: ${facts.slotsUsed} of max_replication_slots = ${facts.maxSlots} in use`,
      {
        exit: 'environment',
        hint:
          idle.length > 0
            ? `Drop a slot nobody reads (SELECT pg_drop_replication_slot('<name>'); idle: ${idle.join(', ')}), or raise max_replication_slots.`
            : 'Raise max_replication_slots (a restart), or stop another replication client.',
        details: { slots: facts.otherSlots },
      },
    );
  }
  if (facts.walSendersUsed + 1 >= facts.maxWalSenders)
    throw new DbError(
      'REPLICATE_WAL_SENDERS_EXHAUSTED',
      `the ${side} has no free WAL sender: ${facts.walSendersUsed} of max_wal_senders = ${facts.maxWalSenders} in use (replication needs 2 while it starts)`,
      { exit: 'environment', hint: 'Raise max_wal_senders (a restart), or stop another replication client.' },
    );
}

export interface SubscriberFacts {
  version: number;
  user: string;
  superuser: boolean;
  /** Member of pg_create_subscription (PostgreSQL 16+), or rds_superuser. */
  mayCreateSubscription: boolean;
  canCreate: boolean;
  maxWorkers: number;
  /** Enabled subscriptions of the cluster other than ours: each holds an apply worker. */
  otherSubscriptions: number;
}

export async function subscriberFacts(client: PgClient, subscription: string): Promise<SubscriberFacts> {
  const { rows } = await client.query<{
    version: string;
    usr: string;
    rolsuper: boolean;
    may: boolean;
    can_create: boolean;
    max_workers: string;
    others: string;
  }>(
    `SELECT current_setting('server_version_num') AS version, current_user AS usr, r.rolsuper,
            coalesce(to_regrole('pg_create_subscription') IS NOT NULL
                       AND pg_has_role(current_user, 'pg_create_subscription', 'USAGE'), false)
              OR coalesce(to_regrole('rds_superuser') IS NOT NULL
                       AND pg_has_role(current_user, 'rds_superuser', 'USAGE')
                       AND current_setting('rds.extensions', true) IS NOT NULL, false) AS may,
            has_database_privilege(current_database(), 'CREATE') AS can_create,
            current_setting('max_logical_replication_workers') AS max_workers,
            (SELECT count(*) FROM pg_catalog.pg_subscription s
              WHERE s.subenabled AND NOT (s.subname = $1 AND s.subdbid =
                     (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database()))) AS others
       FROM pg_catalog.pg_roles r WHERE r.rolname = current_user`,
    [subscription],
  );
  const r = rows[0]!;
  return {
    version: Math.floor(Number(r.version) / 10000),
    user: r.usr,
    superuser: r.rolsuper,
    mayCreateSubscription: r.rolsuper || r.may,
    canCreate: r.rolsuper || r.can_create,
    maxWorkers: Number(r.max_workers),
    otherSubscriptions: Number(r.others),
  };
}

/**
 * The way back subscribes on Supabase. On PostgreSQL 15 only a superuser may CREATE SUBSCRIPTION (16 added
 * pg_create_subscription) and Supabase gives projects none: `postgres` is not a superuser, and supautils lets
 * it create publications, not subscriptions. On Supabase's PostgreSQL 17 images `postgres` holds
 * pg_create_subscription. So on 15 the way back needs a superuser connection from elsewhere, or another route.
 */
function reverseNeedsSuperuser(facts: SubscriberFacts, viaAdminUrl: boolean): DbError {
  return new DbError(
    'REPLICATE_REVERSE_NEEDS_SUPERUSER',
    viaAdminUrl
      ? `the --subscriber-admin-url connection (${facts.user}) is not a superuser, and Supabase's PostgreSQL ${facts.version} lets only superusers CREATE SUBSCRIPTION: the way back cannot subscribe`
      : `Supabase runs PostgreSQL ${facts.version}, where only a superuser may CREATE SUBSCRIPTION, and ${facts.user} is not one: the way back (RDS → Supabase) cannot subscribe`,
    {
      exit: 'permission',
      hint: [
        'Pick one, before `supa2aws db cutover` if you can:',
        "(1) pass a superuser connection to the Supabase database with --subscriber-admin-url <url> (or SUPA2AWS_SOURCE_ADMIN_URL); a project has none of its own, only Supabase does: ask Supabase support (the dashboard's support form) for one for the migration window;",
        '(2) upgrade the project to PostgreSQL 17 (Dashboard → Project Settings → Infrastructure → Upgrade), where postgres holds pg_create_subscription, then run `supa2aws db replicate reverse` again;',
        "(3) go back by snapshot: stop the app's writes to RDS, empty the app tables on Supabase and load RDS's rows into them (pg_dump --data-only of the app schemas from RDS | psql on Supabase's direct host), then `supa2aws db cutover --undo` lifts the freeze on Supabase.",
      ].join(' '),
      details: { version: facts.version, user: facts.user },
    },
  );
}

export function assertSubscriberReady(
  facts: SubscriberFacts,
  side: string,
  options: { direction?: Direction; viaAdminUrl?: boolean } = {},
): void {
  if (!facts.mayCreateSubscription && options.direction === 'reverse' && facts.version < 16)
    throw reverseNeedsSuperuser(facts, options.viaAdminUrl === true);
  if (!facts.mayCreateSubscription)
    throw new DbError(
      'REPLICATE_TARGET_PRIVILEGES',
      `${facts.user} on the ${side} (PostgreSQL ${facts.version}) may not CREATE SUBSCRIPTION`,
      {
        exit: 'permission',
        hint:
          facts.version >= 16
            ? `GRANT pg_create_subscription TO ${facts.user} (on RDS the master user, rds_superuser, already may).`
            : `PostgreSQL ${facts.version} lets only superusers subscribe (Supabase on 15: upgrade the project to 17, where postgres holds pg_create_subscription), or pass a superuser connection with --subscriber-admin-url.`,
      },
    );
  if (!facts.canCreate)
    throw new DbError(
      'REPLICATE_TARGET_PRIVILEGES',
      `${facts.user} may not create objects in the ${side} database: CREATE SUBSCRIPTION needs CREATE on it`,
      {
        exit: 'permission',
        hint: `GRANT CREATE ON DATABASE <db> TO ${facts.user}, or connect as the database owner.`,
      },
    );
  if (facts.otherSubscriptions >= facts.maxWorkers)
    throw new DbError(
      'REPLICATE_WORKERS_EXHAUSTED',
      `the ${side} has no free logical replication worker: ${facts.otherSubscriptions} enabled subscription(s), max_logical_replication_workers = ${facts.maxWorkers}`,
      {
        exit: 'environment',
        hint: 'Drop or disable a subscription that is not needed, or raise max_logical_replication_workers (on RDS in the parameter group; a reboot).',
      },
    );
}
