// Input built to break the commands (issue 8): deep nesting, control bytes quoted back to the
// terminal, NUL inside a line, endless lines. Each case: stdout, stderr and exit code together.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { sinkRows, trawl, TRAWL } from './helpers';
import { readPcapFile } from './packets';
import { FORMATS } from '../shared/formats/registry';
import { cutAtCodePoint, printable, quoteInput } from '../shared/quote';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-hostile-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });

const OPEN = { type: 'open', ip: '198.18.0.1', port: 80, sport: 40000, ttl: 60, window: 1024, ipid: 1, options: '', time_us: 1_700_000_000_000_000 };
const OPEN2 = { ...OPEN, ip: '198.18.0.2', time_us: OPEN.time_us + 1 };
const DEEP = '{"type":"open","x":' + '['.repeat(4500) + ']'.repeat(4500) + '}';
const ESC = '{"type":"\x1b]0;pwned\x07\x1b[2J\x9b31m';

test('a line nested 4,500 deep is one bad line in fmt (every format) and banners; the good records around it come through', () => {
  const input = `${JSON.stringify(OPEN)}\n${DEEP}\n${JSON.stringify(OPEN2)}\n`;
  const want = `trawl CMD: stdin:2: nested more than 64 levels deep: ${quoteInput(DEEP)}\n`;
  for (const f of FORMATS) {
    // A sink format (sqlite) writes a file of its own: its rows stand for stdout.
    const out = (name: string) => (f.sink ? `${f.name}:${path.join(dir, name)}` : f.name);
    const read = (r: ReturnType<typeof trawl>, name: string) => (f.sink ? { ...r, stdout: sinkRows(path.join(dir, name)) } : r);
    const r = read(trawl(['fmt', '-o', out('deep.db'), '-q'], input), 'deep.db');
    assert.is(r.stderr, want.replace('CMD', 'fmt'), f.name);
    assert.is(r.code, 3, f.name);
    const clean = read(trawl(['fmt', '-o', out('clean.db'), '-q'], `${JSON.stringify(OPEN)}\n${JSON.stringify(OPEN2)}\n`), 'clean.db');
    assert.is(r.stdout.replace(/\d{10}/g, 'T').replace(/startstr="[^"]*"|timestr="[^"]*"|scan_start.*$/mg, ''),
      clean.stdout.replace(/\d{10}/g, 'T').replace(/startstr="[^"]*"|timestr="[^"]*"|scan_start.*$/mg, ''), `${f.name}: the good records`);
  }
  const b = trawl(['banners', '-q'], input);
  assert.is(b.stderr, want.replace('CMD', 'banners'));
  assert.is(b.stdout, `${JSON.stringify(OPEN)}\n${JSON.stringify(OPEN2)}\n`);
  assert.is(b.code, 3);
});

test('blast: a deep line and a NUL line are bad lines (counted, exit 3), the targets around them are sent', () => {
  const pcap = path.join(dir, 'deep.pcap');
  const t = (i: number) => JSON.stringify({ type: 'target', ip: `198.18.0.${i}`, port: 80, i });
  const r = trawl(['blast', '--key-file', keyFile, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:0b', '--rate', 'max',
    '--pcap', pcap, '-q'], `${t(1)}\n${DEEP}\n{"type":"target"}\u0000TRUNCATED\n${t(2)}\n`);
  assert.is(r.stderr, `trawl blast: stdin:2: nested more than 64 levels deep: ${quoteInput(DEEP)}\n` +
    'trawl blast: stdin:3: unexpected non-whitespace character after JSON at position 17: {"type":"target"}\\x00TRUNCATED\n');
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  assert.equal(readPcapFile(pcap).map((f) => f.data.subarray(14 + 16, 14 + 20).join('.')), ['198.18.0.1', '198.18.0.2']);
});

test('blast refuses 0.0.0.0/8, broadcast, multicast and loopback targets as bad lines unless --allow-special; hello:world is no IPv6', () => {
  const ips = ['0.0.0.0', '255.255.255.255', '224.0.0.1', '127.0.0.1', 'hello:world', '198.18.0.1', '2001:db8::1'];
  // The canonical form (blast's fast path) and another key order (the general path) alike.
  const canon = ips.map((ip, i) => `{"type":"target","ip":"${ip}","port":80,"i":${i}}`).join('\n') + '\n';
  const other = ips.map((ip, i) => JSON.stringify({ i, port: 80, ip, type: 'target' })).join('\n') + '\n';
  const base = ['blast', '--key-file', keyFile, '--source-ip', '198.19.0.1', '--router-mac', '02:00:00:00:00:0b', '--rate', 'max', '-q'];
  const why = ['is in 0.0.0.0/8 (this network)', 'is the broadcast address', 'is a multicast address (224.0.0.0/4)', 'is a loopback address (127.0.0.0/8)'];
  for (const input of [canon, other]) {
    const pcap = path.join(dir, 'special.pcap');
    const r = trawl([...base, '--pcap', pcap], input);
    assert.is(r.stderr, why.map((w, k) => `trawl blast: stdin:${k + 1}: target "ip" ${ips[k]} ${w}: not sent (--allow-special sends it)\n`).join('') +
      'trawl blast: stdin:5: target "ip" "hello:world" is not an IPv4 or IPv6 address\n' +
      'trawl blast: warning: stdin:7: IPv6 targets are not sent (counted in the summary)\n');
    assert.is(r.code, 3);
    assert.equal(readPcapFile(pcap).map((f) => f.data.subarray(14 + 16, 14 + 20).join('.')), ['198.18.0.1']);
    const a = trawl([...base, '--pcap', pcap, '--allow-special'], input);
    assert.is(a.code, 3);   // hello:world is still bad
    assert.equal(readPcapFile(pcap).map((f) => f.data.subarray(14 + 16, 14 + 20).join('.')), ips.slice(0, 4).concat('198.18.0.1'));
  }
});

