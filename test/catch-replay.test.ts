// trawl catch --pcap end to end: synthesized replies and forgeries in a capture, the real
// binary run on it; stdout records, stderr summary, exit code and the requests on the FIFO.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import * as P from './packets';
import { lines, privateKey, sh, trawl, TRAWL } from './helpers';
import { REPLY_ACK_PROBE, REPLY_RST, REPLY_RST_LATER } from '../shared/replies';
import { catchReading, core, readFifo, readRequests } from './requests';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-catch-'));
const KEYHEX = '0f0e0d0c0b0a09080706050403020100';
const KEY = Uint8Array.from(Buffer.from(KEYHEX, 'hex'));
const keyFile = path.join(dir, 'scan.key');
fs.writeFileSync(keyFile, KEYHEX + '\n', { mode: 0o600 });
const US = '198.18.0.1';
const us = P.ipToU32(US);
const T0 = 1_700_000_000_000_000;

function write(name: string, frames: Uint8Array[], linktype = 1, snaplen?: number): string {
  const f = path.join(dir, name);
  fs.writeFileSync(f, P.pcapFile(frames.map((data, i) => ({ data, time_us: T0 + i * 1000 })), linktype, snaplen));
  return f;
}

// The targets and what they answer.
const http = { ip: '198.18.1.1', port: 80, ...P.synTuple(KEY, US, '198.18.1.1', 80, 1) };
const tls0 = { ip: '198.18.1.2', port: 443, ...P.synTuple(KEY, US, '198.18.1.2', 443, 2) };
const closed = { ip: '198.18.1.3', port: 22, ...P.synTuple(KEY, US, '198.18.1.3', 22, 0) };
const unreach = { ip: '198.18.1.4', port: 8080, ...P.synTuple(KEY, US, '198.18.1.4', 8080, 1) };
const ssh = { ip: '198.18.1.5', port: 22, ...P.synTuple(KEY, US, '198.18.1.5', 22, 0) };
type Tgt = typeof http;

const reply = (g: Tgt, spec: Partial<P.TcpSpec>) =>
  P.ether(P.tcp({ src: g.ip, dst: US, sport: g.port, dport: g.sport, seq: 1000, ack: g.isn + 1, flags: 'SA', ttl: 60, id: 7, ...spec }));
const HTTP_RESP = 'HTTP/1.1 200 OK\r\nServer: nginx\r\n\r\n';
const SSH_GREET = 'SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n';

const mixed = [
  reply(http, { options: { mss: 1460, sackOk: true, ts: [1, 0], wscale: 7 } }),          // 0 open
  reply(http, { options: { mss: 1460, sackOk: true, ts: [1, 0], wscale: 7 } }),          // 1 retransmission
  reply(tls0, { window: 0, options: { mss: 1400 } }),                                    // 2 open, zero window
  reply(closed, { flags: 'RA', seq: 0, window: 0 }),                                     // 3 closed
  P.ether(P.icmpError({ src: '198.18.250.1', dst: US, code: 3, ttl: 200 },                // 4 unreachable
    P.tcp({ src: US, dst: unreach.ip, sport: unreach.sport, dport: 8080, seq: unreach.isn, ack: 0, flags: 'S' }))),
  reply(http, { flags: 'PA', seq: 1001, ack: http.isn + 1 + 60, payload: HTTP_RESP }),   // 5 banner after a 60-byte probe
  reply(ssh, { flags: 'PA', seq: 5001, payload: SSH_GREET }),                             // 6 server-first banner
  // forgeries and noise
  reply(ssh, { ack: 123456789 }),                                                        // 7 wrong ack
  reply(ssh, { ack: ssh.isn + 2 }),                                                      // 8 off by one
  reply(ssh, { dport: ssh.sport + 16 }),                                                 // 9 not the keyed port
  P.ether(P.tcp({ src: ssh.ip, dst: '198.18.0.99', sport: 22, dport: ssh.sport, seq: 1, ack: ssh.isn + 1, flags: 'SA' })), // 10 not ours
  reply(ssh, { flags: 'A', seq: 5001 }),                                                 // 11 pure ACK
  reply(http, { flags: 'PA', seq: 1001, ack: http.isn + 1 + 60, payload: HTTP_RESP }),   // 12 retransmitted banner
  reply(ssh, {}).subarray(0, 30),                                                        // 13 truncated frame
];

