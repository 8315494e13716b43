// The replies FIFO as a way in, closed: blast and catch refuse a path another user could use
// (planted by an unprivileged user created here: their FIFO, a 0666 FIFO, a symlink), and
// blast (--pcap, no network) drops forged, altered, replayed and stale requests and finds the
// good ones after stray bytes. Each case checks stdout, stderr and the exit status together.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { readPcapFile } from './packets';
import { isRoot, trawl, TRAWL } from './helpers';
import { asUser, makeUser, trawlAs, User } from './users';
import { isn, sourcePort, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT } from '../shared/cookie';
import { REPLY, ReplyRequest, REPLY_ACK_PROBE, REPLY_MIN_FRAME, REPLY_RST } from '../shared/replies';
import { Sealer } from '../shared/replies-auth';
import { sealedFrames } from './requests';
import * as P from './packets';

// A directory others may enter (the unprivileged user runs trawl from here), with a shared
// sticky one inside, as /tmp.
const dir = fs.mkdtempSync('/tmp/trawl-fifo-');
fs.chmodSync(dir, 0o755);
const shared = path.join(dir, 'shared');
fs.mkdirSync(shared); fs.chmodSync(shared, 0o1777);
const KEYHEX = '00112233445566778899aabbccddeeff';
const KEY = Uint8Array.from(Buffer.from(KEYHEX, 'hex'));
const keyFile = path.join(dir, 'k.key');
fs.writeFileSync(keyFile, KEYHEX + '\n', { mode: 0o600 });
const SRC = '198.19.0.1', src = P.ipToU32(SRC);
const pcapIn = path.join(dir, 'one.pcap');
fs.writeFileSync(pcapIn, P.pcapFile([]));
const user: User | null = makeUser('fifo');
const userLabel = user ? `${user.name} (uid ${user.uid})` : '';

test.after(() => { user?.remove(); fs.rmSync(dir, { recursive: true, force: true }); });

const blastArgs = (pcap: string, fifo: string) => ['blast', '--key-file', keyFile, '--source-ip', SRC, '--router-mac', '02:00:00:00:00:0b',
  '--rate', 'max', '--pcap', pcap, '--replies', fifo];
const catchArgs = (fifo: string) => ['catch', '--pcap', pcapIn, '--key-file', keyFile, '--replies', fifo];
const target = (i: number) => JSON.stringify({ type: 'target', ip: `198.18.0.${i}`, port: 80, i }) + '\n';

function skip(): boolean {
  if (!isRoot || !user) { console.log('  (skipped: needs root to create a user)'); return true; }
  return false;
}

/** blast and catch both refuse fifo with this reason; blast sends nothing. */
function refusedByBoth(fifo: string, reason: string) {
  const pcap = path.join(dir, 'never.pcap');
  const b = trawl(blastArgs(pcap, fifo), target(1));
  assert.equal([b.code, b.stdout, b.stderr], [1, '', `trawl blast: --replies ${fifo}: ${reason}\n`]);
  assert.not.ok(fs.existsSync(pcap), 'nothing sent');
  const c = trawl(catchArgs(fifo));
  assert.equal([c.code, c.stdout, c.stderr], [1, '', `trawl catch: --replies ${fifo}: ${reason}\n`]);
}

test('another user\'s FIFO (made by their own trawl, mode 0600) is refused by blast and catch', () => {
  if (skip()) return;
  const home = path.join(dir, 'home'); fs.mkdirSync(home, 0o700); fs.chownSync(home, user!.uid, user!.gid);
  const ukey = path.join(home, 'k');
  const k = trawlAs(user!, ['key', ukey]);
  assert.equal([k.code, k.stdout, k.stderr], [0, '', '']);
  const fifo = path.join(shared, 'theirs');
  const c = trawlAs(user!, ['catch', '--pcap', pcapIn, '--key-file', ukey, '--replies', fifo, '-q']);
  assert.equal([c.code, c.stdout, c.stderr], [0, '', '']);
  const st = fs.statSync(fifo);
  assert.ok(st.isFIFO()); assert.is(st.uid, user!.uid); assert.is(st.mode & 0o777, 0o600);
  refusedByBoth(fifo, `owned by ${userLabel}, not by you (root (uid 0)) (its owner can forge or read requests: ` +
    `remove it (rm ${fifo}), or give a path in a directory only you can write)`);
});

test('a FIFO of mode 0666 is refused (theirs, or ours: with the chmod that fixes it)', () => {
  if (skip()) return;
  const theirs = path.join(shared, 'open-theirs');
  assert.is(asUser(user!, ['mkfifo', '-m', '666', theirs]).code, 0);
  refusedByBoth(theirs, `owned by ${userLabel}, not by you (root (uid 0)) (its owner can forge or read requests: ` +
    `remove it (rm ${theirs}), or give a path in a directory only you can write)`);
  const ours = path.join(dir, 'open-ours');
  spawnSync('mkfifo', ['-m', '666', ours]);
  refusedByBoth(ours, `mode 0666 gives group or others access (they could forge or read requests: run chmod 600 ${ours})`);
  fs.chmodSync(ours, 0o600);
  const r = trawl(catchArgs(ours).concat('-q'));
  assert.equal([r.code, r.stdout, r.stderr], [0, '', ''], 'accepted once fixed');
});

