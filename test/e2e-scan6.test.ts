// trawl scan over IPv6 end to end in namespaces: a /118 of 2001:db8:1::/112 (local in the target)
// mixed with an IPv4 /24 in one run: open, closed, filtered and ICMPv6-unreachable ground truth.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, testbedName, inNs } from './testbed';

const name = testbedName('e2e6');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
test.after(() => testbedDown(name));

test('IPv6 and IPv4 in one scan: open = listeners, closed = RST ports, a dropped /120 silent, a rejected /124 unreachable', () => {
  if (!isRoot || !nativeBuilt) { console.log('  (skipped: needs root and the native module)'); return; }
  const tb = testbedUp(name, { ports: [22, 80], drop: ['2001:db8:1::300/120'] });
  // 2001:db8:1::280/124 answers port 81 with ICMPv6 administratively prohibited (type 1 code 1).
  const nft = spawnSync('ip', ['netns', 'exec', tb.targetNs, 'nft', '-f', '-'], { encoding: 'utf8', input:
    `add table inet e2e6
     add chain inet e2e6 in { type filter hook input priority -5; policy accept; }
     add rule inet e2e6 in ip6 daddr 2001:db8:1::280/124 tcp dport 81 reject with icmpv6 type admin-prohibited\n` });
  assert.is(nft.status, 0, nft.stderr);
  // The kernel rate-limits ICMPv6 errors (per destination and per namespace): lift both, so that
  // every rejected SYN gets its error and a missing record is trawl's fault.
  const sysctl = inNs(tb.targetNs, 'sysctl -qw net.ipv6.icmp.ratelimit=0 net.ipv4.icmp_msgs_per_sec=100000 net.ipv4.icmp_msgs_burst=100000');
  assert.is(sysctl.code, 0, sysctl.stderr);

  const r = inNs(tb.scanNs, `$TRAWL scan 2001:db8:1::/118 198.18.0.0/24 -p 22,80,81 -i ${tb.scanIf} --rate 5000 --cooldown 1 --seed 7 -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout);
  assert.is(recs.shift().type, 'scan');
  const got: Record<string, Set<string>> = { open: new Set(), closed: new Set(), unreachable: new Set() };
  for (const x of recs) {
    const k = `${x.ip} ${x.port}`;
    assert.ok(got[x.type], `unexpected record ${JSON.stringify(x)}`);
    assert.not.ok(got[x.type].has(k), `duplicate ${x.type} ${k}`);
    got[x.type].add(k);
    if (x.type === 'unreachable') {
      assert.equal([x.from, x.icmp_type, x.icmp_code], [tb.targetIp6, 1, 1], JSON.stringify(x));   // from the target's link address
    }
  }
  const want: Record<string, Set<string>> = { open: new Set(), closed: new Set(), unreachable: new Set() };
  for (let h = 0; h < 1024; h++) {
    if (h >= 0x300) continue;   // dropped: no answer at all
    const ip = `2001:db8:1::${h ? h.toString(16) : ""}`;   // RFC 5952: ::0 is written ::
    want.open.add(`${ip} 22`); want.open.add(`${ip} 80`);
    (h >= 0x280 && h < 0x290 ? want.unreachable : want.closed).add(`${ip} 81`);
  }
  for (let h = 0; h < 256; h++) {
    want.open.add(`198.18.0.${h} 22`); want.open.add(`198.18.0.${h} 80`); want.closed.add(`198.18.0.${h} 81`);
  }
  const diff = (a: Set<string>, b: Set<string>) => [...a].filter((x) => !b.has(x)).slice(0, 5);
  for (const t of ['open', 'closed', 'unreachable']) {
    assert.equal(diff(got[t], want[t]), [], `reported ${t} wrongly`);
    assert.equal(diff(want[t], got[t]), [], `${t} missed`);
  }
  assert.equal([got.open.size, got.closed.size, got.unreachable.size], [2048, 1008, 16]);
});

test.run();