const EXPECTED = [
  { type: 'open', ip: http.ip, port: 80, sport: http.sport, ttl: 60, window: 64240, ipid: 7, mss: 1460, wscale: 7, sack_ok: true, tsval: 1, options: 'mss,sack,ts,nop,ws', seq: 1000, time_us: T0 },
  { type: 'open', ip: tls0.ip, port: 443, sport: tls0.sport, ttl: 60, window: 0, ipid: 7, mss: 1400, options: 'mss', zero_window: true, seq: 1000, time_us: T0 + 2000 },
  { type: 'closed', ip: closed.ip, port: 22, sport: closed.sport, ttl: 60, window: 0, ipid: 7, time_us: T0 + 3000 },
  { type: 'unreachable', ip: unreach.ip, port: 8080, sport: unreach.sport, from: '198.18.250.1', icmp_type: 3, icmp_code: 3, ttl: 200, time_us: T0 + 4000 },
  { type: 'segment', ip: http.ip, port: 80, sport: http.sport, our_ip: US, ttl: 60, probe: 'http', seq: 1001, ack: (http.isn + 1 + 60) >>> 0, len: HTTP_RESP.length, flags: 'PA', data: Buffer.from(HTTP_RESP).toString('base64'), time_us: T0 + 5000 },
  { type: 'segment', ip: ssh.ip, port: 22, sport: ssh.sport, our_ip: US, ttl: 60, probe: 'null', seq: 5001, ack: (ssh.isn + 1) >>> 0, len: SSH_GREET.length, flags: 'PA', data: Buffer.from(SSH_GREET).toString('base64'), time_us: T0 + 6000 },
];
// The retransmitted SYN-ACK (packet 1) is answered again, with no second record.
const SUMMARY = 'trawl catch: 14 packets: 2 open, 1 closed, 1 unreachable, 2 segments (0 with offset); rejected 7 (malformed 1, not_ours 1, wrong_port 1, bad_cookie 2, no_data 1, duplicate 1); 1 SYN-ACKs answered again, 0 repeated connections, 0 segments past --max-banner; requests 5 written (2 probes, 0 ACKs, 2 RSTs, 1 idle RSTs), 0 dropped; kernel drops 0\n';

for (const mode of ['native', 'typescript'] as const) {
  test(`replay (${mode} capture and cookies): exactly the valid replies, once each, the right requests on the FIFO (a retransmitted SYN-ACK answered again)`, () => {
    const pcap = write(`mixed-${mode}.pcap`, mixed);
    const fifo = path.join(dir, `replies-${mode}`);
    spawnSync('mkfifo', ['-m', '600', fifo]);
    const fd = fs.openSync(fifo, fs.constants.O_RDONLY | fs.constants.O_NONBLOCK);
    const env = { ...process.env, TRAWL_NO_NATIVE: mode === 'typescript' ? '1' : '0' };
    const r = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--source-ip', US, '--replies', fifo], undefined, { env });
    const reqs = readFifo(fd);
    fs.closeSync(fd);
    assert.is(r.stderr, SUMMARY);
    assert.is(r.code, 0, r.stderr);
    assert.equal(lines(r.stdout), EXPECTED);
    const { reqs: got, queue } = readRequests(KEY, reqs);
    assert.equal(queue.drops, { bad_mac: 0, replayed: 0, stale: 0, stray_bytes: 0, too_many_writers: 0, queue_full: 0 });
    const ackProbe = { kind: REPLY_ACK_PROBE, slot: 1, daddr: P.ipToU32(http.ip), saddr: us, dport: 80, sport: http.sport, seq: (http.isn + 1) >>> 0, ack: 1001 };
    const want = [
      ackProbe, ackProbe,
      { kind: REPLY_RST, slot: 2, daddr: P.ipToU32(tls0.ip), saddr: us, dport: 443, sport: tls0.sport, seq: (tls0.isn + 1) >>> 0, ack: 1001 },
      { kind: REPLY_RST_LATER, slot: 1, daddr: P.ipToU32(http.ip), saddr: us, dport: 80, sport: http.sport, seq: (http.isn + 61) >>> 0, ack: 1001 + HTTP_RESP.length },
      // The greeting's final line is in: reset now (shared/greeting.ts), not after --rst-idle.
      { kind: REPLY_RST, slot: 0, daddr: P.ipToU32(ssh.ip), saddr: us, dport: 22, sport: ssh.sport, seq: (ssh.isn + 1) >>> 0, ack: 5001 + SSH_GREET.length },
    ];
    assert.equal(got.map(core), want);
  });
}