test('a symlink planted at the path is never followed: root\'s catch and blast refuse it, the target is untouched', () => {
  if (skip()) return;
  const victim = path.join(dir, 'victim');
  fs.writeFileSync(victim, 'precious\n', { mode: 0o644 });
  const link = path.join(shared, 'q');
  assert.is(asUser(user!, ['ln', '-s', victim, link]).code, 0);
  refusedByBoth(link, 'is a symbolic link, which trawl does not follow: give the FIFO\'s own path, or a new path (trawl creates the FIFO)');
  assert.is(fs.readFileSync(victim, 'utf8'), 'precious\n');
  // Pointing at a FIFO of ours changes nothing: the link itself is refused.
  const ours = path.join(dir, 'fifo-ours');
  spawnSync('mkfifo', ['-m', '600', ours]);
  const link2 = path.join(shared, 'q2');
  assert.is(asUser(user!, ['ln', '-s', ours, link2]).code, 0);
  refusedByBoth(link2, 'is a symbolic link, which trawl does not follow: give the FIFO\'s own path, or a new path (trawl creates the FIFO)');
  // A dangling one where blast would create the FIFO: not created through it.
  const link3 = path.join(shared, 'q3');
  assert.is(asUser(user!, ['ln', '-s', path.join(dir, 'made-by-link'), link3]).code, 0);
  const b = trawl(blastArgs(path.join(dir, 'never.pcap'), link3), target(1));
  assert.is(b.code, 1);
  assert.not.ok(fs.existsSync(path.join(dir, 'made-by-link')));
});

test('a regular file or a directory is refused; a missing path becomes a FIFO of mode 0600 that the other user cannot open', () => {
  const file = path.join(dir, 'plain');
  fs.writeFileSync(file, '');
  refusedByBoth(file, 'not a FIFO: give a new path (trawl creates the FIFO) or an existing FIFO');
  const fifo = path.join(shared, 'fresh');
  const r = trawl(catchArgs(fifo).concat('-q'));
  assert.equal([r.code, r.stdout, r.stderr], [0, '', '']);
  const st = fs.lstatSync(fifo);
  assert.ok(st.isFIFO()); assert.is(st.uid, process.getuid!()); assert.is(st.mode & 0o777, 0o600);
  if (skip()) return;
  const w = asUser(user!, [process.execPath, '-e', `require('fs').openSync(${JSON.stringify(fifo)}, 'w')`]);
  assert.is(w.code, 1);
  assert.match(w.stderr, /EACCES: permission denied/);
});

// ---- requests through blast --pcap ----

const sa = src;
function good(i: number, kind: number = REPLY_ACK_PROBE, ack = 0x1000 + i): ReplyRequest {
  const da = 0xc6120a00 + i, slot = kind === REPLY_ACK_PROBE ? 1 : 0;
  const sport = sourcePort(KEY, sa, da, 80, slot, DEFAULT_SPORT_BASE, DEFAULT_SPORT_COUNT);
  return { kind, slot, daddr: da, saddr: sa, dport: 80, sport, seq: (isn(KEY, sa, da, sport, 80) + 1) >>> 0, ack };
}

interface Sent { flags: number; daddr: number; ack: number }

/** blast --pcap reading FIFOs name.fifo (and name.2.fifo, ... for more writes lists): each
 *  list of bytes is written into its FIFO (as root, its owner) before the targets come, so
 *  blast reads them while waiting; returns the reply frames it wrote. */
async function blastReading(name: string, writes: Uint8Array[][], extra: string[] = []) {
  const pcap = path.join(dir, `${name}.pcap`);
  const fifos = writes.map((_, i) => path.join(dir, i ? `${name}.${i + 1}.fifo` : `${name}.fifo`));
  const child = spawn(process.execPath, [TRAWL, ...blastArgs(pcap, fifos[0]), ...fifos.slice(1).flatMap((f) => ['--replies', f]),
    '--linger', '0.5', ...extra]);
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const closed = new Promise<number>((r) => child.on('close', (c) => r(c ?? -1)));
  try {
    for (const [i, fifo] of fifos.entries()) {
      // The FIFO opens for writing once blast holds it open (ENXIO until then).
      let fd = -1;
      for (let k = 0; k < 1000 && fd < 0 && child.exitCode === null; k++) {
        try { fd = fs.openSync(fifo, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); } catch (e) {
          const code = (e as NodeJS.ErrnoException).code;
          if (code !== 'ENOENT' && code !== 'ENXIO') throw e;
          await new Promise((r) => setTimeout(r, 10));
        }
      }
      assert.ok(fd >= 0, `blast never opened ${fifo}: ${stderr}`);
      for (const b of writes[i]) fs.writeSync(fd, b);   // each write of whole frames is one write, as catch's
      fs.closeSync(fd);
    }
    await new Promise((r) => setTimeout(r, 200));
  } finally {
    child.stdin.end(target(1) + target(2));
  }
  const code = await closed;
  const replies: Sent[] = readPcapFile(pcap).map((f) => f.data).filter((d) => d[47] !== 0x02)
    .map((d) => ({ flags: d[47], daddr: d.readUInt32BE(30), ack: d.readUInt32BE(42) }));
  return { code, stdout, stderr, replies };
}

