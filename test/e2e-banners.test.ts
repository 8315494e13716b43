// Banners from real Debian daemons in a namespace testbed, through blast | catch | banners and
// through trawl scan --banners: every service answers once with its real version, identified by
// trawl banners, and the kernel never resets us,
// both with a source address the kernel owns (an nft rule drops its RSTs) and with one it does
// not own (catch answers ARP for it).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, inNs, nftIn, testbedName, Testbed } from './testbed';

const name = testbedName('pbnr');
const SERVERS_SH = path.join(ROOT, 'test', 'servers.sh');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const CLOSED_PORT = 9;
const PORTS = [21, 22, 25, 80, 110, 143, 443, 6379, 8443, 11211];

let tb: Testbed | undefined;
let dir = '';
let setupError = '';   // uvu does not report a throwing before hook; the tests do
const v: Record<string, string> = {};

test.before(() => {
  if (!isRoot || !nativeBuilt) return;
  try { setup(); } catch (e) { setupError = (e as Error).message; }
});

function setup() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-e2e-banners-'));
  fs.chmodSync(dir, 0o755);   // exim and dovecot write below it as their own users
  tb = testbedUp(name);
  const r = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv')], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`servers.sh up failed: ${r.stderr}`);
  for (const l of r.stdout.split('\n')) { const m = /^(\w+)=(.*)$/.exec(l); if (m) v[m[1]] = m[2]; }
  // Counters on the target side: what arrives from the scanner's subnet with RST set. The
  // kernel answers a SYN-ACK it did not expect with a bare RST (no ACK flag: RFC 793, the
  // SYN-ACK carried an ACK); blast's own RSTs after a banner are RST+ACK.
  nftIn(tb.targetNs, `table inet pbnr {
    counter kernel_rst {}
    counter trawl_rst {}
    chain in { type filter hook input priority -10; policy accept;
      ip saddr 198.19.0.0/24 tcp flags & (rst|ack) == rst counter name kernel_rst
      ip saddr 198.19.0.0/24 tcp flags & (rst|ack) == (rst|ack) counter name trawl_rst
      ip6 saddr 2001:db8:ff::/64 tcp flags & (rst|ack) == rst counter name kernel_rst
      ip6 saddr 2001:db8:ff::/64 tcp flags & (rst|ack) == (rst|ack) counter name trawl_rst
    }
  }`);
}

test.after(() => {
  if (tb) spawnSync('bash', [SERVERS_SH, 'down', tb.targetNs, path.join(dir, 'srv')]);
  testbedDown(name);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});


/** Packets counted by a named counter (and resets it, so each scan reads its own). */
function counter(ns: string, table: string, cname: string): number {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', 'reset', 'counter', 'inet', table, cname], { encoding: 'utf8' });
  const m = /packets (\d+)/.exec(r.stdout);
  if (!m) throw new Error(`counter ${cname} in ${ns}: ${r.stderr}`);
  return Number(m[1]);
}

/** catch (live, replies FIFO) + blast over the targets from the scanner namespace. */
function scan(ips: string[], sourceIp: string | undefined, tag: string) {
  const key = path.join(dir, `${tag}.key`), fifo = path.join(dir, `${tag}.fifo`), out = path.join(dir, `${tag}.ndjson`);
  const targets = ips.flatMap((ip) => [...PORTS, CLOSED_PORT].map((port) => JSON.stringify({ type: 'target', ip, port }))).join('\n') + '\n';
  fs.writeFileSync(path.join(dir, `${tag}.targets`), targets);
  const src = sourceIp ? `--source-ip ${sourceIp}` : '';
  const r = inNs(tb!.scanNs, `set -e
    $TRAWL key --force ${key}
    ( $TRAWL catch -i ${tb!.scanIf} --key-file ${key} --replies ${fifo} ${src} --idle 4 -q | $TRAWL banners -q > ${out} 2> ${dir}/${tag}.catch.err ) &
    catch_pid=$!
    sleep 1
    $TRAWL blast --key-file ${key} --replies ${fifo} ${src} --rate 2000 --linger 2 -q < ${dir}/${tag}.targets
    wait $catch_pid`);
  const err = fs.readFileSync(`${dir}/${tag}.catch.err`, 'utf8');
  return { code: r.code, stderr: r.stderr + err, records: lines(fs.readFileSync(out, 'utf8')) };
}

const decode = (b: any) => Buffer.from(b.data, 'base64');