test('golden: a real kernel exchange recorded live (test/fixtures/catch) gives the stored records byte for byte', () => {
  const fx = path.join(__dirname, '..', '..', 'test', 'fixtures', 'catch');
  const liveKey = privateKey(path.join(fx, 'live.key'));
  for (const mode of ['0', '1']) {
    const r = trawl(['catch', '--pcap', path.join(fx, 'live.pcap'), '--key-file', liveKey, '--source-ip', '198.18.0.100'],
      undefined, { env: { ...process.env, TRAWL_NO_NATIVE: mode } });
    assert.is(r.code, 0, r.stderr);
    assert.is(r.stdout, fs.readFileSync(path.join(fx, 'live.expected.ndjson'), 'utf8'));
    assert.is(r.stderr, fs.readFileSync(path.join(fx, 'live.expected.stderr'), 'utf8'));
  }
});

test('pcapng through the native reader gives the same records as pcap', () => {
  if (!fs.existsSync(path.join(__dirname, '..', '..', 'native', 'build', 'Release', 'trawl_native.node'))) return;
  const f = path.join(dir, 'mixed.pcapng');
  fs.writeFileSync(f, P.pcapngFile(mixed.map((data, i) => ({ data, time_us: T0 + i * 1000 }))));
  const r = trawl(['catch', '--pcap', f, '--key-file', keyFile, '--source-ip', US], undefined, { env: { ...process.env, TRAWL_NO_NATIVE: '0' } });
  assert.is(r.code, 0, r.stderr);
  assert.equal(lines(r.stdout), EXPECTED);
  // Without the native module a pcapng file is refused with a hint, not misread.
  const t = trawl(['catch', '--pcap', f, '--key-file', keyFile], undefined, { env: { ...process.env, TRAWL_NO_NATIVE: '1' } });
  assert.is(t.code, 2);
  assert.match(t.stderr, /pcapng/);
});

test('--save writes what was read (pcap, or pcapng by name) and replays to the same records; --save-valid keeps only the valid packets', () => {
  const pcap = write('to-save.pcap', mixed);
  const first = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--source-ip', US, '-q', '--save', path.join(dir, 'saved.pcap')]);
  assert.is(first.code, 0, first.stderr);
  assert.is(fs.statSync(path.join(dir, 'saved.pcap')).mode & 0o777, 0o600, 'the capture is the scan\'s traffic: private');
  for (const [name, extra, packets] of [['saved.pcap', [], 14], ['saved.pcapng', [], 14], ['valid.pcap', ['--save-valid'], 7]] as const) {
    const out = path.join(dir, name);
    const r = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--source-ip', US, '-q', '--save', out, ...extra]);
    assert.is(r.stdout, first.stdout, name);
    const again = trawl(['catch', '--pcap', out, '--key-file', keyFile, '--source-ip', US]);
    assert.is(again.code, 0, again.stderr);
    assert.is(again.stdout, first.stdout, `${name} replays to the same records`);
    assert.match(again.stderr, new RegExp(`^trawl catch: ${packets} packets: 2 open, 1 closed, 1 unreachable, 2 segments`));
  }
  assert.equal([...fs.readFileSync(path.join(dir, 'saved.pcapng')).subarray(0, 4)], [0x0a, 0x0d, 0x0d, 0x0a], 'a pcapng section header');
  // The bytes of every packet, as read: the classic file equals the input but for its header's snap length.
  assert.equal(P.readPcapFile(path.join(dir, 'saved.pcap')).map((f) => f.data.toString('hex')), mixed.map((f) => Buffer.from(f).toString('hex')));
});

