/** Types shared by the price tables, the estimator and the renderers of `supa2aws cost`. */

export type NetworkMode = 'nat' | 'endpoints' | 'public';
export type CpuArchitecture = 'arm64' | 'x86_64';
export type CognitoPlan = 'lite' | 'essentials' | 'plus';
export type SupabasePlan = 'free' | 'pro' | 'team';
export type PresetName = 'small' | 'medium' | 'large';

/** What the app uses in a month. Every estimate on both sides is computed from the same usage. */
export interface Usage {
  /** Monthly active users (Supabase Auth / Cognito). */
  mau: number;
  /** Database size in GB. */
  dbGb: number;
  /** File storage (Supabase Storage / S3) in GB. */
  storageGb: number;
  /** Data sent to the internet per month, in GB (API responses, images, videos, the SPA). */
  egressGb: number;
  /** Share of egress served from a CDN cache (CloudFront on AWS, Smart CDN on Supabase), 0..1. */
  cdnShare: number;
  /** ECS Fargate tasks running (API + VideoJobExecutor). */
  tasks: number;
  /** vCPU per task. */
  taskVcpu: number;
  /** Memory per task, GB. */
  taskGb: number;
  /** Hours per month everything runs. @default 730 */
  hours: number;
  /** RDS instance class, e.g. db.t4g.micro. */
  instance: string;
  /** Multi-AZ RDS (doubles instance and storage). @default false */
  multiAz: boolean;
  /** Fargate CPU architecture: Graviton (`arm64`, what the stacks deploy by default) or `x86_64`. */
  architecture: CpuArchitecture;
  /** How Fargate tasks reach the internet and AWS APIs (`public`: a public IPv4 address per task). */
  network: NetworkMode;
  /** Availability zones the VPC spans: the load balancer holds a public IPv4 address in each (at least 2). */
  azs: number;
  /** NAT gateways (each with a public IPv4 address). @default azs with network `nat`, else 0 */
  natGateways: number;
  /**
   * Interface VPC endpoints, counted per AZ (each endpoint is billed per AZ it has a network interface in).
   * @default the stacks' choice for the network mode: 4 x azs when tasks are private (ECR api and dkr, Logs,
   * Secrets Manager), else 1 (the migrate-user Lambda's Secrets Manager endpoint in one subnet)
   */
  interfaceEndpointAzs: number;
  /** Average ALB load balancer capacity units in use (the floor; processed bytes may raise it). */
  albLcu: number;
  /** Traffic from the tasks to AWS APIs and the internet (image pulls, logs, S3, LLM/video APIs), GB/month. */
  outboundGb: number;
  /** S3 PUT/LIST requests per month. */
  s3Puts: number;
  /** S3 GET requests per month. */
  s3Gets: number;
  /** CloudFront HTTPS requests per month. */
  cdnRequests: number;
  /** CloudWatch Logs ingested per month, GB (kept ~one month). */
  logsGb: number;
  /** Secrets in Secrets Manager. */
  secrets: number;
  /** Secrets Manager API calls per month. */
  secretCalls: number;
  /** Container images kept in ECR, GB. */
  ecrGb: number;
  /** Backup storage retained, as a multiple of the database size (snapshots + WAL for the retention window). */
  backupFactor: number;
  cognitoPlan: CognitoPlan;
  /** Supabase plan to compare against. */
  supabasePlan: SupabasePlan;
  /** Supabase compute size (micro, small, medium...). */
  supabaseCompute: string;
  /**
   * What the backend costs today where it runs beside Supabase (Render, Fly, a VPS...), USD/month.
   * The AWS side hosts it on Fargate + ALB, so leaving this at 0 flatters Supabase. @default 0
   */
  otherHostingUsd: number;
}

export interface Tier {
  /** Upper bound of the tier (inclusive), null for the last one. */
  upTo: number | null;
  value: number;
}

export interface PriceEntry {
  unit: string;
  value?: number;
  tiers?: Tier[];
  /** The public page the price comes from. */
  source: string;
  /** The day the price was checked. */
  asOf: string;
  /** false when the value could not be confirmed against a source that day. */
  confirmed: boolean;
  note?: string;
}

export interface AwsPriceTable {
  provider: 'aws';
  region: string;
  regionName: string;
  currency: 'USD';
  hoursPerMonth: number;
  asOf: string;
  prices: Record<string, PriceEntry>;
}

export interface SupabasePlanPrices {
  base: PriceEntry;
  quotas: { mau: number; dbGb: number; storageGb: number; egressGb: number; cachedEgressGb: number };
  computeCredits: number;
  /** false: past a quota the project is restricted rather than billed. */
  overages: boolean;
  source: string;
  asOf: string;
  confirmed: boolean;
  note?: string;
}

export interface SupabasePriceTable {
  provider: 'supabase';
  currency: 'USD';
  asOf: string;
  plans: Record<SupabasePlan, SupabasePlanPrices>;
  compute: Record<string, PriceEntry>;
  overages: Record<'mau' | 'dbGb' | 'storageGb' | 'egressGb' | 'cachedEgressGb', PriceEntry>;
}

/** One line of a bill: how much, at what price, and the arithmetic that got there. */
export interface LineItem {
  service: string;
  item: string;
  quantity: number;
  unit: string;
  /** Price per unit; for tiered items the blended price. */
  unitPrice: number;
  monthly: number;
  /** The arithmetic, e.g. "0.016 USD/h x 730 h". */
  formula: string;
  /** True for the costs people forget: NAT or endpoints, public IPv4, log ingestion, secrets. */
  hidden?: boolean;
  /** Price keys used, to trace back to the price table. */
  priceKeys: string[];
  /** At least one price used was not confirmed. */
  unconfirmed?: boolean;
  note?: string;
}

export interface SideEstimate {
  provider: 'aws' | 'supabase';
  label: string;
  items: LineItem[];
  monthly: number;
}

export interface SupabasePlanSummary {
  plan: SupabasePlan;
  /** null when the usage does not fit a plan that has no overages (Free). */
  monthly: number | null;
  fits: boolean;
  reasons: string[];
}

export interface SweepPoint {
  scale: number;
  aws: number;
  supabase: number;
}

export interface Crossover {
  /** The scale factor (x the base usage) where both sides cost the same. */
  scale: number;
  monthly: number;
  /** Which side is cheaper above the crossover. */
  cheaperAbove: 'aws' | 'supabase';
  usage: Pick<Usage, 'mau' | 'dbGb' | 'storageGb' | 'egressGb'>;
}

export interface CostEstimate {
  version: 1;
  region: string;
  preset: PresetName | 'custom';
  usage: Usage;
  aws: SideEstimate;
  supabase: SideEstimate;
  supabasePlans: SupabasePlanSummary[];
  /** aws.monthly - supabase.monthly */
  difference: number;
  sweep: { from: number; to: number; points: SweepPoint[]; note: string };
  crossovers: Crossover[];
  verdict: string[];
  pricesAsOf: { aws: string; supabase: string };
  unconfirmedPrices: string[];
  assumptions: string[];
}
