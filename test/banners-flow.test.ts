// Conversations keep flowing while nmap's rules compile: a banner whose chain of rules takes long
// to compile comes first, then the segments of an https connection; the https conversation's next
// message must reach the replies FIFO while the compile still runs (blast resets a connection idle
// for 4 s, and a compile takes 3-4 s on a loaded machine), and the output keeps the input's order.
// Also the line those records wait in (shared/service-probes/waiting.ts): order, bounds, errors.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as tls from 'tls';
import { Duplex, PassThrough } from 'stream';
import { fixture, settle } from './tls-node-server';
import { lines, oneFrame, ROOT } from './helpers';
import { writeKeyFile } from '../shared/key';
import { makeFifo } from '../shared/replies-fifo';
import { decodeReply, REPLY_ACK_PAYLOAD } from '../shared/replies';
import { tlsProbeHello } from '../shared/probes/tls';
import { Waiting } from '../shared/service-probes/waiting';

const KEY = Uint8Array.from({ length: 16 }, (_, i) => 0x50 + i);
const OUR_ISN = 0x01020304, SERVER_ISN = 0x7000;
const PAGE = '<html><head><title>flowing</title></head></html>';
const REPLY = Buffer.from(`HTTP/1.1 200 OK\r\nServer: flow/1.0\r\nContent-Length: ${PAGE.length}\r\nConnection: close\r\n\r\n${PAGE}`);
// Enough rules in GetRequest (the http probe's chain) that compiling them takes a good part of a
// second even on a fast machine: the frame must come long before.
const RULES = 20000;

function rulesFile(dir: string): string {
  let t = 'Probe TCP NULL q||\nProbe TCP GetRequest q|GET / HTTP/1.0\\r\\n\\r\\n|\nports 80\n';
  for (let k = 0; k < RULES; k++) t += `match thing${k} m|^HTTP/1\\.[01] \\d\\d\\d .*\\r\\nServer: Thing${k}/([\\d.]+)|s p/Thing ${k}/ v/$1/\n`;
  const f = path.join(dir, 'probes');
  fs.writeFileSync(f, t);
  return f;
}

function segments(bytes: Buffer, from: number, ack: number, fin: boolean, t0: number): string[] {
  const out: string[] = [];
  for (let o = 0; o < bytes.length; o += 1448) {
    const data = bytes.subarray(o, o + 1448);
    const last = o + 1448 >= bytes.length;
    out.push(JSON.stringify({
      type: 'segment', ip: '198.18.0.8', port: 443, sport: 40009, our_ip: '198.19.0.1', ttl: 64, probe: 'https',
      seq: (SERVER_ISN + 1 + from + o) % 2 ** 32, ack, offset: from + o, len: data.length,
      flags: last && fin ? 'FPA' : 'PA', data: data.toString('base64'), time_us: t0 + o,
    }));
  }
  return out;
}