test('NUL then text after a record is reported for what it is, not as an over-long line', () => {
  const r = trawl(['fmt', '-q'], `{"type":"a"}\u0000TRUNCATED\n{"type":"b"}\n`);
  assert.is(r.stderr, 'trawl fmt: stdin:1: unexpected non-whitespace character after JSON at position 12: {"type":"a"}\\x00TRUNCATED\n');
  assert.is(r.stdout, '{"type":"b"}\n');
  assert.is(r.code, 3);
});

test('control bytes of the input never reach the terminal through a message, on any error path', () => {
  const noRaw = (s: string, what: string) => assert.not.match(s, /[\x00-\x09\x0b-\x1f\x7f-\x9f]/, `${what}: raw control byte in ${JSON.stringify(s)}`);
  const fmt = trawl(['fmt', '-q'], `${ESC}\n`);
  noRaw(fmt.stderr, 'fmt');
  assert.match(fmt.stderr, /^trawl fmt: stdin:1: .*\\x1b\]0;pwned\\x07\\x1b\[2J\\x9b31m\n$/);
  assert.is(fmt.code, 3);
  const blast = trawl(['blast', '--key-file', keyFile, '--source-ip', '198.19.0.1', '--pcap', '/dev/null', '-q'], `${ESC}\n`);
  noRaw(blast.stderr, 'blast');
  assert.match(blast.stderr, /\\x1b\]0;pwned/);
  const ranges = path.join(dir, 'ranges.txt');
  fs.writeFileSync(ranges, '198.18.0.0/24\n10.0.0.\x1b[2J1\n');
  const tg = trawl(['targets', '-iL', ranges, '-p', '80'], '');
  noRaw(tg.stderr, 'targets');
  assert.match(tg.stderr, new RegExp(`^trawl targets: ${ranges}:2: bad range '10\\.0\\.0\\.\\\\x1b\\[2J1': .+\\n$`));
  assert.is(tg.code, 2);
  const where = trawl(['fmt', '--where', 'port == \x1b[2J'], '');
  noRaw(where.stderr, 'fmt --where');
  assert.is(where.code, 2);
  const probe = path.join(dir, 'probe.txt');
  fs.writeFileSync(probe, '#trawl-probe\nGET / \\q\x1b[2J\r\n');
  const pf = trawl(['blast', '--key-file', keyFile, '--pcap', '/dev/null', '--probe', 'user', '--probe-file', probe], '');
  noRaw(pf.stderr, 'blast --probe-file');
  assert.is(pf.code, 2);
  const cmd = trawl(['\x1b[2Jnope']);
  noRaw(cmd.stderr, 'unknown command');
  assert.is(cmd.code, 2);
});

test('a field cut at 512 characters never splits a surrogate pair (no lone \\ud83d in the output)', () => {
  const http = `HTTP/1.1 200 OK\r\nServer: ${'a'.repeat(511)}\u{1f600}tail\r\n\r\n`;
  const rec = { type: 'banner', ip: '198.18.0.1', port: 80, sport: 40000, ttl: 60, probe: 'http', flags: 'PA', time_us: 1,
    data: Buffer.from(http).toString('base64'), len: Buffer.byteLength(http) };
  const r = trawl(['banners', '-q'], JSON.stringify(rec) + '\n');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.not.match(r.stdout, /\\ud83d/);
  assert.is(JSON.parse(r.stdout).http_server, 'a'.repeat(511));
});

test('targets -iL with a 100 MB line: a short quote of it, memory bounded by the line limit', () => {
  const f = path.join(dir, 'huge.txt');
  fs.writeFileSync(f, '198.18.0.0/24\n' + '1'.repeat(100 << 20) + '\n');
  const r = trawl(['targets', '-iL', f, '-p', '80'], '');
  assert.is(r.stderr, `trawl targets: ${f}:2: line longer than 1048576 bytes: ${'1'.repeat(60)}...\n`);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  const tok = path.join(dir, 'token.txt');
  fs.writeFileSync(tok, '198.18.0.0/24 ' + 'x'.repeat(5000) + '\n');
  const t = trawl(['targets', '-iL', tok, '-p', '80'], '');
  assert.is(t.stderr, `trawl targets: ${tok}:1: bad range '${'x'.repeat(60)}...': longer than 100 characters\n`);
  assert.is(t.code, 2);
  // Peak RSS of the run, written by a preloaded exit hook (was 655 MB when the file was read whole).
  const hook = path.join(dir, 'rss.js'), out = path.join(dir, 'rss.txt');
  fs.writeFileSync(hook, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(out)}, String(process.resourceUsage().maxRSS)));`);
  const m = spawnSync(process.execPath, ['-r', hook, TRAWL, 'targets', '-iL', f, '-p', '80']);
  assert.is(m.status, 2);
  const mb = Number(fs.readFileSync(out, 'utf8')) / 1024;
  assert.ok(mb < 150, `peak RSS ${mb.toFixed(0)} MB`);
});

test('printable, quoteInput and cutAtCodePoint', () => {
  assert.is(printable('a\x1bb\x9bc\u00e9\n'), 'a\\x1bb\\x9bc\u00e9\\x0a');
  assert.is(quoteInput('x'.repeat(100), 10), 'xxxxxxxxxx...');
  assert.is(cutAtCodePoint('ab\ud83d\ude00', 3), 'ab');
  assert.is(cutAtCodePoint('ab\ud83d\ude00', 4), 'ab\ud83d\ude00');
});

test.run();
