import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { qualified, quoteIdent, quoteLiteral } from '../../src/core/sql-quote.ts';

describe('SQL quoting', () => {
  it('GIVEN names with capitals, spaces and double quotes WHEN quoted THEN each is one identifier, quotes doubled', () => {
    assert.equal(quoteIdent('ShareLinks'), '"ShareLinks"');
    assert.equal(quoteIdent('a "b" c'), '"a ""b"" c"');
    assert.equal(quoteIdent('select'), '"select"');
  });

  it('GIVEN a schema and a name WHEN qualified THEN both are quoted and joined by a dot', () => {
    assert.equal(qualified('public', 'Share"Links'), '"public"."Share""Links"');
  });

  it('GIVEN a value with single quotes WHEN quoted as a literal THEN the quotes are doubled', () => {
    assert.equal(quoteLiteral("host=db password='x'"), "'host=db password=''x'''");
  });
});
