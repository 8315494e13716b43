// Property tests of the target generator's library: the permutation is a bijection, the stream
// covers the set exactly once, shards partition it, resume continues it, exclusions and the
// reserved-range rule match brute-force references.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Permutation } from '../shared/targets/permutation';
import { TargetSpace } from '../shared/targets/space';
import { buildAddressSet } from '../shared/targets/build';
import { parseRange, parseRangeText, Range } from '../shared/targets/ranges';
import { TargetStream } from '../shared/targets/generate';
import { parsePorts, portSet, topPorts } from '../shared/targets/ports';
import { parseIPv4, formatIPv4 } from '../shared/ipv4';
import { parseIPv6, formatIPv6 } from '../shared/ipv6';
import { firstIndex, shardCount } from '../shared/targets/plan';
import { writeIPv6 } from '../shared/targets/encode';
import { UsageError } from '../shared/exit';

const R = (t: string): Range => {
  const r = parseRange(t);
  if (typeof r === 'string') throw new Error(r);
  return r;
};

interface T { ip: string; port: number; i: number }

/** Everything a stream emits, parsed, until it is done. */
function drain(space: TargetSpace, seed: bigint, first = 0n, step = 1n, limit = Infinity, batch?: number): T[] {
  const s = new TargetStream(space, new Permutation(space.total, seed), { first, step, limit });
  const out: T[] = [];
  while (!s.done) {
    const text = s.chunk(batch).toString('latin1');
    for (const l of text.split('\n')) if (l) out.push(JSON.parse(l));
  }
  return out;
}

function space(includes: string[], ports: number[], excludes: string[] = [], reserved = true): TargetSpace {
  return new TargetSpace(buildAddressSet(includes.map(R), excludes.map(R), reserved), ports);
}

const v4 = (s: string) => parseIPv4(s) as number;
const key = (t: { ip: string; port: number }) => `${t.ip}:${t.port}`;

test('permutation is a bijection of [0, n) for every n up to 300 and some awkward sizes', () => {
  const sizes = [...Array.from({ length: 300 }, (_, k) => k + 1), 1021, 1024, 4095, 4097, 65521, 65537, 100003];
  for (const n of sizes) {
    for (const seed of [0n, 1n, 0xffffffffffffffffn]) {
      const p = new Permutation(BigInt(n), seed);
      const seen = new Uint8Array(n);
      for (let i = 0; i < n; i++) {
        const x = p.shuffle(i);
        assert.ok(Number.isInteger(x) && x >= 0 && x < n, `n=${n} seed=${seed}: ${i} -> ${x}`);
        assert.is(seen[x], 0, `n=${n} seed=${seed}: ${x} hit twice`);
        seen[x] = 1;
      }
    }
  }
});

test('the BigInt path computes the same permutation as the double path', () => {
  for (const n of [1, 2, 7, 1000, 65537, 2 ** 40 + 13]) {
    const p = new Permutation(BigInt(n), 99n);
    for (let i = 0; i < Math.min(n, 2000); i++) {
      const m = n > 2000 ? Math.floor((i * (n - 1)) / 1999) : i;
      assert.is(p.shuffleBig(BigInt(m)), BigInt(p.shuffle(m)), `n=${n} m=${m}`);
    }
  }
});

test('a permutation of more than 2^53 indices stays in range and hits no index twice in a sample', () => {
  for (const n of [(1n << 53n) + 1n, (1n << 61n) + 12345n, 1n << 63n]) {
    const p = new Permutation(n, 7n);
    const seen = new Set<bigint>();
    for (let k = 0n; k < 5000n; k++) {
      const x = p.shuffleBig(n - 1n - k * 1000003n);
      assert.ok(x >= 0n && x < n, `n=${n}: ${x}`);
      assert.not.ok(seen.has(x));
      seen.add(x);
    }
  }
  assert.throws(() => new Permutation((1n << 63n) + 1n, 1n));
});

