/**
 * The AWS side: the plan's services (RDS, Fargate, ALB, S3, CloudFront, Cognito, CloudWatch) plus the costs
 * people miss (NAT gateways or interface endpoints, public IPv4 addresses, log ingestion, Secrets Manager).
 * Pure: usage + price table in, line items out.
 */
import { lineItem, num, tieredCost, total } from './line-items.ts';
import { price, tiersOf, valueOf } from './prices.ts';
import { INTERFACE_ENDPOINTS } from './deployment.ts';
import type { AwsPriceTable, LineItem, SideEstimate, Usage } from './types.ts';

/** RDS gp3 storage has a 20 GB minimum. */
const RDS_MIN_STORAGE_GB = 20;
/** An internet-facing ALB holds one public IPv4 address per AZ, and needs at least two AZs. */
const ALB_MIN_AZS = 2;

/** Public IPv4 addresses of the ALB (one per AZ it spans). */
function albPublicIps(usage: Usage): number {
  return Math.max(ALB_MIN_AZS, usage.azs);
}

function rdsAllocatedGb(usage: Usage): number {
  return Math.max(RDS_MIN_STORAGE_GB, Math.ceil(usage.dbGb));
}

function rds(usage: Usage, t: AwsPriceTable): LineItem[] {
  const key = `rds.instance.${usage.instance}`;
  const inst = price(t, key);
  const copies = usage.multiAz ? 2 : 1;
  const az = usage.multiAz ? ' x 2 (Multi-AZ)' : '';
  const gp3 = price(t, 'rds.storage.gp3');
  const backup = price(t, 'rds.backup');
  const allocated = rdsAllocatedGb(usage);
  const retained = usage.dbGb * usage.backupFactor;
  const billableBackup = Math.max(0, retained - allocated);
  return [
    lineItem({
      service: 'RDS PostgreSQL',
      item: `${usage.instance}${usage.multiAz ? ' Multi-AZ' : ''}`,
      quantity: usage.hours * copies,
      unit: 'instance-hours',
      unitPrice: valueOf(inst),
      formula: `${num(valueOf(inst))} USD/h x ${num(usage.hours)} h${az}`,
      prices: [[key, inst]],
    }),
    lineItem({
      service: 'RDS PostgreSQL',
      item: 'gp3 storage',
      quantity: allocated * copies,
      unit: 'GB-month',
      unitPrice: valueOf(gp3),
      formula: `max(${RDS_MIN_STORAGE_GB}, ceil(${num(usage.dbGb)})) GB x ${num(valueOf(gp3))} USD/GB${az}`,
      prices: [['rds.storage.gp3', gp3]],
    }),
    lineItem({
      service: 'RDS PostgreSQL',
      item: 'backup storage beyond provisioned',
      quantity: billableBackup,
      unit: 'GB-month',
      unitPrice: valueOf(backup),
      formula: `max(0, ${num(usage.dbGb)} GB x ${num(usage.backupFactor)} retained - ${allocated} GB free) x ${num(valueOf(backup))}`,
      prices: [['rds.backup', backup]],
    }),
  ];
}

function fargate(usage: Usage, t: AwsPriceTable): LineItem[] {
  const arm = usage.architecture === 'arm64';
  const cpuKey = arm ? 'fargate.arm.vcpu' : 'fargate.vcpu';
  const memKey = arm ? 'fargate.arm.memory' : 'fargate.memory';
  const cpu = price(t, cpuKey);
  const mem = price(t, memKey);
  const label = arm ? ' (ARM64)' : ' (x86_64)';
  const taskHours = usage.tasks * usage.hours;
  return [
    lineItem({
      service: 'ECS Fargate',
      item: `vCPU${label}`,
      quantity: taskHours * usage.taskVcpu,
      unit: 'vCPU-hours',
      unitPrice: valueOf(cpu),
      formula: `${usage.tasks} task(s) x ${num(usage.taskVcpu)} vCPU x ${num(usage.hours)} h x ${num(valueOf(cpu))}`,
      prices: [[cpuKey, cpu]],
    }),
    lineItem({
      service: 'ECS Fargate',
      item: `memory${label}`,
      quantity: taskHours * usage.taskGb,
      unit: 'GB-hours',
      unitPrice: valueOf(mem),
      formula: `${usage.tasks} task(s) x ${num(usage.taskGb)} GB x ${num(usage.hours)} h x ${num(valueOf(mem))}`,
      prices: [[memKey, mem]],
    }),
  ];
}

