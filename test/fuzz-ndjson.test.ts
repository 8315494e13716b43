// A bounded run of the NDJSON fuzzer (test/fuzz/ndjson.ts) inside make test: 400 lines of good
// and malformed records through fmt (every format), banners and blast --pcap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Rng, summaryLine } from './fuzz/common';
import { fuzzNdjson } from './fuzz/ndjson';

test('malformed NDJSON: no command throws, every good record comes through', async () => {
  const seed = (Math.random() * 2 ** 32) >>> 0;
  const log: string[] = [];
  const sum = await fuzzNdjson(400, new Rng(seed), (s) => log.push(s));
  console.log(`  ${summaryLine('ndjson', sum, 'lines')} (FUZZ_SEED=${seed})`);
  assert.equal(log.slice(0, 5), [], `FUZZ_SEED=${seed}`);
  assert.is(sum.crashes + sum.hangs, 0);
});

test.run();
