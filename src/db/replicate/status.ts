/**
 * `db replicate status`: where replication stands, read from both sides' statistics views. On the
 * subscriber: pg_subscription_rel (per-table sync state), pg_stat_subscription (the apply worker and the
 * positions it received), pg_stat_subscription_stats (errors). On the publisher: pg_replication_slots (how
 * far the subscriber confirmed, how much WAL the slot keeps: a stuck slot fills the disk) and
 * pg_stat_replication (lag in time). Reads only.
 */
import { defaultConnect, type ConnectFn, type PgClient } from '../../core/pg.ts';
import { replicationNames, urlDatabase, type ReplicationNames } from './names.ts';

export interface ReplicationStatusOptions {
  sourceUrl: string;
  targetUrl: string;
  /** Warn when the slot keeps more WAL than this. @default 1 GiB */
  slotWarnBytes?: number;
  /** Milliseconds between the two samples throughput is measured over; 0 for none. @default 1000 */
  sampleMs?: number;
  connect?: ConnectFn;
}

export type TableSyncState = 'init' | 'copying data' | 'copy finished' | 'synchronized' | 'ready';

export interface ReplicationStatus {
  version: 1;
  checkedAt: string;
  names: ReplicationNames;
  /** not set up · streaming · catching up · stopped (subscription disabled) · broken (see problems) */
  state: 'not set up' | 'streaming' | 'catching up' | 'stopped' | 'broken';
  subscription?: {
    enabled: boolean;
    workerRunning: boolean;
    receivedLsn: string | null;
    lastMessageAt: string | null;
    applyErrors: number;
    syncErrors: number;
  };
  slot?: {
    active: boolean;
    walStatus: string | null;
    confirmedFlushLsn: string | null;
    /** WAL the slot keeps on the publisher's disk. */
    retainedBytes: number;
  };
  currentLsn?: string;
  /** WAL written on the publisher that the subscriber has not confirmed. */
  lagBytes: number | null;
  /** pg_stat_replication.replay_lag; 0 when nothing is pending. */
  lagSeconds: number | null;
  /** Bytes of WAL confirmed per second over the sample. */
  throughputBytesPerSecond: number | null;
  tables: Array<{ table: string; state: TableSyncState }>;
  problems: string[];
  warnings: string[];
}

const STATES: Record<string, TableSyncState> = {
  i: 'init',
  d: 'copying data',
  f: 'copy finished',
  s: 'synchronized',
  r: 'ready',
};

interface SlotSample {
  active: boolean;
  wal_status: string | null;
  confirmed_flush_lsn: string | null;
  current: string;
  lag_bytes: string | null;
  retained_bytes: string | null;
  replay_lag: number | null;
}

async function sampleSlot(
  source: PgClient,
  slot: string,
  application: string,
): Promise<SlotSample | undefined> {
  const { rows } = await source.query<SlotSample>(
    `SELECT s.active, s.wal_status, s.confirmed_flush_lsn::text, pg_catalog.pg_current_wal_lsn()::text AS current,
            pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.confirmed_flush_lsn)::text AS lag_bytes,
            pg_catalog.pg_wal_lsn_diff(pg_catalog.pg_current_wal_lsn(), s.restart_lsn)::text AS retained_bytes,
            (SELECT extract(epoch FROM r.replay_lag)::float8 FROM pg_catalog.pg_stat_replication r
              WHERE r.application_name = $2 ORDER BY r.backend_start DESC LIMIT 1) AS replay_lag
       FROM pg_catalog.pg_replication_slots s WHERE s.slot_name = $1`,
    [slot, application],
  );
  return rows[0];
}

