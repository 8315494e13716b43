// trawl catch -i against a real kernel, as root, in two network namespaces created here
// (tn-cat-<pid>-s: the scanner, no IPv4 address; tn-cat-<pid>-t: the target, 198.18.0.1 with a
// server-first listener on 2222 and nothing on 2223). A helper in the scanner namespace sends
// SYNs from 198.18.0.100 with the native Sender and relays catch's reply requests from the FIFO
// to Sender.sendReplies, i.e. plays blast. 198.18.0.100 is no address of the scanner's
// interface, so the target can only reach it if catch answers its ARP requests, and the
// scanner's kernel never sees (or resets) the connection: the whole exchange must happen,
// giving open, closed and the greeting as a segment at offset 0 (the kernel echoed our
// timestamp), then the RST once the server has been quiet for --rst-idle.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { isRoot, lines, ROOT, TRAWL } from './helpers';

const PID = process.pid;
const NS_S = `tn-cat-${PID}-s`, NS_T = `tn-cat-${PID}-t`;
const IF_S = `tc${PID % 100000}s`, IF_T = `tc${PID % 100000}t`;
const TARGET = '198.18.0.1', SCAN_IP = '198.18.0.100';
const GREETING = 'HELLO trawl 1.0\r\n';

function nativeBuilt(): boolean {
  return fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
}

