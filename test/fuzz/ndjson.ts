// The NDJSON fuzzer: good records mixed with malformed lines through every command that reads
// NDJSON (fmt in every format, banners, blast --pcap), run in-process. No command may throw or
// exit with anything but 0 or 3, and every good record must come through. Shared by
// test/fuzz/ndjson.fuzz.ts (make fuzz) and test/fuzz-bounded.test.ts (make test).
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { PassThrough, Readable } from 'stream';
import { Rng, Summary, newSummary, timed } from './common';
import { FORMATS } from '../../shared/formats/registry';
import { readPcapFile } from '../packets';
import { nativeBuilt } from '../pcap-files';
import { sinkRows } from '../helpers';

const HANG_MS = 5000;
const CMDS = path.join(__dirname, '..', '..', 'cmds');

async function run(name: string, argv: string[], stdin: Buffer): Promise<{ code: number; stdout: string; stderr: string }> {
  const mod = require(path.join(CMDS, name));
  const out = new PassThrough(), err = new PassThrough();
  const o: Buffer[] = [], e: Buffer[] = [];
  out.on('data', (c) => o.push(Buffer.from(c)));
  err.on('data', (c) => e.push(Buffer.from(c)));
  const code = await mod.run(argv, { stdin: Readable.from([stdin]), stdout: out, stderr: err });
  return { code, stdout: Buffer.concat(o).toString(), stderr: Buffer.concat(e).toString() };
}

// Hostile values for known and unknown keys.
const VALUES = [
  '-1', '1e308', '-0', '1.5', '9007199254740993', '""', '"\\u0000"', '"\\ud83d"', '"\\u001b[2J"', 'null', 'true', '[]', '{}',
  '"' + 'A'.repeat(5000) + '"', '"%%%not base64"', '"__proto__"', '"constructor"', '"toString"', '{"__proto__":{"x":1}}', '[[[[[[[[[[[[]]]]]]]]]]]]',
];
const KEYS = ['type', 'ip', 'port', 'sport', 'time_us', 'data', 'len', 'probe', 'service', '__proto__', 'constructor', 'i', 'ttl', 'flags'];

