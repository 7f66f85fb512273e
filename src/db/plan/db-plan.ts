/** The typed, versioned result of `db plan` (plan-db.ts builds it; the CLI renders it, `--json` prints it). */
import type { Rds16Support } from '../supabase-facts.ts';
import type { Finding } from '../transform/types.ts';
import type { Inventory } from './inventory.ts';

export interface DbPlan {
  version: 1;
  source: {
    version: string;
    major: number;
    user: Inventory['user'];
    databaseBytes: number;
  };
  target: {
    reachable: boolean;
    error?: string;
    version?: string;
    major?: number;
    user?: string;
    superuser?: boolean;
    rdsSuperuser?: boolean;
    schemaApplied?: boolean;
    appTables?: number;
  } | null;
  /** The app schemas the move covers (every app schema with tables, unless db.schemas narrows it). */
  schemas: string[];
  pgDump: { path?: string; major?: number; ok: boolean; error?: string };
  extensions: Array<{
    name: string;
    version: string;
    schema: string;
    rds16: Rds16Support | 'unknown';
    advice: string;
    usedBy: string[];
  }>;
  supabase: {
    policiesCallingAuth: string[];
    foreignKeysIntoSupabase: Array<{ table: string; name: string; references: string }>;
    triggersOnManagedTables: Array<{ table: string; name: string; function: string }>;
    objectsCallingUnsupported: Array<{ object: string; calls: string[]; extensions: string[] }>;
    objectsUsingSupabaseOnly: Array<{ object: string; uses: string[] }>;
    eventTriggers: Inventory['eventTriggers'];
    publications: Inventory['publications'];
    reservedRoleGrants: Inventory['grants'];
    storagePolicies: string[];
    cronJobs: number | null;
  };
  tables: Array<{
    table: string;
    rowEstimate: number;
    totalBytes: number;
    primaryKey: string[];
    rls: boolean;
  }>;
  tablesWithoutPrimaryKey: string[];
  generatedColumns: string[];
  sequences: Inventory['sequences'];
  totals: { tables: number; rowEstimate: number; totalBytes: number };
  blockers: Finding[];
  warnings: Finding[];
  fixes: Finding[];
}
