export { estimateAws } from './aws-estimate.ts';
export {
  INTERFACE_ENDPOINTS,
  networkResources,
  usageOfDeployment,
  type DeploymentSettings,
} from './deployment.ts';
export { estimateCost, type CostOptions } from './estimate.ts';
export { tieredCost, usd } from './line-items.ts';
export { renderCostMarkdown, type MarkdownOptions } from './markdown.ts';
export { PRESETS, PRESET_NAMES, resolveUsage } from './presets.ts';
export { AWS_REGIONS, awsPrices, supabasePrices, rdsClasses } from './prices.ts';
export { estimateSupabase, supabasePlanSummaries } from './supabase-estimate.ts';
export { renderCostSvg } from './svg-chart.ts';
export { findCrossovers, scaleUsage, sweep, SWEEP_NOTE, type SweepOptions } from './sweep.ts';
export type * from './types.ts';
export { costReport, type CostReport, type CostReportOptions } from './report.ts';
