/**
 * Live migration from a loaded config. Forward, Supabase publishes from its direct host
 * (db.replication.sourceUrl, else source.db.url) to target.db.url; the way back swaps the sides. `db
 * replicate`, `db cutover`, `db rollback` and the demo call these; a flag overrides a setting through the
 * run options.
 */
import type { Config } from '../../config/schema.ts';
import { pickDefined } from '../../core/pick-defined.ts';
import { verifyDbOptions, type DbRunDeps } from '../from-config.ts';
import { cutover, undoCutoverFreeze, type CutoverOptions, type CutoverResult } from './cutover.ts';
import type { Direction } from './published-tables.ts';
import { startReplication, type StartReplicationOptions, type StartReplicationResult } from './start.ts';
import { replicationStatus, type ReplicationStatus } from './status.ts';
import { stopReplication, type StopReplicationResult } from './stop.ts';
import type { VerifyReport } from '../verify/verify-db.ts';

/** The two sides of a direction: forward leaves Supabase for RDS, reverse goes back. */
export function replicationSides(
  config: Config,
  direction: Direction = 'forward',
): { sourceUrl: string; targetUrl: string; sourceSetting: string } {
  const supabase = config.db.replication.sourceUrl ?? config.source.db.url;
  return direction === 'forward'
    ? {
        sourceUrl: supabase,
        targetUrl: config.target.db.url,
        sourceSetting: config.db.replication.sourceUrl ? 'db.replication.sourceUrl' : 'source.db.url',
      }
    : { sourceUrl: config.target.db.url, targetUrl: supabase, sourceSetting: 'target.db.url' };
}

export interface ReplicateStartRunOptions {
  /** `db replicate start` (forward) or `db replicate reverse`. @default 'forward' */
  direction?: Direction;
  /** Tables copied at once. @default db.concurrency */
  concurrency?: number;
  /** Reverse: a superuser connection to Supabase for CREATE SUBSCRIPTION (PostgreSQL 15). */
  subscriberAdminUrl?: string;
  /** Check both sides and say what a run would do; change nothing. @default false */
  dryRun?: boolean;
}

/** `db replicate start` and `db replicate reverse`. */
export function startReplicationOptions(
  config: Config,
  options: ReplicateStartRunOptions = {},
  deps: DbRunDeps = {},
): StartReplicationOptions {
  const direction = options.direction ?? 'forward';
  const { sourceUrl, targetUrl, sourceSetting } = replicationSides(config, direction);
  return {
    sourceUrl,
    targetUrl,
    ...(config.db.schemas ? { schemas: config.db.schemas } : {}),
    withAuthUsers: direction === 'forward',
    direction,
    sourceSetting,
    ...(direction === 'reverse' && options.subscriberAdminUrl
      ? { subscriberAdminUrl: options.subscriberAdminUrl }
      : {}),
    concurrency: options.concurrency ?? config.db.concurrency,
    format: config.db.copyFormat,
    dryRun: options.dryRun === true,
    ...pickDefined(deps, ['reporter', 'signal', 'connect']),
  };
}

export function startReplicationFromConfig(
  config: Config,
  options: ReplicateStartRunOptions = {},
  deps: DbRunDeps = {},
): Promise<StartReplicationResult> {
  return startReplication(startReplicationOptions(config, options, deps));
}

/** `db replicate status` (`--reverse`: the way back). */
export function replicationStatusFromConfig(
  config: Config,
  options: { direction?: Direction } = {},
  deps: Pick<DbRunDeps, 'connect'> = {},
): Promise<ReplicationStatus> {
  const { sourceUrl, targetUrl } = replicationSides(config, options.direction);
  return replicationStatus({
    sourceUrl,
    targetUrl,
    slotWarnBytes: config.db.replication.slotWarnBytes,
    ...pickDefined(deps, ['connect']),
  });
}

/**
 * `db replicate stop` (`--reverse`: the way back, whose subscription a superuser may own; `dryRun`: name what
 * is there to drop).
 */