/** What each port's banner must show, from the version the daemon reports itself. */
/** talked: banners carried the https conversation on (scan --banners), or not (catch | banners). */
function checkBanners(records: any[], ips: string[], talked: boolean) {
  const banners = records.filter((r) => r.type === 'banner');
  const open = records.filter((r) => r.type === 'open');
  const closed = records.filter((r) => r.type === 'closed');
  for (const ip of ips) {
    for (const port of PORTS) {
      const where = `${ip}:${port}`;
      assert.is(open.filter((r) => r.ip === ip && r.port === port).length, 1, `one open record for ${where}`);
      const mine = banners.filter((r) => r.ip === ip && r.port === port);
      assert.is(mine.length, 1, `exactly one banner for ${where}, got ${mine.length}`);
      const b = mine[0];
      const text = decode(b).toString('latin1');
      switch (port) {
        case 21:
          assert.is(b.probe, 'null');
          assert.match(text, `220 (vsFTPd ${v.VSFTPD_VERSION})`);
          { assert.is(b.service, 'ftp', where); assert.is(b.ftp_code, 220); assert.match(JSON.stringify(b), `vsFTPd ${v.VSFTPD_VERSION}`); }
          break;
        case 22:
          assert.match(text, new RegExp(`^SSH-2\\.0-OpenSSH_${v.OPENSSH_VERSION.replace(/\./g, '\\.')} `));
          { assert.is(b.service, 'ssh', where); assert.is(b.ssh_software, `OpenSSH_${v.OPENSSH_VERSION}`); }
          break;
        case 25:
          assert.match(text, `220 mx.trawl-test.example ESMTP Exim ${v.EXIM_VERSION} `);
          { assert.is(b.service, 'smtp', where); assert.is(b.smtp_code, 220); assert.match(JSON.stringify(b), `Exim ${v.EXIM_VERSION}`); }
          break;
        case 80:
          assert.is(b.probe, 'http');
          assert.match(text, `Server: nginx/${v.NGINX_VERSION}\r\n`);
          {
            assert.is(b.service, 'http', where);
            assert.is(b.http_status, 200); assert.is(b.http_server, `nginx/${v.NGINX_VERSION}`); assert.is(b.http_title, 'trawl test page');
          }
          break;
        case 110:
          assert.is(text, '+OK Dovecot (Debian) ready.\r\n');   // dovecot does not say its version
          assert.is(b.service, 'pop3', where);
          break;
        case 143:
          assert.match(text, /^\* OK \[CAPABILITY IMAP4rev1 .*\] Dovecot \(Debian\) ready\.\r\n$/);
          assert.is(b.service, 'imap', where);
          break;
        case 443: case 8443: {
          // The default of both is https. Without banners --replies (catch | banners, no FIFO
          // for banners) the conversation stops at the server's flight: the banner is what the
          // tls probe got there before (the TLS 1.2 certificate in clear; TLS 1.3's encrypted,
          // banners has no key). scan --banners carries it on: the page, and every certificate.
          assert.is(b.probe, 'https');
          const d = decode(b);
          assert.is(d[0], 0x16, `${where}: a handshake record`);
          assert.is(d[5], 0x02, `${where}: a ServerHello`);
          if (port === 8443) assert.ok(d.includes(Buffer.from('trawl-test.example')), 'TLS 1.2: the certificate in clear');
          // scan --banners applies nmap's rules, whose chains compile in the first seconds (3 to 4
          // on a loaded machine): banners reads and answers meanwhile, so the flight is answered
          // before blast's idle RST (4 s) and the banner is the page, never tls's fallback.
          assert.is(b.service, talked ? 'https' : 'tls', where);
          assert.is(b.http_status, talked ? (port === 443 ? 200 : 204) : undefined, `${where}: status`);
          if (port === 8443 || talked) { assert.is(b.cert_subject_cn, 'trawl-test.example', where); assert.match(String(b.cert_sans), 'www.trawl-test.example'); }
          break;
        }
        case 6379:
          assert.is(b.probe, 'redis');
          assert.match(text, `\r\nredis_version:${v.REDIS_VERSION}\r\n`);
          { assert.is(b.service, 'redis', where); assert.is(b.redis_version, v.REDIS_VERSION); }
          break;
        case 11211:
          assert.is(b.probe, 'memcached');
          assert.is(text, `VERSION ${v.MEMCACHED_VERSION}\r\n`);
          { assert.is(b.service, 'memcached', where); assert.is(b.memcached_version, v.MEMCACHED_VERSION); }
          break;
      }
    }
    assert.is(closed.filter((r) => r.ip === ip && r.port === CLOSED_PORT).length, 1, `${ip}:${CLOSED_PORT} closed`);
  }
  assert.is(banners.length, ips.length * PORTS.length, 'no banner for anything else');
}