test('exhaustive: a small mixed set with exclusions and several ports comes out exactly once', () => {
  const ports = portSet([...(parsePorts('22,80,443-445') as number[])], [444]);
  const sp = space(['198.18.0.0/26', '198.18.1.0-198.18.1.9', '198.18.0.60-198.18.0.70', '2001:db8::/124'], ports,
    ['198.18.0.8/29', '198.18.1.5', '2001:db8::3']);
  // Brute-force reference: enumerate and filter.
  const want = new Set<string>();
  const ex4 = (a: number) => (a >= v4('198.18.0.8') && a <= v4('198.18.0.15')) || a === v4('198.18.1.5');
  const add4 = (lo: string, hi: string) => {
    for (let a = v4(lo); a <= v4(hi); a++) if (!ex4(a)) for (const p of ports) want.add(`${formatIPv4(a)}:${p}`);
  };
  add4('198.18.0.0', '198.18.0.70');
  add4('198.18.1.0', '198.18.1.9');
  for (let k = 0n; k < 16n; k++) if (k !== 3n) for (const p of ports) want.add(`${formatIPv6((parseIPv6('2001:db8::') as bigint) + k)}:${p}`);
  assert.is(sp.total, BigInt(want.size));
  for (const seed of [1n, 2n, 3n]) {
    const got = drain(sp, seed, 0n, 1n, Infinity, 37);  // odd batches cross every boundary
    assert.is(got.length, want.size);
    assert.equal(got.map((t) => t.i), got.map((_, k) => k));
    assert.equal(new Set(got.map(key)), want);
  }
});

test('shards 1..n partition the order for n = 1..7', () => {
  const sp = space(['198.18.0.0/25', '2001:db8::/126'], [80, 443, 8080]);
  const full = drain(sp, 42n);
  for (let n = 1; n <= 7; n++) {
    const merged: T[] = [];
    for (let s = 1; s <= n; s++) {
      const part = drain(sp, 42n, firstIndex(0n, { index: BigInt(s), of: BigInt(n) }), BigInt(n));
      assert.is(BigInt(part.length), shardCount(sp.total, BigInt(s - 1), BigInt(n)));
      for (const t of part) assert.is(t.i % n, s - 1);
      merged.push(...part);
    }
    merged.sort((x, y) => x.i - y.i);
    assert.equal(merged, full, `n=${n}`);
  }
});

test('resume: the stream from K is the tail of the full stream, with and without shards', () => {
  const sp = space(['198.18.0.0/24'], [22, 80]);
  const full = drain(sp, 5n);
  const N = full.length;
  for (const K of [0, 1, 2, 255, 256, 257, 8191, 8192, N - 1, N]) {
    assert.equal(drain(sp, 5n, BigInt(K)), full.slice(K), `K=${K}`);
  }
  const shard = { index: 2n, of: 3n };
  for (const K of [0, 1, 2, 3, 100, N - 1]) {
    const want = full.filter((t) => t.i >= K && t.i % 3 === 1);
    assert.equal(drain(sp, 5n, firstIndex(BigInt(K), shard), 3n), want, `shard 2/3 K=${K}`);
  }
});

test('limit stops after N records and the next index is where a resumed run starts', () => {
  const sp = space(['198.18.0.0/24'], [80]);
  const s = new TargetStream(sp, new Permutation(sp.total, 1n), { first: 0n, step: 1n, limit: 10 });
  const text = s.chunk().toString();
  assert.is(text.split('\n').filter(Boolean).length, 10);
  assert.ok(s.done);
  assert.is(s.nextIndex, 10n);
});

test('same seed, same order; different seeds, different orders', () => {
  const sp = space(['198.18.0.0/22'], [80, 443]);
  const a = drain(sp, 11n).map(key), b = drain(sp, 11n).map(key), c = drain(sp, 12n).map(key);
  assert.equal(a, b);
  assert.not.equal(a, c);
  assert.equal(new Set(a), new Set(c));
  // Not merely rotated or reversed: most positions differ.
  assert.ok(a.filter((t, k) => t === c[k]).length < a.length / 100);
});

// A brute-force reference over a small universe: a boolean per address.
function reference(universe: [number, number], includes: Range[], excludes: Range[], reserved: Range[] | null): Set<number> {
  const [lo, hi] = universe;
  const inAny = (a: number, list: Range[]) => list.some((r) => BigInt(a) >= r.first && BigInt(a) <= r.last);
  const out = new Set<number>();
  for (const r of includes) {
    const named = reserved !== null && reserved.some((z) => z.first <= r.first && r.last <= z.last);
    for (let a = Math.max(lo, Number(r.first)); a <= Math.min(hi, Number(r.last)); a++) {
      if (reserved !== null && !named && inAny(a, reserved)) continue;
      if (inAny(a, excludes)) continue;
      out.add(a);
    }
  }
  return out;
}

