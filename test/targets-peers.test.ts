// Range and port facts from masscan's and ZMap's own self-tests, as data: what their users type
// must mean the same here. Sources (facts only, not code): masscan src/massip-parse.c
// (massip_parse_selftest, selftest_massip_parse_range, rangefile_test_error), src/massip-rangesv4.c
// (ranges_selftest), src/massip-rangesv6.c (ranges6_selftest); ZMap test/test_zblocklist.py.
// Not carried over: masscan's range_first_cidr cases (trawl emits no CIDR lists) and its random
// exclude_selftest (test/targets.test.ts checks exclusions against a brute-force reference).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { Readable } from 'stream';
import { buildAddressSet } from '../shared/targets/build';
import { parseRangeArg, readRangeFile } from '../shared/targets/ranges';
import { parsePorts, portSet } from '../shared/targets/ports';
import { parseIPv4 } from '../shared/ipv4';
import { parseIPv6 } from '../shared/ipv6';
import { UsageError } from '../shared/exit';
import { lines, runInProcess } from './helpers';

/** An address as the BigInt a Range holds. */
const A = (s: string): bigint => BigInt(s.includes(':') ? parseIPv6(s) as bigint : parseIPv4(s) as number);
/** A range as [family, first, last] text, for readable expectations. */
type Want = [4 | 6, string, string];
const show = (r: { v6: boolean; first: bigint; last: bigint }) => [r.v6 ? 6 : 4, r.first, r.last];
const want = (w: Want) => [w[0], A(w[1]), A(w[2])];

/** Reads bytes as a range file (standard input, so the bytes are exactly these). */
const readBytes = (bytes: Buffer) => readRangeFile('-', Readable.from([bytes]));

// massip-parse.c test_cases: one entry as read from a file (comments and newlines included).
const PARSE_FILE: [string | Buffer, Want][] = [
  ['[1::1]/126', [6, '1::', '1::3']],
  ['1::1/126', [6, '1::', '1::3']],
  ['[1::1]-[2::3]', [6, '1::1', '2::3']],
  ['1::1-2::3', [6, '1::1', '2::3']],
  ['[1234:5678:9abc:def0:0fed:cba9:8765:4321]', [6, '1234:5678:9abc:def0:fed:cba9:8765:4321', '1234:5678:9abc:def0:fed:cba9:8765:4321']],
  ['22ab::1', [6, '22ab::1', '22ab::1']],
  ['240e:33c:2:c080:d08:d0e:b53:e74e', [6, '240e:33c:2:c080:d08:d0e:b53:e74e', '240e:33c:2:c080:d08:d0e:b53:e74e']],
  ['2a03:90c0:105::9', [6, '2a03:90c0:105::9', '2a03:90c0:105::9']],
  ['2a03:9060:0:400::2', [6, '2a03:9060:0:400::2', '2a03:9060:0:400::2']],
  ['2c0f:ff00:0:a:face:b00c:0:a7', [6, '2c0f:ff00:0:a:face:b00c:0:a7', '2c0f:ff00:0:a:face:b00c:0:a7']],
  ['2a01:5b40:0:4a01:0:e21d:789f:59b1', [6, '2a01:5b40:0:4a01:0:e21d:789f:59b1', '2a01:5b40:0:4a01:0:e21d:789f:59b1']],
  ['2001:1200:10::1', [6, '2001:1200:10::1', '2001:1200:10::1']],
  ['fec0:0:0:ffff::1', [6, 'fec0:0:0:ffff::1', 'fec0:0:0:ffff::1']],
  ['1234:5678:9abc:def0:0fed:cba9:8765:4321', [6, '1234:5678:9abc:def0:fed:cba9:8765:4321', '1234:5678:9abc:def0:fed:cba9:8765:4321']],
  ['[1111:2222:3333:4444:5555:6666:7777:8888]', [6, '1111:2222:3333:4444:5555:6666:7777:8888', '1111:2222:3333:4444:5555:6666:7777:8888']],
  ['1::1', [6, '1::1', '1::1']],
  ['1.2.3.4', [4, '1.2.3.4', '1.2.3.4']],
  // masscan's en dash: the byte 0x96 (Windows-1252) between the two ends.
  [Buffer.concat([Buffer.from('#test\n  97.86.162.161'), Buffer.from([0x96]), Buffer.from('97.86.162.175\n')]), [4, '97.86.162.161', '97.86.162.175']],
  ['1.2.3.4/24\n', [4, '1.2.3.0', '1.2.3.255']],
  [' 1.2.3.4-1.2.3.5\n', [4, '1.2.3.4', '1.2.3.5']],
];
for (const [input, w] of PARSE_FILE) {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  test(`masscan massip-parse: ${JSON.stringify(bytes.toString('latin1')).replace(/\x96/g, '\\x96')}`, async () => {
    assert.equal((await readBytes(bytes)).map(show), [want(w)]);
  });
}

