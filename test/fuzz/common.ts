// What the fuzzers share: a seeded generator (FUZZ_SEED repeats a run), the summary they print
// (test/fuzz/run.sh's one-line convention) and a timer.
import { performance } from 'perf_hooks';

export class Rng {
  private s: number;
  constructor(readonly seed: number) { this.s = seed >>> 0 || 1; }
  /** xorshift32: fast, and the same sequence for the same seed. */
  next(): number {
    let x = this.s;
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    this.s = x;
    return x;
  }
  int(n: number): number { return n <= 0 ? 0 : this.next() % n; }
  pick<T>(a: readonly T[]): T { return a[this.int(a.length)]; }
  bytes(n: number): Uint8Array { const b = new Uint8Array(n); for (let i = 0; i < n; i++) b[i] = this.next() & 255; return b; }
}

export interface Summary {
  tried: number;       // files or cases
  units: number;       // frames or lines through them
  crashes: number;     // exceptions, disagreements, lost records
  hangs: number;
  slowestMs: number;
  slowest: string;
  peakRssMb: number;
}

export function newSummary(): Summary {
  return { tried: 0, units: 0, crashes: 0, hangs: 0, slowestMs: 0, slowest: '', peakRssMb: 0 };
}

export async function timed(f: () => Promise<void> | void): Promise<number> {
  const t = performance.now();
  await f();
  return performance.now() - t;
}

/** "<name>: N tried, C crashes, H hangs, slowest X ms (<what>), peak RSS M MB" (test/fuzz/run.sh),
 *  N counting frames or lines; the files or cases they came in go in the parentheses. */
export function summaryLine(name: string, s: Summary, unit: string): string {
  return `${name}: ${s.units} tried, ${s.crashes} crashes, ${s.hangs} hangs, ` +
    `slowest ${s.slowestMs.toFixed(1)} ms (${s.slowest}; ${s.tried} ${unit}), peak RSS ${s.peakRssMb.toFixed(0)} MB`;
}

/** FUZZ_SCALE (1 = make fuzz's long run) and FUZZ_SEED (random when unset, printed). */
export function fuzzEnv(): { scale: number; seed: number } {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  const seed = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : (Math.random() * 2 ** 32) >>> 0;
  return { scale: scale > 0 ? scale : 1, seed };
}
