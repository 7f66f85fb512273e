import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import bcrypt from 'bcryptjs';
import { argon2id, argon2i } from 'hash-wasm';
import { bcryptCost, bcryptCostOutOfRange, hashKind } from '../../src/auth/hash-kind.ts';
import { verifyAgainstDummy, verifyPassword } from '../../src/auth/migrate-user/verify-password.ts';

// GoTrue's own test vector (supabase/auth internal/crypto/password_test.go).
const FIREBASE =
  '$fbscrypt$v=1,n=14,r=8,p=1,ss=Bw==,sk=ou9tdYTGyYm8kuR6Dt0Bp0kDuAYoXrK16mbZO4yGwAn3oLspjnN0/c41v8xZnO1n14J3MjKj1b2g6AUCAlFwMw==$C0sHCg9ek77hsg==$zKVTMvnWVw5BBOZNUdnsalx4c4c7y/w7IS5p6Ut2+CfEFFlz37J9huyQfov4iizN8dbjvEJlM5tQaJP84+hfTw==';

describe('password hashes', () => {
  it('tells the kinds apart', async () => {
    assert.equal(hashKind(await bcrypt.hash('x', 4)), 'bcrypt');
    assert.equal(hashKind(FIREBASE), 'fbscrypt');
    const argon = await argon2id({
      password: 'x',
      salt: new Uint8Array(16).fill(1),
      parallelism: 1,
      iterations: 1,
      memorySize: 64,
      hashLength: 16,
      outputType: 'encoded',
    });
    assert.equal(hashKind(argon), 'argon2');
    assert.equal(hashKind(''), 'none');
    assert.equal(hashKind(null), 'none');
    assert.equal(hashKind('{"key_id":"k1","alg":"aes-gcm-hkdf","nonce":"n","data":"d"}'), 'encrypted');
    assert.equal(hashKind('md5$abc'), 'unknown');
  });

  it('verifies bcrypt ($2a$ as Supabase writes it)', async () => {
    const hash = (await bcrypt.hash('Alice-Wonderland-2024!', 4)).replace(/^\$2b\$/, '$2a$');
    assert.equal(await verifyPassword(hash, 'Alice-Wonderland-2024!'), true);
    assert.equal(await verifyPassword(hash, 'alice-wonderland-2024!'), false);
  });

  it('verifies argon2id and argon2i PHC strings', async () => {
    for (const fn of [argon2id, argon2i]) {
      const hash = await fn({
        password: 'correct horse',
        salt: new Uint8Array(16).fill(7),
        parallelism: 1,
        iterations: 2,
        memorySize: 1024,
        hashLength: 32,
        outputType: 'encoded',
      });
      assert.equal(await verifyPassword(hash, 'correct horse'), true);
      assert.equal(await verifyPassword(hash, 'wrong horse'), false);
    }
  });

  it('refuses argon2 hashes whose cost would be a denial of service', async () => {
    const hostile = '$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHQ$aGFzaGhhc2hoYXNoaGFzaA';
    assert.equal(await verifyPassword(hostile, 'x'), false);
  });

  it(
    'refuses bcrypt costs outside 4–14 at once (cost 31 would start 2^31 rounds)',
    { timeout: 5000 },
    async () => {
      const cost31 = `$2a$31$${'a'.repeat(53)}`;
      const cost3 = `$2a$03$${'a'.repeat(53)}`;
      assert.equal(bcryptCost(cost31), 31);
      assert.deepEqual(
        [cost31, cost3, `$2a$10$${'a'.repeat(53)}`, `$2b$14$${'a'.repeat(53)}`, '$argon2id$x'].map(
          bcryptCostOutOfRange,
        ),
        [true, true, false, false, false],
      );
      assert.equal(await verifyPassword(cost31, 'pw'), false);
    },
  );

  it('verifies Firebase scrypt with GoTrue’s test vector', async () => {
    assert.equal(await verifyPassword(FIREBASE, 'mytestpassword'), true);
    assert.equal(await verifyPassword(FIREBASE, 'mytestpasswordx'), false);
  });

  it('never matches an encrypted or unknown hash, or the dummy', async () => {
    assert.equal(await verifyPassword('{"key_id":"k"}', 'x'), false);
    assert.equal(await verifyPassword('plain', 'plain'), false);
    assert.equal(await verifyAgainstDummy('anything'), false);
  });
});

describe('the dummy check for unknown users', () => {
  it('costs what a Supabase hash costs (bcrypt cost 10)', async () => {
    const { warmUpDummyHash, DUMMY_BCRYPT_COST } =
      await import('../../src/auth/migrate-user/verify-password.ts');
    assert.equal(DUMMY_BCRYPT_COST, 10);
    assert.equal(bcrypt.getRounds(await warmUpDummyHash()), 10);
  });
});
