/**
 * What the infra stacks deploy, as the cost model's usage: one mapping from the stacks' settings
 * (infra/lib/settings.ts) to the resources that are billed (tasks and their size and architecture, the
 * database class and Multi-AZ, NAT gateways, interface endpoints, public IPv4 addresses). The budget's
 * default (infra/lib/budget-default.ts) and `supa2aws cost`'s network defaults both come from here, and
 * infra/test/cost.test.ts checks the resulting line items against the synthesized templates.
 */
import type { CpuArchitecture, NetworkMode, Usage } from './types.ts';

/** Interface endpoints private tasks need: ecr.api, ecr.dkr, logs, secretsmanager (S3 uses a free gateway endpoint). */
export const INTERFACE_ENDPOINTS = ['ecr.api', 'ecr.dkr', 'logs', 'secretsmanager'];

/** The settings that decide the bill: the shape of infra/lib/settings.ts's InfraSettings (which satisfies it). */
export interface DeploymentSettings {
  network: { privateTasks: boolean; natGateways: number; maxAzs: number };
  database: { instanceType: string; multiAz: boolean };
  auth: { migrateUserTrigger: boolean };
  backend: {
    cpuArchitecture: CpuArchitecture;
    cpu: number;
    memoryMiB: number;
    apiDesiredCount: number;
    workerDesiredCount: number;
  };
}

/** NAT gateways and endpoint-AZs the stacks create for a network mode over `azs` AZs. */
export function networkResources(
  network: NetworkMode,
  azs: number,
  options: { natGateways?: number; migrateUserEndpoint?: boolean } = {},
): Pick<Usage, 'natGateways' | 'interfaceEndpointAzs'> {
  if (network === 'public') {
    return { natGateways: 0, interfaceEndpointAzs: (options.migrateUserEndpoint ?? true) ? 1 : 0 };
  }
  return {
    natGateways: network === 'nat' ? (options.natGateways ?? azs) : 0,
    interfaceEndpointAzs: INTERFACE_ENDPOINTS.length * azs,
  };
}

/** The usage fields these settings fix; the traffic and data sizes stay the preset's. */
export function usageOfDeployment(settings: DeploymentSettings): Partial<Usage> {
  const { network, backend, database, auth } = settings;
  const mode: NetworkMode = !network.privateTasks ? 'public' : network.natGateways > 0 ? 'nat' : 'endpoints';
  return {
    tasks: backend.apiDesiredCount + backend.workerDesiredCount,
    taskVcpu: backend.cpu / 1024,
    taskGb: backend.memoryMiB / 1024,
    architecture: backend.cpuArchitecture,
    instance: `db.${database.instanceType}`,
    multiAz: database.multiAz,
    network: mode,
    azs: network.maxAzs,
    ...networkResources(mode, network.maxAzs, {
      natGateways: network.natGateways,
      migrateUserEndpoint: auth.migrateUserTrigger,
    }),
  };
}