test('banners with a source address the kernel owns, its RSTs dropped by nft', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  // Kernel RSTs leave through the output hook; blast's frames (AF_PACKET) never pass it.
  nftIn(tb.scanNs, `table inet pbnr { counter dropped {}
    chain out { type filter hook output priority 0; policy accept;
      oifname "${tb.scanIf}" tcp sport 32768-61000 tcp flags & (rst|ack) == rst counter name dropped drop
    }
  }`);
  counter(tb.targetNs, 'pbnr', 'kernel_rst'); counter(tb.targetNs, 'pbnr', 'trawl_rst');
  const ips = ['198.18.0.1', '198.18.0.2', '198.18.7.9'];
  const r = scan(ips, undefined, 'owned');
  assert.is(r.code, 0, r.stderr);
  checkBanners(r.records, ips, false);
  const dropped = counter(tb.scanNs, 'pbnr', 'dropped');
  assert.ok(dropped > 0, 'the kernel did try to reset (the rule is needed)');
  assert.is(counter(tb.targetNs, 'pbnr', 'kernel_rst'), 0, 'no kernel RST reached the servers');
  assert.ok(counter(tb.targetNs, 'pbnr', 'trawl_rst') >= ips.length * PORTS.length, 'blast closed every connection');
  spawnSync('ip', ['netns', 'exec', tb.scanNs, 'nft', 'delete', 'table', 'inet', 'pbnr']);
});

test('banners with a source address the kernel does not own, answered by catch\'s ARP responder', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  // No drop rule this time, only a counter: the kernel must not even try.
  nftIn(tb.scanNs, `table inet pbnr2 { counter kernel_rst {}
    chain out { type filter hook output priority 0; policy accept; tcp flags rst counter name kernel_rst
    }
  }`);
  counter(tb.targetNs, 'pbnr', 'kernel_rst'); counter(tb.targetNs, 'pbnr', 'trawl_rst');
  const ips = ['198.18.1.1', '198.18.1.2', '198.18.200.200'];
  const r = scan(ips, '198.19.0.77', 'unowned');
  assert.is(r.code, 0, r.stderr);
  checkBanners(r.records, ips, false);
  assert.is(counter(tb.scanNs, 'pbnr2', 'kernel_rst'), 0, 'the scanner kernel sent no RST at all');
  assert.is(counter(tb.targetNs, 'pbnr', 'kernel_rst'), 0, 'no kernel RST reached the servers');
  assert.ok(counter(tb.targetNs, 'pbnr', 'trawl_rst') >= ips.length * PORTS.length, 'blast closed every connection');
  const neigh = inNs(tb.targetNs, 'ip neigh show 198.19.0.77').stdout;
  assert.match(neigh, tb.scanMac, 'the target learned 198.19.0.77 from catch\'s ARP reply');
  spawnSync('ip', ['netns', 'exec', tb.scanNs, 'nft', 'delete', 'table', 'inet', 'pbnr2']);
});

