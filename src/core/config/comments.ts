/**
 * Comments in the config file. JSON has none, so a `"//"` key — a string or an array of strings — may sit in
 * any object of supa2aws.config.json (npm's convention for package.json). The loader drops them before
 * validation; the JSON Schema (schema/supa2aws.config.schema.json) allows them; `config from-stack` keeps
 * them, as it keeps every key it does not set. Plain JSON stays plain JSON: `jq`, editors and `JSON.parse`
 * read the file as it is.
 */
import { fileURLToPath } from 'node:url';

/** The key of a comment, in any object of the config. */
export const COMMENT_KEY = '//';

/** The JSON Schema generated from the zod schema (`npm run schema` writes it). */
export const CONFIG_SCHEMA_FILE = fileURLToPath(
  new URL('../../../schema/supa2aws.config.schema.json', import.meta.url),
);

/** The config without its `"//"` keys, at every depth. */
export function stripComments(raw: unknown): unknown {
  if (Array.isArray(raw)) return raw.map(stripComments);
  if (raw !== null && typeof raw === 'object') {
    return Object.fromEntries(
      Object.entries(raw)
        .filter(([key]) => key !== COMMENT_KEY)
        .map(([key, value]) => [key, stripComments(value)]),
    );
  }
  return raw;
}
