// make fuzz: malformed NDJSON mixed with good records (20,000 lines x FUZZ_SCALE) through fmt in
// every format, banners and blast --pcap (test/fuzz/ndjson.ts). A lost good record is a crash.
import { Rng, fuzzEnv, summaryLine } from './common';
import { fuzzNdjson } from './ndjson';

const { scale, seed } = fuzzEnv();
console.log(`ndjson: FUZZ_SCALE=${scale} FUZZ_SEED=${seed}`);
fuzzNdjson(Math.round(20_000 * scale), new Rng(seed), (s) => console.log(s)).then((sum) => {
  console.log(summaryLine('ndjson', sum, 'cases'));
  process.exit(sum.crashes || sum.hangs ? 1 : 0);
});
