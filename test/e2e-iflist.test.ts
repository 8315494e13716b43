// masscan's --iflist and --router-ip in the testbed, and catch saying when the replies it sees
// answer a blast whose --source-ip it was not given.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { isRoot, lines, ROOT } from './helpers';
import { inNs, Testbed, testbedDown, testbedName, testbedUp } from './testbed';

const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const name = testbedName('ifl');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-iflist-'));
let tb: Testbed;
test.before(() => { if (isRoot && nativeBuilt) tb = testbedUp(name, { ports: [22, 80] }); });
test.after(() => { testbedDown(name); fs.rmSync(dir, { recursive: true, force: true }); });
const skip = () => { if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return true; } return false; };

test('--iflist: the interface with its addresses and MAC, loopback, the default routes; the same on blast, scan and catch; nothing sent', () => {
  if (skip()) return;
  const r = inNs(tb.scanNs, '$TRAWL blast --iflist');
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  const row = r.stdout.split('\n').find((l) => l.startsWith(`${tb.scanIf} `));
  assert.ok(row, r.stdout);
  assert.match(row!, new RegExp(`^${tb.scanIf}\\s+ethernet\\s+up\\s+1500\\s+${tb.scanMac}\\s+198\\.19\\.0\\.1/24$`));
  assert.match(r.stdout, /^\s+2001:db8:ff::1\/64$/m);
  assert.match(r.stdout, /^lo\s+loopback\s+up\s+65536\s+-\s+127\.0\.0\.1\/8$/m);
  assert.match(r.stdout, new RegExp(`^IPv4\\s+198\\.19\\.0\\.2\\s+${tb.scanIf}\\s+0$`, 'm'));
  assert.match(r.stdout, new RegExp(`^IPv6\\s+2001:db8:ff::2\\s+${tb.scanIf}\\s+\\d+$`, 'm'));
  assert.match(r.stdout, new RegExp(`without -i, blast and scan send on ${tb.scanIf}\\n$`));
  for (const cmd of ['scan --iflist', 'catch --iflist', 'scan 198.18.0.1 -p 80 --iflist']) {
    const o = inNs(tb.scanNs, `$TRAWL ${cmd}`);
    assert.equal([o.code, o.stdout, o.stderr], [0, r.stdout, ''], cmd);
  }
  // An interface that is down, without addresses.
  const down = inNs(tb.scanNs, `ip link add ${name}-d type veth peer name ${name}-e && $TRAWL blast --iflist; ip link del ${name}-d`);
  assert.match(down.stdout, new RegExp(`^${name}-d\\s+ethernet\\s+down\\s+1500\\s+[0-9a-f:]{17}\\s+-$`, 'm'));
});

test('--router-ip: the next hop by address, its MAC by ARP or Neighbor Solicitation; the scan finds the open ports', () => {
  if (skip()) return;
  // The next hop's MAC must come from ARP and NDP, not from a table the kernel filled.
  inNs(tb.scanNs, 'ip neigh flush all');
  const r = inNs(tb.scanNs, '$TRAWL scan 198.18.0.1 2001:db8:1::1 -p 22,80,81 --router-ip 198.19.0.2 --router-ip 2001:db8:ff::2 --cooldown 1 -q');
  assert.is(r.code, 0, r.stderr);
  const got = lines(r.stdout).filter((x) => x.type === 'open' || x.type === 'closed').map((x) => `${x.type} ${x.ip} ${x.port}`).sort();
  assert.equal(got, ['closed 198.18.0.1 81', 'closed 2001:db8:1::1 81', 'open 198.18.0.1 22', 'open 198.18.0.1 80',
    'open 2001:db8:1::1 22', 'open 2001:db8:1::1 80']);
});

test('--router-ip of an address nobody has: an error naming it; beside --router-mac: a usage error', () => {
  if (skip()) return;
  for (const [addr, target] of [['198.19.0.77', '198.18.0.1'], ['2001:db8:ff::77', '2001:db8:1::1']]) {
    const r = inNs(tb.scanNs, `$TRAWL scan ${target} -p 80 --router-ip ${addr} --cooldown 0 -q`);
    assert.is(r.code, 1, r.stderr);
    assert.match(r.stderr, new RegExp(`trawl blast: --router-ip ${addr}: no (ARP|Neighbor Advertisement) reply on ${tb.scanIf}`));
  }
  const both = inNs(tb.scanNs, '$TRAWL scan 198.18.0.1 -p 80 --router-ip 198.19.0.2 --router-mac 02:00:00:00:00:01');
  assert.equal([both.code, both.stdout], [2, '']);
  assert.is(both.stderr, 'trawl scan: give --router-ip or --router-mac, not both (--router-mac names the MAC itself)\n');
  const two = inNs(tb.scanNs, '$TRAWL scan 198.18.0.1 -p 80 --router-ip 198.19.0.2 --router-ip 198.19.0.3');
  assert.is(two.code, 2);
  assert.match(two.stderr, /option --router-ip: two IPv4 next hops \(198\.19\.0\.2, 198\.19\.0\.3\): give one per family/);
});

test('catch without --source-ip beside a blast with one: warns, names the address, says it in the summary', () => {
  if (skip()) return;
  const key = path.join(dir, 'key');
  fs.writeFileSync(key, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
  // The target reaches 198.19.0.9 (not an address of the scanner's interface) without ARP.
  inNs(tb.targetNs, `ip neigh replace 198.19.0.9 lladdr ${tb.scanMac} dev ${tb.targetIf} nud permanent`);
  const targets = [22, 80, 81].map((p) => `{"type":"target","ip":"198.18.0.1","port":${p}}`).join('\n');
  const run = (catchArgs: string) => inNs(tb.scanNs, `
    $TRAWL catch -i ${tb.scanIf} --key-file ${key} --idle 2 ${catchArgs} > ${dir}/out 2> ${dir}/err & c=$!
    sleep 1
    echo '${targets}' | $TRAWL blast -i ${tb.scanIf} --key-file ${key} --source-ip 198.19.0.9 -q
    wait $c; echo "catch $?"; cat ${dir}/err; cat ${dir}/out`);
  const r = run('');
  assert.match(r.stdout, /^catch 0$/m);
  assert.match(r.stdout, new RegExp(`trawl catch: warning: 1 reply \\(valid cookies\\) to 198\\.19\\.0\\.9, which is not an address of ${tb.scanIf}: give catch the --source-ip blast uses`));
  assert.match(r.stdout, /trawl catch: \d+ packets: 0 open, 0 closed, .*rejected \d+ \(.*other_address \d+/);
  // The SYN-ACKs come again (nobody answers them): 3 replies at least.
  assert.match(r.stdout, new RegExp(`trawl catch: warning: ([3-9]|\\d\\d+) replies \\(valid cookies\\) to 198\\.19\\.0\\.9, which is not an address of ${tb.scanIf}`));
  // Another --source-ip names it; the same one finds the ports and says nothing.
  const other = run('--source-ip 198.19.0.8');
  assert.match(other.stdout, /which is not --source-ip 198\.19\.0\.8: give catch the --source-ip blast uses/);
  const same = run('--source-ip 198.19.0.9');
  assert.not.match(same.stdout, /other_address|not --source-ip/);
  assert.match(same.stdout, /trawl catch: \d+ packets: 2 open, 1 closed/);
});

test.run();
