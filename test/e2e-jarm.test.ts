// JARM end to end: trawl scan --probe PORT:jarm against real Debian TLS servers in a namespace
// testbed gives, for each server, the fingerprint the reference implementation (salesforce/jarm)
// gives for the same server, over IPv4 and IPv6, alone and beside the tls and https probes.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, inNs, testbedName, Testbed } from './testbed';

const name = testbedName('jarm');
const SERVERS_SH = path.join(ROOT, 'test', 'servers.sh');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));

// The reference's fingerprints of the servers below (Debian 12: nginx 1.22.1, OpenSSL 3.0.19),
// obtained on 2026-12-04 by running salesforce/jarm's jarm.py (fetched from GitHub, commit
// of its default branch that day, not kept here) against the same servers, configured by
// test/servers.sh and below, from the scanner namespace of a testbed like this one:
//   ip netns exec NAME-s python3 jarm.py 198.18.5.5 -p PORT
//   ip netns exec NAME-s python3 jarm.py 2001:db8:1::55 -p PORT     (443 and 4434: the same values)
// (test/fixtures/jarm-answers.py ran it so, keeping the answers: test/fixtures/jarm-answers.json).
// A new Debian release of nginx or OpenSSL may change them: run the reference again.
const REFERENCE: Record<number, { server: string; jarm: string }> = {
  443: { server: 'nginx, TLS 1.2 and 1.3, RSA', jarm: '21d19d00021d21d00042d43d0000005ad20eceaf7f71ae0887d2ff117bf97f' },
  8443: { server: 'nginx, TLS 1.2 only, RSA', jarm: '21d19d00021d21d00021d19d21d21d1a46380b04d662f0848f508dd171125d' },
  4433: { server: 'openssl s_server -www, ECDSA P-256', jarm: '1dd40d40d00040d00042d43d000000ad9bf51cc3f5a1e29eecb81d0c7b06eb' },
  4434: { server: 'openssl s_server -tls1_2 -cipher ECDHE-RSA-AES256-SHA', jarm: '22d22d00022d22d00022d22d22d22d02098c5f1b1aef82f7daaf9fed36c4e8' },
};

let tb: Testbed | undefined;
let dir = '';
let setupError = '';

test.before(() => {
  if (!isRoot || !nativeBuilt) return;
  try { setup(); } catch (e) { setupError = (e as Error).message; }
});

function setup() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-e2e-jarm-'));
  tb = testbedUp(name);
  const r = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv'), 'nginx', 'openssl'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`servers.sh up failed: ${r.stderr}`);
  // TLS 1.2 with one suite: every hello that offers it gets it, the others an alert. The
  // testbed's down ends it with the rest of the target namespace's processes.
  const srv = path.join(dir, 'srv');
  inNs(tb.targetNs, `setsid openssl s_server -quiet -naccept 1000000 -cert ${srv}/s_server.crt -key ${srv}/s_server.key ` +
    `-accept 4434 -tls1_2 -cipher ECDHE-RSA-AES256-SHA >${srv}/s4434.log 2>&1 </dev/null &`);
  for (let i = 0; i < 50; i++) {
    if (inNs(tb.targetNs, 'ss -Hltn sport = :4434').stdout.includes('4434')) return;
    spawnSync('sleep', ['0.1']);
  }
  throw new Error('openssl s_server on 4434 did not start');
}

test.after(() => {
  if (tb) spawnSync('bash', [SERVERS_SH, 'down', tb.targetNs, path.join(dir, 'srv')]);
  testbedDown(name);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('--probe PORT:jarm: each server\'s JARM equals the reference implementation\'s, over IPv4 and IPv6; beside tls and https on 443', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const ips = ['198.18.5.5', '2001:db8:1::55'];
  const r = inNs(tb.scanNs, `$TRAWL scan ${ips.join(' ')} -p 443,8443,4433,4434 --probe 443:tls,https,jarm --probe 8443,4433,4434:jarm ` +
    `--banners -i ${tb.scanIf} --source-ip 198.19.0.79 --source-ip 2001:db8:ff::79 --rate 1000 --cooldown 3 --seed 9 -q --no-service-probes`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout);
  const banners = recs.filter((x) => x.type === 'banner');
  for (const ip of ips) {
    for (const [port, ref] of Object.entries(REFERENCE)) {
      const where = `${ip}:${port} (${ref.server})`;
      const mine = banners.filter((b) => b.ip === ip && b.port === Number(port) && b.probe === 'jarm');
      assert.is(mine.length, 1, `${where}: one jarm banner for ten connections`);
      assert.is(mine[0].jarm, ref.jarm, where);
      assert.is(mine[0].jarm_partial, undefined, `${where}: every hello answered`);
      // Ten connections, ten open records, from ten source ports.
      const opens = recs.filter((o) => o.type === 'open' && o.ip === ip && o.port === Number(port));
      if (Number(port) !== 443) assert.is(new Set(opens.map((o) => o.sport)).size, 10, where);
    }
    // 443:tls,https,jarm: the tls and https probes' banners are there too, on their own connections.
    assert.is(banners.filter((b) => b.ip === ip && b.port === 443 && b.probe === 'tls').length, 1);
    assert.is(banners.filter((b) => b.ip === ip && b.port === 443 && b.probe === 'https' && b.service === 'https').length, 1);
    assert.is(recs.filter((o) => o.type === 'open' && o.ip === ip && o.port === 443).length, 12);
  }
  assert.is(new Set(Object.values(REFERENCE).map((x) => x.jarm)).size, 4, 'four servers, four fingerprints');
});

test('blast refuses jarm on a source port range too narrow for its ten groups', () => {
  if (!tb) return;
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.5.5 -p 443 --probe jarm --banners -i ${tb.scanIf} --source-port 40000-40100 -q`);
  assert.is(r.code, 2);
  assert.match(r.stderr, /the jarm probe's 10 connections per port need at least 160 source ports/);
});

test.run();
