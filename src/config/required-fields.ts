/**
 * The required fields under a missing object, named one by one: a config without `source` is missing
 * `source.projectUrl` and `source.db.url`, which is what the user has to write, not "source: required".
 */
import { z, type ZodTypeAny } from 'zod';
import type { ConfigProblem } from './load.ts';
import { configSchema } from './schema.ts';

function unwrap(schema: ZodTypeAny): ZodTypeAny {
  if (schema instanceof z.ZodOptional || schema instanceof z.ZodNullable) return unwrap(schema.unwrap());
  if (schema instanceof z.ZodDefault) return unwrap(schema.removeDefault());
  if (schema instanceof z.ZodEffects) return unwrap(schema.innerType());
  return schema;
}

function schemaAt(field: string): ZodTypeAny | undefined {
  let node: ZodTypeAny = configSchema;
  for (const key of field.split('.')) {
    const object = unwrap(node);
    if (!(object instanceof z.ZodObject)) return undefined;
    const next = (object.shape as Record<string, ZodTypeAny>)[key];
    if (!next) return undefined;
    node = next;
  }
  return node;
}

/** The required leaves of the object at `field`, or the field itself when it has none (or is no object). */
export function requiredLeaves(field: string, schema: ZodTypeAny | undefined = schemaAt(field)): string[] {
  const object = schema && unwrap(schema);
  if (!(object instanceof z.ZodObject)) return [field];
  const leaves = Object.entries(object.shape as Record<string, ZodTypeAny>)
    .filter(([, child]) => !child.isOptional())
    .flatMap(([key, child]) => requiredLeaves(`${field}.${key}`, child));
  return leaves.length > 0 ? leaves : [field];
}

/** Each "missing object" problem replaced by one problem per required field inside it. */
export function expandMissing(problems: ConfigProblem[]): ConfigProblem[] {
  return problems.flatMap((problem) => {
    if (problem.seen !== undefined) return [problem];
    const leaves = requiredLeaves(problem.field);
    if (leaves.length === 1 && leaves[0] === problem.field) return [problem];
    return leaves.map((field) => {
      const leaf = unwrap(schemaAt(field) ?? z.unknown());
      const kind =
        leaf instanceof z.ZodObject
          ? 'an object'
          : leaf instanceof z.ZodLiteral
            ? `exactly ${JSON.stringify(leaf.value)}`
            : `a ${leaf._def.typeName.replace(/^Zod/, '').toLowerCase()}`;
      return { field, seen: undefined, expected: `${kind} (required)` };
    });
  });
}
