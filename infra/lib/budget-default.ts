/**
 * The budget's default limit: what `supa2aws cost` estimates these settings deploy (the small preset's usage
 * with the stacks' task count and size, database class, Multi-AZ and network mode), plus 20% headroom,
 * rounded up to the next $10. A budget below the stacks' own cost would alert every month.
 */
import { estimateCost } from '../../src/cost/estimate.ts';
import { AWS_REGIONS } from '../../src/cost/prices.ts';
import type { Usage } from '../../src/cost/types.ts';
import type { InfraSettings } from './settings.ts';

/** The cost model's usage for what these settings deploy. */
export function usageOfSettings(settings: InfraSettings): Partial<Usage> {
  const { network, backend, database } = settings;
  return {
    tasks: backend.apiDesiredCount + backend.workerDesiredCount,
    taskVcpu: backend.cpu / 1024,
    taskGb: backend.memoryMiB / 1024,
    instance: `db.${database.instanceType}`,
    multiAz: database.multiAz,
    network: !network.privateTasks ? 'public' : network.natGateways > 0 ? 'nat' : 'endpoints',
    azs: network.privateTasks ? (network.natGateways > 0 ? network.natGateways : network.maxAzs) : 1,
  };
}

export function defaultBudgetUsd(settings: InfraSettings): number {
  // A region without a price table (or none pinned) is estimated at us-east-1's prices.
  const region = settings.region && AWS_REGIONS.includes(settings.region) ? settings.region : 'us-east-1';
  const estimate = estimateCost({
    preset: 'small',
    region,
    usage: usageOfSettings(settings),
  });
  return Math.ceil((estimate.aws.monthly * 1.2) / 10) * 10;
}
