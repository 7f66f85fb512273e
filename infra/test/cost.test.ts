/**
 * `supa2aws cost` prices what the stacks deploy: for several settings, the estimate's line items for the
 * usage these settings fix (src/cost/deployment.ts, the budget default's source too) are checked against
 * the resources in the synthesized templates — NAT gateways, interface endpoints per AZ, public IPv4
 * addresses (load balancer, tasks, NAT), Fargate task count, size and architecture, the load balancer,
 * the database class and Multi-AZ.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { estimateCost } from '../../src/cost/estimate.ts';
import { INTERFACE_ENDPOINTS, usageOfDeployment } from '../../src/cost/deployment.ts';
import type { LineItem } from '../../src/cost/types.ts';
import type { InfraSettingsInput } from '../lib/settings.ts';
import { CONFIGURATIONS, synth, type Synthesized } from './helpers.ts';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const SETTINGS: Record<string, InfraSettingsInput> = {
  ...CONFIGURATIONS,
  'public tasks, no trigger, two 1 vCPU / 2 GB API tasks and no worker': {
    auth: { migrateUserTrigger: false },
    backend: { cpu: 1024, memoryMiB: 2048, apiDesiredCount: 2, apiMinCount: 2, workerDesiredCount: 0 },
  },
  'private tasks with two NAT gateways': { network: { privateTasks: true, natGateways: 2 } },
};

function resources(s: Synthesized, phase: 'network' | 'backend' | 'database', type: string): Json[] {
  return Object.values(s.template(phase).findResources(type)).map((r) => r.Properties as Json);
}

/** What the templates deploy that is billed, counted from the resources. */
function deployed(s: Synthesized) {
  const taskDefs = Object.fromEntries(
    Object.entries(s.template('backend').findResources('AWS::ECS::TaskDefinition')).map(([id, r]) => [
      id,
      r.Properties,
    ]),
  );
  const services = resources(s, 'backend', 'AWS::ECS::Service').map((svc) => ({
    count: svc.DesiredCount as number,
    publicIp: svc.NetworkConfiguration.AwsvpcConfiguration.AssignPublicIp === 'ENABLED',
    task: taskDefs[svc.TaskDefinition.Ref] as Json,
  }));
  const endpoints = resources(s, 'network', 'AWS::EC2::VPCEndpoint').filter(
    (e) => e.VpcEndpointType === 'Interface',
  );
  const loadBalancers = resources(s, 'backend', 'AWS::ElasticLoadBalancingV2::LoadBalancer');
  const db = resources(s, 'database', 'AWS::RDS::DBInstance');
  assert.equal(db.length, 1);
  const nats = resources(s, 'network', 'AWS::EC2::NatGateway').length;
  return {
    natGateways: nats,
    eips: resources(s, 'network', 'AWS::EC2::EIP').length,
    endpointServices: endpoints
      .map((e) => String((e.ServiceName['Fn::Join'][1] as unknown[]).at(-1)).replace(/^\./, ''))
      .sort(),
    endpointAzs: endpoints.reduce((n, e) => n + (e.SubnetIds as unknown[]).length, 0),
    loadBalancers: loadBalancers.length,
    albAzs: loadBalancers.reduce((n, lb) => n + (lb.Subnets as unknown[]).length, 0),
    taskIps: services.filter((x) => x.publicIp).reduce((n, x) => n + x.count, 0),
    vcpu: services.reduce((n, x) => n + (x.count * Number(x.task.Cpu)) / 1024, 0),
    memoryGb: services.reduce((n, x) => n + (x.count * Number(x.task.Memory)) / 1024, 0),
    architectures: [...new Set(services.map((x) => x.task.RuntimePlatform.CpuArchitecture as string))],
    dbClass: db[0]!.DBInstanceClass as string,
    multiAz: db[0]!.MultiAZ === true,
  };
}

function perHour(items: LineItem[], hours: number, predicate: (i: LineItem) => boolean): number {
  const found = items.filter(predicate);
  return found.reduce((n, i) => n + i.quantity, 0) / hours;
}

describe('the cost estimate against the synthesized templates', () => {
  for (const [name, input] of Object.entries(SETTINGS)) {
    test(`GIVEN ${name} WHEN estimated THEN every billed resource in the templates is a line item of that quantity`, () => {
      const s = synth({ ...input, nag: false });
      const estimate = estimateCost({ preset: 'small', usage: usageOfDeployment(s.settings) });
      const { items } = estimate.aws;
      const hours = estimate.usage.hours;
      const d = deployed(s);

      assert.equal(
        perHour(items, hours, (i) => i.item.startsWith('NAT gateway')),
        d.natGateways,
        'NAT gateways',
      );
      assert.equal(d.eips, d.natGateways, 'each NAT gateway holds an Elastic IP');
      assert.equal(
        perHour(items, hours, (i) => i.unit === 'endpoint-AZ-hours'),
        d.endpointAzs,
        `interface endpoints x AZs (${d.endpointServices.join(', ')})`,
      );
      assert.deepEqual(
        d.endpointServices,
        s.settings.network.privateTasks
          ? [...INTERFACE_ENDPOINTS].sort()
          : s.settings.auth.migrateUserTrigger
            ? ['secretsmanager']
            : [],
      );
      assert.equal(
        perHour(items, hours, (i) => i.item === 'public IPv4 addresses'),
        d.albAzs + d.taskIps + d.eips,
        `public IPv4: ${d.albAzs} ALB + ${d.taskIps} task + ${d.eips} NAT`,
      );
      assert.equal(
        perHour(items, hours, (i) => i.item === 'load balancer hours'),
        d.loadBalancers,
      );

      assert.equal(d.architectures.length, 1);
      const arch = d.architectures[0] === 'ARM64' ? 'ARM64' : 'x86_64';
      assert.equal(
        perHour(items, hours, (i) => i.item === `vCPU (${arch})`),
        d.vcpu,
        'Fargate vCPU',
      );
      assert.equal(
        perHour(items, hours, (i) => i.item === `memory (${arch})`),
        d.memoryGb,
        'Fargate memory',
      );
      assert.ok(
        items.some((i) => i.priceKeys.includes(arch === 'ARM64' ? 'fargate.arm.vcpu' : 'fargate.vcpu')),
      );

      const rds = items.find((i) => i.service === 'RDS PostgreSQL' && i.unit === 'instance-hours')!;
      assert.equal(rds.item, `${d.dbClass}${d.multiAz ? ' Multi-AZ' : ''}`);
      assert.equal(rds.quantity / hours, d.multiAz ? 2 : 1);
    });
  }
});