/** GB that leave through the ALB (the API), not the CDN. */
function apiEgressGb(usage: Usage): number {
  return usage.egressGb * (1 - usage.cdnShare);
}

function alb(usage: Usage, t: AwsPriceTable): LineItem[] {
  const hour = price(t, 'alb.hour');
  const lcu = price(t, 'alb.lcu');
  const bytesLcu = apiEgressGb(usage) / usage.hours;
  const lcus = Math.max(usage.albLcu, bytesLcu);
  return [
    lineItem({
      service: 'Application Load Balancer',
      item: 'load balancer hours',
      quantity: usage.hours,
      unit: 'ALB-hours',
      unitPrice: valueOf(hour),
      formula: `${num(usage.hours)} h x ${num(valueOf(hour))}`,
      prices: [['alb.hour', hour]],
    }),
    lineItem({
      service: 'Application Load Balancer',
      item: 'capacity units (LCU)',
      quantity: lcus * usage.hours,
      unit: 'LCU-hours',
      unitPrice: valueOf(lcu),
      formula: `max(${num(usage.albLcu)} LCU, ${num(apiEgressGb(usage))} GB / ${num(usage.hours)} h) x ${num(usage.hours)} h x ${num(valueOf(lcu))}`,
      prices: [['alb.lcu', lcu]],
    }),
  ];
}

function network(usage: Usage, t: AwsPriceTable): LineItem[] {
  const ip = price(t, 'ipv4.hour');
  const albIps = albPublicIps(usage);
  const taskIps = usage.network === 'public' ? usage.tasks : 0;
  const natIps = usage.natGateways;
  const ips = albIps + taskIps + natIps;
  const parts = [`${albIps} ALB`];
  if (taskIps) parts.push(`${taskIps} task`);
  if (natIps) parts.push(`${natIps} NAT`);
  const items: LineItem[] = [
    lineItem({
      service: 'VPC',
      item: 'public IPv4 addresses',
      quantity: ips * usage.hours,
      unit: 'IP-hours',
      unitPrice: valueOf(ip),
      formula: `(${parts.join(' + ')}) IPs x ${num(usage.hours)} h x ${num(valueOf(ip))}`,
      prices: [['ipv4.hour', ip]],
      hidden: true,
    }),
  ];
  if (usage.natGateways > 0) {
    const hour = price(t, 'nat.hour');
    const gb = price(t, 'nat.gb');
    items.push(
      lineItem({
        service: 'VPC',
        item: `NAT gateway x ${usage.natGateways}`,
        quantity: usage.natGateways * usage.hours,
        unit: 'gateway-hours',
        unitPrice: valueOf(hour),
        formula: `${usage.natGateways} gateway(s) x ${num(usage.hours)} h x ${num(valueOf(hour))}`,
        prices: [['nat.hour', hour]],
        hidden: true,
      }),
      lineItem({
        service: 'VPC',
        item: 'NAT data processed',
        quantity: usage.outboundGb,
        unit: 'GB',
        unitPrice: valueOf(gb),
        formula: `${num(usage.outboundGb)} GB x ${num(valueOf(gb))}`,
        prices: [['nat.gb', gb]],
        hidden: true,
      }),
    );
  }
  if (usage.interfaceEndpointAzs > 0) {
    const hour = price(t, 'endpoint.hour');
    const gb = price(t, 'endpoint.gb');
    const privateTasks = usage.network !== 'public';
    items.push(
      lineItem({
        service: 'VPC',
        item: privateTasks
          ? `interface endpoints (${INTERFACE_ENDPOINTS.join(', ')})`
          : 'interface endpoint (secretsmanager, for the migrate-user Lambda)',
        quantity: usage.interfaceEndpointAzs * usage.hours,
        unit: 'endpoint-AZ-hours',
        unitPrice: valueOf(hour),
        formula: `${usage.interfaceEndpointAzs} endpoint-AZ(s) x ${num(usage.hours)} h x ${num(valueOf(hour))}`,
        prices: [['endpoint.hour', hour]],
        hidden: true,
        ...(privateTasks && usage.natGateways === 0
          ? {
              note: 'Endpoints reach AWS APIs only: calls to outside APIs (LLM, video generation) still need a NAT gateway.',
            }
          : {}),
      }),
    );
    // The tasks' AWS traffic goes through the endpoints only when they are private.
    if (privateTasks) {
      items.push(
        lineItem({
          service: 'VPC',
          item: 'endpoint data processed',
          quantity: usage.outboundGb,
          unit: 'GB',
          unitPrice: valueOf(gb),
          formula: `${num(usage.outboundGb)} GB x ${num(valueOf(gb))}`,
          prices: [['endpoint.gb', gb]],
          hidden: true,
        }),
      );
    }
  }
  return items;
}