test('trawl scan --banners: the same services and versions in one command', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  counter(tb.targetNs, 'pbnr', 'kernel_rst');
  const ports = [...PORTS, CLOSED_PORT].join(',');
  const xml = path.join(dir, 'scan.xml');
  // While it runs, the replies FIFO is found (through TMPDIR) in a directory only we can enter;
  // both are gone at the end.
  const tmp = path.join(dir, 'scan-tmp');
  fs.mkdirSync(tmp);
  const r = inNs(tb.scanNs, `TMPDIR=${tmp} $TRAWL scan 198.18.3.0/31 198.18.9.9 -p ${ports} --banners -i ${tb.scanIf} --source-ip 198.19.0.79 --rate 2000 --cooldown 3 --seed 5 -q -o ndjson -o xml:${xml} > ${dir}/scan.out &
    pid=$!
    for i in $(seq 400); do f=$(ls -d ${tmp}/trawl-scan-*/replies 2>/dev/null) && [ -p "$f" ] && break; sleep 0.025; done
    stat -c '%a %U %F' ${tmp}/trawl-scan-* "$f" > ${dir}/scan.modes
    wait $pid; code=$?
    cat ${dir}/scan.out; exit $code`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  checkBanners(lines(r.stdout), ['198.18.3.0', '198.18.3.1', '198.18.9.9'], true);
  assert.is(fs.readFileSync(path.join(dir, 'scan.modes'), 'utf8'), '700 root directory\n600 root fifo\n');
  assert.equal(fs.readdirSync(tmp), [], 'the directory and its FIFO removed at the end');
  assert.is(counter(tb.targetNs, 'pbnr', 'kernel_rst'), 0, 'no kernel RST reached the servers');
  // The XML carries the versions (nmap's rules apply by default) and the scan's own command line,
  // and nmap's tools read them: xmllint against nmap.dtd, nmap.xsl, ndiff.
  const x = fs.readFileSync(xml, 'utf8');
  const v1 = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', xml], { encoding: 'utf8' });
  assert.is(v1.status, 0, v1.stderr);
  assert.match(x, /<nmaprun scanner="nmap" args="trawl scan 198\.18\.3\.0\/31 198\.18\.9\.9 -p 21,22,25,80,110,143,443,6379,8443,11211,9 --banners /);
  assert.match(x, /<scaninfo type="syn" protocol="tcp" numservices="11" services="9,21-22,25,80,110,143,443,6379,8443,11211"\/>/);
  assert.match(x, new RegExp(`<service name="ssh" product="OpenSSH" version="${v.OPENSSH_VERSION.replace(/\./g, '\\.')} [^"]*" extrainfo="protocol 2\\.0" ostype="Linux" method="probed" conf="10"><cpe>cpe:/a:openbsd:openssh:`));
  assert.match(x, `<service name="http" product="nginx" version="${v.NGINX_VERSION}"`);
  assert.match(x, /<service name="ssl"|<service name="http"[^>]* tunnel="ssl"/);
  for (const h of x.split('<port ').slice(1)) assert.ok((h.match(/<script id="banner"/g) ?? []).length <= 1, 'one banner script per port');
  const html = spawnSync('xsltproc', ['/usr/share/nmap/nmap.xsl', xml], { encoding: 'utf8' });
  assert.is(html.status, 0, html.stderr);
  assert.match(html.stdout, new RegExp(`<td>OpenSSH\\s*</td>\n<td>${v.OPENSSH_VERSION.replace(/\./g, '\\.')}`));
  assert.match(html.stdout, new RegExp(`<td>nginx\\s*</td>\n<td>${v.NGINX_VERSION.replace(/\./g, '\\.')}\\s*</td>`));
  // A later scan that finds another nginx version: ndiff shows the version change.
  const later = path.join(dir, 'later.xml');
  fs.writeFileSync(later, x.replace(`product="nginx" version="${v.NGINX_VERSION}"`, 'product="nginx" version="9.9.9"'));
  const nd = spawnSync('ndiff', [xml, later], { encoding: 'utf8' });
  assert.is(nd.status, 1, nd.stderr);
  assert.match(nd.stdout, new RegExp(`^-80/tcp +open +http +nginx ${v.NGINX_VERSION.replace(/\./g, '\\.')}$`, 'm'));
  assert.match(nd.stdout, /^\+80\/tcp +open +http +nginx 9\.9\.9$/m);
});

test('IPv6 and IPv4 in one scan --banners: the same banners over IPv6, catch answering Neighbor Solicitations', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  counter(tb.targetNs, 'pbnr', 'kernel_rst'); counter(tb.targetNs, 'pbnr', 'trawl_rst');
  const log = path.join(dir, 'srv', 'nginx-access.log');
  fs.writeFileSync(log, '');
  const xml = path.join(dir, 'scan6.xml');
  const ips = ['2001:db8:1::5', '2001:db8:1::a0', '198.18.5.5'];
  // Source addresses the kernel does not own, in both families: the kernel never resets, and
  // the target finds 2001:db8:ff::79 through catch's Neighbor Advertisements.
  const r = inNs(tb.scanNs, `$TRAWL scan ${ips.join(' ')} -p ${[...PORTS, CLOSED_PORT].join(',')} --banners -i ${tb.scanIf} ` +
    `--source-ip 198.19.0.79 --source-ip 2001:db8:ff::79 --rate 2000 --cooldown 3 --seed 5 -q -o ndjson -o xml:${xml}`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  checkBanners(lines(r.stdout), ips, true);
  assert.is(counter(tb.targetNs, 'pbnr', 'kernel_rst'), 0, 'no kernel RST reached the servers');
  assert.ok(counter(tb.targetNs, 'pbnr', 'trawl_rst') >= ips.length * PORTS.length, 'blast closed every connection');
  assert.match(inNs(tb.targetNs, 'ip -6 neigh show 2001:db8:ff::79').stdout, tb.scanMac, 'learned from catch\'s NA');
  // The http probe's Host is the IPv6 address in brackets (RFC 3986), filled in by blast (the
  // https default's requests on 443 and 8443 are left out: the https test checks them).
  assert.equal(fs.readFileSync(log, 'utf8').split('\n').filter((l) => / 80 "/.test(l)).sort(), [
    '198.18.5.5 80 "GET / HTTP/1.1" host=198.18.5.5 ua="trawl/0.1.0" 200',
    '2001:db8:1::5 80 "GET / HTTP/1.1" host=[2001:db8:1::5] ua="trawl/0.1.0" 200',
    '2001:db8:1::a0 80 "GET / HTTP/1.1" host=[2001:db8:1::a0] ua="trawl/0.1.0" 200',
  ]);
  // nmap's XML for both families, valid against nmap.dtd.
  const v1 = spawnSync('xmllint', ['--noout', '--dtdvalid', '/usr/share/nmap/nmap.dtd', xml], { encoding: 'utf8' });
  assert.is(v1.status, 0, v1.stderr);
  const x = fs.readFileSync(xml, 'utf8');
  assert.match(x, '<address addr="2001:db8:1::a0" addrtype="ipv6"/>');
  assert.match(x, '<address addr="198.18.5.5" addrtype="ipv4"/>');
});

test('the Host template and a --probe-file probe reach nginx as sent', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const log = path.join(dir, 'srv', 'nginx-access.log');
  const scan1 = (args: string) => inNs(tb!.scanNs, `$TRAWL scan ${args} --banners -i ${tb!.scanIf} --source-ip 198.19.0.79 --rate 1000 --cooldown 3 --seed 7 -q`);
  fs.writeFileSync(log, '');
  // The http probe: Host is each target's own address, inserted by blast's native template.
  let r = scan1('198.18.6.1 198.18.6.200 -p 80 --http-url /probe-check --http-header "X-Trawl: 1"');
  assert.is(r.code, 0, r.stderr);
  let got = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean).sort();
  assert.equal(got, [
    '198.18.6.1 80 "GET /probe-check HTTP/1.1" host=198.18.6.1 ua="trawl/0.1.0" 200',
    '198.18.6.200 80 "GET /probe-check HTTP/1.1" host=198.18.6.200 ua="trawl/0.1.0" 200',
  ]);
  // The user probe (slot 15) from the text form: HEAD with {ip}, on port 80 only.
  fs.writeFileSync(log, '');
  r = scan1(`198.18.6.7 -p 80,22 --probe-file ${path.join(ROOT, 'test', 'fixtures', 'probes', 'head.txt')} --probe 80:user`);
  assert.is(r.code, 0, r.stderr);
  const banners = lines(r.stdout).filter((x) => x.type === 'banner');
  const web = banners.find((b) => b.port === 80), ssh = banners.find((b) => b.port === 22);
  assert.is(web.probe, 'user');
  assert.match(decode(web).toString('latin1'), /^HTTP\/1\.1 200 OK\r\n/);
  assert.is(ssh.probe, 'null');
  got = fs.readFileSync(log, 'utf8').split('\n').filter(Boolean);
  assert.equal(got, ['198.18.6.7 80 "HEAD / HTTP/1.0" host=198.18.6.7 ua="-" 200']);
});