const WARN = (fifo: string, what: string) => `trawl blast: warning: --replies ${fifo}: ${what}: dropped (counted in the summary)\n`;
const SENT = (n: number) => `trawl blast: sent 2 SYNs (${n} replies) in T s, N packets/s\n`;
/** stderr with the summary's timing made constant. */
const timeless = (s: string) => s.replace(/ in \d+\.\d\d s, \d+ packets\/s\n/, ' in T s, N packets/s\n');

test('forged, altered, replayed and stale requests are dropped and counted (exit 3); the good ones are sent', async () => {
  const g1 = sealedFrames(KEY, [good(1)]);
  const forged = sealedFrames(Uint8Array.from({ length: 16 }, () => 7), [good(2)]);       // another key
  const altered = sealedFrames(KEY, [good(3)]);
  new DataView(altered.buffer).setUint32(REPLY.ack.at, 0xdeadbeef);                         // an attacker-chosen ack
  const replays = Buffer.concat(Array.from({ length: 99 }, () => g1));
  const stale = sealedFrames(KEY, [good(4)], new Sealer(KEY, () => Date.now() - 61000));
  const g5 = sealedFrames(KEY, [good(5, REPLY_RST)]);
  const r = await blastReading('auth', [[g1, forged, altered, replays, stale, g5]]);
  const fifo = path.join(dir, 'auth.fifo');
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  assert.is(timeless(r.stderr),
    WARN(fifo, 'a request failed authentication (forged, or written with another key)') +
    WARN(fifo, 'bytes that start no request were skipped (framing resynchronised)') +
    WARN(fifo, 'a request was replayed (its counter was used already)') +
    WARN(fifo, 'a request is stale (sealed before --replies-max-age, or in the future)') + SENT(2) +
    // Each bad MAC skips one byte; the rest of that frame is stray bytes.
    `trawl blast: requests: 2 taken; dropped bad_mac 2, replayed 99, stale 1, stray_bytes ${2 * (REPLY_MIN_FRAME - 1)}\n`);
  assert.equal(r.replies, [
    { flags: 0x18, daddr: good(1).daddr, ack: good(1).ack },
    { flags: 0x14, daddr: good(5).daddr, ack: good(5).ack },
  ]);
});

test('a stray byte, then good requests: every good one is sent; status and summary count the byte', async () => {
  const reqs = [1, 2, 3, 4, 5].map((i) => good(i));
  const frames = sealedFrames(KEY, reqs);
  const r = await blastReading('stray', [[Uint8Array.of(0x42), frames]], ['--status-ndjson']);
  const fifo = path.join(dir, 'stray.fifo');
  assert.is(r.code, 3, r.stderr);
  assert.is(r.stdout, '');
  const lines = r.stderr.split('\n').filter(Boolean);
  const status = lines.filter((l) => l.startsWith('{')).map((l) => JSON.parse(l));
  const text = lines.filter((l) => !l.startsWith('{')).join('\n') + '\n';
  assert.is(timeless(text), WARN(fifo, 'bytes that start no request were skipped (framing resynchronised)') +
    SENT(5) + 'trawl blast: requests: 5 taken; dropped stray_bytes 1\n');
  const last = status[status.length - 1];
  assert.is(last.final, true);
  assert.equal([last.requests, last.requests_stray_bytes, last.requests_bad_mac, last.requests_replayed, last.requests_stale, last.replies],
    [5, 1, 0, 0, 0, 5]);
  assert.equal(r.replies.map((x) => x.daddr), reqs.map((q) => q.daddr));
});

test('two writers on one FIFO, and a second FIFO (--replies twice): all taken; an honest run exits 0 with no drop line', async () => {
  const a = new Sealer(KEY), b = new Sealer(KEY), c = new Sealer(KEY);
  const r = await blastReading('two', [
    [sealedFrames(KEY, [good(1)], a), sealedFrames(KEY, [good(2)], b), sealedFrames(KEY, [good(3)], a)],
    [sealedFrames(KEY, [good(4), good(5, REPLY_RST)], c)],
  ]);
  assert.equal([r.code, r.stdout], [0, '']);
  assert.is(timeless(r.stderr), SENT(5));
  assert.equal(r.replies.map((x) => x.daddr).sort(), [1, 2, 3, 4, 5].map((i) => good(i).daddr));
});

test.run();