function addressesOf(sp: TargetSpace): Set<number> {
  const out = new Set<number>();
  for (let k = 0; k < sp.v4Count; k++) out.add(sp.v4At(k));
  return out;
}

test('exclusions match a brute-force reference on random ranges', () => {
  let rnd = 12345;
  const next = (m: number) => { rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0; return rnd % m; };
  const base = parseIPv4('198.18.4.0') as number;
  const rangeAt = () => {
    const a = base + next(1024), len = next(80);
    const b = Math.min(a + len, base + 1023);
    return R(`${formatIPv4(a)}-${formatIPv4(b)}`);
  };
  for (let round = 0; round < 200; round++) {
    const inc = Array.from({ length: 1 + next(5) }, rangeAt);
    const exc = Array.from({ length: next(8) }, rangeAt);
    const want = reference([base, base + 1023], inc, exc, null);
    const set = buildAddressSet(inc, exc, false);
    const got = addressesOf(new TargetSpace(set, [80]));
    assert.equal([...got].sort(), [...want].sort(), `round ${round}`);
  }
});

test('the reserved-range rule matches a brute-force reference around reserved blocks', () => {
  // 191.255.255.0 .. 192.0.3.255 holds 192.0.0.0/24 and 192.0.2.0/24 with public space around.
  const lo = parseIPv4('191.255.255.0') as number, hi = parseIPv4('192.0.3.255') as number;
  const reserved = ['192.0.0.0/24', '192.0.2.0/24'].map(R);
  let rnd = 777;
  const next = (m: number) => { rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0; return rnd % m; };
  const rangeAt = () => {
    const a = lo + next(hi - lo + 1), len = next(600);
    return R(`${formatIPv4(a)}-${formatIPv4(Math.min(a + len, hi))}`);
  };
  for (let round = 0; round < 200; round++) {
    const inc = Array.from({ length: 1 + next(3) }, rangeAt);
    if (round % 5 === 0) inc.push(R('192.0.2.0/25'));   // named inside a reserved block: kept
    const exc = Array.from({ length: next(3) }, rangeAt);
    const want = reference([lo, hi], inc, exc, reserved);
    const got = addressesOf(new TargetSpace(buildAddressSet(inc, exc, true), [80]));
    assert.equal([...got].sort(), [...want].sort(), `round ${round}`);
  }
});

test('reserved ranges: counts of the issue, named ranges kept, warnings for fully removed includes', () => {
  assert.is(space(['0.0.0.0/0'], [443]).total, 3702258432n);
  assert.is(space(['0.0.0.0/0'], [443], [], false).total, 1n << 32n);
  assert.is(space(['198.18.0.0/16'], [80]).total, 65536n);
  assert.is(space(['10.0.0.0/8'], [80]).total, 1n << 24n);
  assert.is(space(['9.0.0.0-10.255.255.255'], [80]).total, 1n << 24n);
  const set = buildAddressSet([R('224.0.0.0/3'), R('198.18.0.0/24'), R('8.8.8.0/24')], [R('8.8.8.0/24')], true);
  assert.equal(set.warnings, [
    '224.0.0.0/3 lies entirely in reserved ranges and is skipped (--no-reserved keeps them)',
    '8.8.8.0/24 is entirely excluded',
  ]);
  // IPv6: a wide range loses fe80::/10 and the rest; fe80::/64 named is kept.
  assert.is(space(['fe80::/64'], [80]).total, 1n << 64n);
  assert.is(space(['fe00::/7'], [80]).total, (1n << 121n) - (1n << 118n) - (1n << 118n) - (1n << 120n));
});

test('the first 65,536 targets over 10.0.0.0/8 touch at least 40,000 /24s', () => {
  const sp = space(['10.0.0.0/8'], [80]);
  for (const seed of [1n, 2n, 0xdeadbeefn]) {
    const s = new TargetStream(sp, new Permutation(sp.total, seed), { first: 0n, step: 1n, limit: 65536 });
    const nets = new Set<string>();
    while (!s.done) {
      for (const l of s.chunk().toString().split('\n')) if (l) nets.add(JSON.parse(l).ip.split('.').slice(0, 3).join('.'));
    }
    assert.ok(nets.size >= 40000, `seed ${seed}: ${nets.size} /24s`);
  }
});

