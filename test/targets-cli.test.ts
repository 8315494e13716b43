// trawl targets as a user runs it: stdout, stderr and exit code together, for good and bad input.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { lines, ROOT, runInProcess, sh, trawl } from './helpers';
import { parseIPv6 } from '../shared/ipv6';
import { formatIPv4 } from '../shared/ipv4';

const FIX = path.join(ROOT, 'test', 'fixtures', 'targets');
const fix = (f: string) => path.join(FIX, f);
const E = 'trawl targets: ';

test('a small set: every pair once, i from 0, exit 0, nothing on stderr with --seed', () => {
  const r = trawl(['targets', '198.18.0.0/30', '-p', '80,443', '--seed', '1']);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout);
  assert.is(recs.length, 8);
  assert.equal(recs.map((x) => x.i), [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(Object.keys(recs[0]), ['type', 'ip', 'port', 'i']);
  const pairs = new Set(recs.map((x) => `${x.type} ${x.ip}:${x.port}`));
  const want = new Set<string>();
  for (const a of [0, 1, 2, 3]) for (const p of [80, 443]) want.add(`target 198.18.0.${a}:${p}`);
  assert.equal(pairs, want);
});

test('without --seed a seed is printed, and repeating it repeats the order', () => {
  const r = trawl(['targets', '198.18.0.0/26', '-p', '22,80']);
  assert.is(r.code, 0);
  const m = /^trawl targets: seed (\d+) \(repeat this order with --seed \1\)\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const again = trawl(['targets', '198.18.0.0/26', '-p', '22,80', '--seed', m![1]]);
  assert.is(again.code, 0);
  assert.is(again.stderr, '');
  assert.is(again.stdout, r.stdout);
  assert.is(trawl(['targets', '198.18.0.0/26', '-p', '22,80', '-q']).stderr, '');
});

test('-p T:80,U:53,U:161-162,I:echo: every (proto, port) pair once; TCP records unchanged, UDP and ICMP carry proto', () => {
  const r = trawl(['targets', '198.18.0.0/31', '-p', 'T:80,U:53,U:161-162,I:echo', '--seed', '1']);
  assert.equal([r.stderr, r.code], ['', 0]);
  const recs = lines(r.stdout);
  const got = new Set(recs.map((x) => `${x.ip} ${x.proto ?? 'tcp'} ${x.port ?? '-'}`));
  const want = new Set<string>();
  for (const a of ['198.18.0.0', '198.18.0.1']) for (const t of ['tcp 80', 'udp 53', 'udp 161', 'udp 162', 'icmp -']) want.add(`${a} ${t}`);
  assert.equal(got, want);
  assert.equal(recs.length, 10);
  for (const x of recs) if (x.port === 80) assert.not.ok('proto' in x);
  const line = r.stdout.split('\n').find((l) => l.includes('"udp"'))!;
  assert.match(line, /^\{"type":"target","ip":"198\.18\.0\.[01]","port":(53|161|162),"proto":"udp","i":\d+\}$/);
  assert.match(r.stdout, /\{"type":"target","ip":"198\.18\.0\.[01]","proto":"icmp","i":\d+\}/);
});

test('--arp (--arpscan): one arp target per address, no port, beside the ping and the ports; IPv6 too', () => {
  for (const flag of ['--arp', '--arpscan']) {
    const r = trawl(['targets', '10.250.0.8/30', 'fd00:250::8/127', flag, '--ping', '-p', '80', '--seed', '1']);
    assert.equal([r.stderr, r.code], ['', 0]);
    const recs = lines(r.stdout);
    const arp = recs.filter((x) => x.proto === 'arp');
    assert.equal(arp.map((x) => x.ip).sort(), ['10.250.0.10', '10.250.0.11', '10.250.0.8', '10.250.0.9', 'fd00:250::8', 'fd00:250::9']);
    for (const x of arp) assert.equal(Object.keys(x), ['type', 'ip', 'proto', 'i']);
    assert.is(recs.length, 18);
  }
  const only = trawl(['targets', '10.250.0.9', '--arp', '--seed', '1']);
  assert.is(only.stdout, '{"type":"target","ip":"10.250.0.9","proto":"arp","i":0}\n');
});

test('--top-ports 3 --udp and -p U:top-3 name nmap\'s three most frequent UDP ports (631, 161, 137)', () => {
  for (const args of [['--top-ports', '3', '--udp'], ['-p', 'U:top-3']]) {
    const r = trawl(['targets', '198.18.0.1', ...args, '--seed', '1']);
    assert.equal(r.code, 0);
    assert.equal(new Set(lines(r.stdout).map((x) => `${x.proto}/${x.port}`)), new Set(['udp/631', 'udp/161', 'udp/137']));
  }
});

test('0.0.0.0/0 -p 443 --count prints 3702258432', () => {
  const r = trawl(['targets', '0.0.0.0/0', '-p', '443', '--count']);
  assert.equal([r.stdout, r.stderr, r.code], ['3702258432\n', '', 0]);
  const all = trawl(['targets', '0.0.0.0/0', '-p', '443', '--count', '--no-reserved']);
  assert.equal([all.stdout, all.stderr, all.code], ['4294967296\n', '', 0]);
});

test('--count follows shard, resume index and limit', async () => {
  const c = async (...a: string[]) => (await runInProcess('targets', ['198.18.0.0/24', '-p', '80', '--count', ...a])).stdout;
  assert.is(await c(), '256\n');
  assert.is(await c('--shard', '3/7', '--seed', '1'), '37\n');      // i = 2, 9, ..., 254
  assert.is(await c('--resume-index', '250'), '6\n');
  assert.is(await c('--limit', '10'), '10\n');
});

test('fe80::/67 -p 80: a set beyond 2^53 is counted exactly and can be generated from any index', () => {
  const r = trawl(['targets', 'fe80::/67', '-p', '80', '--count']);
  assert.equal([r.stdout, r.stderr, r.code], ['2305843009213693952\n', '', 0]);
  const g = trawl(['targets', 'fe80::/67', '-p', '80', '--seed', '9', '--limit', '4', '--resume-index', '2305843009213693950']);
  assert.is(g.stderr, '');
  assert.is(g.code, 0);
  const out = g.stdout.trim().split('\n');
  assert.is(out.length, 2);   // the last two indices of the order
  assert.match(out[0], /^\{"type":"target","ip":"fe80::[0-9a-f:]+","port":80,"i":2305843009213693950\}$/);
  assert.match(out[1], /,"i":2305843009213693951\}$/);
  const h = trawl(['targets', 'fe80::/67', '-p', '80', '--seed', '9', '--limit', '1000']);
  assert.is(h.code, 0);
  const recs = lines(h.stdout);
  assert.is(recs.length, 1000);
  assert.is(new Set(recs.map((x) => x.ip)).size, 1000);
  const base = parseIPv6('fe80::') as bigint;
  for (const x of recs) {
    const v = parseIPv6(x.ip) as bigint;
    assert.ok(v >= base && v - base < 1n << 61n, x.ip);
  }
});