test('the tls probe gets a ServerHello from TLS 1.0 and 1.1 servers and a HelloRetryRequest from a P-384-only one', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const up = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv'), 'openssl'], { encoding: 'utf8' });
  assert.is(up.status, 0, up.stderr);
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.8.8 -p 4430-4432 --probe tls --banners -i ${tb.scanIf} --source-ip 198.19.0.79 --rate 1000 --cooldown 3 --seed 8 -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const by = new Map(lines(r.stdout).filter((x) => x.type === 'banner').map((b) => [b.port, b]));
  assert.equal([...by.keys()].sort(), [4430, 4431, 4432]);
  for (const [port, version, legacy] of [[4430, 'TLSv1.0', '0301'], [4431, 'TLSv1.1', '0302'], [4432, 'TLSv1.3', '0303']] as const) {
    const b = by.get(port), d = decode(b);
    assert.is(d[5], 0x02, `${port}: ServerHello`);
    assert.is(d.subarray(9, 11).toString('hex'), legacy, `${port}: legacy version in the hello`);
    assert.is(b.service, 'tls');
    assert.is(b.tls_version, version, `${port}`);
  }
  assert.is(by.get(4432).tls_hello_retry, true, 'P-384 only: HelloRetryRequest');
  assert.is(by.get(4430).cert_subject_cn, 'old-tls.trawl-test.example', 'TLS 1.0: the certificate in clear');
});