test('ports spread too: the first targets over many ports do not repeat one port', () => {
  const sp = space(['198.18.0.0/24'], Array.from({ length: 100 }, (_, k) => 1000 + k));
  const first = drain(sp, 3n, 0n, 1n, 200);
  assert.ok(new Set(first.map((t) => t.port)).size > 70);
  assert.ok(new Set(first.map((t) => t.ip)).size > 130);
});

test('early targets are spread evenly over ports and subnets (chi-square), with no serial pattern', () => {
  // 198.18.0.0/20 x 16 ports: 16 /24s and 16 ports, 256 expected per bin in the first 4,096.
  const ports = Array.from({ length: 16 }, (_, k) => 8000 + k);
  const sp = space(['198.18.0.0/20'], ports);
  const chi = (counts: number[], expected: number) => counts.reduce((acc, c) => acc + (c - expected) ** 2 / expected, 0);
  for (const seed of [1n, 2n, 3n, 4n]) {
    const first = drain(sp, seed, 0n, 1n, 4096);
    const byPort = new Array(16).fill(0), byNet = new Array(16).fill(0);
    let sameNet = 0;
    first.forEach((t, k) => {
      byPort[t.port - 8000]++;
      const net = Number(t.ip.split('.')[2]);
      byNet[net]++;
      if (k > 0 && Number(first[k - 1].ip.split('.')[2]) === net) sameNet++;
    });
    // 15 degrees of freedom: P(chi2 > 37.7) = 0.001.
    assert.ok(chi(byPort, 256) < 37.7, `seed ${seed} ports ${byPort}`);
    assert.ok(chi(byNet, 256) < 37.7, `seed ${seed} nets ${byNet}`);
    assert.ok(sameNet > 150 && sameNet < 370, `seed ${seed}: ${sameNet} neighbours in one /24 (expected 256)`);
  }
});

test('IPv6 sets beyond 2^53 targets: exact indices on the BigInt path', () => {
  const sp = space(['fe80::/67'], [80]);
  assert.is(sp.total, 1n << 61n);
  const s = new TargetStream(sp, new Permutation(sp.total, 1n), { first: (1n << 61n) - 3n, step: 1n, limit: Infinity });
  assert.not.ok(s.fast);
  const lines = s.chunk().toString().split('\n').filter(Boolean);
  assert.is(lines.length, 3);
  assert.ok(lines[2].endsWith(`,"i":${(1n << 61n) - 1n}}`), lines[2]);
  for (const l of lines) {
    const t = JSON.parse(l);
    const i = BigInt(l.slice(l.lastIndexOf(':') + 1, -1));
    assert.equal(s.targetAt(i), { ip: t.ip, port: t.port, proto: 'tcp', i });
    const ip = t.ip as string;
    const v = parseIPv6(ip) as bigint;
    assert.ok(v >> 61n === (parseIPv6('fe80::') as bigint) >> 61n, ip);
  }
  assert.ok(s.done);
  assert.is(s.nextIndex, 1n << 61n);
});

test('address parsing: forms accepted and rejected', () => {
  assert.equal(R('198.18.0.7/24'), { v6: false, first: 3323068416n, last: 3323068671n, text: '198.18.0.7/24' });
  assert.is(R('::ffff:1.2.3.4').first, (0xffffn << 32n) | 0x01020304n);
  assert.is(formatIPv6(parseIPv6('2001:0db8:0:0:1:0:0:1') as bigint), '2001:db8::1:0:0:1');
  assert.is(formatIPv6(parseIPv6('::') as bigint), '::');
  assert.is(formatIPv6(parseIPv6('::ffff:c612:1') as bigint), '::ffff:198.18.0.1');
  assert.is(formatIPv6(parseIPv6('1:0:0:2:0:0:0:3') as bigint), '1:0:0:2::3');
  assert.is(formatIPv6(parseIPv6('1:0:0:2:0:0:3:4') as bigint), '1::2:0:0:3:4');
  assert.is(formatIPv6(parseIPv6('fe80::') as bigint), 'fe80::');
  assert.is(formatIPv6(parseIPv6('1:2:3:4:5:6:7::') as bigint), '1:2:3:4:5:6:7:0');
  for (const bad of ['1.2.3', '1.2.3.256', '1.2.3.4/33', '1.2.3.9-1.2.3.1', '1.2.3.4-::1', 'fe80::1%eth0', '1:2:3:4:5:6:7:8:9', '1::2::3', 'host.example', '::/129', '']) {
    assert.type(parseRange(bad), 'string', bad);
  }
});