test('-iL with comments and blanks, --exclude-file in ZMap blocklist format, --exclude, --exclude-ports', () => {
  const r = trawl(['targets', '-iL', fix('hosts.txt'), '-p', '80,81', '--exclude-ports', '81',
    '--exclude-file', fix('blocklist.conf'), '--exclude', '198.18.1.2', '--seed', '3']);
  assert.is(r.stderr, `${E}warning: 198.18.1.2 is entirely excluded\n`);
  assert.is(r.code, 0);
  assert.equal(new Set(lines(r.stdout).map((x) => `${x.ip}:${x.port}`)),
    new Set(['198.18.0.2:80', '198.18.1.1:80', '2001:db8::1:80']));
});

test('-iL - reads standard input; a bad line there is stdin:LINE', async () => {
  const r = await runInProcess('targets', ['-iL', '-', '-p', '80', '--seed', '1'], '198.18.0.1\n# c\n\n2001:db8::5\n');
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.equal(new Set(lines(r.stdout).map((x) => x.ip)), new Set(['198.18.0.1', '2001:db8::5']));
  const b = await runInProcess('targets', ['-iL', '-', '-p', '80'], '198.18.0.1\n198.18.0.1/40\n');
  assert.equal([b.stdout, b.stderr, b.code], ['', `${E}stdin:2: bad range '198.18.0.1/40': bad prefix length '/40' (0-32)\n`, 2]);
});

