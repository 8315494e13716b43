// Fuzzes banners with nmap's whole service-probes file: mutated fixtures and hostile banners, timing each one.
//
// Run by `make fuzz` (FUZZ_SCALE=1: 100,000 banners) and briefly by test/banners-fuzz.test.ts.
// Each banner goes through enrichBanner, the per-record work of `trawl banners --service-probes`.
// Times are CPU time of this process (the machine is shared: wall time would measure the other
// tenants); a banner over the limit is timed twice more and only the fastest of the three counts,
// so a garbage collection or a preemption is not taken for a hang. Prints one summary line:
//   banners: N tried, C crashes, H hangs, slowest X ms (<probe>, <bytes>, <what>), peak RSS M MB
import * as fs from 'fs';
import * as path from 'path';
import { enrichBanner } from '../../shared/parsers/banner';
import { PROBE_MAP, ServiceProbes } from '../../shared/service-probes';
import { parseProbesFile } from '../../shared/service-probes/file';
import type { AnyRecord } from '../../shared/records';

export const NMAP = '/usr/share/nmap/nmap-service-probes';
const FIXTURES = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'banners');
/** Per-banner limit (ms of CPU): the target for every banner of a hostile corpus. */
export const LIMIT_MS = 20;

export interface FuzzResult {
  tried: number; crashes: number; hangs: number; slowestMs: number; slowest: string; peakRssMb: number;
  firstCrash: string | null; firstHang: string | null; gaveUp: number; setFailures: number;
}

/** xorshift32: reproducible from the seed. */
function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

function cpuMs(): number { const u = process.cpuUsage(); return (u.user + u.system) / 1000; }