/** One malformed (or odd but valid) line derived from a good one. */
function hostile(rng: Rng, good: string): Buffer {
  const k = rng.int(12);
  if (k === 0) return Buffer.from(good.slice(0, rng.int(good.length)));                       // cut
  if (k === 1) { const b = Buffer.from(good); b[rng.int(b.length)] = rng.int(256); return b; } // a byte
  const d = rng.int(6000);                                                                     // deep, valid JSON
  if (k === 2) return Buffer.from(`{"type":"${rng.pick(['open', 'banner', 'x'])}","x":${'['.repeat(d)}${']'.repeat(d)}}`);
  if (k === 3) return Buffer.from(`${good.slice(0, -1)},"x":${'{"a":'.repeat(d)}1${'}'.repeat(d)}}`);
  if (k === 4) return Buffer.concat([Buffer.from(good), Buffer.from([0]), Buffer.from('TRUNCATED')]);
  if (k === 5) return Buffer.from(rng.bytes(rng.int(200)).map((c) => (c === 10 ? 32 : c)));   // noise
  if (k === 6) return Buffer.from(good.replace(/"[a-z_]+":/, `"${rng.pick(KEYS)}":`));          // a key renamed
  if (k === 7) return Buffer.from(good.replace(/:("[^"]*"|-?\d+)/, `:${rng.pick(VALUES)}`));    // a value replaced
  if (k === 8) return Buffer.from(good.slice(0, -1) + `,"${rng.pick(KEYS)}":${rng.pick(VALUES)}}`);
  if (k === 9) return Buffer.from('\x1b]0;title\x07' + good);
  if (k === 10) return Buffer.from(good + good);
  return Buffer.from(' \t\r');
}

function goodRecords(rng: Rng, n: number, mark: number): { line: string; ip: string }[] {
  const out: { line: string; ip: string }[] = [];
  for (let i = 0; i < n; i++) {
    const ip = `198.18.${(mark + i) >> 8 & 255}.${(mark + i) & 255}`;
    const t = 1_700_000_000_000_000 + (mark + i) * 1000;
    const k = rng.int(3);
    const rec = k === 0 ? { type: 'open', ip, port: 80, sport: 40000, ttl: 60, window: 1024, ipid: 1, options: 'mss', time_us: t }
      : k === 1 ? { type: 'closed', ip, port: 81, sport: 40001, ttl: 60, window: 0, ipid: 1, time_us: t }
        : { type: 'banner', ip, port: 22, sport: 40002, ttl: 60, probe: 'null', flags: 'PA', time_us: t, len: 32, data: Buffer.from('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n').toString('base64') };
    out.push({ line: JSON.stringify(rec), ip });
  }
  return out;
}

// The good records each format shows (certs shows certificates only, hosts open hosts).
const ANY = /./;
const SHOWN: Record<string, RegExp> = {
  ndjson: ANY, csv: ANY, list: ANY, json: ANY, xml: ANY, grepable: ANY, hosts: /"type":"(open|banner)"/, sqlite: ANY,
};

/** Runs cases until at least minRecords lines went through every command. */
export async function fuzzNdjson(minRecords: number, rng: Rng, log: (s: string) => void): Promise<Summary> {
  const sum = newSummary();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-fuzz-ndjson-'));
  const keyFile = path.join(dir, 'k');
  fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
  const pcap = path.join(dir, 'out.pcap');
  const withBlast = nativeBuilt();
  try {
    for (let mark = 0; sum.units < minRecords; mark += 1000) {
      const good = goodRecords(rng, 1 + rng.int(20), mark % 60000);
      const lines: Buffer[] = [];
      const targets: string[] = [];
      for (const g of good) {
        for (let h = rng.int(3); h > 0; h--) lines.push(hostile(rng, g.line));
        lines.push(Buffer.from(g.line));
      }
      if (rng.int(2)) lines.push(hostile(rng, good[0].line));
      const input = Buffer.concat(lines.flatMap((l) => [l, Buffer.from('\n')]));
      const tlines: Buffer[] = [];
      for (const g of good) {
        const t = JSON.stringify({ type: 'target', ip: g.ip, port: 80, i: targets.length });
        targets.push(g.ip);
        for (let h = rng.int(3); h > 0; h--) tlines.push(hostile(rng, t));
        tlines.push(Buffer.from(t));
      }
      const tinput = Buffer.concat(tlines.flatMap((l) => [l, Buffer.from('\n')]));
      sum.tried++;
      sum.units += lines.length;
      // The input of a failing case is kept, like the frames fuzzer's pcaps, to replay by hand.
      const keep = () => {
        const file = path.join(os.tmpdir(), `trawl-fuzz-ndjson-${sum.crashes}.ndjson`);
        fs.writeFileSync(file, input);
        return `\n  input kept in ${file}`;
      };
      const check = async (what: string, f: () => Promise<string | null>) => {
        let ms = 0;
        try {
          ms = await timed(async () => { const bad = await f(); if (bad) { sum.crashes++; log(`LOST ${what}: ${bad}${keep()}`); } });
        } catch (e) { sum.crashes++; log(`CRASH ${what}: ${(e as Error).stack}${keep()}`); }
        if (ms > sum.slowestMs) { sum.slowestMs = ms; sum.slowest = `${what}, ${input.length} bytes`; }
        if (ms > HANG_MS) { sum.hangs++; log(`HANG ${what}: ${ms.toFixed(0)} ms`); }
      };
      const codeOk = (r: { code: number; stderr: string }) => (r.code === 0 || r.code === 3 ? null : `exit ${r.code}: ${r.stderr.slice(0, 300)}`);
      for (const f of FORMATS) {
        await check(`fmt -o ${f.name}`, async () => {
          // A sink format writes a file of its own, read back row by row.
          const file = f.sink ? path.join(dir, `out.${f.name}`) : null;
          if (file) fs.rmSync(file, { force: true });
          const r = await run('fmt', ['-o', file ? `${f.name}:${file}` : f.name, '-q'], input);
          if (file && fs.existsSync(file)) r.stdout = sinkRows(file);
          const shown = good.filter((g) => SHOWN[f.name]?.test(g.line));
          const missing = shown.filter((g) => !r.stdout.includes(g.ip)).map((g) => g.ip);
          return codeOk(r) ?? (missing.length ? `${missing.length} good records missing (${missing[0]})` : null);
        });
      }
      await check('banners', async () => {
        const r = await run('banners', ['-q'], input);
        const missing = good.filter((g) => !r.stdout.includes(`"ip":"${g.ip}"`));
        return codeOk(r) ?? (missing.length ? `${missing.length} good records missing (${missing[0].ip})` : null);
      });
      if (withBlast) {
        await check('blast --pcap', async () => {
          const r = await run('blast', ['--key-file', keyFile, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:0b',
            '--rate', 'max', '-q', '--pcap', pcap], tinput);
          const sent = new Set(readPcapFile(pcap).map((x) => x.data.subarray(30, 34).join('.')));
          const missing = targets.filter((ip) => !sent.has(ip));
          return codeOk(r) ?? (missing.length ? `${missing.length} good targets not sent (${missing[0]})` : null);
        });
      }
      sum.peakRssMb = Math.max(sum.peakRssMb, process.memoryUsage().rss / 1048576);
    }
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
  return sum;
}
