import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import { Ajv } from 'ajv';
import { generateConfigSchema } from '../../scripts/generate-config-schema.ts';
import { CONFIG_SCHEMA_FILE, parseConfig } from '../../src/config/index.ts';
import { buildInitConfig, initConfig } from '../../src/config/init-config.ts';
import { askInitOptions, type InitQuestion } from '../../src/config/init-prompts.ts';
import { redactText } from '../../src/core/redact.ts';
import { configFromStack } from '../../src/config/apply-outputs.ts';
import { OUTPUT_KEYS } from '../../src/core/stack-outputs/output-keys.ts';
import { isSupa2awsError } from '../../src/core/errors.ts';
import { runCliInProcess } from '../helpers/cli-in-process.ts';
import { tempDir } from '../helpers/temp-dir.ts';

const root = path.resolve(import.meta.dirname, '../..');
const REF = 'abcdefghijklmnopqrst';

/** An environment with no AWS settings of the machine's own. */
function cleanEnv(dir: string, extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return {
    HOME: dir,
    AWS_CONFIG_FILE: path.join(dir, 'aws-config'),
    AWS_SHARED_CREDENTIALS_FILE: path.join(dir, 'aws-credentials'),
    ...extra,
  };
}

function cli(args: string[], cwd: string, env: Record<string, string> = {}) {
  return runCliInProcess(args, {
    cwd,
    env: {
      ...process.env,
      ...cleanEnv(cwd),
      SUPA2AWS_CONFIG: '',
      SUPA2AWS_SANDBOX_DIR: '',
      AWS_REGION: '',
      AWS_DEFAULT_REGION: '',
      AWS_PROFILE: '',
      ...env,
    },
  });
}

const jsonSchema = JSON.parse(readFileSync(CONFIG_SCHEMA_FILE, 'utf8')) as object;
// Formats are not checked: a ${VAR} reference stands where the file's URL will be.
const validateJsonSchema = new Ajv({ allErrors: true, validateFormats: false }).compile(jsonSchema);

/** The file validates against the zod schema (with every ${ENV} it lists set) and against the JSON Schema. */
function assertValidConfig(text: string, envNames: string[]): void {
  const raw = JSON.parse(text) as unknown;
  const env = Object.fromEntries(envNames.map((name) => [name, `value-of-${name.toLowerCase()}`]));
  const { config, errors } = parseConfig(raw, env);
  assert.ok(config, JSON.stringify(errors));
  assert.ok(validateJsonSchema(raw), JSON.stringify(validateJsonSchema.errors));
}

/** outputs.json as `cdk deploy --all --outputs-file` writes it, for the stacks' output keys. */
function stackOutputs(region: string) {
  return {
    'Acme-Database': {
      [OUTPUT_KEYS.region]: region,
      [OUTPUT_KEYS.dbEndpoint]: `acme-db.c9akciq32.${region}.rds.amazonaws.com`,
      [OUTPUT_KEYS.dbPort]: '5432',
      [OUTPUT_KEYS.dbName]: 'postgres',
      [OUTPUT_KEYS.dbUsername]: 'postgres',
      [OUTPUT_KEYS.dbSecretArn]: `arn:aws:secretsmanager:${region}:123456789012:secret:AcmeDbMaster-AbCdEf`,
      [OUTPUT_KEYS.dbMigrateUserSecretArn]: `arn:aws:secretsmanager:${region}:123456789012:secret:AcmeMigrate-AbCdEf`,
      [OUTPUT_KEYS.dbAppSecretArn]: `arn:aws:secretsmanager:${region}:123456789012:secret:AcmeAppUser-AbCdEf`,
    },
    'Acme-Storage': {
      [OUTPUT_KEYS.region]: region,
      [OUTPUT_KEYS.videosBucket]: 'acme-videos',
      [OUTPUT_KEYS.imagesBucket]: 'acme-images',
      [OUTPUT_KEYS.assetImagesBucket]: 'acme-asset-images',
    },
    'Acme-Auth': {
      [OUTPUT_KEYS.region]: region,
      [OUTPUT_KEYS.userPoolId]: `${region}_AbCdEf123`,
      [OUTPUT_KEYS.userPoolClientId]: 'clientid123',
    },
  };
}

