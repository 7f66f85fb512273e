/**
 * AWS region codes, to catch typos in `--region`, AWS_REGION and the config. The commercial regions are
 * those of the RDS CA bundle shipped in packages/runtime/certs/rds (one CA per region, 2025-07), plus GovCloud and China.
 * A well-formed code that only differs from a known one by its number is accepted (a newer region).
 */
const KNOWN_REGIONS: readonly string[] = [
  'af-south-1',
  'ap-east-1',
  'ap-northeast-1',
  'ap-northeast-2',
  'ap-northeast-3',
  'ap-south-1',
  'ap-south-2',
  'ap-southeast-1',
  'ap-southeast-2',
  'ap-southeast-3',
  'ap-southeast-4',
  'ap-southeast-5',
  'ap-southeast-7',
  'ca-central-1',
  'ca-west-1',
  'cn-north-1',
  'cn-northwest-1',
  'eu-central-1',
  'eu-central-2',
  'eu-north-1',
  'eu-south-1',
  'eu-south-2',
  'eu-west-1',
  'eu-west-2',
  'eu-west-3',
  'il-central-1',
  'me-central-1',
  'me-south-1',
  'mx-central-1',
  'sa-east-1',
  'us-east-1',
  'us-east-2',
  'us-gov-east-1',
  'us-gov-west-1',
  'us-west-1',
  'us-west-2',
];

/** `<area>[-gov]-<direction>-<number>`. */
export const REGION_PATTERN = /^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d{1,2}$/;

export function isKnownRegion(region: string): boolean {
  return KNOWN_REGIONS.includes(region);
}

function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let diagonal = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const above = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, diagonal + (a[i - 1] === b[j - 1] ? 0 : 1));
      diagonal = above;
    }
  }
  return row[b.length]!;
}

const stem = (region: string) => region.replace(/-\d+$/, '');

/**
 * The known region a typo was probably meant to be (edit distance ≤ 3), or undefined when the name is
 * known, far from every known one, or a known stem with a new number.
 */
export function closestRegion(region: string): string | undefined {
  if (isKnownRegion(region)) return undefined;
  const lower = region.toLowerCase();
  if (lower !== region && isKnownRegion(lower)) return lower;
  if (REGION_PATTERN.test(lower) && KNOWN_REGIONS.some((r) => stem(r) === stem(lower))) return undefined;
  let best: { region: string; d: number } | undefined;
  for (const known of KNOWN_REGIONS) {
    const d = distance(lower, known);
    if (!best || d < best.d) best = { region: known, d };
  }
  return best && best.d <= 3 ? best.region : undefined;
}
