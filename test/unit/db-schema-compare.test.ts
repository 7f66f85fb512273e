/** compareSchemas: what a difference is named, and what `db schema` dropped on purpose is not one. */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  compareSchemas,
  privilegesNotOnBoth,
  type SchemaObject,
} from '../../src/db/verify/schema-compare.ts';

const grant = (on: string, grantee: string, privileges: string): SchemaObject => ({
  kind: 'grant',
  parent: on,
  name: grantee,
  definition: privileges,
});

describe('compareSchemas', () => {
  it('GIVEN a PostgreSQL 17 side and a 16 side (either way) THEN MAINTAIN is left out of the grants, and nothing else', () => {
    assert.deepEqual(privilegesNotOnBoth(17, 16), ['MAINTAIN']);
    assert.deepEqual(privilegesNotOnBoth(16, 17), ['MAINTAIN']);
    assert.deepEqual(privilegesNotOnBoth(17, 17), []);
    assert.deepEqual(privilegesNotOnBoth(15, 16), []);
    const on17 = [grant('table public.items', 'OWNER', 'DELETE,INSERT,MAINTAIN*,SELECT')];
    const on16 = [grant('table public.items', 'OWNER', 'DELETE,INSERT,SELECT')];
    const notOnBoth = privilegesNotOnBoth(17, 16);
    assert.deepEqual(compareSchemas(on17, on16, { dropped: [], rls: 'keep', notOnBoth }), []);
    assert.deepEqual(compareSchemas(on16, on17, { dropped: [], rls: 'keep', notOnBoth }), []);
    const lessOn16 = [grant('table public.items', 'OWNER', 'INSERT,SELECT')];
    assert.deepEqual(
      compareSchemas(on17, lessOn16, { dropped: [], rls: 'keep', notOnBoth }).map((d) => [
        d.object,
        d.source,
        d.target,
      ]),
      [['table public.items to OWNER', 'DELETE,INSERT,SELECT', 'INSERT,SELECT']],
    );
  });

  it('names a grant by object and grantee when its privileges differ, go missing or appear', () => {
    const source = [
      grant('table public.projects', 'authenticated', 'INSERT,SELECT'),
      grant('schema billing', 'anon', 'USAGE'),
    ];
    const target = [
      grant('table public.projects', 'authenticated', 'SELECT'),
      grant('function public.f(integer)', 'PUBLIC', 'EXECUTE'),
    ];
    assert.deepEqual(compareSchemas(source, target, { dropped: [], rls: 'keep' }), [
      {
        kind: 'grant',
        object: 'table public.projects to authenticated',
        problem: 'differs',
        source: 'INSERT,SELECT',
        target: 'SELECT',
      },
      { kind: 'grant', object: 'schema billing to anon', problem: 'missing on target', source: 'USAGE' },
      {
        kind: 'grant',
        object: 'function public.f(integer) to PUBLIC',
        problem: 'extra on target',
        target: 'EXECUTE',
      },
    ]);
  });

  it('expects no grant on a table, column or function that db schema dropped', () => {
    const source = [
      grant('table public.queue', 'service_role', 'SELECT'),
      grant('column public.queue.payload', 'authenticated', 'SELECT'),
      grant('function public.notify(text)', 'anon', 'EXECUTE'),
    ];
    const dropped = [
      { kind: 'table' as const, schema: 'public', name: 'queue', rule: 'depends_on_dropped' as const },
      { kind: 'function' as const, schema: 'public', name: 'notify', rule: 'unsupported_extension' as const },
    ];
    assert.deepEqual(compareSchemas(source, [], { dropped, rls: 'keep' }), []);
  });

  it('names a schema by itself', () => {
    const schema: SchemaObject = {
      kind: 'schema',
      parent: 'billing',
      name: '',
      definition: 'schema owner OWNER',
    };
    assert.deepEqual(compareSchemas([schema], [], { dropped: [], rls: 'keep' }), [
      { kind: 'schema', object: 'billing', problem: 'missing on target', source: 'schema owner OWNER' },
    ]);
  });
});
