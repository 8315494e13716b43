// Fuzzes shared/tls's client with hostile server streams: mutated records and lengths (in clear), and
// mutated TLS 1.3 handshake messages sealed with the right keys (what a hostile server can send).
// A crash is an exception out of push() or an "internal error"; a hang is one case over a second of CPU.
// Run: FUZZ_SCALE=1 node dist/test/fuzz/tls.fuzz.js (make fuzz); tls-client.test.ts runs a short one.
import { fromHex } from '../../shared/tls/bytes';
import { concat } from '../../shared/probes/types';
import { TlsClient } from '../../shared/tls/client';
import { RecordCipher } from '../../shared/tls/record';
import { secretsFromKeys, ClientSecrets } from '../../shared/tls/secrets';
import { SUITES } from '../../shared/tls/suites';
import { RFC8448 as V } from '../tls-vectors';

export interface Seed { name: string; secrets: ClientSecrets; hello: Uint8Array; stream: Uint8Array; request?: Uint8Array }
export interface FuzzStats { tried: number; crashes: string[]; hangs: number; slowestMs: number; slowest: string }

/** A small deterministic generator (xorshift32), so a failure can be replayed from its seed. */
export function rng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => { x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0; return x / 0x100000000; };
}

export function rfc8448Seed(): Seed {
  const secrets = secretsFromKeys(fromHex(V.clientPrivate), new Uint8Array(32).fill(7), fromHex(V.clientRandom), new Uint8Array(0));
  const stream = fromHex(V.serverHelloRecord + V.serverFlightRecord + V.newSessionTicketRecord + V.serverAppRecord + V.serverAlertRecord);
  return { name: 'rfc8448', secrets, hello: fromHex(V.clientHelloRecord), stream, request: fromHex(V.appData) };
}

function mutate(b: Uint8Array, r: () => number): Uint8Array {
  const out = Array.from(b);
  const n = 1 + Math.floor(r() * 4);
  for (let k = 0; k < n && out.length; k++) {
    const at = Math.floor(r() * out.length);
    switch (Math.floor(r() * 7)) {
      case 0: out[at] ^= 1 << Math.floor(r() * 8); break;
      case 1: out[at] = Math.floor(r() * 256); break;
      case 2: out.splice(at, 0, Math.floor(r() * 256)); break;
      case 3: out.splice(at, 1 + Math.floor(r() * 8)); break;
      case 4: out.length = at; break;
      case 5: out[at] = [0, 0xff, 0x7f, 0x80][Math.floor(r() * 4)]; break;
      case 6: { const len = Math.floor(r() * 64); out.splice(at, 0, ...out.slice(Math.max(0, at - len), at)); break; }  // repeat a run
    }
  }
  return Uint8Array.from(out);
}

/** The RFC 8448 flight with its plaintext mutated and sealed again with the server's handshake keys. */
function sealedMutant(r: () => number): Uint8Array {
  const plain = mutate(fromHex(V.serverFlight), r);
  const c = new RecordCipher(SUITES.get(0x1301)!, fromHex(V.serverHsKey), fromHex(V.serverHsIv), true);
  return concat([fromHex(V.serverHelloRecord), c.seal(22, plain)]);
}

/** Pushes the stream in random chunks; returns a crash description or undefined. */
function runOne(seed: Seed, stream: Uint8Array, r: () => number): string | undefined {
  try {
    const c = new TlsClient({ secrets: seed.secrets, hello: seed.hello, request: seed.request, limits: { maxMessage: 4096 + Math.floor(r() * 65536), maxAppData: Math.floor(r() * 64) } });
    for (let o = 0; o < stream.length;) {
      const n = 1 + Math.floor(r() * 700);
      c.push(stream.subarray(o, o + n));
      o += n;
    }
    const e = c.result.error;
    if (e && e.startsWith('internal error')) return e;
    if (c.result.appData.length > 64) return `appData over its limit (${c.result.appData.length})`;
    return undefined;
  } catch (e) {
    return `threw: ${(e as Error).stack}`;
  }
}

export function fuzzTls(seeds: Seed[], iterations: number, seed = 1): FuzzStats {
  const r = rng(seed);
  const stats: FuzzStats = { tried: 0, crashes: [], hangs: 0, slowestMs: 0, slowest: '' };
  for (let i = 0; i < iterations; i++) {
    const s = seeds[i % seeds.length];
    const sealed = s.name === 'rfc8448' && r() < 0.5;
    const stream = sealed ? sealedMutant(r) : mutate(s.stream, r);
    // CPU time, not wall time: on a shared machine a case can wait for the CPU longer than it runs.
    const t = process.cpuUsage();
    const crash = runOne(s, stream, r);
    const used = process.cpuUsage(t);
    const ms = (used.user + used.system) / 1000;
    stats.tried++;
    if (crash && stats.crashes.length < 10) stats.crashes.push(`${s.name}${sealed ? ' sealed' : ''} #${i}: ${crash}`);
    if (ms > 1000) stats.hangs++;
    if (ms > stats.slowestMs) { stats.slowestMs = ms; stats.slowest = `${s.name} #${i}`; }
  }
  return stats;
}

async function main(): Promise<void> {
  const { converse, fixture } = await import('../tls-node-server');
  const scale = Number(process.env.FUZZ_SCALE ?? 1);
  const seeds = [rfc8448Seed()];
  for (const [kind, v, ciphers] of [['ec', 'TLSv1.2', 'ECDHE-ECDSA-AES128-GCM-SHA256'], ['rsa', 'TLSv1.2', 'ECDHE-RSA-CHACHA20-POLY1305'], ['rsa', 'TLSv1.3', 'TLS_CHACHA20_POLY1305_SHA256']] as const) {
    const c = await converse({ ...fixture(kind), tls: { minVersion: v, maxVersion: v, ciphers } });
    seeds.push({ name: `${kind} ${v} ${ciphers}`, secrets: c.secrets, hello: c.hello, request: c.request, stream: concat([c.flight, c.response]) });
  }
  const s = fuzzTls(seeds, Math.max(1, Math.round(200000 * scale)), Number(process.env.FUZZ_SEED ?? 1));
  const rss = Math.round(process.resourceUsage().maxRSS / 1024);
  console.log(`tls: ${s.tried} tried, ${s.crashes.length} crashes, ${s.hangs} hangs, slowest ${s.slowestMs.toFixed(1)} ms (${s.slowest}), peak RSS ${rss} MB`);
  for (const c of s.crashes) console.log('  ' + c);
  if (s.crashes.length || s.hangs) process.exit(1);
}

if (require.main === module) main().catch((e) => { console.error(e); process.exit(1); });