export function fuzzBanners(count: number, seed = 1, probesFile = NMAP): FuzzResult {
  const rand = rng(seed);
  const int = (n: number) => Math.floor(rand() * n);
  const pick = <T>(a: readonly T[]): T => a[int(a.length)];
  const fixtures = fs.readdirSync(FIXTURES).filter((f) => f.endsWith('.bin')).map((f) => fs.readFileSync(path.join(FIXTURES, f)));
  const probes = ServiceProbes.fromFile(probesFile);
  probes.prepareAll();                     // compilation is once per run, not per banner: not timed
  // Literal starts of nmap's rules, so hostile banners get past the prefixes into the patterns.
  const heads = parseProbesFile(fs.readFileSync(probesFile, 'latin1')).flatMap((p) => p.rules)
    .map((r) => /^\^((?:[^\\[(.*+?{|$]|\\[^0-9a-zA-Z])*)/.exec(r.pattern)?.[1].replace(/\\(.)/g, '$1') ?? '').filter((h) => h.length > 2);
  const probeNames = [...PROBE_MAP.keys(), '__proto__', 'constructor', 'toString', 'nope'];
  const chars = ['a', '.', ' ', '\r\n', '<', '\0', '\xff', '1', '[', 'aa.', '\\', '/', 'x=', '\n'];

  const mutate = (b: Buffer): Buffer => {
    const a = Buffer.from(b);
    const n = 1 + int(8);
    for (let k = 0; k < n && a.length; k++) a[int(a.length)] = int(4) ? a[int(a.length)] ^ (1 << int(8)) : int(256);
    switch (int(5)) {
      case 0: return a.subarray(0, int(a.length + 1));
      case 1: { const at = int(a.length + 1); return Buffer.concat([a.subarray(0, at), pick(fixtures).subarray(int(64)), a.subarray(at)]).subarray(0, 8192); }
      case 2: { const at = int(a.length), len = 1 + int(16); const piece = a.subarray(at, at + len); return Buffer.concat([a.subarray(0, at), Buffer.alloc(Math.min(4096, piece.length * (1 + int(256))), piece.length ? piece : 'a'), a.subarray(at)]); }
      default: return a;
    }
  };
  const hostile = (): Buffer => {
    const rep = (s: string, n: number) => s.repeat(Math.max(1, Math.floor(n / s.length)));
    const n = pick([140, 500, 1000, 4096, 4096, 8192]);
    switch (int(7)) {
      case 0: return Buffer.from('Agent Ready v' + rep(pick(chars), int(n)), 'latin1');
      case 1: return Buffer.from(pick(heads) + rep(pick(chars), n), 'latin1');
      case 2: return Buffer.from(pick(heads) + rep(pick(chars) + pick(chars), n) + pick(heads), 'latin1');
      case 3: return Buffer.from('HTTP/1.' + int(2) + ' ' + pick(['200 OK', '404 Not Found', '401 Unauthorized']) + '\r\n' + rep(pick(['X: y\r\n', 'a', '<', 'Server: ', '\r\n']), n) + pick(['', '</head>', '\r\n\r\n']), 'latin1');
      case 4: return Buffer.from(Array.from({ length: int(n) }, () => int(256)));
      case 5: { let s = pick(heads); while (s.length < n) s += pick(heads) + rep(pick(chars), int(64)); return Buffer.from(s.slice(0, n), 'latin1'); }
      default: return Buffer.from(rep(pick(heads), n), 'latin1');
    }
  };

  const res: FuzzResult = { tried: 0, crashes: 0, hangs: 0, slowestMs: 0, slowest: 'none', peakRssMb: 0, firstCrash: null, firstHang: null, gaveUp: 0, setFailures: 0 };
  let slowestRec: { data: Buffer; probe: string } | null = null;
  const run = (rec: AnyRecord): number => { const t = cpuMs(); enrichBanner(rec, { probes }); return cpuMs() - t; };
  for (let i = 0; i < count; i++) {
    const data = int(2) ? mutate(pick(fixtures)) : hostile();
    const rec: AnyRecord = { type: 'banner', ip: '198.18.0.1', port: 1 + int(65535), probe: pick(probeNames), data: data.toString('base64'), len: data.length };
    const what = () => `probe ${rec.probe}, ${data.length} bytes, ${JSON.stringify(data.subarray(0, 24).toString('latin1'))}`;
    res.tried++;
    let ms: number;
    try {
      ms = run(rec);
      if (ms > LIMIT_MS) ms = Math.min(ms, run(rec), run(rec));
    } catch (e) {
      res.crashes++;
      res.firstCrash ??= `${what()}: ${(e as Error).stack}`;
      continue;
    }
    if (ms > res.slowestMs) { res.slowestMs = ms; res.slowest = what(); slowestRec = { data, probe: rec.probe as string }; }
    if (ms > LIMIT_MS) { res.hangs++; res.firstHang ??= `${ms.toFixed(1)} ms: ${what()}`; }
  }
  res.gaveUp = probes.stats.gaveUp;
  res.setFailures = probes.stats.setFailures;
  if (slowestRec) res.slowest += `, slowest rule on it ${slowestRule(probes, slowestRec.data, slowestRec.probe)}`;
  res.peakRssMb = Math.round(process.resourceUsage().maxRSS / 1024);
  return res;
}

/** Which rule of the banner's chain costs most on it, each run alone, fastest of 3 (even those its set pass rules out). */
function slowestRule(probes: ServiceProbes, data: Buffer, probe: string): string {
  let worst = { ms: -1, line: 0 };
  const lines = probes.chain(probe).flatMap((p) => p.def.rules.map((r) => r.line));
  for (const line of lines) probes.execRule(line, new Uint8Array(data));     // compiles each rule first
  for (const p of probes.chain(probe)) {
    for (const r of p.def.rules) {
      let ms = Infinity;
      for (let k = 0; k < 3; k++) { const t = cpuMs(); probes.execRule(r.line, new Uint8Array(data)); ms = Math.min(ms, cpuMs() - t); }
      if (ms > worst.ms) worst = { ms, line: r.line };
    }
  }
  return `line ${worst.line}, ${worst.ms.toFixed(1)} ms`;
}

export function summary(r: FuzzResult): string {
  return `banners: ${r.tried} tried, ${r.crashes} crashes, ${r.hangs} hangs, slowest ${r.slowestMs.toFixed(1)} ms (${r.slowest}), peak RSS ${r.peakRssMb} MB; ${r.gaveUp} rule matches given up on, ${r.setFailures} RE2 set passes redone rule by rule`;
}

if (require.main === module) {
  const scale = Number(process.env.FUZZ_SCALE ?? '1');
  const r = fuzzBanners(Math.max(1, Math.round(100_000 * scale)), Number(process.env.FUZZ_SEED ?? '1'));
  console.log(summary(r));
  if (r.firstCrash) console.log(`first crash: ${r.firstCrash}`);
  if (r.firstHang) console.log(`first hang: ${r.firstHang}`);
  process.exitCode = r.crashes || r.hangs ? 1 : 0;
}