test('the https probe: the HTTP response inside TLS 1.3 and 1.2 (nginx RSA, s_server -www ECDSA) equals curl -k\'s, over IPv4 and IPv6, 8443 by default; tls and https on one port; a TLS 1.0 server still gives its certificate', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  counter(tb.targetNs, 'pbnr', 'kernel_rst');
  const log = path.join(dir, 'srv', 'nginx-access.log');
  fs.writeFileSync(log, '');
  const ips = ['198.18.7.1', '2001:db8:1::71'];
  // 4430 (openssl s_server, TLS 1.0 only) is up since the tls probe's test.
  const r = inNs(tb.scanNs, `$TRAWL scan ${ips.join(' ')} -p 443,8443,4430,4433 --probe 443:tls,https --probe 4430,4433:https --banners -i ${tb.scanIf} ` +
    `--source-ip 198.19.0.79 --source-ip 2001:db8:ff::79 --rate 1000 --cooldown 3 --seed 9 -q --no-service-probes`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const banners = lines(r.stdout).filter((x) => x.type === 'banner');
  for (const ip of ips) {
    for (const [port, version] of [[443, 'TLSv1.3'], [8443, 'TLSv1.2']] as const) {
      const where = `${ip}:${port}`;
      const mine = banners.filter((b) => b.ip === ip && b.port === port && b.probe === 'https');
      assert.is(mine.length, 1, where);
      const b = mine[0];
      assert.is(b.service, 'https', where);
      assert.is(b.tls_version, version, where);
      assert.is(b.cert_subject_cn, 'trawl-test.example', where);
      // The same server through a kernel connection: status, headers but the two that differ, body.
      const host = ip.includes(':') ? `[${ip}]` : ip;
      const body = path.join(dir, `curl-${port}.body`);
      const c = inNs(tb.scanNs, `curl -sk --max-time 5 -D - -o ${body} https://${host}:${port}/`);
      assert.is(c.code, 0, c.stderr);
      const head = c.stdout.split('\r\n').filter(Boolean);
      assert.is(b.http_status, Number(head[0].split(' ')[1]), `${where}: status`);
      const skip = (h: string) => /^(date|connection):/i.test(h);
      assert.equal(b.http_headers.filter((h: string) => !skip(h)), head.slice(1).filter((h) => !skip(h)), `${where}: headers`);
      const want = crypto.createHash('sha256').update(fs.readFileSync(body)).digest('hex');
      assert.is(b.http_body_sha256, want, `${where}: body`);
      assert.is(b.end, 'fin', `${where}: the server closed (Connection: close), blast reset`);
    }
    // openssl s_server -www with an ECDSA certificate (it listens on IPv4 only): its status page,
    // as curl sees it (the page itself describes each connection: only the status line and
    // headers compare).
    const www = banners.filter((b) => b.ip === ip && b.port === 4433 && b.probe === 'https');
    assert.is(www.length, ip.includes(':') ? 0 : 1, `${ip}:4433`);
    if (!ip.includes(':')) {
      assert.is(www[0].service, 'https');
      assert.is(www[0].cert_key_type, 'ec');
      assert.is(www[0].cert_subject_cn, 'www-ec.trawl-test.example');
      const c = inNs(tb.scanNs, `curl -sk --max-time 5 -D - -o /dev/null https://${ip}:4433/`);
      const head = c.stdout.split('\r\n').filter(Boolean);
      assert.is(www[0].http_status, Number(head[0].split(' ')[1]), `${ip}:4433 status`);
      assert.equal(www[0].http_headers, head.slice(1), `${ip}:4433 headers`);
    }
    // 443:tls,https: a second connection on 443, the tls probe's, with the certificate alone.
    const cert = banners.filter((b) => b.ip === ip && b.port === 443 && b.probe === 'tls');
    assert.is(cert.length, 1, `${ip}:443 tls`);
    assert.is(cert[0].service, 'tls');
    assert.is(cert[0].cert_subject_cn, 'trawl-test.example');
    assert.is(cert[0].http_status, undefined);
    // The https hello is tls's: a TLS 1.0 server (s_server) answers it with its certificate, as
    // it answers tls, and no HTTP (a handshake trawl cannot finish).
    const old = banners.filter((b) => b.ip === ip && b.port === 4430);
    // s_server serves one connection at a time: the IPv6 one may find it busy with the IPv4 one.
    assert.ok(ip.includes(':') ? old.length <= 1 : old.length === 1, `${ip}:4430: ${old.length} banners`);
    if (old.length) {
      assert.is(old[0].probe, 'https');
      assert.is(old[0].service, 'tls');
      assert.is(old[0].tls_version, 'TLSv1.0');
      assert.is(old[0].cert_subject_cn, 'old-tls.trawl-test.example', 'TLS 1.0: the certificate in clear, as the tls probe gets it');
      assert.is(old[0].http_status, undefined);
    }
  }
  assert.is(counter(tb.targetNs, 'pbnr', 'kernel_rst'), 0, 'no kernel RST reached the servers');
  // nginx read the request: Host is the target's address (IPv6 in brackets).
  const got = fs.readFileSync(log, 'utf8').split('\n').filter((l) => / (443|8443) "GET \/ HTTP\/1\.1" .*trawl/.test(l)).sort();
  assert.equal(got, [
    '198.18.7.1 443 "GET / HTTP/1.1" host=198.18.7.1 ua="trawl/0.1.0" 200',
    '198.18.7.1 8443 "GET / HTTP/1.1" host=198.18.7.1 ua="trawl/0.1.0" 204',
    '2001:db8:1::71 443 "GET / HTTP/1.1" host=[2001:db8:1::71] ua="trawl/0.1.0" 200',
    '2001:db8:1::71 8443 "GET / HTTP/1.1" host=[2001:db8:1::71] ua="trawl/0.1.0" 204',
  ].sort());
  // Nothing left open on the servers.
  const open = inNs(tb.targetNs, 'ss -Htn state established state fin-wait-1 state fin-wait-2 state close-wait \'( sport = :443 or sport = :8443 )\'').stdout.trim();
  assert.is(open, '', 'no connection left open');
});

