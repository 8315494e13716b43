// A bounded run of the frames fuzzer (test/fuzz/frames.ts) inside make test: 20,000 frames of
// mutated captures; make fuzz runs the same code over 1 M+.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, summaryLine } from './fuzz/common';
import { fuzzFrames } from './fuzz/frames';

test('mutated captures: both pcap readers agree and nothing throws', async () => {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const log: string[] = [];
  const sum = await fuzzFrames(20_000, new Rng(seed), (s) => log.push(s));
  console.log(`  ${summaryLine('frames', sum, 'frames')} (FUZZ_SEED=${seed})`);
  assert.equal(log.slice(0, 5), [], `FUZZ_SEED=${seed}`);
  assert.is(sum.crashes + sum.hangs, 0);
});

test.run();