// selftest_massip_parse_range: several ranges on one line (an argument or a file line).
const PARSE_LINE: [string, Want[]][] = [
  ['0.0.1.0/24,0.0.3.0-0.0.4.0', [[4, '0.0.1.0', '0.0.1.255'], [4, '0.0.3.0', '0.0.4.0']]],
  ['0.0.1.0-0.0.1.255,0.0.3.0-0.0.4.0', [[4, '0.0.1.0', '0.0.1.255'], [4, '0.0.3.0', '0.0.4.0']]],
  ['0.0.1.0/24 0.0.3.0-0.0.4.0', [[4, '0.0.1.0', '0.0.1.255'], [4, '0.0.3.0', '0.0.4.0']]],
];
for (const [line, ws] of PARSE_LINE) {
  test(`masscan parse_range line: ${line}`, async () => {
    assert.equal(parseRangeArg(line, 'range').map(show), ws.map(want));
    assert.equal((await readBytes(Buffer.from(line + '\n'))).map(show), ws.map(want));
  });
}

// rangefile_test_error: a bad address on line 2 stops the file, naming that line.
for (const bad of ['257.1.1.1', '1.257.1.1.1', '1.10.257.1.1.1', '1.10.255.256.1.1.1', '1.1.1.1.1']) {
  test(`masscan rangefile error: ${bad} on line 2`, async () => {
    let err: unknown;
    try { await readBytes(Buffer.from(`#bad ipv4\n ${bad}\n`)); } catch (e) { err = e; }
    assert.ok(err instanceof UsageError, String(err));
    assert.ok((err as Error).message.startsWith(`stdin:2: bad range '${bad}'`), (err as Error).message);
  });
}

// ranges_selftest (IPv4) and ranges6_selftest: one token each; null is "refused".
const PARSE_TOKEN: [string, Want | null][] = [
  ['0.0.0.0/0', [4, '0.0.0.0', '255.255.255.255']],
  ['0.0.0./0', null],
  ['75.748.86.91', null],
  ['23.75.345.200', null],
  ['192.1083.0.1', null],
  ['192.168.1.3', [4, '192.168.1.3', '192.168.1.3']],
  ['10.0.0.20-10.0.0.30', [4, '10.0.0.20', '10.0.0.30']],
  ['10.0.1.2/16', [4, '10.0.0.0', '10.0.255.255']],
  ['2001:0db8:85a3:0000:0000:8a2e:0370:7334', [6, '2001:db8:85a3::8a2e:370:7334', '2001:db8:85a3::8a2e:370:7334']],
];
for (const [tok, w] of PARSE_TOKEN) {
  test(`masscan ranges_selftest: ${tok} ${w ? 'parses' : 'is refused'}`, () => {
    if (w) assert.equal(parseRangeArg(tok, 'range').map(show), [want(w)]);
    else assert.throws(() => parseRangeArg(tok, 'range'), (e: Error) => e instanceof UsageError && e.message.startsWith(`range '${tok}'`));
  });
}

/** The IPv4 set of includes minus excludes (no reserved-range rule), as "first-last" text. */
const v4set = (inc: string[], exc: string[]) => buildAddressSet(inc.flatMap((r) => parseRangeArg(r, 'range')),
  exc.flatMap((r) => parseRangeArg(r, '--exclude')), false).v4.map((iv) => [iv.first, iv.last]);

test('masscan ranges_selftest: overlapping and adjacent ranges merge into one', () => {
  assert.equal(v4set(['10.0.0.0/24', '10.0.1.10-10.0.1.19', '10.0.1.20-10.0.1.30', '10.0.0.0-10.0.1.12'], []),
    [[A('10.0.0.0'), A('10.0.1.30')]]);
});

// ranges_selftest's removals from 10.0.0.0/8, each step adding exclusions to the previous ones.
const REMOVALS: [string[], number, [string, string] | null][] = [
  [['9.255.255.255', '11.0.0.0/16', '192.168.0.0/16'], 1, ['10.0.0.0', '10.255.255.255']],
  [['1.0.0.0-10.0.0.0', '10.255.255.255-11.0.0.0'], 1, ['10.0.0.1', '10.255.255.254']],
  [['10.10.0.0/16', '10.20.0.0/16'], 3, null],
  [['10.12.0.0/16'], 4, null],
  [['10.10.10.10-10.12.12.12'], 3, null],
];
REMOVALS.forEach(([, count, span], k) => {
  const exc = REMOVALS.slice(0, k + 1).flatMap((r) => r[0]);
  test(`masscan ranges_selftest removal step ${k + 1}: ${count} interval(s)`, () => {
    const got = v4set(['10.0.0.0/8'], exc);
    assert.is(got.length, count);
    if (span) assert.equal(got, [[A(span[0]), A(span[1])]]);
  });
});

