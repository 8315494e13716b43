// trawl blast without a network: --pcap frames checked byte by byte, errors, attempts, SIGINT resume.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { readPcapFile, ReadFrame } from './packets';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { trawl, TRAWL, isRoot } from './helpers';
import { checkSourcePort6, isn, isn6, sourcePort } from '../shared/cookie';
import { a6, checkSeg6 } from './packets6';
import { parseKey } from '../shared/key';
import { sealedFrames } from './requests';
import { parseIPv4 } from '../shared/ipv4';

const ip4 = (s: string) => parseIPv4(s) as number;

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-blast-'));
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
const key = parseKey(fs.readFileSync(keyFile, 'utf8'), keyFile);
const ROUTER = '02:00:00:00:00:0b';
const SRC = '198.19.0.1';

test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

function targets(n: number, port = 80, from = 0): string {
  let s = '';
  for (let i = from; i < from + n; i++) s += JSON.stringify({ type: 'target', ip: `198.18.${i >> 8}.${i & 255}`, port, i }) + '\n';
  return s;
}

// pcap (microsecond, little-endian) as written by the native pcap writer.
const readPcap = readPcapFile;

function sum16(b: Buffer, start = 0): number {
  let s = start;
  for (let i = 0; i + 1 < b.length; i += 2) s += b.readUInt16BE(i);
  if (b.length & 1) s += b[b.length - 1] << 8;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

interface Syn { src: string; dst: string; sport: number; dport: number; seq: number; ttl: number; opts: number[] }

// Checks one SYN frame independently of the native code: Ethernet, IPv4 and TCP headers, both
// checksums recomputed, and returns the fields the cookie test needs.
function checkSyn(f: Buffer): Syn {
  assert.is(f.subarray(0, 6).toString('hex'), ROUTER.replace(/:/g, ''), 'destination MAC');
  assert.is(f.readUInt16BE(12), 0x0800, 'ethertype');
  const ip = f.subarray(14, 34);
  assert.is(ip[0], 0x45, 'IPv4, 20-byte header');
  assert.is(ip[9], 6, 'protocol TCP');
  assert.is(sum16(ip), 0xffff, 'IP header checksum');
  const total = ip.readUInt16BE(2);
  const tcp = f.subarray(34, 14 + total);
  const doff = (tcp[12] >> 4) * 4;
  assert.is(tcp[13], 0x02, 'flags SYN only');
  assert.is(tcp.length, doff, 'no payload on a SYN');
  const pseudo = Buffer.alloc(12);
  ip.copy(pseudo, 0, 12, 20); pseudo[9] = 6; pseudo.writeUInt16BE(tcp.length, 10);
  assert.is(sum16(tcp, sum16(pseudo)), 0xffff, 'TCP checksum');
  const kinds: number[] = [];
  for (let o = 20; o < doff;) {
    const k = tcp[o]; kinds.push(k);
    if (k === 0 || k === 1) { o++; continue; }
    o += tcp[o + 1];
  }
  const dot = (o: number) => `${ip[o]}.${ip[o + 1]}.${ip[o + 2]}.${ip[o + 3]}`;
  return { src: dot(12), dst: dot(16), sport: tcp.readUInt16BE(0), dport: tcp.readUInt16BE(2), seq: tcp.readUInt32BE(4), ttl: ip[8], opts: kinds };
}

/** The exit code of a spawned child, listened for at once so an early exit is not missed. */
function exited(child: ChildProcess): Promise<number> {
  return new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
}

const base = ['blast', '--key-file', keyFile, '--source-ip', SRC, '--router-mac', ROUTER, '--rate', 'max'];

test('--pcap: one valid SYN per target, cookie ISN and keyed source port with the probe slot', () => {
  const pcap = path.join(dir, 'a.pcap');
  const input = targets(40, 80) + targets(40, 22, 40);
  const r = trawl([...base, '--pcap', pcap, '-q'], input);
  assert.is(r.stderr, '');
  assert.is(r.stdout, '');
  assert.is(r.code, 0);
  const frames = readPcap(pcap);
  assert.is(frames.length, 80);
  const seen = new Set<string>();
  for (const f of frames) {
    const s = checkSyn(f.data);
    assert.is(s.src, SRC);
    assert.is(s.ttl, 255);
    assert.equal(s.opts, [2, 4, 8, 1, 3], 'linux layout: mss, sackok, ts, nop, ws');
    const sa = ip4(s.src), da = ip4(s.dst);
    assert.is(s.seq, isn(key, sa, da, s.sport, s.dport), `ISN cookie for ${s.dst}`);
    const slot = s.dport === 80 ? 1 : 0;   // http probe for 80, null for 22 (shared/probes)
    assert.is(s.sport, sourcePort(key, sa, da, s.dport, slot, 32768, 61000 - 32768 + 1), 'keyed sport');
    seen.add(`${s.dst}:${s.dport}`);
  }
  assert.is(seen.size, 80, 'every target exactly once');
});

test('--pcap with --probe 443:tls,https: one SYN per probe on 443, each from the keyed port of its slot; one on other ports', () => {
  const pcap = path.join(dir, 'multi.pcap');
  const input = targets(20, 443) + targets(20, 80, 20);
  const r = trawl([...base, '--pcap', pcap, '-q', '--probe', '443:tls,https'], input);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const by = new Map<string, number[]>();
  for (const f of readPcap(pcap)) {
    const s = checkSyn(f.data);
    const sa = ip4(s.src), da = ip4(s.dst);
    assert.is(s.seq, isn(key, sa, da, s.sport, s.dport));
    const slot = [1, 2, 10].find((k) => sourcePort(key, sa, da, s.dport, k, 32768, 61000 - 32768 + 1) === s.sport);
    assert.ok(slot !== undefined, `the source port of ${s.dst}:${s.dport} carries a probe slot`);
    const k = `${s.dst}:${s.dport}`;
    by.set(k, [...(by.get(k) ?? []), slot!]);
  }
  assert.is(by.size, 40, 'every target');
  for (const [k, slots] of by) assert.equal(slots.sort((a, b) => a - b), k.endsWith(':443') ? [2, 10] : [1], k);
});

test('--pcap with --probe 443:tls,https,jarm: twelve SYNs on 443, the jarm ten from the ports of its ten variants', () => {
  const pcap = path.join(dir, 'jarm.pcap');
  const r = trawl([...base, '--pcap', pcap, '-q', '--probe', '443:tls,https,jarm'], targets(5, 443));
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const codes = [2, 10, ...Array.from({ length: 10 }, (_, v) => 13 + 16 * v)];
  const by = new Map<string, number[]>();
  for (const f of readPcap(pcap)) {
    const s = checkSyn(f.data);
    const sa = ip4(s.src), da = ip4(s.dst);
    const code = codes.find((k) => sourcePort(key, sa, da, s.dport, k, 32768, 61000 - 32768 + 1) === s.sport);
    assert.ok(code !== undefined, `the source port of ${s.dst}:${s.dport} carries a probe code`);
    by.set(s.dst, [...(by.get(s.dst) ?? []), code!]);
  }
  assert.is(by.size, 5);
  for (const [k, c] of by) assert.equal(c.sort((a, b) => a - b), [...codes].sort((a, b) => a - b), k);
});

test('--syn-options and --ttl shape the SYN', () => {
  const layouts: Record<string, number[]> = { windows: [2, 1, 3, 1, 1, 4], bsd: [2, 1, 3, 4, 8], none: [] };
  for (const [name, kinds] of Object.entries(layouts)) {
    const pcap = path.join(dir, `o-${name}.pcap`);
    const r = trawl([...base, '--pcap', pcap, '-q', '--syn-options', name, '--ttl', '37'], targets(3));
    assert.is(r.code, 0, r.stderr);
    for (const f of readPcap(pcap)) {
      const s = checkSyn(f.data);
      assert.equal(s.opts, kinds, name);
      assert.is(s.ttl, 37);
    }
  }
});

test('bad lines are reported with their line number, the good targets around them still go out, exit 3', () => {
  const pcap = path.join(dir, 'bad.pcap');
  const input = targets(2) + 'not json\n' + '{"type":"target","ip":"198.18.300.1","port":80,"i":2}\n' +
    '{"type":"target","ip":"198.18.9.9","port":0,"i":3}\n' + '{"type":"open","ip":"198.18.0.1","port":80}\n' +
    '{"type":"target","ip":"2001:db8::1","port":80,"i":4}\n' + targets(2, 80, 5);
  const r = trawl([...base, '--source-ip', '2001:db8::99', '--pcap', pcap], input);
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  const err = r.stderr.split('\n');
  assert.match(err[0], /^trawl blast: stdin:3: unexpected token/);
  assert.is(err[1], 'trawl blast: stdin:4: target "ip" "198.18.300.1" is not an IPv4 or IPv6 address');
  assert.is(err[2], 'trawl blast: stdin:5: target "port" is not an integer from 1 to 65535');
  assert.match(err[3], /^trawl blast: sent 5 SYNs \(1 to IPv6 targets, 1 non-target records ignored\) in /);
  const frames = readPcap(pcap);
  assert.is(frames[2].data.readUInt16BE(12), 0x86dd, 'the IPv6 target went out as IPv6 (its bytes: the next test)');
  assert.equal(frames.filter((_, k) => k !== 2).map((f) => checkSyn(f.data).dst), ['198.18.0.0', '198.18.0.1', '198.18.0.5', '198.18.0.6']);
});

test('IPv4 and IPv6 targets in one run: each from its family\'s source, IPv6 checksums over the pseudo-header', () => {
  const pcap = path.join(dir, 'mixed.pcap');
  const want: string[] = [];
  let input = '';
  for (let i = 0; i < 40; i++) {
    const ip = i % 3 ? `2001:db8:1::${(i * 97).toString(16)}` : `198.18.1.${i}`;
    want.push(ip);
    input += JSON.stringify({ type: 'target', ip, port: 443, i }) + '\n';
  }
  const r = trawl([...base, '--source-ip', '2001:db8:ff::1', '--pcap', pcap, '-q'], input);
  assert.is(r.code, 0, r.stderr);
  const frames = readPcap(pcap);
  assert.equal(frames.map((f) => f.data.readUInt16BE(12) === 0x86dd ? checkSeg6(f.data).dst : checkSyn(f.data).dst), want);
  const tls = checkSyn(frames[0].data).sport % 16;
  for (const f of frames.filter((x) => x.data.readUInt16BE(12) === 0x86dd)) {
    const p = checkSeg6(f.data);   // throws on a wrong TCP checksum (recomputed in the test)
    assert.equal([p.src, p.dstMac, p.dport, p.flags], ['2001:db8:ff::1', ROUTER, 443, 0x02]);
    // The keyed port of the 128-bit tuple, in the slot of port 443's probe (https) as for IPv4.
    assert.is(checkSourcePort6(key, a6(p.src), a6(p.dst), 443, p.sport, 32768, 61000 - 32768 + 1), tls);
    assert.is(p.seq, isn6(key, a6(p.src), a6(p.dst), p.sport, 443));
  }
});

test('usage errors name the option and send nothing', () => {
  const cases: [string[], RegExp][] = [
    [['blast', '--pcap', '/dev/null'], /--key-file FILE is required/],
    [['blast', '--key-file', keyFile, '--rate', '10', '--bandwidth', '1M', '--pcap', '/dev/null'], /give --rate or --bandwidth, not both/],
    [['blast', '--key-file', keyFile, '--rate', 'fast'], /option --rate: 'fast' is not a rate/],
    [['blast', '--key-file', keyFile, '--source-port', '70000'], /option --source-port: '70000' is not a port range/],
    [['blast', '--key-file', keyFile, '--syn-options', 'mac'], /option --syn-options: 'mac' is not one of linux, windows, bsd, none/],
    [['blast', '--key-file', keyFile, '--router-mac', 'zz'], /option --router-mac: 'zz' is not a MAC address/],
    [['blast', '--key-file', keyFile, '--attempts', '0'], /option --attempts: must be an integer from 1 to 16/],
    [['blast', '--key-file', path.join(dir, 'nokey')], /--key-file .*nokey: no such file/],
    [['blast', '--key-file', keyFile, 'extra'], /unexpected argument 'extra'/],
  ];
  for (const [args, re] of cases) {
    const r = trawl(args, targets(1));
    assert.is(r.code, 2, `${args.join(' ')}: ${r.stderr}`);
    assert.match(r.stderr, re);
    assert.is(r.stdout, '');
  }
});

test('a pcap file that cannot be written: exit 1, message names the option', () => {
  const r = trawl([...base, '--pcap', '/nonexistent-dir/x.pcap'], targets(2));
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^trawl blast: --pcap \/nonexistent-dir\/x\.pcap: .*No such file or directory\n$/);
});

