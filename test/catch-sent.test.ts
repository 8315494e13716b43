// Another scanner's capture through `catch --pcap --no-validate | banners`: catch writes the
// scanner's own data segments as `sent` records, banners joins the first bytes to the banner
// (sent_data) and picks nmap's probe whose string they begin with (nmap_probe_from "sent"),
// falling back to the port's probes when the capture has no such segment or the bytes are none
// of nmap's. The port, 18888, is one no nmap probe lists, so only the bytes sent can choose.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as P from './packets';
import { tcp6 } from './packets6';
import { ROOT, lines, trawl } from './helpers';
import { ServiceProbes } from '../shared/service-probes';
import { Reassembler, Finished } from '../shared/reassembly/table';
import { readSent } from '../shared/reassembly/segment';
import { fieldsOf } from '../shared/records';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-sent-'));
const NMAP = '/usr/share/nmap/nmap-service-probes';
const NGINX = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'banners', 'http-nginx.bin'));
const SCANNER = '198.18.0.66', TARGET = '198.18.3.3', PORT = 18888, SPORT = 61234;
const GET = 'GET / HTTP/1.0\r\n\r\n';
const T0 = 1_700_000_000_000_000;

/** The exchange as the scanner's host captured it: SYN, SYN-ACK, the ACK with the request (when
 *  given, in pieces), the response with a FIN, the scanner's RST. */
function exchange(request: (string | Uint8Array)[], port = PORT): Uint8Array[] {
  const isn = 0x10000, srv = 0x7000000;
  const out = (spec: Partial<P.TcpSpec>) => P.ether(P.tcp({ src: SCANNER, dst: TARGET, sport: SPORT, dport: port, seq: isn + 1, ack: srv + 1, flags: 'A', ...spec }));
  const back = (spec: Partial<P.TcpSpec>) => P.ether(P.tcp({ src: TARGET, dst: SCANNER, sport: port, dport: SPORT, seq: srv + 1, ack: isn + 1, flags: 'A', ttl: 57, ...spec }));
  const frames = [out({ seq: isn, ack: 0, flags: 'S', options: { mss: 1460 } }), back({ seq: srv, flags: 'SA', options: { mss: 1460 } })];
  let sent = 0;
  for (const piece of request) {
    frames.push(out({ seq: isn + 1 + sent, flags: 'PA', payload: piece }));
    sent += typeof piece === 'string' ? Buffer.byteLength(piece) : piece.length;
  }
  frames.push(back({ ack: isn + 1 + sent, flags: 'FPA', payload: NGINX }));
  frames.push(out({ seq: isn + 1 + sent, ack: 0, flags: 'R' }));
  return frames;
}

function pipeline(name: string, frames: Uint8Array[]) {
  const f = path.join(dir, name);
  fs.writeFileSync(f, P.pcapFile(frames.map((data, i) => ({ data, time_us: T0 + i * 1000 }))));
  const c = trawl(['catch', '--pcap', f, '--no-validate']);
  assert.is(c.code, 0, c.stderr);
  const b = trawl(['banners', '--service-probes', NMAP], c.stdout);
  assert.is(b.code, 0, b.stderr);
  assert.is(b.stderr, '');
  return { caught: lines(c.stdout), catchErr: c.stderr, out: lines(b.stdout) };
}

test('another scanner\'s GET on an unusual port: catch writes it as sent, banners picks GetRequest from it', () => {
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  const r = pipeline('get.pcap', exchange([GET]));
  assert.equal(r.caught.map((x) => x.type), ['open', 'sent', 'segment']);
  const s = r.caught[1];
  assert.equal(s, { type: 'sent', ip: TARGET, port: PORT, sport: SPORT, ttl: 64, seq: 0x10001, ack: 0x7000001, len: GET.length,
    flags: 'PA', data: Buffer.from(GET).toString('base64'), validated: false, time_us: T0 + 2000 });
  assert.equal(Object.keys(s), fieldsOf('sent').filter((k) => k in s), 'the record table\'s order');
  assert.match(r.catchErr, /; 1 segments the scanner sent;/);
  assert.is(r.out.length, 2);
  const [open, b] = r.out;
  assert.is(open.type, 'open');
  assert.is(b.type, 'banner');
  assert.is(b.probe, null);
  assert.is(b.sent_data, Buffer.from(GET).toString('base64'));
  assert.is(b.product, 'nginx');
  assert.is(b.version, '1.22.1');
  assert.is(b.nmap_probe, 'GetRequest');
  assert.is(b.nmap_probe_from, 'sent');
});

