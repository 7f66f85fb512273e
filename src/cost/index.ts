export { estimateAws, rdsAllocatedGb, apiEgressGb, albPublicIps, ALB_MIN_AZS } from './aws-estimate.ts';
export {
  INTERFACE_ENDPOINTS,
  networkResources,
  usageOfDeployment,
  type DeploymentSettings,
} from './deployment.ts';
export { estimateCost, type CostOptions } from './estimate.ts';
export { tieredCost, usd } from './line-items.ts';
export { renderCostMarkdown, type MarkdownOptions } from './markdown.ts';
export { PRESETS, PRESET_NAMES, resolveUsage, validateUsage } from './presets.ts';
export { AWS_REGIONS, awsPrices, supabasePrices, rdsClasses } from './prices.ts';
export { estimateSupabase, supabasePlanSummaries, effectiveCompute } from './supabase-estimate.ts';
export { renderCostSvg } from './svg-chart.ts';
export { findCrossovers, scaleUsage, sweep, pointAt, SWEEP_NOTE, type SweepOptions } from './sweep.ts';
export type * from './types.ts';
export { costReport, type CostReport, type CostReportOptions } from './report.ts';