test('a 200,000-line -iL file and a 50,000-line exclude file: no stack overflow, exact count', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-targets-'));
  try {
    const ip = formatIPv4;
    const base = 0x08000000;
    fs.writeFileSync(path.join(dir, 'in.txt'), Array.from({ length: 200000 }, (_, k) => ip(base + 3 * k)).join('\n'));
    // Every fourth listed address excluded, as single addresses and as ranges.
    fs.writeFileSync(path.join(dir, 'ex.txt'), Array.from({ length: 50000 }, (_, k) =>
      (k % 2 ? ip(base + 12 * k) : `${ip(base + 12 * k)}-${ip(base + 12 * k + 1)}`)).join('\n'));
    const r = trawl(['targets', '-iL', path.join(dir, 'in.txt'), '--exclude-file', path.join(dir, 'ex.txt'), '-p', '80,443', '--count']);
    const warnings = r.stderr.split('\n');
    assert.equal([r.stdout, r.code, warnings.length], [`${2 * 150000}\n`, 0, 12]);
    assert.is(warnings[0], `${E}warning: 8.0.0.0 is entirely excluded`);
    assert.is(warnings[10], `${E}warning: ... and 49990 more ranges entirely excluded`);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--top-ports: nmap frequency order, merged with -p', () => {
  const r = trawl(['targets', '198.18.0.1', '--top-ports', '3', '-p', '8080', '--seed', '1']);
  assert.is(r.code, 0);
  assert.equal(new Set(lines(r.stdout).map((x) => x.port)), new Set([80, 23, 443, 8080]));
  const c = trawl(['targets', '198.18.0.1', '--top-ports', '1000', '--count']);
  assert.equal([c.stdout, c.code], ['1000\n', 0]);
  const bad = trawl(['targets', '198.18.0.1', '--top-ports', '1001']);
  assert.equal([bad.stdout, bad.stderr, bad.code], ['', `${E}option --top-ports: '1001' is not a whole number from 1 to 1000\n`, 2]);
});

test('a range named inside a reserved block is scanned; a wider one loses the block; warnings', () => {
  const named = trawl(['targets', '198.18.0.0/16', '-p', '80', '--count']);
  assert.equal([named.stdout, named.stderr, named.code], ['65536\n', '', 0]);
  const wide = trawl(['targets', '198.16.0.0/13', '-p', '80', '--count']);
  assert.equal([wide.stdout, wide.code], [`${(1 << 19) - (1 << 17)}\n`, 0]);
  const warn = trawl(['targets', '224.0.0.0/3', '198.18.0.0/31', '-p', '80', '--seed', '1']);
  assert.is(warn.stderr, `${E}warning: 224.0.0.0/3 lies entirely in reserved ranges and is skipped (--no-reserved keeps them)\n`);
  assert.is(warn.code, 0);
  assert.is(lines(warn.stdout).length, 2);
});