test('--attempts 2 sends each SYN twice, the same bytes, at least 1 s apart', () => {
  const pcap = path.join(dir, 'att.pcap');
  const r = trawl([...base, '--pcap', pcap, '-q', '--attempts', '2'], targets(5));
  assert.is(r.code, 0, r.stderr);
  const frames = readPcap(pcap);
  assert.is(frames.length, 10);
  const first = new Map<string, ReadFrame>();
  for (const f of frames) {
    const k = checkSyn(f.data).dst;
    const a = first.get(k);
    if (!a) { first.set(k, f); continue; }
    assert.ok(f.data.subarray(34).equals(a.data.subarray(34)), 'identical TCP segment (the IP id may differ)');
    assert.ok(f.t - a.t >= 0.999, `spaced ${f.t - a.t} s`);
  }
  assert.is(first.size, 5);
});

test('without CAP_NET_RAW: says so and how to fix it, exit 1', () => {
  if (!isRoot || !fs.existsSync('/usr/sbin/capsh')) { console.log('  (skipped: needs root and capsh)'); return; }
  const r = spawnSync('capsh', ['--drop=cap_net_raw', '--', '-c', `${process.execPath} ${TRAWL} blast --key-file ${keyFile} -i lo`],
    { input: targets(1), encoding: 'utf8' });
  assert.is(r.status, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^trawl blast: sending raw packets needs CAP_NET_RAW: run as root, or grant it to node with `sudo setcap cap_net_raw\+ep/);
});

test('SIGINT: exit 130, prints the first index not sent; resuming from it sends exactly the rest', async () => {
  const pcap = path.join(dir, 'int.pcap');
  const n = 400;
  const child = spawn(process.execPath, [TRAWL, 'blast', '--key-file', keyFile, '--source-ip', SRC, '--router-mac', ROUTER,
    '--rate', '200', '--pcap', pcap]);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const closed = exited(child);
  child.stdin.end(targets(n));
  // Signal once frames are being written (startup takes longer than any fixed delay on a busy
  // machine, and a SIGINT before blast's handler ends node at once), then let some more go.
  for (let k = 0; k < 500 && !(fs.existsSync(pcap) && fs.statSync(pcap).size > 24) && child.exitCode === null; k++) {
    await new Promise((r) => setTimeout(r, 20));
  }
  await new Promise((r) => setTimeout(r, 300));
  child.kill('SIGINT');
  const code = await closed;
  assert.is(code, 130, err);
  const m = /interrupted: resume with --resume-index (\d+) \(the first target not sent\)/.exec(err);
  assert.ok(m, err);
  const k = Number(m![1]);
  const sent = readPcap(pcap).map((f) => checkSyn(f.data).dst);
  assert.ok(k > 0 && k < n, `resume index ${k}`);
  assert.is(sent.length, k, 'every target before the index was sent, none after');
  const all = targets(n).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  assert.equal(sent, all.slice(0, k).map((t) => t.ip));
  // The rest, as `trawl targets --resume-index K` would give it.
  const pcap2 = path.join(dir, 'rest.pcap');
  const rest = all.filter((t) => t.i >= k).map((t) => JSON.stringify(t) + '\n').join('');
  const r = trawl([...base, '--pcap', pcap2, '-q'], rest);
  assert.is(r.code, 0, r.stderr);
  const union = [...sent, ...readPcap(pcap2).map((f) => checkSyn(f.data).dst)];
  assert.equal(union, all.map((t) => t.ip), 'interrupted run + resumed run = the whole set, once each');
});

test('--replies: a valid ACK+probe request goes out before the next SYN; a forged one is dropped', async () => {
  const pcap = path.join(dir, 'rep.pcap');
  const fifo = path.join(dir, 'rep.fifo');
  const child = spawn(process.execPath, [TRAWL, ...base.slice(0, -2), '--rate', '20', '--pcap', pcap, '--replies', fifo,
    '--linger', '0.3', '--status-ndjson']);
  let err = '';
  child.stderr.on('data', (d) => { err += d; });
  const closed = exited(child);
  child.stdin.end(targets(12));
  for (let k = 0; k < 250 && !fs.existsSync(fifo) && child.exitCode === null; k++) await new Promise((r) => setTimeout(r, 20));
  assert.ok(fs.existsSync(fifo), `blast made no FIFO: ${err}`);
  await new Promise((r) => setTimeout(r, 250));
  const sa = ip4(SRC), da = ip4('198.18.9.9');
  const sport = sourcePort(key, sa, da, 80, 1, 32768, 61000 - 32768 + 1);
  const c = isn(key, sa, da, sport, 80);
  const req = sealedFrames(key, [
    { kind: 1, slot: 1, daddr: da, saddr: sa, dport: 80, sport, seq: (c + 1) >>> 0, ack: 777 },
    { kind: 1, slot: 1, daddr: da, saddr: sa, dport: 80, sport, seq: (c + 2) >>> 0, ack: 778 },   // seq is not ISN+1
  ]);
  fs.writeFileSync(fifo, req);
  const code = await closed;
  assert.is(code, 0, err);
  const st = JSON.parse(err.split('\n').filter((l) => l.startsWith('{')).pop()!);
  assert.is(st.replies, 1);
  assert.is(st.replies_rejected, 1);
  assert.is(st.requests, 2, 'both authenticated: the cookie check rejects the second');
  const frames = readPcap(pcap);
  assert.is(frames.length, 13);
  const k = frames.findIndex((f) => f.data[47] !== 0x02);   // TCP flags byte of a 20-byte IP header
  assert.ok(k > 0 && k < 12, `the ACK went out mid-scan (frame ${k})`);
  const ack = frames[k].data;
  assert.is(ack.readUInt32BE(34 + 4), (c + 1) >>> 0, 'seq ISN+1');
  assert.is(ack.readUInt32BE(34 + 8), 777, 'ack from the request');
  const payload = ack.subarray(34 + (ack[46] >> 4) * 4).toString('latin1');
  assert.match(payload, /^GET \/ HTTP\/1\.1\r\nHost: 198\.18\.9\.9\r\n/);
  // The SYNs around it: every target once, in order.
  assert.equal(frames.filter((_, j) => j !== k).map((f) => checkSyn(f.data).dst), targets(12).split('\n').filter(Boolean).map((l) => JSON.parse(l).ip));
});

test.run();