function tiered(args: {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  key: string;
  table: AwsPriceTable;
  prefix?: string;
}): LineItem {
  const entry = price(args.table, args.key);
  const { cost, parts } = tieredCost(args.quantity, tiersOf(entry));
  return lineItem({
    service: args.service,
    item: args.item,
    quantity: args.quantity,
    unit: args.unit,
    unitPrice: args.quantity > 0 ? cost / args.quantity : 0,
    monthly: cost,
    formula: `${args.prefix ?? ''}${parts.length ? parts.join(' + ') : '0'}`,
    prices: [[args.key, entry]],
  });
}

function storageAndDelivery(usage: Usage, t: AwsPriceTable): LineItem[] {
  const put = price(t, 's3.put');
  const get = price(t, 's3.get');
  const cfReqFree = valueOf(price(t, 'cloudfront.requests.free'));
  const https = price(t, 'cloudfront.https');
  const cdnGb = usage.egressGb * usage.cdnShare;
  const apiGb = apiEgressGb(usage);
  return [
    tiered({
      service: 'S3',
      item: 'Standard storage',
      quantity: usage.storageGb,
      unit: 'GB-month',
      key: 's3.storage',
      table: t,
    }),
    lineItem({
      service: 'S3',
      item: 'PUT/LIST requests',
      quantity: usage.s3Puts / 1000,
      unit: '1,000 requests',
      unitPrice: valueOf(put),
      formula: `${num(usage.s3Puts)} / 1,000 x ${num(valueOf(put))}`,
      prices: [['s3.put', put]],
    }),
    lineItem({
      service: 'S3',
      item: 'GET requests',
      quantity: usage.s3Gets / 1000,
      unit: '1,000 requests',
      unitPrice: valueOf(get),
      formula: `${num(usage.s3Gets)} / 1,000 x ${num(valueOf(get))}`,
      prices: [['s3.get', get]],
    }),
    tiered({
      service: 'CloudFront',
      item: 'data transfer out',
      quantity: cdnGb,
      unit: 'GB',
      key: 'cloudfront.out',
      table: t,
      prefix: `${num(usage.egressGb)} GB x ${num(usage.cdnShare)} CDN: `,
    }),
    lineItem({
      service: 'CloudFront',
      item: 'HTTPS requests',
      quantity: Math.max(0, usage.cdnRequests - cfReqFree) / 10_000,
      unit: '10,000 requests',
      unitPrice: valueOf(https),
      formula: `max(0, ${num(usage.cdnRequests)} - ${num(cfReqFree)} free) / 10,000 x ${num(valueOf(https))}`,
      prices: [
        ['cloudfront.https', https],
        ['cloudfront.requests.free', price(t, 'cloudfront.requests.free')],
      ],
    }),
    tiered({
      service: 'Data transfer',
      item: 'out to the internet (API via ALB)',
      quantity: apiGb,
      unit: 'GB',
      key: 'transfer.out',
      table: t,
      prefix: `${num(usage.egressGb)} GB x ${num(1 - usage.cdnShare)}: `,
    }),
  ];
}