test('--save on a full disk: an error naming the file and exit 1; a path that cannot be created: exit 2 before reading', () => {
  const pcap = write('full.pcap', mixed);
  const r = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '-q', '--save', '/dev/full']);
  assert.is(r.code, 1, r.stderr);
  assert.match(r.stderr, /^trawl catch: --save \/dev\/full: .*(ENOSPC|no space)/im);
  const n = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '-q', '--save', path.join(dir, 'no', 'such', 'x.pcap')]);
  assert.is(n.code, 2, n.stderr);
  assert.match(n.stderr, /--save .*x\.pcap: ENOENT/);
  assert.is(n.stdout, '');
  const v = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--save-valid']);
  assert.equal([v.code, v.stderr], [2, 'trawl catch: --save-valid needs --save FILE\n']);
});

test('--replies to a missing path creates a FIFO of mode 0600; a regular file is refused, untouched', () => {
  const pcap = write('one.pcap', mixed.slice(0, 1));
  const fifo = path.join(dir, 'new-fifo');
  const r = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--replies', fifo, '-q']);
  assert.is(r.code, 0, r.stderr); assert.is(r.stderr, '');
  assert.ok(fs.statSync(fifo).isFIFO());
  assert.is(fs.statSync(fifo).mode & 0o777, 0o600);
  const file = path.join(dir, 'reqs.bin');
  fs.writeFileSync(file, 'keep', { mode: 0o600 });
  const f = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '--replies', file, '-q']);
  assert.equal([f.code, f.stdout, f.stderr], [1, '',
    `trawl catch: --replies ${file}: not a FIFO: give a new path (trawl creates the FIFO) or an existing FIFO\n`]);
  assert.is(fs.readFileSync(file, 'utf8'), 'keep');
});

test('--pcap - reads stdin; malformed packets alone still exit 0', () => {
  const bytes = P.pcapFile([...mixed.slice(0, 1), new Uint8Array(10), P.ether(new Uint8Array(20))].map((data) => ({ data, time_us: T0 })));
  const r = trawl(['catch', '--pcap', '-', '--key-file', keyFile], bytes);
  assert.is(r.code, 0, r.stderr);
  assert.is(lines(r.stdout).length, 1);
  assert.match(r.stderr, /3 packets: 1 open.*rejected 2 \(malformed 2\)/);
});

test('Linux cooked v2 capture with a snaplen that cuts the segment: truncated, len from the wire', () => {
  const big = 'B'.repeat(3000);
  const frames = [P.sll2(P.tcp({ src: ssh.ip, dst: US, sport: 22, dport: ssh.sport, seq: 1, ack: ssh.isn + 1, flags: 'A', payload: big }))];
  const pcap = write('sll2.pcap', frames, 276, 500);
  const r = trawl(['catch', '--pcap', pcap, '--key-file', keyFile, '-q']);
  assert.is(r.code, 0, r.stderr);
  const [b] = lines(r.stdout);
  assert.is(b.type, 'segment'); assert.is(b.len, 3000); assert.is(b.truncated, true); assert.is(b.flags, 'A');
  assert.is(Buffer.from(b.data, 'base64').toString(), big.slice(0, 500 - 20 - 40));
});