// Bad input: the message names the token (and file:line), nothing on stdout, exit 2.
const bad: [string, string[], string][] = [
  ['malformed range', ['198.18.0.300/24', '-p', '80'], `${E}range '198.18.0.300/24': octet 300 of '198.18.0.300' is above 255\n`],
  ['range ending before it starts', ['198.18.0.9-198.18.0.1', '-p', '80'], `${E}range '198.18.0.9-198.18.0.1': range ends before it starts\n`],
  ['bad prefix', ['2001:db8::/129', '-p', '80'], `${E}range '2001:db8::/129': bad prefix length '/129' (0-128)\n`],
  ['bad port', ['198.18.0.0/24', '-p', '80,70000'], `${E}option -p: bad port '70000': ports go up to 65535\n`],
  ['port not a number', ['198.18.0.0/24', '-p', 'http'], `${E}option -p: bad port 'http' (want N, N-M, -M, N- or -, 0-65535, or top-N)\n`],
  ['SCTP ports', ['198.18.0.0/24', '-p', 'T:80,S:53'], `${E}option -p: 'S:53': SCTP ports (S:) are not supported: trawl scans TCP (T:), UDP (U:) and ICMP echo (I:echo)\n`],
  ['bad ICMP target', ['198.18.0.0/24', '-p', 'I:timestamp'], `${E}option -p: bad ICMP target 'I:timestamp' (I:echo is the one trawl sends)\n`],
  ['--udp without --top-ports', ['198.18.0.0/24', '-p', '80', '--udp'], `${E}--udp goes with --top-ports N (for other UDP ports: -p U:PORTS)\n`],
  ['bad last octet', ['198.18.0.1-256', '-p', '80'], `${E}range '198.18.0.1-256': bad last octet '256' in '198.18.0.1-256' (0-255, no leading zero)\n`],
  ['bracketed IPv4', ['[198.18.0.1]', '-p', '80'], `${E}range '[198.18.0.1]': '[198.18.0.1]' is not a bracketed IPv6 address\n`],
  ['ZMap fields on the command line', ['198.18.0.0/24', '-p', '80', '--exclude', '198.18.0.0/28,comment'], `${E}--exclude 'comment': 'comment' is not a dotted-quad IPv4 address\n`],
  ['unknown flag near one', ['198.18.0.0/24', '-p', '80', '--seeds', '1'], `${E}unknown option --seeds: did you mean --seed? (see --help)\n`],
  ['unknown flag a prefix of one', ['198.18.0.0/24', '-p', '80', '--exclude-f', 'x'], `${E}unknown option --exclude-f: did you mean --exclude-file? (see --help)\n`],
  ['bad excluded port', ['198.18.0.0/24', '-p', '80', '--exclude-ports', '9-1'], `${E}option --exclude-ports: bad port range '9-1': ends before it starts\n`],
  ['bad -iL line', ['-iL', fix('bad-hosts.txt'), '-p', '80'], `${E}${fix('bad-hosts.txt')}:3: bad range '198.18.0.300': octet 300 of '198.18.0.300' is above 255\n`],
  ['missing -iL file', ['-iL', fix('nope.txt'), '-p', '80'], `${E}cannot read ${fix('nope.txt')}: ENOENT\n`],
  ['bad --exclude', ['198.18.0.0/24', '-p', '80', '--exclude', 'foo'], `${E}--exclude 'foo': 'foo' is not a dotted-quad IPv4 address\n`],
  ['missing flag value', ['198.18.0.0/24', '-p', '80', '--seed'], `${E}option --seed needs a value (N)\n`],
  ['unknown flag', ['198.18.0.0/24', '-p', '80', '--bogus'], `${E}unknown option --bogus (see --help)\n`],
  ['shard without seed', ['198.18.0.0/24', '-p', '80', '--shard', '1/2'], `${E}--shard needs --seed: every shard must use the same order\n`],
  ['bad shard', ['198.18.0.0/24', '-p', '80', '--shard', '3/2', '--seed', '1'], `${E}option --shard: '3/2' needs 1 <= I <= N\n`],
  ['bad seed', ['198.18.0.0/24', '-p', '80', '--seed', '18446744073709551616'], `${E}option --seed: '18446744073709551616' is not a whole number from 0 to 2^64-1\n`],
  ['bad resume index', ['198.18.0.0/24', '-p', '80', '--resume-index', 'x'], `${E}option --resume-index: 'x' is not a whole number >= 0\n`],
  ['no ports', ['198.18.0.0/24'], `${E}no ports: give -p PORTS, --top-ports N, --ping or --arp\n`],
  ['no ranges', ['-p', '80'], `${E}no ranges: give RANGE arguments or -iL FILE\n`],
  ['over 10^9 addresses without --exclude-file', ['0.0.0.0/0', '-p', '80'],
    `${E}3702258432 addresses is more than 10^9 (a scan of a large part of the Internet): give --exclude-file FILE with the networks that asked not to be scanned (--exclude-file /dev/null to go ahead without one)\n`],
];
for (const [name, args, stderr] of bad) {
  test(`bad input: ${name} -> exit 2 naming it`, () => {
    const r = trawl(['targets', ...args]);
    assert.equal([r.stdout, r.stderr, r.code], ['', stderr, 2]);
  });
}

