// make fuzz: at least 1 M frames (x FUZZ_SCALE) of mutated captures through both pcap readers
// and the catch engine (test/fuzz/frames.ts). Disagreements between the readers count as crashes.
import { Rng, fuzzEnv, summaryLine } from './common';
import { fuzzFrames } from './frames';

const { scale, seed } = fuzzEnv();
console.log(`frames: FUZZ_SCALE=${scale} FUZZ_SEED=${seed}`);
fuzzFrames(Math.round(1_000_000 * scale), new Rng(seed), (s) => console.log(s)).then((sum) => {
  console.log(summaryLine('frames', sum, 'files'));
  process.exit(sum.crashes || sum.hangs ? 1 : 0);
});