test('--no-validate on a capture shaped like a masscan run', () => {
  const scanner = '198.18.0.66';
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 20; i++) {
    const ip = `198.18.2.${i}`;
    frames.push(P.ether(P.tcp({ src: scanner, dst: ip, sport: 55555, dport: 80, seq: 0x1000 + i, ack: 0, flags: 'S', options: { mss: 1460 } })));
    if (i % 2 === 0) frames.push(P.ether(P.tcp({ src: ip, dst: scanner, sport: 80, dport: 55555, seq: 99, ack: 0x1001 + i, flags: 'SA', ttl: 63 })));
    if (i % 2 === 0) frames.push(P.ether(P.tcp({ src: scanner, dst: ip, sport: 55555, dport: 80, seq: 0x1001 + i, ack: 0, flags: 'R' })));
    if (i % 4 === 1) frames.push(P.ether(P.tcp({ src: ip, dst: scanner, sport: 80, dport: 55555, seq: 0, ack: 0x1001 + i, flags: 'RA' })));
  }
  frames.push(frames[1]);   // a retransmitted SYN-ACK
  const r = trawl(['catch', '--pcap', write('masscan.pcap', frames), '--no-validate']);
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  assert.is(recs.filter((x) => x.type === 'open').length, 10);
  assert.is(recs.filter((x) => x.type === 'closed').length, 5);
  assert.ok(recs.every((x) => x.validated === false && x.port === 80 && x.sport === 55555));
  assert.match(r.stderr, /46 packets: 10 open, 5 closed, 0 unreachable, 0 segments \(0 with offset\); rejected 31 \(other 30, duplicate 1\)/);
  // Validation on the same capture: nothing passes.
  const v = trawl(['catch', '--pcap', path.join(dir, 'masscan.pcap'), '--key-file', keyFile]);
  assert.is(v.stdout, '');
  assert.is(v.code, 0);
});

test('bad input: clear errors and exit codes', () => {
  const text = path.join(dir, 'notes.txt');
  fs.writeFileSync(text, 'this is not a capture at all\n', { mode: 0o600 });
  const pcap = write('ok.pcap', mixed.slice(0, 1));
  for (const mode of ['0', '1']) {
    const r = trawl(['catch', '--pcap', text, '--key-file', keyFile], undefined, { env: { ...process.env, TRAWL_NO_NATIVE: mode } });
    assert.is(r.code, 2, r.stderr);
    assert.match(r.stderr, new RegExp(`^trawl catch: --pcap ${text}: .+\\n$`));
    assert.is(r.stdout, '');
  }
  const cases: [string[], RegExp][] = [
    [['--pcap', path.join(dir, 'nope.pcap'), '--key-file', keyFile], /--pcap .*nope\.pcap: no such file/],
    [['--pcap', pcap, '--key-file', path.join(dir, 'nope.key')], /--key-file .*nope\.key: no such file/],
    [['--pcap', pcap, '--key-file', text], /not a trawl key/],
    [['--pcap', pcap], /--key-file FILE is required/],
    [['--key-file', keyFile], /give -i IFACE or --pcap FILE/],
    [['--pcap', pcap, '-i', 'lo', '--key-file', keyFile], /not both/],
    [['--pcap', pcap, '--key-file', keyFile, '--source-port', '70000'], /--source-port: '70000' is not a port range/],
    [['--pcap', pcap, '--key-file', keyFile, '--source-ip', 'ten'], /--source-ip: 'ten' is not an IPv4 or IPv6 address/],
    [['--pcap', pcap, '--key-file', keyFile, '--bogus'], /unknown option --bogus/],
    [['--pcap', pcap, '--key-file', keyFile, '--dedup-window', '0'], /--dedup-window/],
  ];
  for (const [args, re] of cases) {
    const r = trawl(['catch', ...args]);
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.is(r.stdout, '');
  }
});

test('a narrow --source-port range warns that banners carry fewer than 32 bits', () => {
  const r = trawl(['catch', '--pcap', write('empty.pcap', []), '--key-file', keyFile, '--source-port', '40000-40015']);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /warning: with 16 source ports a banner carries 21\.5 bits/);
});

function liveRun(args: string[], feed: (stdin: NodeJS.WritableStream) => void, signal: NodeJS.Signals | null) {
  return new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
    const p = spawn(process.execPath, [TRAWL, 'catch', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '', err = '';
    p.stdout.on('data', (c) => {
      out += c;
      if (signal && out.includes('\n')) p.kill(signal);   // records are out: now stop it
    });
    p.stderr.on('data', (c) => { err += c; });
    p.on('close', (code) => resolve({ code, stdout: out, stderr: err }));
    feed(p.stdin);
  });
}