test("peers' syntax: nmap's last-octet range, masscan's brackets and en dash, nmap's -p- and T:", async () => {
  const run = (args: string[]) => runInProcess('targets', [...args, '--seed', '1']);
  // 10 + 4 (::1-::3 within ::/126) + 4 addresses, each on 65,535 ports.
  const n = await run(['198.18.0.1-10', '[2001:db8::1]-[2001:db8::3]', '[2001:db8::]/126', '198.18.1.1\u2013198.18.1.4', '-p-', '--count']);
  assert.equal([n.stdout, n.stderr, n.code], [`${(10 + 4 + 4) * 65535}\n`, '', 0]);
  const ends = await run(['198.18.0.1', '-p-1024', '-p', '65530-', '--count']);
  assert.equal([ends.stdout, ends.stderr, ends.code], [`${1024 + 6}\n`, '', 0]);
  const r = await run(['198.18.0.250-255', '-p', 'T:80,443']);
  assert.equal([r.stderr, r.code], ['', 0]);
  assert.equal(new Set(lines(r.stdout).map((x) => `${x.ip}:${x.port}`)),
    new Set([250, 251, 252, 253, 254, 255].flatMap((a) => [`198.18.0.${a}:80`, `198.18.0.${a}:443`])));
  // The spawned command too: the argument rewriting happens in main's argv, not only in run().
  const c = trawl(['targets', '198.18.0.1', '-qp-', '--count']);
  assert.equal([c.stdout, c.stderr, c.code], ['65535\n', '', 0]);
});