test('writeIPv6 (words, no BigInt) prints what formatIPv6 prints', () => {
  let rnd = 99;
  const next = () => { rnd = (Math.imul(rnd, 1103515245) + 12345) >>> 0; return rnd; };
  const buf = Buffer.alloc(64);
  for (let round = 0; round < 20000; round++) {
    // Mostly-zero groups exercise every placement of the "::" run.
    const g = Array.from({ length: 8 }, () => (next() % 3 === 0 ? next() & 0xffff : 0));
    if (round % 100 === 0) g.splice(0, 6, 0, 0, 0, 0, 0, 0xffff);
    const w = [0, 1, 2, 3].map((j) => g[2 * j] * 65536 + g[2 * j + 1]);
    const v = w.reduce((acc, x) => (acc << 32n) | BigInt(x), 0n);
    const p = writeIPv6(buf, 0, w[0], w[1], w[2], w[3]);
    assert.is(buf.toString('latin1', 0, p), formatIPv6(v), g.join(','));
  }
});

test('IPv6 intervals crossing 32-bit word boundaries: the fast path adds with carries', () => {
  const sp = space(['2001:db8:0:1:ffff:ffff:ffff:fff0-2001:db8:0:2::f', '2001:db8:1::ffff:fffe-2001:db8:1::1:0:1', '198.18.0.0/30'], [80, 443]);
  const want = new Set<string>();
  const add = (lo: string, hi: string) => {
    for (let v = parseIPv6(lo) as bigint; v <= (parseIPv6(hi) as bigint); v++) for (const p of [80, 443]) want.add(`${formatIPv6(v)}:${p}`);
  };
  add('2001:db8:0:1:ffff:ffff:ffff:fff0', '2001:db8:0:2::f');
  add('2001:db8:1::ffff:fffe', '2001:db8:1::1:0:1');
  for (let a = 0; a < 4; a++) for (const p of [80, 443]) want.add(`198.18.0.${a}:${p}`);
  const got = drain(sp, 4n);
  assert.is(got.length, want.size);
  assert.equal(new Set(got.map(key)), want);
  const s = new TargetStream(sp, new Permutation(sp.total, 4n), { first: 0n, step: 1n, limit: Infinity });
  for (const t of got) assert.equal(s.targetAt(BigInt(t.i)), { ip: t.ip, port: t.port, proto: 'tcp', i: BigInt(t.i) });
});

test('range files: comments, blanks, commas; a bad entry names FILE:LINE and the token', () => {
  const rs = parseRangeText('# list\n198.18.0.0/24  # a comment\n\n198.18.1.1, 198.18.1.2\n2001:db8::1\r\n\t198.18.2.0-198.18.2.9\r\n', 'f.txt');
  assert.equal(rs.map((r) => r.text), ['198.18.0.0/24', '198.18.1.1', '198.18.1.2', '2001:db8::1', '198.18.2.0-198.18.2.9']);
  assert.throws(() => parseRangeText('198.18.0.0/24\n\n10.1.2\n', 'f.txt'),
    (e: Error) => e instanceof UsageError && e.message === "f.txt:3: bad range '10.1.2': '10.1.2' is not a dotted-quad IPv4 address");
});

test('ports: lists, ranges, exclusions, top ports', () => {
  assert.equal(parsePorts('80,443,8000-8002'), [80, 443, 8000, 8001, 8002]);
  assert.type(parsePorts('80,65536'), 'string');
  assert.type(parsePorts('90-80'), 'string');
  assert.type(parsePorts('80,,443'), 'string');
  assert.equal(portSet([443, 80, 80, 22], [22]), [80, 443]);
  assert.equal(topPorts(10), [80, 23, 443, 21, 22, 25, 3389, 110, 445, 139]);
  assert.is(new Set(topPorts(1000)).size, 1000);
});

test.run();