test('a stream that stays open: SIGTERM flushes and exits 0, SIGINT exits 130, --idle ends it', async () => {
  const bytes = P.pcapFile(mixed.slice(0, 7).map((data) => ({ data, time_us: T0 })));
  const feed = (s: NodeJS.WritableStream) => s.write(bytes);   // never closed
  const term = await liveRun(['--pcap', '-', '--key-file', keyFile], feed, 'SIGTERM');
  assert.is(term.code, 0, term.stderr);
  assert.is(lines(term.stdout).length, 6);
  assert.match(term.stderr, /7 packets: 2 open/);
  const int = await liveRun(['--pcap', '-', '--key-file', keyFile], feed, 'SIGINT');
  assert.is(int.code, 130, int.stderr);
  assert.is(lines(int.stdout).length, 6);
  const idle = await liveRun(['--pcap', '-', '--key-file', keyFile, '--idle', '0.3'], feed, null);
  assert.is(idle.code, 0, idle.stderr);
  assert.is(lines(idle.stdout).length, 6);
});

test('--status-ndjson: status records on stderr, the final one with the totals', () => {
  const r = trawl(['catch', '--pcap', write('st.pcap', mixed), '--key-file', keyFile, '--source-ip', US, '--status-ndjson']);
  const status = r.stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const last = status[status.length - 1];
  assert.is(last.type, 'status'); assert.is(last.cmd, 'catch'); assert.is(last.final, true);
  assert.is(last.received, 14); assert.is(last.valid, 7); assert.is(last.rejected, 7); assert.is(last.open, 2);
  assert.is(lines(r.stdout).length, 6);
});

test('--output-buffer: a reader slower than catch gets every record, in order, as a file would (the queue full many times over)', () => {
  const frames: Uint8Array[] = [];
  for (let i = 0; i < 5000; i++) {
    const ip = `198.18.${16 + (i >> 8)}.${i & 255}`;
    frames.push(reply({ ip, port: 80, ...P.synTuple(KEY, US, ip, 80, 1) }, {}));
  }
  const f = write('slow.pcap', frames), file = path.join(dir, 'slow.ndjson');
  const args = `catch --pcap ${f} --key-file ${keyFile} --source-ip ${US} -q`;
  assert.is(sh(`$TRAWL ${args} > ${file}`).code, 0);
  // The reader starts after catch wrote the pipe full (64 KiB) and the queue full (64 KiB),
  // then reads in small pieces: catch waits for it rather than drop.
  const r = sh(`$TRAWL ${args} --output-buffer 65536 | { sleep 1; dd bs=4096 status=none; }`);
  assert.is(r.code, 0, r.stderr);
  const want = fs.readFileSync(file, 'utf8');
  assert.is(lines(want).length, 5000);
  assert.ok(want.length > 4 * 65536, `${want.length} bytes: more than the pipe and the queue hold`);
  assert.ok(r.stdout === want, `${r.stdout.length} bytes through the pipe, ${want.length} to the file`);
  // The status says how much waited for the reader (queued beyond the pipe's 64 KiB): a file has no queue.
  const st = sh(`$TRAWL ${args.replace(' -q', '')} --status-ndjson 2>&1 >/dev/null | tail -2 | head -1`);
  assert.not.ok(st.stdout.includes('output_queued'), st.stdout);
  const slow = sh(`{ $TRAWL ${args.replace(' -q', '')} --status-ndjson 2>&3 | { sleep 1; dd bs=4096 status=none >/dev/null; }; } 3>&1 | grep '"final":true'`);
  const fin = JSON.parse(slow.stdout);
  assert.ok(fin.output_queued_peak > 65536 && fin.output_queued_peak <= want.length, slow.stdout);
  assert.ok(fin.output_queued <= fin.output_queued_peak, slow.stdout);
});