export function stopReplicationFromConfig(
  config: Config,
  options: { direction?: Direction; subscriberAdminUrl?: string; dryRun?: boolean } = {},
  deps: Pick<DbRunDeps, 'connect'> = {},
): Promise<StopReplicationResult> {
  const { sourceUrl, targetUrl } = replicationSides(config, options.direction);
  return stopReplication({
    sourceUrl,
    targetUrl,
    ...(options.direction === 'reverse' && options.subscriberAdminUrl
      ? { subscriberAdminUrl: options.subscriberAdminUrl }
      : {}),
    dryRun: options.dryRun === true,
    ...pickDefined(deps, ['connect']),
  });
}

export interface CutoverRunOptions {
  /** `db cutover` (Supabase → RDS) or `db rollback` (after `db replicate reverse`). @default 'cutover' */
  direction?: 'cutover' | 'rollback';
  /** @default db.replication.sequenceMargin */
  sequenceMargin?: number;
  /** @default db.replication.lagTimeoutSeconds */
  lagTimeoutSeconds?: number;
  /** Rollback: the superuser connection that owns the way back's subscription. */
  subscriberAdminUrl?: string;
  /** Show the plan; change nothing. @default false */
  dryRun?: boolean;
  /** Receives the whole `db verify` report made inside the freeze. */
  onVerified?: (report: VerifyReport) => void;
}

/** `db cutover` and `db rollback`: the freeze, the catch-up, the sequences and the verify `db verify` makes. */
export function cutoverOptions(
  config: Config,
  options: CutoverRunOptions = {},
  deps: DbRunDeps = {},
): CutoverOptions {
  const rollback = options.direction === 'rollback';
  const { sourceUrl, targetUrl } = replicationSides(config, rollback ? 'reverse' : 'forward');
  const replication = config.db.replication;
  const verify = verifyDbOptions(config);
  return {
    sourceUrl,
    targetUrl,
    ...(config.db.schemas ? { schemas: config.db.schemas } : {}),
    withAuthUsers: !rollback,
    unfreezeTarget: rollback,
    sequenceMargin: options.sequenceMargin ?? replication.sequenceMargin,
    lagTimeoutMs: (options.lagTimeoutSeconds ?? replication.lagTimeoutSeconds) * 1000,
    ...(replication.freezeRoles ? { freezeRoles: replication.freezeRoles } : {}),
    ...(rollback && options.subscriberAdminUrl ? { subscriberAdminUrl: options.subscriberAdminUrl } : {}),
    ...(verify.targetOnlySchemas ? { targetOnlySchemas: verify.targetOnlySchemas } : {}),
    ...(verify.chunkRows ? { chunkRows: verify.chunkRows } : {}),
    ...(verify.concurrency ? { concurrency: verify.concurrency } : {}),
    dryRun: options.dryRun === true,
    ...(options.onVerified ? { onVerified: options.onVerified } : {}),
    ...pickDefined(deps, ['reporter', 'signal', 'connect']),
  };
}

export function cutoverFromConfig(
  config: Config,
  options: CutoverRunOptions = {},
  deps: DbRunDeps = {},
): Promise<CutoverResult> {
  return cutover(cutoverOptions(config, options, deps));
}

/**
 * `db cutover --undo` / `db rollback --undo`: lift the write freeze an interrupted run left on the side it left
 * (with `dryRun`, only say which roles it holds).
 */
export function undoCutoverFreezeFromConfig(
  config: Config,
  options: { direction?: 'cutover' | 'rollback'; dryRun?: boolean } = {},
  deps: Pick<DbRunDeps, 'reporter' | 'connect'> = {},
): Promise<string[]> {
  const { sourceUrl } = replicationSides(config, options.direction === 'rollback' ? 'reverse' : 'forward');
  return undoCutoverFreeze({
    sourceUrl,
    dryRun: options.dryRun === true,
    ...pickDefined(deps, ['reporter', 'connect']),
  });
}