test('masscan\'s longer request, split over two segments, still begins as GetRequest does', () => {
  const req = 'GET / HTTP/1.0\r\nUser-Agent: masscan/1.3 (https://github.com/robertdavidgraham/masscan)\r\nAccept: */*\r\n\r\n';
  const r = pipeline('masscan.pcap', exchange([req.slice(0, 20), req.slice(20)]));
  assert.equal(r.caught.map((x) => x.type), ['open', 'sent', 'sent', 'segment']);
  const [, b] = r.out;
  assert.is(Buffer.from(b.sent_data, 'base64').toString(), req, 'the continuation is joined');
  assert.is(b.nmap_probe, 'GetRequest');
  assert.is(b.nmap_probe_from, 'sent');
  assert.is(b.product, 'nginx');
});

test('without the scanner\'s data segment, or with bytes that are no nmap probe, the port decides', () => {
  // No sent record: the NULL probe, and nothing else on 18888; nmap's rules do not match.
  const none = pipeline('none.pcap', exchange([]));
  assert.equal(none.caught.map((x) => x.type), ['open', 'segment']);
  const [, b] = none.out;
  assert.is(b.sent_data, undefined);
  assert.is(b.nmap_probe, undefined);
  assert.is(b.nmap_probe_from, undefined);
  assert.is(b.product, 'nginx', 'the parser\'s own reading of the Server header');
  // A ClientHello-like record that is not nmap's (shares 3 bytes with SSLSessionReq): no choice by bytes.
  const hello = Uint8Array.from([0x16, 0x03, 0x01, 0x00, 0x30, 0x01, 0x00, 0x00, 0x2c, 0x03, 0x03, ...new Array(40).fill(7)]);
  const other = pipeline('hello.pcap', exchange([hello]));
  assert.is(other.out[1].sent_data, Buffer.from(hello).toString('base64'));
  assert.is(other.out[1].nmap_probe_from, undefined);
  assert.is(other.out[1].nmap_probe, undefined);
  // On port 80 the port's probes find it, and the record says so.
  const p80 = pipeline('port80.pcap', exchange([], 80));
  assert.is(p80.out[1].nmap_probe, 'GetRequest');
  assert.is(p80.out[1].nmap_probe_from, 'port');
});

test('IPv6: the scanner named by its SYN, its request a sent record with the target\'s address', () => {
  const sc = '2001:db8::66', tg = '2001:db8::3:3';
  const f = (src: string, dst: string, sport: number, dport: number, seq: number, ack: number, flags: string, payload?: string) =>
    P.ether(tcp6({ src, dst, sport, dport, seq, ack, flags, payload }), { type: 0x86dd });
  const file = path.join(dir, 'v6.pcap');
  fs.writeFileSync(file, P.pcapFile([
    f(sc, tg, SPORT, PORT, 1, 0, 'S'), f(tg, sc, PORT, SPORT, 50, 2, 'SA'), f(sc, tg, SPORT, PORT, 2, 51, 'PA', GET),
    f(tg, sc, PORT, SPORT, 51, 2 + GET.length, 'FPA', NGINX.toString('latin1')),
  ].map((data, i) => ({ data, time_us: T0 + i }))));
  const c = trawl(['catch', '--pcap', file, '--no-validate', '-q']);
  assert.is(c.code, 0, c.stderr);
  const recs = lines(c.stdout);
  assert.equal(recs.map((x) => [x.type, x.ip, x.port, x.sport]), [['open', tg, PORT, SPORT], ['sent', tg, PORT, SPORT], ['segment', tg, PORT, SPORT]]);
  const [, b] = lines(trawl(['banners', '--service-probes', NMAP], c.stdout).stdout);
  assert.is(b.nmap_probe_from, 'sent');
  assert.is(b.nmap_probe, 'GetRequest');
});

test('validated scans: catch writes no sent record (the scanner\'s packets are ours)', () => {
  const f = path.join(dir, 'get.pcap');
  const key = path.join(dir, 'k.key');
  fs.writeFileSync(key, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
  const r = trawl(['catch', '--pcap', f, '--key-file', key]);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stdout, '');
  assert.not.match(r.stderr, /scanner sent/);
});

