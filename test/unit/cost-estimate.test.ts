/**
 * The estimator's arithmetic against bills worked by hand from the us-east-1 and Supabase price tables.
 * Each expected number is written out in the comment above it.
 */
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  awsPrices,
  costReport,
  estimateAws,
  estimateCost,
  estimateSupabase,
  networkResources,
  PRESETS,
  supabasePlanSummaries,
  supabasePrices,
  tieredCost,
  type LineItem,
  type Usage,
} from '../../src/cost/index.ts';

const us = awsPrices('us-east-1');
const sb = supabasePrices();

function close(actual: number, expected: number, what: string, tolerance = 0.005): void {
  assert.ok(Math.abs(actual - expected) <= tolerance, `${what}: expected ${expected}, got ${actual}`);
}

function find(items: LineItem[], service: string, item: string): LineItem {
  const found = items.find((i) => i.service === service && i.item.startsWith(item));
  assert.ok(found, `no line item ${service} / ${item}`);
  return found;
}

describe('AWS estimate, small preset, us-east-1', () => {
  const usage = PRESETS.small;
  const aws = estimateAws(usage, us);

  it('prices every line as worked by hand', () => {
    // RDS db.t4g.micro: 0.016 USD/h x 730 h = 11.68
    close(find(aws.items, 'RDS PostgreSQL', 'db.t4g.micro').monthly, 11.68, 'rds instance');
    // gp3: max(20, 2 GB) = 20 GB x 0.115 = 2.30
    close(find(aws.items, 'RDS PostgreSQL', 'gp3 storage').monthly, 2.3, 'gp3');
    // backups: 2 GB retained is under the 20 GB free allowance = 0
    close(find(aws.items, 'RDS PostgreSQL', 'backup').monthly, 0, 'backup');
    // Fargate ARM64: 1 task x 0.5 vCPU x 730 h x 0.03238 = 11.8187; 1 GB x 730 h x 0.00356 = 2.5988
    close(find(aws.items, 'ECS Fargate', 'vCPU (ARM64)').monthly, 11.8187, 'fargate vcpu', 1e-9);
    close(find(aws.items, 'ECS Fargate', 'memory (ARM64)').monthly, 2.5988, 'fargate memory', 1e-9);
    // ALB: 730 h x 0.0225 = 16.425; LCU: max(0.5, 15 GB / 730 h) = 0.5 x 730 x 0.008 = 2.92
    close(find(aws.items, 'Application Load Balancer', 'load balancer').monthly, 16.425, 'alb hours', 1e-9);
    close(find(aws.items, 'Application Load Balancer', 'capacity').monthly, 2.92, 'alb lcu', 1e-9);
    // S3: 50 GB x 0.023 = 1.15; 20,000 PUT = 20 x 0.005 = 0.10; 200,000 GET = 200 x 0.0004 = 0.08
    close(find(aws.items, 'S3', 'Standard').monthly, 1.15, 's3 storage', 1e-9);
    close(find(aws.items, 'S3', 'PUT').monthly, 0.1, 's3 put', 1e-9);
    close(find(aws.items, 'S3', 'GET').monthly, 0.08, 's3 get', 1e-9);
    // CloudFront 35 GB < 1 TB free; API egress 15 GB < 100 GB free; 1,000 MAU < 10,000 free
    close(find(aws.items, 'CloudFront', 'data transfer').monthly, 0, 'cloudfront');
    close(find(aws.items, 'Data transfer', 'out').monthly, 0, 'dto');
    close(find(aws.items, 'Cognito', 'Lite').monthly, 0, 'cognito');
    // Logs: 5 GB ingested - 5 GB free = 0; kept a month: 5 GB x 0.03 = 0.15
    close(find(aws.items, 'CloudWatch Logs', 'ingestion').monthly, 0, 'logs ingest');
    close(find(aws.items, 'CloudWatch Logs', 'storage').monthly, 0.15, 'logs storage', 1e-9);
    // Secrets: 6 x 0.40 = 2.40; 5,000 calls = 0.5 x 0.05 = 0.025; ECR 1 GB x 0.10 = 0.10
    close(find(aws.items, 'Secrets Manager', 'secrets').monthly, 2.4, 'secrets', 1e-9);
    close(find(aws.items, 'Secrets Manager', 'API calls').monthly, 0.025, 'secret calls', 1e-9);
    close(find(aws.items, 'ECR', 'image').monthly, 0.1, 'ecr', 1e-9);
    // Public IPv4: (2 ALB + 1 task) x 730 h x 0.005 = 10.95
    close(find(aws.items, 'VPC', 'public IPv4').monthly, 10.95, 'ipv4', 1e-9);
    // The migrate-user Lambda's Secrets Manager endpoint, one AZ: 730 h x 0.01 = 7.30
    close(find(aws.items, 'VPC', 'interface endpoint (secretsmanager').monthly, 7.3, 'endpoint', 1e-9);
  });

  it('totals 70.00 USD and flags the hidden costs', () => {
    // 11.68 + 2.30 + 11.8187 + 2.5988 + 16.425 + 2.92 + 1.15 + 0.10 + 0.08 + 0.15 + 2.40 + 0.025 + 0.10 + 10.95
    // + 7.30 = 69.9975
    close(aws.monthly, 69.9975, 'total', 1e-6);
    const hidden = aws.items.filter((i) => i.hidden).map((i) => `${i.service}/${i.item}`);
    for (const name of [
      'VPC/public IPv4 addresses',
      'CloudWatch Logs/ingestion',
      'Secrets Manager/secrets',
    ]) {
      assert.ok(hidden.includes(name), `${name} is marked hidden`);
    }
  });

  it('has no NAT gateway, and no endpoint for the tasks or endpoint data, in public mode', () => {
    assert.equal(
      aws.items.some(
        (i) =>
          i.item.startsWith('NAT') ||
          i.item.startsWith('interface endpoints') ||
          i.item === 'endpoint data processed',
      ),
      false,
    );
  });

  it('prices x86_64 tasks at the x86 rates', () => {
    const x86 = estimateAws({ ...usage, architecture: 'x86_64' }, us);
    // 0.5 vCPU x 730 h x 0.04048 = 14.7752; 1 GB x 730 h x 0.004445 = 3.24485
    close(find(x86.items, 'ECS Fargate', 'vCPU (x86_64)').monthly, 14.7752, 'x86 vcpu', 1e-9);
    close(find(x86.items, 'ECS Fargate', 'memory (x86_64)').monthly, 3.24485, 'x86 memory', 1e-9);
  });
});