test('the starttls probe: exim, dovecot (IMAP, POP3) and vsftpd give the certificate they are configured with after STARTTLS, STLS, AUTH TLS', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const fp = spawnSync('openssl', ['x509', '-noout', '-fingerprint', '-sha256', '-in', path.join(dir, 'srv', 'mail.crt')], { encoding: 'utf8' });
  const want = /Fingerprint=([0-9A-F:]+)/.exec(fp.stdout)![1].replace(/:/g, '').toLowerCase();
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.7.2 2001:db8:1::72 -p 21,25,110,143 --probe starttls --banners -i ${tb.scanIf} ` +
    `--source-ip 198.19.0.79 --source-ip 2001:db8:ff::79 --rate 1000 --cooldown 3 --seed 10 -q --no-service-probes`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const banners = lines(r.stdout).filter((x) => x.type === 'banner');
  for (const ip of ['198.18.7.2', '2001:db8:1::72']) {
    for (const [port, service] of [[21, 'ftp'], [25, 'smtp'], [110, 'pop3'], [143, 'imap']] as const) {
      const where = `${ip}:${port}`;
      const b = banners.find((x) => x.ip === ip && x.port === port);
      assert.ok(b, `${where}: a banner`);
      assert.is(b.probe, 'starttls', where);
      assert.is(b.service, service, where);
      assert.is(b.tls_starttls, 'ok', `${where}: ${b.tls_starttls}`);
      assert.is(b.cert_sha256, want, `${where}: the certificate the server is configured with`);
      assert.is(b.cert_subject_cn, 'mail.trawl-test.example', where);
    }
  }
});

test('the ssh probe: sshd\'s KEXINIT lists and HASSH equal what OpenSSH\'s own client read from the same server', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.7.3 2001:db8:1::73 -p 22 --probe 22:ssh --banners -i ${tb.scanIf} ` +
    `--source-ip 198.19.0.79 --source-ip 2001:db8:ff::79 --rate 1000 --cooldown 3 --seed 11 -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  // The reference: ssh -vvv prints the server's proposal as it parsed it.
  const ref = inNs(tb.scanNs, 'ssh -vvv -o BatchMode=yes -o StrictHostKeyChecking=no -o UserKnownHostsFile=/dev/null -o ConnectTimeout=5 nobody@198.18.7.3 true');
  const at = ref.stderr.indexOf('peer server KEXINIT proposal');
  assert.ok(at >= 0, ref.stderr);
  const get = (what: string) => new RegExp(`debug2: ${what}: (.*)`).exec(ref.stderr.slice(at))![1].trim();
  const want = { kex: get('KEX algorithms'), host: get('host key algorithms'), stoc: get('ciphers stoc'), mac: get('MACs stoc'), comp: get('compression stoc') };
  const hassh = crypto.createHash('md5').update([want.kex, want.stoc, want.mac, want.comp].join(';')).digest('hex');
  for (const ip of ['198.18.7.3', '2001:db8:1::73']) {
    const b = lines(r.stdout).find((x) => x.type === 'banner' && x.ip === ip && x.port === 22);
    assert.ok(b, `${ip}: a banner`);
    assert.is(b.probe, 'ssh');
    assert.is(b.service, 'ssh');
    assert.is(b.ssh_software, `OpenSSH_${v.OPENSSH_VERSION}`);
    assert.is(b.ssh_kex, want.kex, `${ip}: kex`);
    assert.is(b.ssh_host_key, want.host, `${ip}: host key algorithms`);
    assert.is(b.ssh_ciphers, want.stoc);
    assert.is(b.ssh_macs, want.mac);
    assert.is(b.ssh_compression, want.comp);
    assert.is(b.ssh_hassh_server, hassh, `${ip}: HASSH`);
    assert.is(b.end, 'complete', 'the banner ends with the KEXINIT');
    assert.is(b.product, 'OpenSSH', 'nmap\'s rules still name it');
  }
});

test('--identify: null, tls and http on every port, one decision per port (ssh, smtp, http, tls)', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.7.4 -p 22,25,80,443,8443 --identify --banners -i ${tb.scanIf} ` +
    `--source-ip 198.19.0.79 --rate 1000 --cooldown 3 --seed 12 -q --no-service-probes`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const recs = lines(r.stdout);
  const want: Record<number, string> = { 22: 'ssh', 25: 'smtp', 80: 'http', 443: 'tls', 8443: 'tls' };
  for (const [port, service] of Object.entries(want)) {
    const opens = recs.filter((x) => x.type === 'open' && x.port === Number(port));
    assert.is(opens.length, 3, `${port}: three connections (null, tls, http)`);
    const b = recs.filter((x) => x.type === 'banner' && x.port === Number(port));
    assert.ok(b.length >= 2, `${port}: banners ${b.map((x) => x.probe)}`);
    for (const x of b) assert.is(x.identified_service, service, `${port} ${x.probe}: ${x.service}`);
  }
  // nginx answered our ClientHello's bytes on 80 as HTTP, and our GET on 443 with its 400: the decision is still right.
  assert.is(recs.find((x) => x.type === 'banner' && x.port === 80 && x.probe === 'tls').service, 'http');
  assert.is(recs.find((x) => x.type === 'banner' && x.port === 443 && x.probe === 'http').http_status, 400);
});

