// make fuzz: random mutations of the real UDP answers (200,000 x FUZZ_SCALE) through the UDP
// parsers and enrichBanner with nmap's whole service-probes file (test/fuzz/udp.ts).
import * as fs from 'fs';
import { Rng, fuzzEnv, summaryLine } from './common';
import { LIMIT_MS, randomCases, runCases } from './udp';
import { ServiceProbes } from '../../shared/service-probes';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const { scale, seed } = fuzzEnv();
console.log(`udp: FUZZ_SCALE=${scale} FUZZ_SEED=${seed} (a case over ${LIMIT_MS} ms of CPU is a hang)`);
const probes = fs.existsSync(NMAP) ? ServiceProbes.fromFile(NMAP) : null;
probes?.prepareAll();
let shown = 0;
const sum = runCases(randomCases(Math.round(200_000 * scale), new Rng(seed)), probes, (s) => { if (shown++ < 5) console.log(s); });
console.log(summaryLine('udp', sum, 'answers mutated, captured and built'));
process.exit(sum.crashes || sum.hangs ? 1 : 0);
