// --packet-trace (masscan's): catch names every packet it read and the counter it landed in;
// blast every packet it sent. No network: catch replays the live fixture, blast writes a pcap.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { privateKey, ROOT, trawl } from './helpers';
import { replyLines } from '../shared/blast/trace';
import { encodeReply, REPLY_ACK_PROBE, REPLY_RST } from '../shared/replies';
import { parseIPv4 } from '../shared/ipv4';
import { parseIPv6 } from '../shared/ipv6';

const FIX = path.join(ROOT, 'test', 'fixtures', 'catch');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-trace-'));
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('catch --packet-trace: a line per packet, in capture order, with what it was and its verdict; records unchanged', () => {
  const key = privateKey(path.join(FIX, 'live.key'));
  const args = ['catch', '--pcap', path.join(FIX, 'live.pcap'), '--key-file', key, '--source-ip', '198.18.0.100'];
  const plain = trawl(args);
  const r = trawl([...args, '--packet-trace']);
  assert.is(r.code, 0);
  assert.is(r.stdout, plain.stdout);
  const trace = r.stderr.split('\n').filter((l) => l.startsWith('RCVD '));
  assert.is(trace.length, 11, 'one line per packet of the 11');
  assert.equal(trace.map((l) => l.replace(/^RCVD \d+\.\d{6} /, '')), [
    'icmp or other ip: other',
    'icmp or other ip: other',
    'icmp or other ip: other',
    'arp who-has 198.18.0.100 tell 198.18.0.1: arp',
    'not ip: not_ip',
    'tcp 198.18.0.1:2222 > 198.18.0.100:35824 SA seq 2340701200 ack 1002422851 len 0: open',
    'tcp 198.18.0.1:2223 > 198.18.0.100:57936 RA seq 0 ack 2777602842 len 0: closed',
    'tcp 198.18.0.1:2222 > 198.18.0.100:35824 PA seq 2340701201 ack 1002422851 len 17: segment',
    'ndp neighbor solicitation: ns',
    'icmp or other ip: other',
    'icmp or other ip: other',
  ]);
  const times = trace.map((l) => Number(l.split(' ')[1]));
  assert.equal(times, [...times].sort((a, b) => a - b));
  assert.ok(r.stderr.endsWith(plain.stderr), 'the summary as without the trace');
});

test('blast --packet-trace: a line per SYN sent, to its target', () => {
  const key = path.join(dir, 'k');
  assert.is(trawl(['key', key]).code, 0);
  const targets = trawl(['targets', '198.18.0.0/30', '[2001:db8::1]', '-p', '80', '--seed', '7']).stdout;
  const r = trawl(['blast', '--key-file', key, '--source-ip', '198.19.0.1', '--source-ip', '2001:db8:ff::1', '--router-mac', '02:00:00:00:00:01',
    '--pcap', path.join(dir, 'syns.pcap'), '--packet-trace', '-q'], targets);
  assert.is(r.code, 0, r.stderr);
  const sent = r.stderr.split('\n').filter(Boolean).map((l) => l.replace(/^SENT \d+\.\d{6} /, ''));
  assert.equal(sent.sort(), ['syn > 198.18.0.0:80', 'syn > 198.18.0.1:80', 'syn > 198.18.0.2:80', 'syn > 198.18.0.3:80', 'syn > [2001:db8::1]:80']);
});

test('blast --packet-trace of replies: each request\'s kind, addresses, ports, seq and ack, both families', () => {
  const six = (s: string) => { const v = parseIPv6(s) as bigint; return Uint8Array.from({ length: 16 }, (_, k) => Number((v >> BigInt(8 * (15 - k))) & 0xffn)); };
  const enc = (r: Parameters<typeof encodeReply>[0]) => { const b = new Uint8Array(2048); return b.subarray(0, encodeReply(r, b, 0)); };
  const frames = Buffer.concat([
    enc({ kind: REPLY_ACK_PROBE, slot: 1, daddr: parseIPv4('198.18.0.7') as number, saddr: parseIPv4('198.19.0.1') as number, dport: 80, sport: 40001, seq: 11, ack: 4294967295 }),
    enc({ kind: REPLY_RST, slot: 0, family: 6, daddr: 0, saddr: 0, daddr6: six('2001:db8::7'), saddr6: six('2001:db8:ff::1'), dport: 22, sport: 40002, seq: 12, ack: 13 }),
  ]);
  assert.equal(replyLines(frames, 2).split('\n').filter(Boolean).map((l) => l.replace(/^SENT \d+\.\d{6} /, '')), [
    'ack+probe 198.19.0.1:40001 > 198.18.0.7:80 seq 11 ack 4294967295',
    'rst [2001:db8:ff::1]:40002 > [2001:db8::7]:22 seq 12 ack 13',
  ]);
});

test.run();
