import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { describe, it } from 'node:test';
import { hidePassword, redactText, redactUrl, redactValue } from '../../src/core/redact.ts';

const bcrypt = '$2a$10$' + 'abcdefghijklmnopqrstuv' + 'ABCDEFGHIJKLMNOPQRSTUVWXYZ01234';
const jwt =
  'eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIiwicm9sZSI6ImF1dGhlbnRpY2F0ZWQifQ.c2lnbmF0dXJlLXNpZ25hdHVyZQ';

describe('redaction', () => {
  it('masks passwords in connection strings, keeping host and database', () => {
    const out = redactUrl(
      'postgresql://postgres.abc:p%40ss@aws-0-us-east-1.pooler.supabase.com:5432/postgres',
    );
    assert.ok(!out.includes('p%40ss'));
    assert.match(out, /postgres\.abc:\*\*\*@aws-0-us-east-1\.pooler\.supabase\.com:5432\/postgres/);
    assert.equal(
      redactText('connect to postgres://u:secret@h/db failed'),
      'connect to postgres://u:***@h/db failed',
    );
    assert.equal(redactText('host=h password=secret user=u'), 'host=h password=*** user=u');
  });

  it('masks hashes, JWTs, AWS keys and signed-URL tokens in free text', () => {
    const text = `hash ${bcrypt} token ${jwt} key AKIAABCDEFGHIJKLMNOP url https://x.supabase.co/storage/v1/object/sign/v/a.mp4?token=${jwt}`;
    const out = redactText(text);
    for (const secret of [bcrypt, jwt, 'AKIAABCDEFGHIJKLMNOP', 'c2lnbmF0dXJl'])
      assert.ok(!out.includes(secret), secret);
    assert.match(redactText('$argon2id$v=19$m=65536,t=3,p=4$c2FsdA$aGFzaA'), /^\$argon2\$\*\*\*$/);
  });

  it('masks secret-named properties deeply', () => {
    const out = redactValue({
      user: 'a',
      password: 'x',
      nested: [{ encrypted_password: bcrypt, apiKey: 'k' }],
      ok: 1,
    });
    assert.deepEqual(out, {
      user: 'a',
      password: '***',
      nested: [{ encrypted_password: '***', apiKey: '***' }],
      ok: 1,
    });
  });

  it('hidePassword keeps the password out of JSON and inspect', () => {
    const options = hidePassword({ host: 'h', user: 'u' }, 'hunter2') as { host: string; password?: string };
    assert.equal(options.password, 'hunter2');
    assert.ok(!JSON.stringify(options).includes('hunter2'));
    assert.ok(!inspect(options).includes('hunter2'));
    assert.ok(!JSON.stringify({ ...options }).includes('hunter2'));
  });
});