describe('AWS network modes', () => {
  const base: Usage = { ...PRESETS.small, tasks: 2, azs: 2, outboundGb: 100 };

  it('nat: two gateways, data processing and one public IPv4 each, beside the endpoints the stacks create', () => {
    const aws = estimateAws({ ...base, network: 'nat', ...networkResources('nat', 2) }, us);
    // 2 gateways x 730 h x 0.045 = 65.70; 100 GB x 0.045 = 4.50
    close(find(aws.items, 'VPC', 'NAT gateway').monthly, 65.7, 'nat hours', 1e-9);
    close(find(aws.items, 'VPC', 'NAT data').monthly, 4.5, 'nat gb', 1e-9);
    // tasks are private: (2 ALB + 2 NAT) IPs x 730 h x 0.005 = 14.60
    close(find(aws.items, 'VPC', 'public IPv4').monthly, 14.6, 'ipv4', 1e-9);
    // 4 endpoints x 2 AZ x 730 h x 0.01 = 58.40
    close(find(aws.items, 'VPC', 'interface endpoints').monthly, 58.4, 'endpoint hours', 1e-9);
  });

  it('nat: one gateway when the settings say one, in a VPC of 2 AZs', () => {
    const aws = estimateAws(
      { ...base, network: 'nat', ...networkResources('nat', 2, { natGateways: 1 }) },
      us,
    );
    close(find(aws.items, 'VPC', 'NAT gateway x 1').monthly, 32.85, 'nat hours', 1e-9);
    // (2 ALB + 1 NAT) x 730 x 0.005 = 10.95
    close(find(aws.items, 'VPC', 'public IPv4').monthly, 10.95, 'ipv4', 1e-9);
  });

  it('endpoints: four interface endpoints per AZ and no public IPv4 on tasks', () => {
    const aws = estimateAws({ ...base, network: 'endpoints', ...networkResources('endpoints', 2) }, us);
    // 4 endpoints x 2 AZ x 730 h x 0.01 = 58.40; 100 GB x 0.01 = 1.00
    close(find(aws.items, 'VPC', 'interface endpoints').monthly, 58.4, 'endpoint hours', 1e-9);
    close(find(aws.items, 'VPC', 'endpoint data').monthly, 1, 'endpoint gb', 1e-9);
    // only the ALB's 2 addresses: 2 x 730 x 0.005 = 7.30
    close(find(aws.items, 'VPC', 'public IPv4').monthly, 7.3, 'ipv4', 1e-9);
  });

  it('public: one address per task', () => {
    const aws = estimateAws({ ...base, network: 'public' }, us);
    // (2 ALB + 2 tasks) x 730 x 0.005 = 14.60
    close(find(aws.items, 'VPC', 'public IPv4').monthly, 14.6, 'ipv4', 1e-9);
  });
});

