import type { StatementInfo, StatementTarget } from '../sql/analyze.ts';
import type { SqlStatement, StrippedLine } from '../sql/split.ts';

/** Why a statement was dropped or rewritten; one id per rule of DESIGN §5. */
export type RuleId =
  | 'pg_dump_artifact'
  | 'managed_schema'
  | 'event_trigger'
  | 'realtime_publication'
  | 'storage_policy'
  | 'storage_trigger'
  | 'storage_bucket'
  | 'extension'
  | 'unsupported_extension'
  | 'pg_cron'
  | 'platform_role'
  | 'api_role'
  | 'owner'
  | 'rls_drop'
  | 'fk_to_managed'
  | 'managed_reference'
  | 'depends_on_dropped'
  | 'foreign_data_wrapper'
  | 'existing_object'
  | 'idempotent_role'
  | 'transaction_control';

export type Action = 'keep' | 'drop' | 'rewrite' | 'block';

export interface Decision {
  statement: SqlStatement;
  info: StatementInfo;
  action: Action;
  rule?: RuleId;
  reason?: string;
  /** The SQL that goes to the target instead of the original (action `rewrite`). */
  text?: string;
  /** Why a removed object is removed, in a few words: the end of every dependent's path. */
  cause?: string;
  /**
   * For an object removed because it needs a removed one: each object on the way to the first removed
   * one, then that one's cause (`trigger t on public.x`, `function public.notify()`, `calls net.http_post() ...`).
   */
  path?: string[];
}

export type Severity = 'blocker' | 'warning' | 'info';

export interface Finding {
  severity: Severity;
  code: string;
  message: string;
  /** What to do about it. */
  advice?: string;
  /** The objects concerned, e.g. `public.notify_signup()`, `policy "x" on storage.objects`. */
  objects?: string[];
}

/** An object that exists on the source but deliberately not on the target (used by verify). */
export interface DroppedObject {
  kind: StatementTarget['kind'];
  schema?: string;
  name: string;
  table?: { schema?: string; name: string };
  rule: RuleId;
}

export interface ExtensionInstall {
  name: string;
  schema: string;
  /** Where we learned it is needed. */
  from: 'declared' | 'inferred';
}

export interface TransformOptions {
  /** The role that owns every object on the target (the RDS master user or a role like it). @default 'postgres' */
  ownerRole?: string;
  /** Keep RLS policies (with the compat auth schema) or drop them. @default 'keep' */
  rls?: 'keep' | 'drop';
  /**
   * Functions that belong to extensions, from the source catalog (`schema.name` → extension), for
   * extensions whose functions live in a shared schema. @default the built-in list
   */
  extensionFunctions?: Record<string, string>;
  /**
   * Give the API roles on `public` what Supabase's platform gives them (schema USAGE and default privileges
   * on tables, sequences and functions), for a schema built from migration files, which do not carry them.
   * A pg_dump carries each object's grants itself. @default false
   */
  apiDefaultPrivileges?: boolean;
}

export interface TransformResult {
  version: 1;
  ownerRole: string;
  rls: 'keep' | 'drop';
  /** Whether the prelude reproduces Supabase's default privileges for the API roles on `public`. */
  apiDefaultPrivileges: boolean;
  decisions: Decision[];
  /** Extensions the target needs, created by the prelude. */
  extensions: ExtensionInstall[];
  blockers: Finding[];
  warnings: Finding[];
  /** Changes made automatically (compat schema, roles, owners...). */
  fixes: Finding[];
  stripped: StrippedLine[];
  dropped: DroppedObject[];
}
