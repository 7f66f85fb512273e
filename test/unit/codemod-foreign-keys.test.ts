/** `supa2aws migrate-code` on embedded relations when the foreign key between two tables is ambiguous (issue 21). */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { planCodeMigration } from '../../src/codemod/index.ts';
import type { ForeignKey } from '../../src/scan/index.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const SERVER_CLIENT = `import { createClient } from '@supabase/supabase-js';
export const supabase = createClient(process.env.SUPABASE_URL!, process.env.SUPABASE_SERVICE_ROLE_KEY!);
`;

/** messages has two keys to users: who sent it and who receives it. */
const FOREIGN_KEYS: ForeignKey[] = [
  {
    name: 'messages_sender_id_fkey',
    table: 'public.messages',
    columns: ['sender_id'],
    refTable: 'public.users',
    refColumns: ['id'],
  },
  {
    name: 'messages_recipient_id_fkey',
    table: 'public.messages',
    columns: ['recipient_id'],
    refTable: 'public.users',
    refColumns: ['id'],
  },
];

describe('migrate-code embedded relations', () => {
  it('GIVEN two foreign keys between the same tables WHEN an embed names neither THEN the site is marked naming both constraints, and one named with !hint is rewritten', async () => {
    const root = tempDir('codemod-fk');
    const files: Record<string, string> = {
      'backend/src/config/supabase.ts': SERVER_CLIENT,
      'backend/src/routes/messages.ts': [
        "import { supabase } from '../config/supabase.js';",
        'export async function inbox(uid: string) {',
        "  const { data } = await supabase.from('messages').select('id, body, users(name)').eq('recipient_id', uid);",
        '  return data;',
        '}',
        'export async function sent(uid: string) {',
        "  const { data } = await supabase.from('messages').select('id, users!messages_sender_id_fkey(name)').eq('sender_id', uid);",
        '  return data;',
        '}',
        '',
      ].join('\n'),
    };
    for (const [rel, text] of Object.entries(files)) {
      mkdirSync(path.dirname(path.join(root, rel)), { recursive: true });
      writeFileSync(path.join(root, rel), text);
    }
    const plan = await planCodeMigration(root, { foreignKeys: FOREIGN_KEYS });
    const messages = plan.changes.find((c) => c.file === 'backend/src/routes/messages.ts')!;
    const inbox = messages.sites.find((s) => s.line === 3)!;
    assert.equal(inbox.action, 'marked');
    assert.match(
      inbox.reason ?? '',
      /2 foreign keys between public\.messages and public\.users \(messages_sender_id_fkey, messages_recipient_id_fkey\): name one as users!<constraint>\(\.\.\.\)/,
    );
    assert.match(
      messages.after,
      /^ {2}\/\/ supa2aws: 2 foreign keys between public\.messages and public\.users/m,
    );
    assert.equal(messages.sites.find((s) => s.line === 7)?.action, 'rewritten');
    assert.match(
      messages.after,
      /SELECT row_to_json\(e1\) FROM \(SELECT name FROM users AS e1_row WHERE e1_row\.id = messages\.sender_id\)/,
    );
    assert.deepEqual(plan.bySide.server, { sites: 2, rewritten: 1, marked: 1 });
  });
});