test('masscan ranges_selftest: ports 80,1000-2000,1234,4444 are 80, 1000-2000 and 4444', () => {
  const p = parsePorts('80,1000-2000,1234,4444');
  assert.type(p, 'object');
  const want = [80, 4444];
  for (let x = 1000; x <= 2000; x++) want.push(x);
  assert.equal(portSet(p as number[], []), want.sort((a, b) => a - b));
});

// ZMap's zblocklist test: a blocklist with comments, an address list whose lines carry comments
// or ZMap's extra comma fields ("1.2.3.4,google.com,data": the first field is the address).
const BLOCKLIST = ['10.0.0.0/8         # private subnet', '192.168.0.0/16     # private subnet',
  '128.255.0.0/16     # university of iowa', '141.212.120.0/24   # halderman lab'];
const IPS = ['61.193.80.24', '195.19.1.6', '114.34.253.25', '180.69.174.9', '38.134.130.203', '192.168.1.50',
  '98.125.221.180', '197.160.60.150', '47.139.63.128', '95.224.78.221', '170.114.52.252', '10.0.0.5',
  '128.255.134.1', '141.212.120.10', '141.212.12.6'];
const IPS_MINUS_BL = IPS.filter((ip) => !['192.168.1.50', '10.0.0.5', '128.255.134.1', '141.212.120.10'].includes(ip));

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-peers-'));
process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => { const f = path.join(dir, name); fs.writeFileSync(f, text); return f; };
const blocklist = file('blocklist', BLOCKLIST.map((l) => l + '\n').join(''));
const E = 'trawl targets: ';
// trawl names each listed address the blocklist removes entirely (at most 10, then a count).
const EXCLUDED = IPS.filter((ip) => !IPS_MINUS_BL.includes(ip));
const excludedWarnings = (times = 1) => {
  const all = Array.from({ length: times }, () => EXCLUDED).flat().map((ip) => `${E}warning: ${ip} is entirely excluded\n`);
  return all.slice(0, 10).join('') + (all.length > 10 ? `${E}warning: ... and ${all.length - 10} more ranges entirely excluded\n` : '');
};

async function zmapCase(ipsFile: string, extra: string[] = []) {
  const r = await runInProcess('targets', ['-iL', ipsFile, '--exclude-file', blocklist, '-p', '80', '--seed', '1', ...extra]);
  return { ...r, ips: r.code === 0 ? lines(r.stdout).map((x) => x.ip) : [] };
}

test('zmap zblocklist: a blocklist with comments removes its networks from a list', async () => {
  const r = await zmapCase(file('ips', IPS.map((l) => l + '\n').join('')));
  assert.equal([r.stderr, r.code], [excludedWarnings(), 0]);
  assert.equal(new Set(r.ips), new Set(IPS_MINUS_BL));
  assert.is(r.ips.length, IPS_MINUS_BL.length);
});

test('zmap zblocklist: an allowlist minus the blocklist', async () => {
  const allow = file('allowlist', '141.212.0.0/16    # university of michigan\n');
  const r = await runInProcess('targets', ['-iL', allow, '--exclude-file', blocklist, '-p', '80', '--count']);
  assert.equal([r.stdout, r.stderr, r.code], [`${65536 - 256}\n`, '', 0]);
});

test('zmap zblocklist: a list given five times yields each address once', async () => {
  const r = await zmapCase(file('ips5', IPS.map((l) => l + '\n').join('').repeat(5)));
  assert.equal([r.stderr, r.code], [excludedWarnings(5), 0]);
  assert.is(r.ips.length, IPS_MINUS_BL.length);
  assert.equal(new Set(r.ips), new Set(IPS_MINUS_BL));
});

// The ZMap fields are not silently dropped: one warning says where they start and how often.
const COMMENTS: [string, boolean][] = [
  ['# some comment here', false], [' # some comment here', false], [',google.com,data', true], ['\t#some comment here', false],
];
COMMENTS.forEach(([comment, warns], k) => {
  test(`zmap zblocklist: list lines ending in ${JSON.stringify(comment)}`, async () => {
    const f = file(`ips-${k}`, IPS.map((l) => l + comment + '\n').join(''));
    const stderr = (warns ? `${E}warning: ${f}:1: ignored 'google.com,data' after the range (ZMap list fields), and on 14 more lines\n` : '') +
      excludedWarnings();
    const r = await zmapCase(f);
    assert.equal([r.stderr, r.code], [stderr, 0]);
    assert.equal(new Set(r.ips), new Set(IPS_MINUS_BL));
  });
});

test.run();