export async function replicationStatus(options: ReplicationStatusOptions): Promise<ReplicationStatus> {
  const connect = options.connect ?? defaultConnect;
  const names = replicationNames(urlDatabase(options.sourceUrl));
  const warnBytes = options.slotWarnBytes ?? 1024 ** 3;
  const sampleMs = options.sampleMs ?? 1000;
  const [source, target] = await Promise.all([
    connect(options.sourceUrl, 'source'),
    connect(options.targetUrl, 'target'),
  ]);
  try {
    const status: ReplicationStatus = {
      version: 1,
      checkedAt: new Date().toISOString(),
      names,
      state: 'not set up',
      lagBytes: null,
      lagSeconds: null,
      throughputBytesPerSecond: null,
      tables: [],
      problems: [],
      warnings: [],
    };
    const sub = await target.query<{
      subenabled: boolean;
      pid: number | null;
      received_lsn: string | null;
      last_msg_receipt_time: Date | null;
      apply_errors: string | null;
      sync_errors: string | null;
      tables: Array<{ table: string; state: string }> | null;
    }>(
      `SELECT s.subenabled, st.pid, st.received_lsn::text, st.last_msg_receipt_time,
              ss.apply_error_count::text AS apply_errors, ss.sync_error_count::text AS sync_errors,
              (SELECT json_agg(json_build_object('table', n.nspname || '.' || c.relname, 'state', r.srsubstate)
                               ORDER BY n.nspname, c.relname)
                 FROM pg_catalog.pg_subscription_rel r
                 JOIN pg_catalog.pg_class c ON c.oid = r.srrelid
                 JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                WHERE r.srsubid = s.oid) AS tables
         FROM pg_catalog.pg_subscription s
         LEFT JOIN pg_catalog.pg_stat_subscription st ON st.subid = s.oid AND st.relid IS NULL
         LEFT JOIN pg_catalog.pg_stat_subscription_stats ss ON ss.subid = s.oid
        WHERE s.subname = $1 AND s.subdbid = (SELECT oid FROM pg_catalog.pg_database WHERE datname = current_database())`,
      [names.subscription],
    );
    const s = sub.rows[0];
    const first = await sampleSlot(source, names.slot, names.subscription);
    if (!s && !first) return status;
    if (s) {
      status.subscription = {
        enabled: s.subenabled,
        workerRunning: s.pid !== null,
        receivedLsn: s.received_lsn,
        lastMessageAt: s.last_msg_receipt_time?.toISOString() ?? null,
        applyErrors: Number(s.apply_errors ?? 0),
        syncErrors: Number(s.sync_errors ?? 0),
      };
      status.tables = (s.tables ?? []).map((t) => ({ table: t.table, state: STATES[t.state] ?? 'init' }));
    } else
      status.problems.push(
        `no subscription ${names.subscription} on the target: run \`supa2aws db replicate start\``,
      );
    if (first) {
      status.currentLsn = first.current;
      status.slot = {
        active: first.active,
        walStatus: first.wal_status,
        confirmedFlushLsn: first.confirmed_flush_lsn,
        retainedBytes: Number(first.retained_bytes ?? 0),
      };
      status.lagBytes = first.lag_bytes === null ? null : Math.max(0, Number(first.lag_bytes));
      status.lagSeconds = first.replay_lag ?? (status.lagBytes === 0 ? 0 : null);
      if (status.slot.retainedBytes > warnBytes)
        status.warnings.push(
          `slot ${names.slot} keeps ${status.slot.retainedBytes} bytes of WAL on the source (warning above ${warnBytes}): a stuck slot fills the disk; stop it with \`supa2aws db replicate stop\` if replication is not needed`,
        );
      if (first.wal_status === 'lost')
        status.problems.push(`slot ${names.slot} lost WAL it needed: start again`);
      if (sampleMs > 0 && first.confirmed_flush_lsn) {
        await new Promise((r) => setTimeout(r, sampleMs));
        const second = await sampleSlot(source, names.slot, names.subscription);
        if (second?.confirmed_flush_lsn) {
          const { rows } = await source.query<{ d: string }>(
            `SELECT pg_catalog.pg_wal_lsn_diff($1::pg_lsn, $2::pg_lsn)::text AS d`,
            [second.confirmed_flush_lsn, first.confirmed_flush_lsn],
          );
          status.throughputBytesPerSecond = Math.round((Number(rows[0]?.d ?? 0) * 1000) / sampleMs);
        }
      }
    } else status.problems.push(`no slot ${names.slot} on the source: stop and start replication again`);
    if (status.subscription && status.subscription.applyErrors > 0)
      status.warnings.push(
        `the apply worker failed ${status.subscription.applyErrors} time(s) (see the target's server log): a schema change on the source is the usual cause`,
      );
    if (status.problems.length > 0) status.state = 'broken';
    else if (!status.subscription!.enabled) status.state = 'stopped';
    else if (!status.subscription!.workerRunning) {
      status.state = 'broken';
      status.problems.push('the subscription has no running apply worker (see the target server log)');
    } else status.state = (status.lagBytes ?? 0) > 1024 * 1024 ? 'catching up' : 'streaming';
    return status;
  } finally {
    await Promise.all([source.end().catch(() => undefined), target.end().catch(() => undefined)]);
  }
}
