/**
 * Which references a statement makes that the target cannot satisfy: objects of extensions RDS 16 does not
 * have, objects of Supabase-managed schemas that the compat layer does not recreate, pg_cron calls.
 */
import { display, type QName, type Refs, type StatementInfo } from '../sql/analyze.ts';
import {
  COMPAT_AUTH_FUNCTIONS,
  COMPAT_AUTH_TABLES,
  EXTENSIONS,
  extensionOfFunction,
  isManagedSchema,
  unsupportedExtensionOfSchema,
} from '../supabase-facts.ts';

export interface ExtensionUse {
  extension: string;
  ref: string;
}

export interface RefProblems {
  /** Uses of extensions RDS 16 does not have. */
  unsupported: ExtensionUse[];
  /** Calls into pg_cron's `cron` schema. */
  cron: string[];
  /** Objects of Supabase-managed schemas the target will not have. */
  managed: string[];
  /** Functions in `extensions` whose extension is supported: the prelude must install it. */
  needsExtension: ExtensionUse[];
}

/** The extension a qualified function belongs to, from the catalog map or the built-in list. */
function extensionOf(fn: QName, catalog: Record<string, string>): string | undefined {
  if (fn.schema) {
    const fromCatalog = catalog[`${fn.schema}.${fn.name}`];
    if (fromCatalog) return fromCatalog;
    const bySchema = unsupportedExtensionOfSchema(fn.schema);
    if (bySchema) return bySchema;
    if (fn.schema === 'extensions') return extensionOfFunction(fn.name);
    return undefined;
  }
  return catalog[`public.${fn.name}`];
}

function compatRelation(q: QName): boolean {
  return q.schema === 'auth' && COMPAT_AUTH_TABLES.includes(q.name);
}

function compatFunction(q: QName): boolean {
  return q.schema === 'auth' && COMPAT_AUTH_FUNCTIONS.includes(q.name);
}

/**
 * Looks at every relation, function and type in `refs`. `ignoreRelations` are left out (foreign-key
 * targets, handled by their own rule).
 */
export function refProblems(
  refs: Refs,
  catalog: Record<string, string>,
  ignoreRelations: QName[] = [],
): RefProblems {
  const out: RefProblems = { unsupported: [], cron: [], managed: [], needsExtension: [] };
  const ignored = new Set(ignoreRelations.map(display));
  const seen = new Set<string>();
  const once = (key: string) => {
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  };
  for (const fn of refs.functions) {
    const label = `${display(fn)}()`;
    if (!once(`f:${label}`)) continue;
    const ext = extensionOf(fn, catalog);
    if (ext && EXTENSIONS[ext]?.rds16 === 'unsupported') {
      out.unsupported.push({ extension: ext, ref: label });
      continue;
    }
    if (fn.schema === 'cron') {
      out.cron.push(label);
      continue;
    }
    if (fn.schema === 'extensions') {
      if (ext) out.needsExtension.push({ extension: ext, ref: label });
      continue;
    }
    if (fn.schema === undefined) {
      const byName = ext ?? extensionOfFunction(fn.name);
      if (byName && EXTENSIONS[byName]?.rds16 === 'supported')
        out.needsExtension.push({ extension: byName, ref: label });
      continue;
    }
    if (isManagedSchema(fn.schema) && !compatFunction(fn)) out.managed.push(label);
  }
  for (const rel of refs.relations) {
    const label = display(rel);
    if (ignored.has(label) || !once(`r:${label}`)) continue;
    const ext = rel.schema ? unsupportedExtensionOfSchema(rel.schema) : undefined;
    if (ext) {
      out.unsupported.push({ extension: ext, ref: label });
      continue;
    }
    if (rel.schema === 'cron') {
      out.cron.push(label);
      continue;
    }
    if (isManagedSchema(rel.schema) && !compatRelation(rel)) out.managed.push(label);
  }
  for (const type of refs.types) {
    const label = display(type);
    if (!once(`t:${label}`)) continue;
    const ext = type.schema ? unsupportedExtensionOfSchema(type.schema) : undefined;
    if (ext) out.unsupported.push({ extension: ext, ref: label });
    else if (isManagedSchema(type.schema) && type.schema !== 'extensions') out.managed.push(label);
  }
  return out;
}

/** A short name for the object a statement creates or changes, for reports. */
export function objectLabel(info: StatementInfo, fallback: string): string {
  const t = info.target;
  if (!t) return fallback;
  const table = t.table ? display(t.table) : undefined;
  switch (t.kind) {
    case 'function':
      return `function ${display(t)}()`;
    case 'policy':
      return `policy "${t.name}" on ${table}`;
    case 'trigger':
      return `trigger ${t.name} on ${table}`;
    case 'index':
      return `index ${t.name} on ${table}`;
    case 'column':
      return `column ${table}.${t.name}`;
    case 'server':
      if (info.tag === 'USER MAPPING') return `user mapping on server ${t.name}`;
      if (info.tag === 'IMPORT FOREIGN SCHEMA') return `foreign tables imported from server ${t.name}`;
      return `server ${t.name}`;
    case 'foreign_data_wrapper':
      return `foreign-data wrapper ${t.name}`;
    case 'schema':
    case 'extension':
    case 'role':
    case 'publication':
    case 'event_trigger':
      return `${t.kind.replace('_', ' ')} ${t.name}`;
    default:
      return `${info.tag.toLowerCase()} ${display(t)}`;
  }
}
