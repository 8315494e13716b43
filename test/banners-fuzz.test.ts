// A bounded run of test/fuzz/banners.fuzz.ts: mutated and hostile banners with nmap's whole file, none crashes or takes over 20 ms.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { LIMIT_MS, fuzzBanners, summary } from './fuzz/banners.fuzz';

test(`500 fuzzed banners through banners --service-probes: no crash, none over ${LIMIT_MS} ms of CPU`, () => {
  const seed = Date.now() % 100_000;
  const r = fuzzBanners(500, seed);
  assert.is(r.tried, 500);
  assert.is(r.firstCrash, null, `seed ${seed}: ${summary(r)}`);
  assert.is(r.firstHang, null, `seed ${seed}: ${summary(r)}`);
  assert.ok(r.slowestMs > 0);
});

test.run();
