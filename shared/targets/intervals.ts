// Sets of addresses as sorted, disjoint, non-adjacent inclusive intervals (BigInt ends), with
// the union and difference that include/exclude lists need.

export interface Interval { first: bigint; last: bigint }

/**
 * Sorts and merges overlapping or touching intervals. Inputs are never modified and are reused
 * where they do not merge, so a million-line -iL file is not copied interval by interval.
 */
export function normalize(list: Interval[]): Interval[] {
  const s = list.slice().sort((x, y) => (x.first < y.first ? -1 : x.first > y.first ? 1 : 0));
  const out: Interval[] = [];
  for (const iv of s) {
    const top = out[out.length - 1];
    if (top && iv.first <= top.last + 1n) {
      if (iv.last > top.last) out[out.length - 1] = { first: top.first, last: iv.last };
    } else {
      out.push(iv);
    }
  }
  return out;
}

/** a minus b; both normalized. Linear merge, so a 100,000-line exclude file costs nothing. */
export function subtract(a: Interval[], b: Interval[]): Interval[] {
  const out: Interval[] = [];
  let j = 0;
  for (const iv of a) {
    let first = iv.first;
    const last = iv.last;
    while (j < b.length && b[j].last < first) j++;
    if (j === b.length || b[j].first > last) { out.push(iv); continue; }  // untouched: reuse it
    let k = j;
    while (k < b.length && b[k].first <= last) {
      if (b[k].first > first) out.push({ first, last: b[k].first - 1n });
      first = b[k].last + 1n;
      if (first > last) break;
      k++;
    }
    if (first <= last) out.push({ first, last });
  }
  return out;
}

export function size(list: Interval[]): bigint {
  let n = 0n;
  for (const iv of list) n += iv.last - iv.first + 1n;
  return n;
}

/**
 * True when [first, last] lies wholly inside one interval of the normalized list (binary
 * search: the per-include checks must stay cheap against a 100,000-line exclude file). In a
 * normalized list that is the same as "covered by the list".
 */
export function within(list: Interval[], first: bigint, last: bigint): boolean {
  let lo = 0, hi = list.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid].last < first) lo = mid + 1;
    else if (list[mid].first > first) hi = mid - 1;
    else return last <= list[mid].last;
  }
  return false;
}