test("--output-buffer on a socket (scan's stages are joined by socket pairs): a reader slower than catch gets every record, catch queues", async () => {
  const f = path.join(dir, 'slow.pcap'), want = fs.readFileSync(path.join(dir, 'slow.ndjson'), 'utf8');
  // Node's 'pipe' stdio is a socket pair: without the queue catch waited for the reader's every
  // read (in scan, banners behind on nmap's rules stopped catch, and the capture ring overflowed).
  const child = spawn(process.execPath, [TRAWL, 'catch', '--pcap', f, '--key-file', keyFile, '--source-ip', US, '--status-ndjson'],
    { stdio: ['ignore', 'pipe', 'pipe'] });
  assert.match(fs.readlinkSync(`/proc/${child.pid}/fd/1`), /^socket:/);
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  const exited = new Promise<number>((res) => child.on('close', (code) => res(code ?? -1)));
  child.stdout!.pause();
  // catch ends (its final status written) while nobody reads: every record waits in its queue.
  // (Without it catch waited for the reader: read on after 5 s, and the check below fails.)
  await new Promise<void>((res) => {
    const t = setTimeout(res, 5000);
    child.stderr!.on('data', () => { if (err.includes('"final":true')) { clearTimeout(t); res(); } });
  });
  const chunks: Buffer[] = [];
  child.stdout!.on('data', (d: Buffer) => chunks.push(d));
  child.stdout!.resume();
  assert.is(await exited, 0, err);
  assert.ok(Buffer.concat(chunks).toString() === want, 'every record, in order');
  const fin = JSON.parse(err.split('\n').find((l) => l.includes('"final":true'))!);
  assert.ok(fin.output_queued_peak > 65536, err.slice(-600));
});

test('5000 targets, every SYN-ACK sent three times: 5000 records, every copy answered (15000 requests)', async () => {
  const frames: Uint8Array[] = [];
  const tgts = Array.from({ length: 5000 }, (_, i) => {
    const ip = `198.18.${16 + (i >> 8)}.${i & 255}`;
    return { ip, port: 443, ...P.synTuple(KEY, US, ip, 443, 2) };
  });
  for (let round = 0; round < 3; round++) for (const g of tgts) frames.push(reply(g, {}));
  const r = await catchReading(['--pcap', write('5000.pcap', frames), '--key-file', keyFile], path.join(dir, 'fifo5000'));
  assert.is(r.code, 0, r.stderr);
  const recs = lines(r.stdout);
  assert.is(recs.length, 5000);
  assert.is(new Set(recs.map((x) => x.ip)).size, 5000);
  // A retransmitted SYN-ACK is the server asking again for the ACK+probe it dropped.
  const { reqs, queue } = readRequests(KEY, r.bytes);
  assert.is(reqs.length, 15000, JSON.stringify({ drops: queue.drops, bytes: r.bytes.length, err: r.stderr }));
  assert.is(queue.received, 15000, 'every request authenticated, none taken for a replay');
  assert.match(r.stderr, /15000 packets: 5000 open, .*; 10000 SYN-ACKs answered again, 0 repeated connections/);
  assert.not.match(r.stderr, /duplicate/);
});

test('a reader that goes away (| head -1) ends catch cleanly with exit 0', () => {
  const r = sh(`$TRAWL catch --pcap ${path.join(dir, '5000.pcap')} --key-file ${keyFile} -q | head -1`);
  assert.is(r.code, 0, r.stderr);
  assert.is(lines(r.stdout).length, 1);
  assert.is(r.stderr, '');
});

test('a FIFO nobody reads never blocks catch: the pipe fills, the bounded buffer fills, the rest is dropped and counted', () => {
  // One source port (no slots) keeps the synthesis to one hash per target.
  const n = 40000;
  const frames: Uint8Array[] = [];
  for (let i = 0; i < n; i++) {
    const ip = P.u32ToIp(0xc6130000 + i);
    const g = P.synTuple(KEY, US, ip, 80, 0, 40000, 1);
    frames.push(P.tcp({ src: ip, dst: US, sport: 80, dport: g.sport, seq: 1, ack: g.isn + 1, flags: 'SA' }));
  }
  const fifo = path.join(dir, 'unread');
  const r = trawl(['catch', '--pcap', write('40k.pcap', frames, 101), '--key-file', keyFile, '--source-port', '40000', '--replies', fifo]);
  assert.is(r.code, 0, r.stderr);
  assert.is(lines(r.stdout).length, n);
  const m = /requests (\d+) written \([^)]*\), (\d+) dropped/.exec(r.stderr);
  assert.ok(m, r.stderr);
  const [written, dropped] = [Number(m![1]), Number(m![2])];
  assert.is(written + dropped, n);
  assert.ok(written >= 1 && dropped >= n - 32768 - written, r.stderr);
});

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));
test.run();
