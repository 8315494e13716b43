// scan --banners from an address the kernel owns (no --source-ip): scan's own nftables table
// drops the kernel's RSTs for the run, so the banners come; the table is gone at the end, after
// a Ctrl-C too, and one left by a killed scan is cleaned up; without nft scan refuses and
// prints the rule. Real sshd and nginx (test/servers.sh) in the namespace testbed.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn, spawnSync } from 'child_process';
import { isRoot, lines, ROOT, TRAWL } from './helpers';
import { testbedUp, testbedDown, testbedName, inNs, nftIn, Testbed } from './testbed';

const SERVERS_SH = path.join(ROOT, 'test', 'servers.sh');
const name = testbedName('krst');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
let tb: Testbed | undefined;
let dir = '';
let setupError = '';

test.before(() => {
  if (!isRoot || !nativeBuilt) return;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-krst-'));
    fs.chmodSync(dir, 0o755);
    tb = testbedUp(name);
    const r = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv'), 'sshd', 'nginx'], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`servers.sh up failed: ${r.stderr}`);
    // What reaches the servers from the scanner with RST set and ACK clear: the kernel's RSTs
    // (blast's own are RST+ACK).
    nftIn(tb.targetNs, `table inet krst {
      counter kernel_rst {}
      chain in { type filter hook input priority -10; policy accept;
        ip saddr 198.19.0.0/24 tcp flags & (rst|ack) == rst counter name kernel_rst
      }
    }`);
  } catch (e) { setupError = (e as Error).message; }
});

test.after(() => {
  if (tb) spawnSync('bash', [SERVERS_SH, 'down', tb.targetNs, path.join(dir, 'srv')]);
  testbedDown(name);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});


const kernelRsts = () => Number(/packets (\d+)/.exec(inNs(tb!.targetNs, 'nft list counter inet krst kernel_rst').stdout)?.[1] ?? -1);
const tables = () => inNs(tb!.scanNs, 'nft list tables').stdout;
const ready = () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return false; }
  assert.is(setupError, '');
  return true;
};
const SCAN = (extra: string) => `$TRAWL scan 198.18.0.0/28 -p 22,80 -i ${tb!.scanIf} --banners --no-service-probes --rate 1000 --cooldown 1 --seed 7 ${extra}`;

test('no --source-ip: scan\'s table drops the kernel\'s RSTs, every banner comes, the table is gone after', () => {
  if (!ready()) return;
  const before = kernelRsts();
  const r = inNs(tb!.scanNs, SCAN(''));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /^trawl scan: nftables table inet trawl_scan_\d+ drops the kernel's RSTs from 198\.19\.0\.1 and 2001:db8:ff::1 for this scan \(removed at its end\)$/m);
  assert.match(r.stderr, /^trawl scan: the nftables rule dropped [1-9]\d* of the kernel's RSTs$/m);
  const banners = lines(r.stdout).filter((x) => x.type === 'banner');
  assert.is(banners.filter((b) => b.port === 22 && /^SSH-2\.0-OpenSSH/.test(Buffer.from(b.data, 'base64').toString())).length, 16);
  assert.is(banners.filter((b) => b.port === 80 && /^HTTP\/1\.1 /.test(Buffer.from(b.data, 'base64').toString())).length, 16);
  assert.is(kernelRsts() - before, 0, 'no kernel RST reached the servers');
  assert.not.match(tables(), /trawl_scan_/);
});

test('--no-firewall: the warning of old, and the kernel resets the connections (no banner)', () => {
  if (!ready()) return;
  const before = kernelRsts();
  const r = inNs(tb!.scanNs, SCAN('--no-firewall'));
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /--no-firewall: unless you drop its RSTs for source ports 32768-61000, the kernel resets the connections/);
  assert.is(lines(r.stdout).filter((x) => x.type === 'banner').length, 0);
  assert.ok(kernelRsts() - before >= 32, 'the kernel reset them');
});

test('Ctrl-C (SIGINT to the process group) removes the table; a table a killed scan left is removed by the next', async () => {
  if (!ready()) return;
  inNs(tb!.scanNs, 'nft add table inet trawl_scan_4194000');   // no such pid (above pid_max's default)
  const child = spawn('ip', ['netns', 'exec', tb!.scanNs, process.execPath, TRAWL, 'scan', '198.18.0.0/22', '-p', '22', '-i', tb!.scanIf,
    '--banners', '--no-service-probes', '--rate', '200', '--cooldown', '1', '--seed', '7'], { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  child.stderr!.on('data', (d) => { err += d; });
  child.stdout!.resume();
  // Once the table is there and SYNs are going out, the user presses Ctrl-C.
  for (let i = 0; i < 100 && !/trawl_scan_\d+ drops/.test(err); i++) await new Promise((r) => setTimeout(r, 50));
  await new Promise((r) => setTimeout(r, 1000));
  assert.match(tables(), new RegExp(`trawl_scan_\\d+`));
  assert.not.match(tables(), /trawl_scan_4194000/, 'the stale table went first');
  process.kill(-child.pid!, 'SIGINT');
  const code = await new Promise<number>((r) => child.on('exit', (c) => r(c ?? -1)));
  assert.is(code, 130, err);
  assert.match(err, /resume with --resume-index \d+/);
  assert.not.match(tables(), /trawl_scan_/);
});

test('without nft: scan refuses, naming why, and prints the rule to add by hand', () => {
  if (!ready()) return;
  const bin = fs.mkdtempSync(path.join(dir, 'bin-'));   // a PATH with ip and node but no nft
  const r = inNs(tb!.scanNs, `PATH=${bin} ${SCAN('')}`);
  assert.is(r.code, 1);
  assert.is(r.stdout, '');
  assert.match(r.stderr, /^trawl scan: --banners from 198\.19\.0\.1 and 2001:db8:ff::1, which the kernel owns: .*\(nft is not installed\)\. Give --source-ip /);
  assert.match(r.stderr, /\nnft -f - <<'EOF'\nadd table inet trawl\n.*\nadd rule inet trawl out ip saddr 198\.19\.0\.1 tcp sport 32768-61000 tcp flags & \(rst \| ack\) == rst counter drop\n/s);
});

test.run();
