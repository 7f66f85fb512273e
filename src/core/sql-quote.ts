/**
 * Quoting for SQL built from names and values: always double-quoted identifiers and single-quoted literals.
 * No imports, so every layer can use it (the migrate-user Lambda bundles it too).
 */

/** `"ShareLinks"`, `"a""b"`: an identifier, quoted whatever it holds. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** `"schema"."name"`. */
export function qualified(schema: string, name: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(name)}`;
}

/** `'it''s'`: a string literal, single quotes doubled (standard_conforming_strings, on since PostgreSQL 9.1). */
export function quoteLiteral(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}