describe('supa2aws init', () => {
  it('GIVEN a project ref, a region and buckets WHEN init runs with flags THEN the file it writes validates against the zod schema and the JSON Schema, with real endpoints and TLS', async () => {
    const dir = tempDir('init-flags-');
    const run = await cli(
      [
        'init',
        '--project-ref',
        REF,
        '--region',
        'eu-central-1',
        '--bucket',
        'videos',
        '--bucket',
        'images:public',
        '--json',
      ],
      dir,
    );
    assert.equal(run.status, 0, run.stderr);
    const out = JSON.parse(run.stdout) as {
      file: string;
      env: Array<{ name: string; how: string }>;
      region: string;
      regionFrom: string;
    };
    assert.equal(out.file, path.join(dir, 'supa2aws.config.json'));
    assert.equal(out.region, 'eu-central-1');
    assert.equal(out.regionFrom, '--region');
    const text = readFileSync(out.file, 'utf8');
    assertValidConfig(
      text,
      out.env.map((r) => r.name),
    );
    const raw = JSON.parse(text) as {
      $schema: string;
      source: { db: { url: string }; storage: { endpoint: string } };
      target: { region: string; db: { url: string } };
      storage: { buckets: Record<string, { target: string; access: string }> };
    };
    assert.equal(path.resolve(dir, raw.$schema), CONFIG_SCHEMA_FILE);
    assert.match(
      raw.source.db.url,
      new RegExp(`@db\\.${REF}\\.supabase\\.co:5432/postgres\\?sslmode=require$`),
    );
    assert.match(raw.source.db.url, /:\$\{SUPABASE_DB_PASSWORD\}@/);
    assert.equal(raw.source.storage.endpoint, `https://${REF}.supabase.co/storage/v1/s3`);
    assert.match(raw.target.db.url, /sslmode=verify-full$/);
    assert.equal(raw.target.region, 'eu-central-1');
    assert.deepEqual(raw.storage.buckets.images, { target: `${REF}-images`, access: 'public-read' });
    assert.doesNotMatch(text, /127\.0\.0\.1|localhost|s3rver/);
    // Every secret is a reference, and each is listed with where to find it.
    for (const name of [
      'SUPABASE_DB_PASSWORD',
      'SUPABASE_S3_SECRET_ACCESS_KEY',
      'SUPA2AWS_TARGET_DB_PASSWORD',
    ]) {
      assert.ok(text.includes(`\${${name}}`), name);
      assert.ok(
        out.env.some((r) => r.name === name && r.how.length > 20),
        name,
      );
    }
    assert.match(
      out.env.find((r) => r.name === 'SUPA2AWS_TARGET_DB_PASSWORD')!.how,
      /aws secretsmanager get-secret-value --secret-id <DbSecretArn> --query SecretString --output text/,
    );
  });

  it('GIVEN the file exists WHEN init runs again THEN it refuses with INIT_FILE_EXISTS (exit 2); --dry-run prints without writing; --force replaces', async () => {
    const dir = tempDir('init-exists-');
    const file = path.join(dir, 'supa2aws.config.json');
    writeFileSync(file, '{"mine": true}\n');
    const refused = await cli(['init', '--project-ref', REF, '--json'], dir);
    assert.equal(refused.status, 2, refused.stderr);
    assert.equal((JSON.parse(refused.stdout) as { error: { code: string } }).error.code, 'INIT_FILE_EXISTS');
    assert.equal(readFileSync(file, 'utf8'), '{"mine": true}\n');

    const dry = await cli(['init', '--project-ref', REF, '--dry-run'], dir);
    assert.equal(dry.status, 0, dry.stderr);
    assert.match(dry.stdout, /"projectUrl": "https:\/\/abcdefghijklmnopqrst\.supabase\.co"/);
    assert.match(dry.stdout, /\$\{SUPABASE_DB_PASSWORD\}/, 'a reference is printed as it is');
    assert.equal(readFileSync(file, 'utf8'), '{"mine": true}\n');

    const forced = await cli(['init', '--project-ref', REF, '--force'], dir);
    assert.equal(forced.status, 0, forced.stderr);
    assert.match(forced.stdout, /^created .*supa2aws\.config\.json/);
    assert.match(readFileSync(file, 'utf8'), /"version": 1/);
  });

  it('GIVEN no --region WHEN init resolves the region THEN AWS_REGION > AWS_DEFAULT_REGION > the profile > eu-west-1', () => {
    const dir = tempDir('init-region-');
    writeFileSync(
      path.join(dir, 'aws-config'),
      '[profile work]\nregion = ap-southeast-2\n[default]\nregion = us-west-2\n',
    );
    const region = (env: Record<string, string>, profile?: string) => {
      const r = buildInitConfig({
        projectRef: REF,
        cwd: dir,
        env: cleanEnv(dir, env),
        ...(profile ? { profile } : {}),
      });
      return `${r.region} (${r.regionFrom})`;
    };
    assert.match(
      region({ AWS_REGION: 'eu-north-1', AWS_DEFAULT_REGION: 'us-east-2' }),
      /^eu-north-1 \(AWS_REGION\)/,
    );
    assert.match(region({ AWS_DEFAULT_REGION: 'us-east-2' }), /^us-east-2 \(AWS_DEFAULT_REGION\)/);
    assert.match(region({}, 'work'), /^ap-southeast-2 \(profile work/);
    assert.match(region({}), /^us-west-2 \(profile default/);
    const bare = tempDir('init-region-none-');
    const none = buildInitConfig({ projectRef: REF, cwd: bare, env: cleanEnv(bare) });
    assert.equal(none.region, 'eu-west-1');
  });

  it('GIVEN outputs.json from the stacks WHEN init --from-stack runs THEN the AWS side is filled and the password command names the secret', () => {
    const dir = tempDir('init-stack-');
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(stackOutputs('eu-central-1')));
    const result = initConfig({ projectRef: REF, fromStack: 'outputs.json', cwd: dir, env: cleanEnv(dir) });
    assert.equal(result.written, true);
    assert.equal(result.region, 'eu-central-1');
    assert.deepEqual(result.problems, []);
    assertValidConfig(
      result.text,
      result.env.map((r) => r.name),
    );
    const raw = JSON.parse(result.text) as {
      target: { db: { url: string }; cognito: { userPoolId: string } };
      storage: { buckets: Record<string, unknown> };
    };
    assert.match(
      raw.target.db.url,
      /@acme-db\.c9akciq32\.eu-central-1\.rds\.amazonaws\.com:5432\/postgres\?sslmode=verify-full$/,
    );
    assert.equal(raw.target.cognito.userPoolId, 'eu-central-1_AbCdEf123');
    assert.deepEqual(Object.keys(raw.storage.buckets).sort(), ['asset-images', 'images', 'videos']);
    const password = result.env.find((r) => r.name === 'SUPA2AWS_TARGET_DB_PASSWORD');
    assert.equal(
      password?.command,
      'export SUPA2AWS_TARGET_DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-central-1:123456789012:secret:AcmeDbMaster-AbCdEf --region eu-central-1 --query SecretString --output text | jq -r .password)"',
    );
    assert.ok(!result.env.some((r) => r.name === 'SUPA2AWS_TARGET_DB_HOST'));
    assert.match(
      result.env.find((r) => r.name === 'SUPA2AWS_MIGRATE_USER_PASSWORD')?.command ?? '',
      /--secret-id arn:aws:secretsmanager:eu-central-1:123456789012:secret:AcmeMigrate-AbCdEf /,
    );
    assert.deepEqual((JSON.parse(result.text) as { db: unknown }).db, {
      appRole: { password: '${SUPA2AWS_APP_DB_PASSWORD}' },
    });
    assert.match(
      result.env.find((r) => r.name === 'SUPA2AWS_APP_DB_PASSWORD')?.command ?? '',
      /--secret-id arn:aws:secretsmanager:eu-central-1:123456789012:secret:AcmeAppUser-AbCdEf /,
    );
  });

  it('GIVEN a terminal WHEN init asks THEN the answers make a valid config (scripted answers)', async () => {
    const dir = tempDir('init-ask-');
    const asked: string[] = [];
    const answers: Record<InitQuestion['key'], string> = {
      project: `https://${REF}.supabase.co`,
      region: 'eu-west-3',
      supabaseRegion: '',
      buckets: 'videos, images=acme-images:public',
      fromStack: '',
    };
    const options = await askInitOptions({ cwd: dir, env: cleanEnv(dir) }, async (q) => {
      asked.push(q.key);
      return answers[q.key];
    });
    assert.deepEqual(asked, ['project', 'region', 'supabaseRegion', 'buckets', 'fromStack']);
    const result = initConfig({ ...options, env: cleanEnv(dir) });
    assertValidConfig(
      result.text,
      result.env.map((r) => r.name),
    );
    const raw = JSON.parse(result.text) as {
      source: { storage: { region: string } };
      storage: { buckets: Record<string, { target: string }> };
    };
    assert.equal(
      raw.source.storage.region,
      'eu-west-3',
      'the Supabase region defaults to the answered AWS region',
    );
    assert.equal(raw.storage.buckets.images?.target, 'acme-images');
    assert.equal(result.projectRef, REF);
  });

  it('GIVEN a real terminal (script(1)) WHEN init is answered line by line THEN it writes the file', (t) => {
    if (spawnSync('script', ['--version']).status !== 0) return t.skip('no script(1) on this machine');
    const dir = tempDir('init-tty-');
    const command = `${JSON.stringify(process.execPath)} ${JSON.stringify(path.join(root, 'bin', 'supa2aws.js'))} init`;
    const tty = (input: string) =>
      spawnSync('script', ['-qec', command, '/dev/null'], {
        cwd: dir,
        input,
        encoding: 'utf8',
        timeout: 60_000,
        env: {
          ...process.env,
          ...cleanEnv(dir),
          SUPA2AWS_CONFIG: '',
          AWS_REGION: '',
          AWS_DEFAULT_REGION: '',
          AWS_PROFILE: '',
        },
      });
    const full = tty(`${REF}\neu-south-2\n\nvideos\n\n`);
    assert.match(full.stdout, /AWS region to migrate to \[eu-west-1\]/);
    assert.match(full.stdout, /created .*supa2aws\.config\.json/);
    const raw = JSON.parse(readFileSync(path.join(dir, 'supa2aws.config.json'), 'utf8')) as {
      target: { region: string };
    };
    assert.equal(raw.target.region, 'eu-south-2');
  });

  it('GIVEN bad input WHEN init runs THEN each is a coded usage error (exit 2) with a hint', async () => {
    const dir = tempDir('init-bad-');
    const cases: Array<[string[], string]> = [
      [[], 'INIT_SOURCE_MISSING'],
      [['--project-ref', 'Not_A_Ref!'], 'INIT_BAD_PROJECT_REF'],
      [['--project-url', 'not a url'], 'INIT_BAD_PROJECT_URL'],
      [
        ['--project-ref', REF, '--project-url', 'https://zyxwvutsrqponmlkjihg.supabase.co'],
        'INIT_PROJECT_CONFLICT',
      ],
      [['--project-url', 'https://api.example.com'], 'INIT_SOURCE_DB_MISSING'],
      [['--project-ref', REF, '--source-db-url', 'mysql://x@h/db'], 'INIT_BAD_SOURCE_DB_URL'],
      [['--project-ref', REF, '--bucket', 'videos=UPPER_case!'], 'INIT_BAD_BUCKET'],
      [['--project-ref', REF, '--region', 'eu-wset-1'], 'AWS_REGION_INVALID'],
      [['--project-ref', REF, '--supabase-region', 'us-est-1'], 'AWS_REGION_INVALID'],
      [['--project-ref', REF, '--profile', 'nope'], 'AWS_PROFILE_NOT_FOUND'],
      [['--project-ref', REF, '--from-stack', 'missing.json'], 'STACK_OUTPUTS_UNREADABLE'],
    ];
    for (const [args, code] of cases) {
      const run = await cli(['init', ...args, '--no-interactive', '--json'], dir);
      assert.equal(run.status, 2, `${args.join(' ')}: ${run.stderr}`);
      const error = (JSON.parse(run.stdout) as { error: { code: string; hint: string } }).error;
      assert.equal(error.code, code, args.join(' '));
      assert.ok(error.hint, code);
    }
    assert.equal(existsSync(path.join(dir, 'supa2aws.config.json')), false);
  });

  it('GIVEN a password pasted into --source-db-url WHEN init writes the file THEN the password is not in it', () => {
    const dir = tempDir('init-pooler-');
    try {
      const result = buildInitConfig({
        projectRef: REF,
        sourceDbUrl: `postgresql://postgres.${REF}:hunter2-Secret@aws-0-eu-west-1.pooler.supabase.com:5432/postgres`,
        cwd: dir,
        env: cleanEnv(dir),
      });
      assert.doesNotMatch(result.text, /hunter2/);
      assert.match(
        result.text,
        new RegExp(
          `postgresql://postgres\\.${REF}:\\$\\{SUPABASE_DB_PASSWORD\\}@aws-0-eu-west-1\\.pooler\\.supabase\\.com:5432/postgres\\?sslmode=require`,
        ),
      );
    } catch (error) {
      assert.fail(isSupa2awsError(error) ? `${error.code}: ${error.message}` : String(error));
    }
  });
});

describe('config JSON Schema', () => {
  it('GIVEN the zod schema WHEN the JSON Schema is generated afresh THEN it equals the committed file (npm run schema)', () => {
    assert.equal(readFileSync(CONFIG_SCHEMA_FILE, 'utf8'), generateConfigSchema());
  });

  it('GIVEN "//" comments and $schema WHEN the config loads THEN both are accepted; an unknown key is still refused by both schemas', () => {
    const config = {
      $schema: './node_modules/supa2aws/schema/supa2aws.config.schema.json',
      '//': 'top comment',
      version: 1,
      source: {
        '//': ['a', 'b'],
        projectUrl: `https://${REF}.supabase.co`,
        db: { '//': 'c', url: 'postgresql://postgres:${PW}@db.x.supabase.co:5432/postgres' },
        storage: {},
      },
      target: { db: { url: 'postgresql://postgres:${PW}@h:5432/postgres' }, s3: {} },
      storage: { buckets: { '//': 'ids of Supabase buckets', videos: { target: 'acme-videos' } } },
    };
    assert.ok(parseConfig(config, { PW: 'x' }).config);
    assert.ok(validateJsonSchema(config), JSON.stringify(validateJsonSchema.errors));
    const typo = { ...config, target: { ...config.target, regoin: 'eu-west-1' } };
    assert.equal(parseConfig(typo, { PW: 'x' }).config, undefined);
    assert.equal(validateJsonSchema(typo), false);
  });

  it('GIVEN a connection string WHEN it is printed THEN a ${VAR} password stays readable and a literal one is masked', () => {
    assert.equal(redactText('postgresql://u:${PW}@h/db'), 'postgresql://u:${PW}@h/db');
    assert.equal(redactText('postgresql://u:literal@h/db'), 'postgresql://u:***@h/db');
  });
});

describe('config from-stack', () => {
  it('GIVEN a new file WHEN from-stack writes it THEN it says created with $schema, names each missing field, the account, region and the password command; then says updated and keeps comments', async () => {
    const dir = tempDir('from-stack-new-');
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(stackOutputs('ap-northeast-1')));
    const first = await cli(['config', 'from-stack', 'outputs.json'], dir);
    assert.equal(first.status, 0, first.stderr);
    assert.match(first.stdout, /^created .*supa2aws\.config\.json/);
    assert.match(first.stdout, /AWS account 123456789012, region ap-northeast-1/);
    assert.match(
      first.stdout,
      /aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:ap-northeast-1:123456789012:secret:AcmeDbMaster-AbCdEf --region ap-northeast-1 --query SecretString --output text/,
    );
    for (const field of ['source.projectUrl', 'source.db.url', 'source.storage'])
      assert.match(first.stdout, new RegExp(`- ${field.replace('.', '\\.')}: missing`));
    const file = path.join(dir, 'supa2aws.config.json');
    const written = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    assert.equal(path.resolve(dir, written.$schema as string), CONFIG_SCHEMA_FILE);
    writeFileSync(file, JSON.stringify({ ...written, '//': 'my note' }));
    const second = configFromStack({ outputsFile: path.join(dir, 'outputs.json'), configFile: file });
    assert.equal(second.created, false);
    assert.equal(second.account, '123456789012');
    assert.equal(second.config['//'], 'my note');
  });

  it("GIVEN the app role's secret among the outputs WHEN from-stack writes the config THEN db.appRole.password reads ${SUPA2AWS_APP_DB_PASSWORD} and it prints the command that fills it from DbAppSecretArn", async () => {
    const dir = tempDir('from-stack-app-role-');
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(stackOutputs('eu-south-2')));
    const run = await cli(['config', 'from-stack', 'outputs.json'], dir);
    assert.equal(run.status, 0, run.stderr);
    const command =
      'export SUPA2AWS_APP_DB_PASSWORD="$(aws secretsmanager get-secret-value --secret-id arn:aws:secretsmanager:eu-south-2:123456789012:secret:AcmeAppUser-AbCdEf --region eu-south-2 --query SecretString --output text | jq -r .password)"';
    assert.ok(run.stdout.includes(`db.appRole.password reads SUPA2AWS_APP_DB_PASSWORD: `), run.stdout);
    assert.ok(run.stdout.includes(command), run.stdout);
    const file = path.join(dir, 'supa2aws.config.json');
    const written = JSON.parse(readFileSync(file, 'utf8')) as { db?: { appRole?: unknown } };
    assert.deepEqual(written.db?.appRole, { password: '${SUPA2AWS_APP_DB_PASSWORD}' });

    writeFileSync(file, JSON.stringify({ ...written, db: { appRole: { name: 'acme_app' } } }));
    const merged = configFromStack({ outputsFile: path.join(dir, 'outputs.json'), configFile: file });
    assert.deepEqual(
      (merged.config as { db: { appRole: unknown } }).db.appRole,
      { name: 'acme_app', password: '${SUPA2AWS_APP_DB_PASSWORD}' },
      'a role name of its own is kept',
    );
    const ref = merged.env.find((r) => r.name === 'SUPA2AWS_APP_DB_PASSWORD');
    assert.equal(ref?.field, 'db.appRole.password');
    assert.equal(ref?.command, command);
    assert.equal(
      merged.summary.DbAppSecretArn,
      'arn:aws:secretsmanager:eu-south-2:123456789012:secret:AcmeAppUser-AbCdEf',
    );
  });

  it('GIVEN a config file that is not JSON WHEN from-stack merges into it THEN CONFIG_NOT_JSON (exit 2), file untouched', async () => {
    const dir = tempDir('from-stack-bad-');
    writeFileSync(path.join(dir, 'outputs.json'), JSON.stringify(stackOutputs('eu-west-1')));
    writeFileSync(path.join(dir, 'supa2aws.config.json'), '{ nope');
    const run = await cli(['config', 'from-stack', 'outputs.json', '--json'], dir);
    assert.equal(run.status, 2, run.stderr);
    assert.equal((JSON.parse(run.stdout) as { error: { code: string } }).error.code, 'CONFIG_NOT_JSON');
    assert.equal(readFileSync(path.join(dir, 'supa2aws.config.json'), 'utf8'), '{ nope');
  });
});
