/**
 * What the app's objects use that matters on RDS: extensions (and which objects use each), calls into
 * extensions RDS 16 lacks, Supabase-only objects, pg_cron, auth.* in policies, policies on storage.objects.
 * Pure: reads the inventory only.
 */
import { extensionVerdict } from '../supabase-facts.ts';
import { refProblems } from '../transform/references.ts';
import type { DbPlan } from './db-plan.ts';
import type { AppObjectRefs, Inventory } from './inventory.ts';

export interface ObjectUses {
  /** Extension name → the objects using it (may repeat). */
  usedBy: Map<string, string[]>;
  callingUnsupported: DbPlan['supabase']['objectsCallingUnsupported'];
  supabaseOnly: DbPlan['supabase']['objectsUsingSupabaseOnly'];
  /**
   * pg_cron exists on RDS once the parameter group loads it: `db schema` keeps a function calling it and
   * leaves out other statements using it, so none of them blocks. Each entry says which.
   */
  usingCron: string[];
  policiesCallingAuth: string[];
  storagePolicies: string[];
}

function addUse(usedBy: Map<string, string[]>, extension: string, object: string): void {
  usedBy.set(extension, [...(usedBy.get(extension) ?? []), object]);
}

function noteObject(uses: ObjectUses, o: AppObjectRefs, inv: Inventory): void {
  if (o.kind === 'policy' && o.refs.functions.some((f) => f.schema === 'auth'))
    uses.policiesCallingAuth.push(o.object);
  const problems = refProblems(o.refs, inv.extensionMembers);
  for (const use of problems.unsupported) addUse(uses.usedBy, use.extension, o.object);
  for (const need of problems.needsExtension) addUse(uses.usedBy, need.extension, o.object);
  for (const t of o.refs.types) {
    const ext = inv.extensionMembers[`${t.schema}.${t.name}`];
    if (ext) addUse(uses.usedBy, ext, o.object);
  }
  if (problems.unsupported.length > 0)
    uses.callingUnsupported.push({
      object: o.object,
      calls: [...new Set(problems.unsupported.map((u) => u.ref))],
      extensions: [...new Set(problems.unsupported.map((u) => u.extension))],
    });
  if (problems.managed.length > 0) uses.supabaseOnly.push({ object: o.object, uses: problems.managed });
  if (problems.cron.length > 0)
    uses.usingCron.push(
      `${o.object} → ${problems.cron.join(', ')}: ${o.object.startsWith('function ') ? 'kept' : 'left out until pg_cron is enabled'}`,
    );
}

export function objectUses(inv: Inventory): ObjectUses {
  const uses: ObjectUses = {
    usedBy: new Map(),
    callingUnsupported: [],
    supabaseOnly: [],
    usingCron: [],
    policiesCallingAuth: [],
    storagePolicies: [],
  };
  for (const o of inv.objects) {
    if (o.kind === 'policy' && o.on?.startsWith('storage.')) uses.storagePolicies.push(o.object);
    else noteObject(uses, o, inv);
  }
  return uses;
}

/** Each installed extension with its RDS 16 verdict and the app objects that use it. */
export function planExtensions(inv: Inventory, usedBy: ObjectUses['usedBy']): DbPlan['extensions'] {
  return inv.extensions.map((e) => {
    const verdict = extensionVerdict(e.name);
    return {
      ...e,
      rds16: verdict.rds16,
      advice: verdict.advice,
      usedBy: [...new Set(usedBy.get(e.name) ?? [])],
    };
  });
}