test('an https conversation answers while the rules of an earlier http banner compile; the output keeps the input order', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-flow-'));
  const keyFile = path.join(dir, 'key'), fifo = path.join(dir, 'replies');
  writeKeyFile(keyFile, KEY);
  makeFifo(fifo, fifo);
  const fd = fs.openSync(fifo, fs.constants.O_RDWR | fs.constants.O_NONBLOCK);
  const probes = rulesFile(dir);
  const written: Buffer[] = [];
  const wire = new Duplex({ read() { /* pushed below */ }, write(ch, _e, cb) { written.push(Buffer.from(ch)); cb(); } });
  const { key, cert } = fixture('ec');
  const server = new tls.TLSSocket(wire, { isServer: true, secureContext: tls.createSecureContext({ key, cert, minVersion: 'TLSv1.3' }) });
  let request = '';
  server.on('error', () => { /* the test looks at what arrived */ });
  server.on('data', (d) => { request += d.toString('latin1'); if (request.endsWith('\r\n\r\n')) server.end(REPLY); });
  const stdin = new PassThrough(), stdout = new PassThrough(), stderr = new PassThrough();
  const out: Buffer[] = [], err: Buffer[] = [];
  // When the first output came: the http banner, written (within the writer's 20 ms) once its rules compiled.
  let firstOut = 0;
  stdout.on('data', (d) => { firstOut ||= Date.now(); out.push(Buffer.from(d)); });
  stderr.on('data', (d) => err.push(Buffer.from(d)));
  try {
    const hello = tlsProbeHello(KEY).hello;
    wire.push(hello);
    const flight = await settle(written);
    const ack1 = (OUR_ISN + 1 + hello.length) >>> 0;
    const banners = require(path.join(ROOT, 'dist', 'cmds', 'banners'));
    const done: Promise<number> = banners.run(['--key-file', keyFile, '--replies', fifo, '--service-probes', probes, '-q'], { stdin, stdout, stderr });
    // First an http banner (its chain: GetRequest's RULES rules, then NULL), then the https flight.
    const http = { type: 'banner', ip: '198.18.0.7', port: 80, probe: 'http', flags: 'PA', time_us: 999_000,
      data: Buffer.from('HTTP/1.1 200 OK\r\nServer: Thing7/2.5\r\n\r\n').toString('base64') };
    const started = Date.now();
    stdin.write(JSON.stringify(http) + '\n' + segments(flight, 0, ack1, false, 1_000_000).join('\n') + '\n');
    const frame = await oneFrame(fd, 5, 10000);
    const frameAtMs = Date.now();
    assert.ok(frame, `banners wrote no request: ${Buffer.concat(err)}`);
    // The compile was not over: the http banner, first in line, came out well after the frame.
    // (A reading held for the compile gives the frame within the writer's 20 ms of the banner.)
    await new Promise<void>((resolve) => { const t = setInterval(() => { if (firstOut) { clearInterval(t); resolve(); } }, 5); });
    assert.ok(firstOut - frameAtMs >= 100, `the frame ${frameAtMs - started} ms after the input, the first banner ${firstOut - started} ms: the conversation waited for the compile`);
    const r = decodeReply(frame!, 0);
    assert.is(r.kind, REPLY_ACK_PAYLOAD);
    assert.is(r.ack, (SERVER_ISN + 1 + flight.length) % 2 ** 32, 'ack: the whole flight');
    wire.push(r.payload!);
    const response = await settle(written);
    stdin.end(segments(response, flight.length, (ack1 + r.payload!.length) >>> 0, true, 2_000_000).join('\n') + '\n');
    assert.is(await done, 0, Buffer.concat(err).toString());
    const recs = lines(Buffer.concat(out).toString());
    assert.equal(recs.map((b) => [b.port, b.service]), [[80, 'http'], [443, 'https']], 'in input order');
    assert.is(recs[0].nmap_service, 'thing7', 'the http banner waited for its rules, and got them');
    assert.is(recs[0].product, 'Thing 7');
    assert.is(recs[0].version, '2.5');
    assert.is(recs[1].http_status, 200, 'the page inside TLS');
    assert.is(recs[1].http_title, 'flowing');
    assert.ok(request.startsWith('GET / HTTP/1.1\r\n'), 'the server read our request');
  } finally {
    server.destroy();
    fs.closeSync(fd);
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

/** A line whose steps are numbers; odd ones need a compile that ends when release() is called. */
function line(maxEntries: number, maxBytes = 1 << 20) {
  const ran: number[] = [];
  const ready = new Set<number>();
  let release: () => void = () => { /* set below */ };
  const w = new Waiting<number>({ maxEntries, maxBytes }, {
    needs: (n) => n % 2 === 1 && !ready.has(n),
    prepare: (n) => new Promise<void>((resolve) => { release = () => { ready.add(n); resolve(); }; }),
    run: (n) => { if (n < 0) throw new Error(`step ${n} failed`); ran.push(n); return undefined; },
    bytes: () => 100,
  });
  return { w, ran, release: () => release() };
}

test('waiting line: a step that needs no compile runs at once when nothing waits; behind a compile every step waits, in order', async () => {
  const { w, ran, release } = line(10);
  assert.is(w.submit(0), undefined);
  assert.equal(ran, [0], 'at once');
  assert.is(w.submit(1), undefined, 'queued, the reader goes on');
  assert.is(w.submit(2), undefined);
  assert.is(w.submit(4), undefined);
  assert.equal(ran, [0], 'behind the compile');
  assert.is(w.length, 3);
  assert.is(w.bytes, 300);
  await new Promise((r) => setImmediate(r));
  release();
  await w.idle();
  assert.equal(ran, [0, 1, 2, 4]);
  assert.is(w.length, 0);
  assert.is(w.bytes, 0);
  assert.is(w.waited, 3);
  assert.is(w.peak, 3);
  assert.is(w.full, 0);
});

test('waiting line: full in entries or bytes, submit returns a promise that resolves once there is room', async () => {
  for (const [entries, bytes] of [[3, 1 << 20], [100, 250]]) {
    const { w, ran, release } = line(entries, bytes);
    assert.is(w.submit(1), undefined);
    assert.is(w.submit(2), undefined);
    const held = w.submit(4);
    assert.ok(held instanceof Promise, `held at ${entries} entries / ${bytes} bytes`);
    let through = false;
    void held!.then(() => { through = true; });
    await new Promise((r) => setTimeout(r, 20));
    assert.is(through, false, 'no room while the compile runs');
    assert.is(w.full, 1);
    release();
    await held;
    await w.idle();
    assert.equal(ran, [1, 2, 4]);
  }
});

test("waiting line: a step's error is thrown to the next submit and to idle(), and nothing is left waiting", async () => {
  const { w, release } = line(10);
  w.submit(1);
  w.submit(-2);
  w.submit(6);
  await new Promise((r) => setImmediate(r));
  release();
  try { await w.idle(); assert.unreachable('idle() must reject'); } catch (e) { assert.is((e as Error).message, 'step -2 failed'); }
  assert.is(w.length, 0);
  assert.throws(() => w.submit(8), /step -2 failed/);
});

test.run();