describe('volume tiers', () => {
  it('prices egress and storage by tier', () => {
    const api = estimateAws({ ...PRESETS.small, egressGb: 20_000, cdnShare: 0 }, us);
    // 100 GB free + 10,140 x 0.09 (912.60) + 9,760 x 0.085 (829.60) = 1,742.20
    close(find(api.items, 'Data transfer', 'out').monthly, 1742.2, 'dto tiers', 1e-6);
    const cdn = estimateAws({ ...PRESETS.small, egressGb: 20_000, cdnShare: 1 }, us);
    // 1,024 GB free + 9,216 x 0.085 (783.36) + 9,760 x 0.08 (780.80) = 1,564.16
    close(find(cdn.items, 'CloudFront', 'data transfer').monthly, 1564.16, 'cloudfront tiers', 1e-6);
    const s3 = estimateAws({ ...PRESETS.small, storageGb: 60_000 }, us);
    // 51,200 x 0.023 (1,177.60) + 8,800 x 0.022 (193.60) = 1,371.20
    close(find(s3.items, 'S3', 'Standard').monthly, 1371.2, 's3 tiers', 1e-6);
  });
});

describe('Cognito tiers', () => {
  it('Lite: 10,000 free, then 0.0055 to 100,000, then 0.0046', () => {
    const tiers = us.prices['cognito.lite']?.tiers ?? [];
    // 150,000 MAU: 90,000 x 0.0055 = 495 + 50,000 x 0.0046 = 230 -> 725
    close(tieredCost(150_000, tiers).cost, 725, 'lite 150k', 1e-9);
    // 10,000 MAU: all free
    close(tieredCost(10_000, tiers).cost, 0, 'lite 10k');
  });

  it('Essentials: 10,000 free then 0.015', () => {
    const aws = estimateAws({ ...PRESETS.medium, cognitoPlan: 'essentials' }, us);
    // 25,000 - 10,000 = 15,000 x 0.015 = 225
    close(find(aws.items, 'Cognito', 'Essentials').monthly, 225, 'essentials', 1e-9);
  });
});

describe('RDS sizing', () => {
  it('Multi-AZ doubles instance and storage; backups beyond the provisioned size are billed', () => {
    const aws = estimateAws({ ...PRESETS.small, dbGb: 50, backupFactor: 2, multiAz: true }, us);
    // 0.016 x 730 x 2 = 23.36
    close(find(aws.items, 'RDS PostgreSQL', 'db.t4g.micro').monthly, 23.36, 'multi-az instance', 1e-9);
    // 50 GB x 0.115 x 2 = 11.50
    close(find(aws.items, 'RDS PostgreSQL', 'gp3').monthly, 11.5, 'multi-az storage', 1e-9);
    // retained 50 x 2 = 100 GB - 50 GB free = 50 GB x 0.095 = 4.75
    close(find(aws.items, 'RDS PostgreSQL', 'backup').monthly, 4.75, 'backup', 1e-9);
  });
});

describe('Supabase estimate', () => {
  it('small on Pro: the Micro compute is paid by the credits, total 25', () => {
    const s = estimateSupabase(PRESETS.small, sb);
    // 25 + 0.01344 x 730 (9.8112) - min(10, 9.8112) = 25
    close(s.monthly, 25, 'pro small', 1e-9);
  });

  it('medium on Pro: plan, Small compute, credits and four overages', () => {
    const s = estimateSupabase(PRESETS.medium, sb);
    // 25 + 0.0206 x 730 (15.038) - 10 + disk (20-8) x 0.125 (1.50) + files (500-100) x 0.021 (8.40)
    // + uncached egress (1000 x 0.3 = 300 - 250) x 0.09 (4.50) + cached (700 - 250) x 0.03 (13.50) = 57.938
    close(s.monthly, 57.938, 'pro medium', 1e-9);
    close(find(s.items, 'Supabase', 'MAU').monthly, 0, 'mau within 100,000');
  });

  it('MAU overage above 100,000 at 0.00325', () => {
    const s = estimateSupabase(PRESETS.large, sb);
    // (150,000 - 100,000) x 0.00325 = 162.50
    close(find(s.items, 'Supabase', 'MAU').monthly, 162.5, 'mau overage', 1e-9);
  });

  it('Free fits only tiny usage and never bills overages; Team is Pro + 574', () => {
    const tiny: Usage = { ...PRESETS.small, mau: 100, dbGb: 0.2, storageGb: 0.5, egressGb: 2 };
    const plans = supabasePlanSummaries(tiny, sb);
    assert.deepEqual(
      plans.map((p) => [p.plan, p.fits, p.monthly]),
      [
        ['free', true, 0],
        ['pro', true, 25],
        ['team', true, 599],
      ],
    );
    const small = supabasePlanSummaries(PRESETS.small, sb);
    assert.equal(small[0]?.fits, false);
    assert.equal(small[0]?.monthly, null);
  });

  it('adds the backend hosting the user gives', () => {
    const s = estimateSupabase({ ...PRESETS.small, otherHostingUsd: 40 }, sb);
    close(s.monthly, 65, 'pro + hosting', 1e-9);
  });
});

