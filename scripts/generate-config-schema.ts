/**
 * Generates schema/supa2aws.config.schema.json, the JSON Schema of supa2aws.config.json, from the zod schema
 * (src/config/schema.ts): `npm run schema`. test/unit/config-json-schema.test.ts fails when the committed
 * file differs from a fresh generation. The schema describes the file as written: before `${ENV}`
 * interpolation, with defaults optional, and a `"//"` comment allowed in every object.
 */
import { writeFileSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { zodToJsonSchema } from 'zod-to-json-schema';
import { COMMENT_KEY, CONFIG_SCHEMA_FILE } from '../src/core/config/comments.ts';
import { configSchema } from '../src/config/schema.ts';

type Node = Record<string, unknown>;

const COMMENT = {
  description: 'A comment: ignored by supa2aws.',
  anyOf: [{ type: 'string' }, { type: 'array', items: { type: 'string' } }],
};

/** Every object, strict or a record, also takes a `"//"` comment. */
function allowComments(node: unknown): void {
  if (Array.isArray(node)) return node.forEach(allowComments);
  if (node === null || typeof node !== 'object') return;
  const schema = node as Node;
  for (const value of Object.values(schema)) allowComments(value);
  if (schema.type === 'object') {
    schema.properties = {
      [COMMENT_KEY]: { $ref: '#/definitions/comment' },
      ...(schema.properties as Node | undefined),
    };
  }
}

export function generateConfigSchema(): string {
  const schema = zodToJsonSchema(configSchema, {
    target: 'jsonSchema7',
    $refStrategy: 'none',
    effectStrategy: 'input',
    pipeStrategy: 'input',
  }) as Node;
  allowComments(schema);
  const { $schema, ...rest } = schema;
  const document = {
    $schema,
    title: 'supa2aws config (supa2aws.config.json)',
    description:
      'Generated from src/config/schema.ts by `npm run schema`. Strings may hold ${ENV} references, filled in when the file is loaded.',
    ...rest,
    definitions: { comment: COMMENT },
  };
  return `${JSON.stringify(document, null, 2)}\n`;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  writeFileSync(CONFIG_SCHEMA_FILE, generateConfigSchema());
  process.stdout.write(`wrote ${CONFIG_SCHEMA_FILE}\n`);
}