function sh(script: string) {
  const r = spawnSync('bash', ['-c', script], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${script}\n${r.stderr}`);
  return r.stdout.trim();
}

function down() {
  spawnSync('bash', ['-c', `ip netns del ${NS_S} 2>/dev/null; ip netns del ${NS_T} 2>/dev/null; true`]);
}

const live = isRoot && nativeBuilt();
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-catch-live-'));
const children: ChildProcess[] = [];

// Namespaces go even if a test throws or the process is interrupted.
process.on('exit', () => { for (const c of children) { try { c.kill('SIGKILL'); } catch { /* gone */ } } down(); });

const HELPER = `
const fs = require('fs');
const N = require(${JSON.stringify(path.join(ROOT, 'dist', 'native', 'index.js'))}).loadNative();
const { RepliesQueue } = require(${JSON.stringify(path.join(ROOT, 'dist', 'shared', 'blast', 'replies.js'))});
const { RstTimer } = require(${JSON.stringify(path.join(ROOT, 'dist', 'shared', 'blast', 'rst-timer.js'))});
const [iface, dstMac, keyHex, fifo] = process.argv.slice(1);
const srcMac = fs.readFileSync('/sys/class/net/' + iface + '/address', 'utf8').trim();
const key = Buffer.from(keyHex, 'hex');
const s = new N.Sender({ iface, srcMac, dstMac, srcIp: '${SCAN_IP}', ttl: 64, synOptions: 'linux',
  key, sportBase: 32768, sportCount: 61000 - 32768 + 1, probeWindow: 512 });
s.setProbe(0, new Uint8Array(0));
let relayed = 0;
// blast's own reader and timed RST queue: authenticated frames handed over as they come, the
// RSTs that wait when they are due.
const timer = new RstTimer(64, () => 0);
const q = new RepliesQueue(key, { route: (b, o) => timer.route(b, o), onData: () => { const k = s.sendReplies(q.view(), q.count); q.drop(k); relayed += k; } });
q.open(fifo);
const rsts = new Uint8Array(64 * 104);
const tick = setInterval(() => { const n = timer.popDue(rsts, 64); if (n) relayed += s.sendReplies(rsts, n); }, 20);
const ip = 0xC6120001;
s.sendSyns(Uint32Array.of(ip, ip), Uint16Array.of(2222, 2223), Uint8Array.of(0, 0), 2);
setTimeout(() => { clearInterval(tick); q.close(); process.stdout.write(JSON.stringify({ relayed, drops: q.drops, ...s.stats() }) + '\\n'); s.close(); }, 2500);
`;

test('live: SYN-ACK, RST and a server-first greeting through -i, with catch answering ARP for the scan address', async () => {
  if (!live) { console.log('  (skipped: needs root and the native module)'); return; }
  down();
  sh(`set -e
    ip netns add ${NS_S}; ip netns add ${NS_T}
    ip link add ${IF_S} netns ${NS_S} type veth peer name ${IF_T} netns ${NS_T}
    ip -n ${NS_S} link set lo up; ip -n ${NS_S} link set ${IF_S} up
    ip -n ${NS_T} link set lo up; ip -n ${NS_T} addr add ${TARGET}/24 dev ${IF_T}; ip -n ${NS_T} link set ${IF_T} up`);
  const targetMac = sh(`ip netns exec ${NS_T} cat /sys/class/net/${IF_T}/address`);
  const key = '5a'.repeat(16);
  const keyFile = path.join(dir, 'k.key');
  fs.writeFileSync(keyFile, key + '\n', { mode: 0o600 });
  const fifo = path.join(dir, 'replies');

  const server = spawn('ip', ['netns', 'exec', NS_T, process.execPath, '-e',
    `require('net').createServer((c) => { c.on('error', () => {}); c.write(${JSON.stringify(GREETING)}); }).listen(2222, '${TARGET}', () => console.log('ready'))`]);
  children.push(server);
  await new Promise<void>((res, rej) => { server.stdout!.once('data', () => res()); server.once('exit', () => rej(new Error('server died'))); });

  const cat = spawn('ip', ['netns', 'exec', NS_S, process.execPath, TRAWL, 'catch', '-i', IF_S, '--key-file', keyFile,
    '--source-ip', SCAN_IP, '--replies', fifo, '--rst-idle', '0.5']);
  children.push(cat);
  let out = '', err = '';
  cat.stdout!.on('data', (c) => { out += c; });
  const exited = new Promise<number | null>((res) => cat.on('close', (code) => res(code)));
  // catch says it answers ARP once its capture is open: only then may the SYNs go.
  await new Promise<void>((res, rej) => {
    cat.stderr!.on('data', (c) => { err += c; if (/answering ARP/.test(err)) res(); });
    cat.once('close', () => rej(new Error(`catch ended early: ${err}`)));
  });

  // CATCH_FIXTURE_DIR=dir also records the exchange with tcpdump, to refresh
  // test/fixtures/catch/live.pcap (see the README there).
  const fixtureDir = process.env.CATCH_FIXTURE_DIR;
  let dump: ChildProcess | null = null;
  if (fixtureDir) {
    dump = spawn('ip', ['netns', 'exec', NS_S, 'tcpdump', '-i', IF_S, '-U', '-s', '0', '-w', path.join(fixtureDir, 'live.pcap')]);
    children.push(dump);
    await new Promise((res) => dump!.stderr!.once('data', res));   // "listening on ..."
    fs.copyFileSync(keyFile, path.join(fixtureDir, 'live.key'));
  }
  const helper = spawnSync('ip', ['netns', 'exec', NS_S, process.execPath, '-e', HELPER, IF_S, targetMac, key, fifo], { encoding: 'utf8' });
  if (dump) { dump.kill('SIGINT'); await new Promise((res) => dump!.once('close', res)); }
  assert.is(helper.status, 0, helper.stderr);
  const stats = JSON.parse(helper.stdout);
  cat.kill('SIGTERM');
  const code = await exited;
  server.kill();

  assert.is(code, 0, err);
  const recs = lines(out);
  const open = recs.filter((r) => r.type === 'open');
  const closed = recs.filter((r) => r.type === 'closed');
  const segs = recs.filter((r) => r.type === 'segment');
  assert.is(open.length, 1, out);
  assert.is(open[0].ip, TARGET); assert.is(open[0].port, 2222);
  assert.ok(open[0].mss > 0 && open[0].options.includes('mss'), 'a real kernel sends MSS');
  assert.is(closed.length, 1, out);
  assert.is(closed[0].port, 2223);
  assert.is(segs.length, 1, out);
  assert.is(segs[0].port, 2222);
  assert.is(segs[0].probe, 'null');
  assert.is(Buffer.from(segs[0].data, 'base64').toString(), GREETING);
  assert.is(segs[0].sport, open[0].sport);
  assert.is(segs[0].offset, 0, 'the kernel echoed our stamp of its ISN');
  assert.is(segs[0].seq, (open[0].seq + 1) >>> 0);
  // ACK (for the open port), ACK of the greeting, then the RST once the server was quiet: three
  // requests relayed, all valid.
  assert.is(stats.relayed, 3);
  assert.is(stats.replies_rejected, 0);
  assert.equal(stats.drops, { bad_mac: 0, replayed: 0, stale: 0, stray_bytes: 0, too_many_writers: 0, queue_full: 0 });
  assert.match(err, /arp \d+ requests, [1-9]\d* answered/);
  assert.match(err, /1 open, 1 closed, 0 unreachable, 1 segments \(1 with offset\)/);
});

test.after(() => { down(); fs.rmSync(dir, { recursive: true, force: true }); });
test.run();