function cognito(usage: Usage, t: AwsPriceTable): LineItem {
  const key = `cognito.${usage.cognitoPlan}`;
  const entry = price(t, key);
  const { cost, parts } = tieredCost(usage.mau, tiersOf(entry));
  return lineItem({
    service: 'Cognito',
    item: `${usage.cognitoPlan[0]?.toUpperCase()}${usage.cognitoPlan.slice(1)} MAU`,
    quantity: usage.mau,
    unit: 'MAU',
    unitPrice: usage.mau > 0 ? cost / usage.mau : 0,
    monthly: cost,
    formula: parts.length ? parts.join(' + ') : '0 MAU',
    prices: [[key, entry]],
  });
}

function operations(usage: Usage, t: AwsPriceTable): LineItem[] {
  const ingest = price(t, 'logs.ingest');
  const store = price(t, 'logs.storage');
  const free = valueOf(price(t, 'logs.free'));
  const secret = price(t, 'secrets.secret');
  const api = price(t, 'secrets.api');
  const ecr = price(t, 'ecr.storage');
  return [
    lineItem({
      service: 'CloudWatch Logs',
      item: 'ingestion',
      quantity: Math.max(0, usage.logsGb - free),
      unit: 'GB',
      unitPrice: valueOf(ingest),
      formula: `max(0, ${num(usage.logsGb)} GB - ${num(free)} GB free) x ${num(valueOf(ingest))}`,
      prices: [
        ['logs.ingest', ingest],
        ['logs.free', price(t, 'logs.free')],
      ],
      hidden: true,
    }),
    lineItem({
      service: 'CloudWatch Logs',
      item: 'storage (one month kept)',
      quantity: usage.logsGb,
      unit: 'GB-month',
      unitPrice: valueOf(store),
      formula: `${num(usage.logsGb)} GB x ${num(valueOf(store))}`,
      prices: [['logs.storage', store]],
      hidden: true,
    }),
    lineItem({
      service: 'Secrets Manager',
      item: 'secrets',
      quantity: usage.secrets,
      unit: 'secret-months',
      unitPrice: valueOf(secret),
      formula: `${num(usage.secrets)} secrets x ${num(valueOf(secret))}`,
      prices: [['secrets.secret', secret]],
      hidden: true,
    }),
    lineItem({
      service: 'Secrets Manager',
      item: 'API calls',
      quantity: usage.secretCalls / 10_000,
      unit: '10,000 calls',
      unitPrice: valueOf(api),
      formula: `${num(usage.secretCalls)} / 10,000 x ${num(valueOf(api))}`,
      prices: [['secrets.api', api]],
      hidden: true,
    }),
    lineItem({
      service: 'ECR',
      item: 'image storage',
      quantity: usage.ecrGb,
      unit: 'GB-month',
      unitPrice: valueOf(ecr),
      formula: `${num(usage.ecrGb)} GB x ${num(valueOf(ecr))}`,
      prices: [['ecr.storage', ecr]],
    }),
  ];
}

/** Every AWS line item for the usage, in the order of the plan's cost table, hidden costs flagged. */
export function estimateAws(usage: Usage, table: AwsPriceTable): SideEstimate {
  const items = [
    ...rds(usage, table),
    ...fargate(usage, table),
    ...alb(usage, table),
    ...storageAndDelivery(usage, table),
    cognito(usage, table),
    ...operations(usage, table),
    ...network(usage, table),
  ];
  return { provider: 'aws', label: `AWS ${table.region}`, items, monthly: total(items) };
}