// postgresql and mosquitto are not in every machine's package list: run when installed.
const havePgMqtt = fs.existsSync('/usr/sbin/mosquitto') && spawnSync('bash', ['-c', 'ls /usr/lib/postgresql/*/bin/initdb']).status === 0;

test('postgres and mqtt probes get real answers (PostgreSQL ErrorResponse, mosquitto CONNACK)', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  if (!havePgMqtt) { console.log('  (skipped: postgresql or mosquitto not installed)'); return; }
  const up = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv'), 'postgres', 'mosquitto'], { encoding: 'utf8' });
  assert.is(up.status, 0, up.stderr);
  const r = inNs(tb.scanNs, `$TRAWL scan 198.18.4.4 -p 5432,1883 --banners -i ${tb.scanIf} --source-ip 198.19.0.79 --rate 1000 --cooldown 3 --seed 6 -q`);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const banners = lines(r.stdout).filter((x) => x.type === 'banner');
  assert.is(banners.length, 2);
  const pg = banners.find((b) => b.port === 5432), mq = banners.find((b) => b.port === 1883);
  assert.is(pg.probe, 'postgres');
  assert.is(pg.service, 'postgres');
  assert.is(String(pg.postgres_code), '28000', 'invalid_authorization_specification: no pg_hba.conf entry for us');
  assert.match(decode(pg).toString('latin1'), 'user "trawl", database "trawl"');
  assert.is(mq.probe, 'mqtt');
  assert.is(mq.service, 'mqtt');
  assert.is(decode(mq).toString('hex'), '20020000', 'CONNACK, connection accepted');
});

test.run();
