// Include ranges, exclude ranges and the reserved-range rule -> the address set to scan.
import { Interval, normalize, subtract, within } from './intervals';
import { Range } from './ranges';
import { reservedV4, reservedV6 } from './reserved';

export interface AddressSet { v4: Interval[]; v6: Interval[]; warnings: string[] }

/**
 * Each include loses the reserved ranges unless it lies wholly inside one of them (a range
 * named that precisely is meant: 198.18.0.0/16 is our test net); then all includes are merged
 * and the excludes removed. An include that ends up empty is reported, not fatal.
 */
export function buildAddressSet(includes: Range[], excludes: Range[], reserved: boolean): AddressSet {
  const ex4 = normalize(excludes.filter((r) => !r.v6));
  const ex6 = normalize(excludes.filter((r) => r.v6));
  const in4: Interval[] = [], in6: Interval[] = [];
  const warnings: string[] = [];
  for (const r of includes) {
    const res = r.v6 ? reservedV6 : reservedV4;
    let kept: Interval[] = [r];
    if (reserved && !within(res.each, r.first, r.last)) {
      kept = subtract(kept, res.merged);
      if (kept.length === 0) {
        warnings.push(`${r.text} lies entirely in reserved ranges and is skipped (--no-reserved keeps them)`);
        continue;
      }
    }
    const ex = r.v6 ? ex6 : ex4;
    if (kept.every((iv) => within(ex, iv.first, iv.last))) {
      warnings.push(`${r.text} is entirely excluded`);
      continue;
    }
    for (const iv of kept) (r.v6 ? in6 : in4).push(iv);
  }
  return { v4: subtract(normalize(in4), ex4), v6: subtract(normalize(in6), ex6), warnings };
}
