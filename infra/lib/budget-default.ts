/**
 * The budget's default limit: what `supa2aws cost` estimates these settings deploy (the small preset's usage
 * with the stacks' task count, size and architecture, database class, Multi-AZ, NAT gateways and endpoints:
 * src/cost/deployment.ts), plus 20% headroom,
 * rounded up to the next $10. A budget below the stacks' own cost would alert every month.
 */
import { estimateCost } from '../../src/cost/estimate.ts';
import { AWS_REGIONS } from '../../src/cost/prices.ts';
import { usageOfDeployment } from '../../src/cost/deployment.ts';
import type { InfraSettings } from './settings.ts';

export function defaultBudgetUsd(settings: InfraSettings): number {
  // A region without a price table (or none pinned) is estimated at us-east-1's prices.
  const region = settings.region && AWS_REGIONS.includes(settings.region) ? settings.region : 'us-east-1';
  const estimate = estimateCost({
    preset: 'small',
    region,
    usage: usageOfDeployment(settings),
  });
  return Math.ceil((estimate.aws.monthly * 1.2) / 10) * 10;
}
