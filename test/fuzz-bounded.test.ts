// Bounded runs of the fuzzers inside make test (a few seconds each); make fuzz runs the same
// code at full scale (test/fuzz/*.fuzz.ts). A failure prints the FUZZ_SEED that repeats it.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, Summary, summaryLine } from './fuzz/common';
import { fuzzFrames } from './fuzz/frames';
import { fuzzNdjson } from './fuzz/ndjson';

async function bounded(name: string, unit: string, run: (rng: Rng, log: (s: string) => void) => Promise<Summary>) {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const log: string[] = [];
  const sum = await run(new Rng(seed), (s) => log.push(s));
  console.log(`  ${summaryLine(name, sum, unit)} (FUZZ_SEED=${seed})`);
  assert.equal(log.slice(0, 5), [], `FUZZ_SEED=${seed}`);
  assert.is(sum.crashes + sum.hangs, 0);
}

test('frames: 20,000 frames of mutated captures; both pcap readers agree and nothing throws', () =>
  bounded('frames', 'files', (rng, log) => fuzzFrames(20_000, rng, log)));

test('ndjson: 400 lines of good and malformed records; no command throws, every good record comes through', () =>
  bounded('ndjson', 'cases', (rng, log) => fuzzNdjson(400, rng, log)));

test.run();