describe('estimateCost', () => {
  it('says honestly that AWS costs more than Supabase Pro at small scale', () => {
    const e = estimateCost({ preset: 'small' });
    assert.ok(e.difference > 0);
    close(e.difference, 69.9975 - 25, 'difference', 1e-6);
    assert.match(e.verdict[0] ?? '', /AWS costs \$45\.00 more/);
    assert.ok(
      e.verdict.some((v) => v.includes('10,000 free MAU')),
      'says the 50K MAU claim is outdated',
    );
    assert.equal(e.preset, 'small');
    assert.equal(e.version, 1);
  });

  it('marks custom usage and lists unconfirmed prices', () => {
    const e = estimateCost({ preset: 'small', usage: { mau: 5000 } });
    assert.equal(e.preset, 'custom');
    assert.equal(e.usage.mau, 5000);
    assert.ok(e.unconfirmedPrices.includes('ecr.storage'));
  });

  it('prices eu-west-1 from its own table', () => {
    const e = estimateCost({ preset: 'small', region: 'eu-west-1' });
    // eu-west-1 db.t4g.micro 0.017 x 730 = 12.41
    close(find(e.aws.items, 'RDS PostgreSQL', 'db.t4g.micro').monthly, 12.41, 'eu rds', 1e-9);
    assert.equal(e.aws.label, 'AWS eu-west-1');
  });

  it('rejects an unknown region, preset, instance or network with codes', () => {
    const cases: Array<[() => unknown, string]> = [
      [() => estimateCost({ region: 'mars-1' }), 'COST_UNKNOWN_REGION'],
      [() => estimateCost({ preset: 'huge' }), 'COST_UNKNOWN_PRESET'],
      [() => estimateCost({ usage: { instance: 'db.x1.mega' } }), 'COST_UNKNOWN_INSTANCE'],
      [() => estimateCost({ usage: { network: 'vpn' as never } }), 'COST_INVALID_USAGE'],
      [() => estimateCost({ usage: { mau: -1 } }), 'COST_INVALID_USAGE'],
      [() => estimateCost({ usage: { cdnShare: 2 } }), 'COST_INVALID_USAGE'],
    ];
    for (const [fn, code] of cases) {
      assert.throws(
        fn,
        (err: { code?: string; exitCode?: number }) => err.code === code && err.exitCode === 2,
        code,
      );
    }
  });

  it('is plain JSON', () => {
    const e = estimateCost({ preset: 'medium' });
    assert.deepEqual(JSON.parse(JSON.stringify(e)).aws.monthly, e.aws.monthly);
  });
});

describe('the priced region', () => {
  const empty = { HOME: '/nonexistent', AWS_CONFIG_FILE: '/nonexistent/config' };

  it('GIVEN AWS_REGION and no flag WHEN cost runs THEN it prices that region, as every other command deploys there', async () => {
    const report = await costReport({ env: { ...empty, AWS_REGION: 'eu-west-1' } });
    assert.equal(report.estimate.region, 'eu-west-1');
    assert.equal(report.regionFrom, 'AWS_REGION');
  });

  it('GIVEN --region and AWS_REGION WHEN cost runs THEN the flag wins', async () => {
    const report = await costReport({ region: 'us-east-1', env: { ...empty, AWS_REGION: 'eu-west-1' } });
    assert.equal(report.estimate.region, 'us-east-1');
    assert.equal(report.regionFrom, '--region');
  });

  it('GIVEN nothing names a region WHEN cost runs THEN it prices us-east-1 and says it is the default', async () => {
    const report = await costReport({ env: empty });
    assert.equal(report.estimate.region, 'us-east-1');
    assert.equal(report.regionFrom, 'default');
  });
});