test('range files: ZMap list fields after a range are skipped with one warning; masscan\'s 0x96 dash', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-zmap-'));
  try {
    const list = path.join(dir, 'list.csv');
    fs.writeFileSync(list, Buffer.concat([Buffer.from('198.18.0.0/30,comment,data\n198.18.1.0/31, 198.18.1.8 ,x y\n198.18.2.1'),
      Buffer.from([0x96]), Buffer.from('198.18.2.2\n')]));
    const r = await runInProcess('targets', ['-iL', list, '-p', '80', '--seed', '1']);
    assert.equal([r.stderr, r.code], [`${E}warning: ${list}:1: ignored 'comment,data' after the range (ZMap list fields), and on 1 more line\n`, 0]);
    assert.equal(new Set(lines(r.stdout).map((x) => x.ip)),
      new Set(['198.18.0.0', '198.18.0.1', '198.18.0.2', '198.18.0.3', '198.18.1.0', '198.18.1.1', '198.18.1.8', '198.18.2.1', '198.18.2.2']));
    // A line that starts with data is still an error: the first field must be a range.
    fs.writeFileSync(list, 'comment,198.18.0.0/30\n');
    const b = await runInProcess('targets', ['-iL', list, '-p', '80']);
    assert.equal([b.stdout, b.stderr, b.code], ['', `${E}${list}:1: bad range 'comment': 'comment' is not a dotted-quad IPv4 address\n`, 2]);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('an empty set is an error (exit 1), after the warning that says why', () => {
  const r = trawl(['targets', '198.18.0.0/24', '-p', '80', '--exclude', '198.18.0.0/23']);
  assert.equal([r.stdout, r.stderr, r.code],
    ['', `${E}warning: 198.18.0.0/24 is entirely excluded\n${E}empty target set: every address is excluded\n`, 1]);
  const p = trawl(['targets', '198.18.0.0/24', '-p', '80', '--exclude-ports', '1-1000']);
  assert.equal([p.stdout, p.stderr, p.code], ['', `${E}empty target set: every port is excluded\n`, 1]);
});

test('| head -1 exits 0 with no stack trace; --exclude-file /dev/null lets /0 through', () => {
  const r = sh('$TRAWL targets 0.0.0.0/0 -p 1-1000 --exclude-file /dev/null --seed 1 | head -1; echo "rc=${PIPESTATUS[0]}"');
  const [first, rc, ...rest] = r.stdout.split('\n');
  assert.match(first, /^\{"type":"target","ip":"[0-9.]+","port":\d+,"i":0\}$/);
  assert.equal([rc, rest, r.stderr, r.code], ['rc=0', [''], '', 0]);
});

test('a slow reader through a pipe gets the same bytes as a file (batch buffers are not reused too early)', () => {
  const args = '198.18.0.0/20 -p 1-40 --seed 3 -q';   // 8 MB, far more than a pipe holds
  const r = sh(`f=$(mktemp); $TRAWL targets ${args} > $f; a=$(md5sum < $f); rm -f $f
    b=$($TRAWL targets ${args} | (sleep 1; cat) | md5sum)
    c=$($TRAWL targets ${args} | while IFS= read -r l; do printf '%s\\n' "$l"; done | md5sum)
    echo "$a"; echo "$b"; echo "$c"`, { timeout: 120000 });
  const [a, b, c] = r.stdout.trim().split('\n');
  assert.equal([r.stderr, r.code], ['', 0]);
  assert.match(a, /^[0-9a-f]{32}  -$/);
  assert.is(b, a);
  assert.is(c, a);
});

test('SIGINT: flushes whole records, prints the resume index, exits 130; resuming continues the order', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-targets-'));
  try {
    const out = path.join(dir, 'out.ndjson');
    const r = sh(`$TRAWL targets 198.18.0.0/16 -p 1-65535 --seed 4 > ${out} 2> ${dir}/err & pid=$!
      for k in $(seq 1200); do [ -s ${out} ] && break; sleep 0.05; done; kill -INT $pid; wait $pid; echo "rc=$?"; cat ${dir}/err`,
    { timeout: 120000 });
    const m = /^rc=130\ntrawl targets: interrupted after (\d+) targets; resume with --resume-index (\d+)\n$/.exec(r.stdout);
    assert.ok(m, r.stdout + r.stderr);
    const text = fs.readFileSync(out, 'utf8');
    assert.ok(text.endsWith('\n'));
    const recs = lines(text);
    const K = Number(m![2]);
    assert.is(recs.length, K);
    assert.is(Number(m![1]), K);
    assert.is(recs[K - 1].i, K - 1);
    const next = trawl(['targets', '198.18.0.0/16', '-p', '1-65535', '--seed', '4', '--resume-index', String(K - 2), '--limit', '3']);
    assert.is(next.code, 0);
    const tail = lines(next.stdout);
    assert.equal(tail.slice(0, 2), recs.slice(K - 2));
    assert.is(tail[2].i, K);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('--status-ndjson ends with a final status record; -q and a pipe print none', () => {
  const r = trawl(['targets', '198.18.0.0/24', '-p', '80,443', '--seed', '1', '--status-ndjson']);
  assert.is(r.code, 0);
  const st = lines(r.stderr);
  const last = st[st.length - 1];
  assert.equal([last.type, last.cmd, last.final, last.targets, last.total, last.percent, last.next_index],
    ['status', 'targets', true, 512, 512, 100, 512]);
  assert.is(lines(r.stdout).length, 512);
});

test('shards from the command line partition the set', () => {
  const all = lines(trawl(['targets', '198.18.0.0/26', '-p', '80,443', '--seed', '8']).stdout);
  const parts = [1, 2, 3].map((s) => lines(trawl(['targets', '198.18.0.0/26', '-p', '80,443', '--seed', '8', '--shard', `${s}/3`]).stdout));
  const merged = parts.flat().sort((a, b) => a.i - b.i);
  assert.equal(merged, all);
});

test('--help lists the options', () => {
  const r = trawl(['targets', '--help']);
  assert.is(r.code, 0);
  assert.match(r.stdout, /usage: trawl targets/);
  for (const o of ['--ports', '--top-ports', '-iL', '--exclude-file', '--no-reserved', '--shard', '--resume-index', '--count', '--limit']) {
    assert.ok(r.stdout.includes(o), o);
  }
});

test.run();