test('banners: a bad sent record is reported and skipped (exit 3), a bad sent_data on a banner too', () => {
  const r = trawl(['banners', '--no-service-probes'], [
    JSON.stringify({ type: 'sent', ip: TARGET, port: PORT, sport: SPORT, seq: 1, len: 2, flags: 'PA', data: '!!' }),
    JSON.stringify({ type: 'sent', ip: TARGET, port: PORT, sport: SPORT, seq: -1, len: 2, flags: 'PA', data: 'AAA=' }),
    JSON.stringify({ type: 'banner', ip: TARGET, port: PORT, probe: null, data: 'AAA=', sent_data: 7 }),
  ].join('\n') + '\n');
  assert.is(r.code, 3);
  assert.is(r.stdout, '');
  const err = r.stderr.trim().split('\n');
  assert.match(err[0], /stdin:1: sent "data" is not valid base64/);
  assert.match(err[1], /stdin:2: sent "seq" is not a 32-bit sequence number/);
  assert.match(err[2], /stdin:3: banner "sent_data" is not valid base64/);
});

test('sentProbe: the probe string the bytes begin with, the longest shared prefix, or none', () => {
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  const sp = ServiceProbes.fromFile(NMAP);
  const b = (s: string) => Buffer.from(s, 'latin1');
  assert.is(sp.sentProbe(b(GET)), 'GetRequest');
  assert.is(sp.sentProbe(b('GET / HTTP/1.1\r\nHost: x\r\n\r\n')), 'GetRequest');
  assert.is(sp.sentProbe(b('OPTIONS / HTTP/1.0\r\n\r\n')), 'HTTPOptions');
  assert.is(sp.sentProbe(b('OPTIONS / RTSP/1.0\r\n\r\n')), 'RTSPRequest');
  assert.is(sp.sentProbe(b('GET /nice%20ports%2C/Tri%6Eity.txt%2ebak HTTP/1.0\r\n\r\n')), 'FourOhFourRequest');
  assert.is(sp.sentProbe(b('HELP\r\n')), 'Help');
  assert.is(sp.sentProbe(b('\r\n\r\n')), 'GenericLines');
  // nmap's own ClientHello (escapes decoded: \0, \xHH, printable bytes) is SSLSessionReq.
  const ssl = /^Probe TCP SSLSessionReq q\|(.*)\|/m.exec(fs.readFileSync(NMAP, 'latin1'))![1];
  const bytes = b(ssl.replace(/\\x([0-9a-fA-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16))).replace(/\\0/g, '\0'));
  assert.is(sp.sentProbe(bytes), 'SSLSessionReq');
  assert.is(sp.sentProbe(b('GET /x')), null, 'five shared bytes of a longer probe string are not enough');
  assert.is(sp.sentProbe(b('\x16\x03\x01\x00\x30\x01')), null);
  assert.is(sp.sentProbe(b('SSH-2.0-x\r\n')), null);
});

test('the reassembly table: sent bytes wait for their connection, joined in order, bounded and counted', () => {
  const done: Finished[] = [];
  const t = new Reassembler({ maxBanner: 1000, maxConnections: 2, maxBytes: 1000, idleUs: 1e6 }, (f) => done.push(f));
  const sent = (port: number, seq: number, data: string, time: number, ack = 501) => {
    const s = readSent({ type: 'sent', ip: '198.18.0.1', port, sport: 5, seq, ack, len: data.length, flags: 'PA', data: Buffer.from(data).toString('base64'), time_us: time });
    if (typeof s === 'string') throw new Error(s);
    t.sent(s);
  };
  t.open({ type: 'open', ip: '198.18.0.1', port: 80, sport: 5, seq: 500, time_us: 1 });
  sent(80, 100, 'GET / ', 2);
  sent(80, 106, 'HTTP/1.0\r\n\r\n', 3);
  sent(80, 100, 'GET / ', 4);                        // a retransmission: left out
  sent(80, 200, 'later', 5);                         // not the continuation: left out
  assert.is(t.held.bytes, GET.length);
  t.segment({ tuple: '198.18.0.1|80|5', ip: '198.18.0.1', port: 80, sport: 5, seq: 501, len: 2, data: Buffer.from('OK'), cut: false, fin: true, rst: false, time: 6, meta: { type: 'banner' } });
  assert.is(done.length, 1);
  assert.is(Buffer.from(done[0].sent!).toString(), GET);
  assert.is(t.held.bytes, 0, 'the sent bytes went with the banner');
  // Bytes are capped at 512 and counted in --max-bytes; the oldest waiting are forgotten when over.
  sent(81, 1, 'x'.repeat(700), 10);
  assert.is(t.held.bytes, 512);
  sent(82, 1, 'y'.repeat(700), 11);
  assert.is(t.held.bytes, 512, 'over 1000 bytes: the older one is forgotten');
  assert.is(t.counters.sent_forgotten, 1);
  // Idle ones go quietly.
  t.tick(11 + 2e6);
  assert.is(t.held.bytes, 0);
  assert.is(t.counters.sent, 6);
  assert.is(t.counters.sent_forgotten, 1);
});

test.run();
