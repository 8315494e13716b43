// Whole responses from real servers in a namespace testbed, through trawl scan --banners: nginx
// with TLS 1.2 only and TLS 1.3 only (a chain of two certificates made here) and 10 KiB and
// 100 KiB pages, redis INFO, a server-first greeting in several segments. The chain must equal
// the server's (openssl x509 fingerprints), the body the file served, redis len its INFO; and
// after each scan the target keeps no socket on the scanned ports and retransmits no SYN-ACK.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as crypto from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, inNs, testbedName, Testbed } from './testbed';

const name = testbedName('whol');
const SERVERS_SH = path.join(ROOT, 'test', 'servers.sh');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const P = { greet: 2121, redis: 6379, page10: 8080, page100: 8081, tls12: 9443, tls13: 9444 };
const PORTS = Object.values(P);

let tb: Testbed | undefined;
let dir = '';
let setupError = '';   // uvu does not report a throwing before hook; the tests do
const pids: number[] = [];
let chain: string[] = [];          // the served chain's SHA-256 fingerprints, leaf first
const pages: Record<number, Buffer> = {};
let greeting = Buffer.alloc(0);

test.before(() => {
  if (!isRoot || !nativeBuilt) return;
  try { setup(); } catch (e) { setupError = (e as Error).message; }
});

const sh = (cmd: string) => {
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
};
const fingerprint = (pem: string) =>
  /Fingerprint=([0-9A-F:]+)/.exec(sh(`openssl x509 -noout -fingerprint -sha256 -in ${pem}`))![1].replace(/:/g, '').toLowerCase();

/** A page of n bytes with a title, the same bytes every run. */
function page(n: number, title: string): Buffer {
  const head = `<html><head><title>${title}</title></head><body>\n`, tail = '</body></html>\n';
  let body = '';
  for (let i = 0; body.length < n - head.length - tail.length; i++) body += `line ${i} of the page ${title}\n`;
  return Buffer.from(head + body.slice(0, n - head.length - tail.length) + tail);
}

function setup() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-e2e-whole-'));
  fs.chmodSync(dir, 0o755);   // nginx's workers read the pages as nobody
  tb = testbedUp(name);
  // A chain of two: a CA, and the leaf it signed; nginx sends both.
  sh(`cd ${dir} && openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=whole CA" -keyout ca.key -out ca.crt 2>/dev/null &&
    openssl req -newkey rsa:2048 -nodes -subj "/CN=whole.trawl-test.example" -keyout leaf.key -out leaf.csr 2>/dev/null &&
    printf 'subjectAltName=DNS:whole.trawl-test.example\\n' > leaf.ext &&
    openssl x509 -req -in leaf.csr -CA ca.crt -CAkey ca.key -CAcreateserial -days 2 -extfile leaf.ext -out leaf.crt 2>/dev/null &&
    cat leaf.crt ca.crt > chain.crt`);
  chain = [fingerprint(path.join(dir, 'leaf.crt')), fingerprint(path.join(dir, 'ca.crt'))];
  for (const [port, n] of [[P.page10, 10 * 1024], [P.page100, 100 * 1024]]) {
    pages[port] = page(n, `page of ${n} bytes`);
    fs.mkdirSync(path.join(dir, `www${port}`));
    fs.writeFileSync(path.join(dir, `www${port}`, 'index.html'), pages[port], { mode: 0o644 });
  }
  fs.mkdirSync(path.join(dir, 'nginx-tmp'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log off;
  client_body_temp_path ${dir}/nginx-tmp;
  server { listen ${P.page10}; root ${dir}/www${P.page10}; default_type text/html; }
  server { listen ${P.page100}; root ${dir}/www${P.page100}; default_type text/html; }
  server { listen ${P.tls12} ssl; ssl_certificate ${dir}/chain.crt; ssl_certificate_key ${dir}/leaf.key;
    ssl_protocols TLSv1.2; location / { return 204; } }
  server { listen ${P.tls13} ssl; ssl_certificate ${dir}/chain.crt; ssl_certificate_key ${dir}/leaf.key;
    ssl_protocols TLSv1.3; location / { return 204; } }
}
`);
  // A server-first greeting of three writes, 50 ms apart (three segments at least), then FIN.
  greeting = Buffer.from(Array.from({ length: 3 }, (_, k) =>
    Array.from({ length: 20 }, (_, i) => `220-part ${k} line ${i} of a long greeting ${'x'.repeat(40)}\r\n`).join('')).join('') + '220 ready\r\n');
  fs.writeFileSync(path.join(dir, 'greeting.txt'), greeting);
  fs.writeFileSync(path.join(dir, 'greet.py'), `import socket, threading, time
data = open(${JSON.stringify(path.join(dir, 'greeting.txt'))}, 'rb').read()
third = len(data) // 3
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(('0.0.0.0', ${P.greet})); s.listen(512)
def serve(c):
    try:
        c.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for k in range(3):
            c.sendall(data[k * third:(k + 1) * third] if k < 2 else data[2 * third:])
            time.sleep(0.05)
    except OSError:
        pass
    c.close()
while True:
    c, _ = s.accept()
    threading.Thread(target=serve, args=(c,), daemon=True).start()
`);
  for (const [cmd, log] of [[`nginx -p ${dir} -c ${dir}/nginx.conf`, 'nginx.out'], [`python3 ${dir}/greet.py`, 'greet.out']]) {
    const r = spawnSync('bash', ['-c', `ip netns exec ${tb.targetNs} ${cmd} >${dir}/${log} 2>&1 </dev/null & echo $!`], { encoding: 'utf8' });
    pids.push(Number(r.stdout.trim()));
  }
  const r = spawnSync('bash', [SERVERS_SH, 'up', tb.targetNs, path.join(dir, 'srv'), 'redis'], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`servers.sh up redis failed: ${r.stderr}`);
  for (const port of PORTS) {
    const w = inNs(tb.targetNs, `for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`);
    if (w.code !== 0) throw new Error(`nothing listens on ${port}: ${fs.readFileSync(path.join(dir, 'nginx.log'), 'utf8')}`);
  }
  // Let the connections of the checks above end before the scans count sockets.
  inNs(tb.targetNs, 'sleep 1');
}

test.after(() => {
  for (const pid of pids) if (pid > 0) spawnSync('kill', [String(pid)]);
  if (dir && fs.existsSync(path.join(dir, 'nginx.pid'))) spawnSync('bash', ['-c', `kill $(cat ${dir}/nginx.pid)`]);
  if (tb) spawnSync('bash', [SERVERS_SH, 'down', tb.targetNs, path.join(dir, 'srv')]);
  testbedDown(name);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** The target's SYN-ACK retransmissions so far (TCPSynRetrans counts the SYN-ACKs a listener resends). */
function synRetrans(): number {
  const out = inNs(tb!.targetNs, 'nstat -az TcpExtTCPSynRetrans').stdout;
  return Number(/TcpExtTCPSynRetrans\s+(\d+)/.exec(out)?.[1] ?? NaN);
}

/** Sockets of the scanned ports in a state that means a connection we caused is still open. */
function leftOpen(): string[] {
  const out = inNs(tb!.targetNs, 'ss -tanH').stdout;
  return out.split('\n').filter((l) => {
    const f = l.trim().split(/\s+/);
    if (f.length < 4 || !/^(SYN-RECV|ESTAB|FIN-WAIT-1|FIN-WAIT-2|CLOSE-WAIT|LAST-ACK)$/.test(f[0])) return false;
    return PORTS.includes(Number(f[3].split(':').pop()));
  });
}

function scan(extra: string, srcIp: string) {
  const key = path.join(dir, `${srcIp}.key`);
  const r = inNs(tb!.scanNs, `$TRAWL key --force ${key} >/dev/null && $TRAWL scan 198.18.4.1 198.18.4.2 -p ${PORTS.join(',')} ${extra} ` +
    `-i ${tb!.scanIf} --source-ip ${srcIp} --key-file ${key} --rate 500 --cooldown 3 --seed 3 -q -o ndjson`);
  return { ...r, records: lines(r.stdout) };
}

test('scan --banners: one whole banner per connection (TLS 1.2 and 1.3 chains, 10 and 100 KiB bodies, redis INFO, a greeting in segments), nothing left open', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const before = synRetrans();
  const pcap = path.join(dir, 'scan.pcap');
  const r = scan(`--banners --save ${pcap} --max-banner 262144 --no-service-probes --probe ${P.page10},${P.page100}:http --probe ${P.tls12},${P.tls13}:tls --probe ${P.greet}:null`, '198.19.0.81');
  assert.is(r.code, 0, r.stderr);
  const banners = r.records.filter((x) => x.type === 'banner');
  for (const ip of ['198.18.4.1', '198.18.4.2']) {
    for (const port of PORTS) {
      const mine = banners.filter((b) => b.ip === ip && b.port === port);
      const where = `${ip}:${port}`;
      assert.is(mine.length, 1, `one banner for ${where}: ${JSON.stringify(mine.map((b) => [b.len, b.end, b.segments]))}`);
      const b = mine[0];
      assert.is(b.gaps, 0, `${where}: no hole`);
      assert.is(b.truncated, false, where);
      const data = Buffer.from(b.data, 'base64');
      assert.is(data.length, b.len, `${where}: every byte of the response`);
      if (port === P.tls12 || port === P.tls13) {
        assert.equal(b.cert_chain_sha256, chain, `${where}: the chain nginx serves`);
        assert.is(b.cert_subject_cn, 'whole.trawl-test.example');
        if (port === P.tls13) assert.is(b.tls_decrypted, true, `${where}: TLS 1.3 decrypted`);
      } else if (port === P.page10 || port === P.page100) {
        const want = pages[port];
        assert.is(b.http_status, 200, where);
        assert.is(b.http_body_len, want.length, `${where}: the whole body`);
        assert.is(b.http_body_sha256, crypto.createHash('sha256').update(want).digest('hex'), `${where}: the body served`);
        assert.is(b.http_body_complete, true);
        assert.is(b.complete, true, where);
        // 100 KiB is more than the 64 KiB window of the ACK+probe: only our ACKs of data bring the rest.
        if (port === P.page100) assert.ok(b.segments >= 2, `${where}: past the first window (${b.segments} segments)`);
      } else if (port === P.redis) {
        const m = /^\$(\d+)\r\n/.exec(data.toString('latin1'))!;
        assert.is(b.redis_info_len, Number(m[1]));
        assert.is(b.len, m[0].length + b.redis_info_len + 2, `${where}: len is the INFO reply's length`);
        assert.ok(b.redis_info_len > 3000, 'INFO is far longer than one small segment');
      } else if (port === P.greet) {
        assert.equal(data, greeting, `${where}: the greeting whole`);
        assert.ok(b.segments >= 3, `${where}: in ${b.segments} segments`);
        // Its final line (220 ready) ends it: catch resets the connection at once and banners
        // writes it at once (shared/greeting.ts), before the server's FIN.
        assert.is(b.end, 'complete');
        assert.is(b.complete, true);
      }
    }
  }
  assert.is(banners.length, 2 * PORTS.length, 'no other banner');
  assert.equal(leftOpen(), [], 'no connection left open on the target');
  assert.is(synRetrans() - before, 0, 'no SYN-ACK retransmitted');
  // The capture scan --save wrote, replayed: the same banners.
  const key = path.join(dir, '198.19.0.81.key');
  const re = inNs(tb.scanNs, `$TRAWL catch --pcap ${pcap} --key-file ${key} --source-ip 198.19.0.81 --max-banner 262144 -q | ` +
    `$TRAWL banners --key-file ${key} --max-banner 262144 --no-service-probes -q`);
  assert.is(re.code, 0, re.stderr);
  const replayed = lines(re.stdout).filter((x) => x.type === 'banner');
  assert.is(replayed.length, banners.length);
  for (const b of banners) {
    const again = replayed.find((x) => x.ip === b.ip && x.port === b.port) ?? {};
    const differ = [...new Set([...Object.keys(b), ...Object.keys(again)])].filter((k) => JSON.stringify(b[k]) !== JSON.stringify(again[k]));
    assert.equal(differ.map((k) => [k, b[k], again[k]]), [], `${b.ip}:${b.port}: catch --pcap | banners gives what the live scan gave`);
  }
});

test('scan without --banners: every open port reset (masscan\'s behaviour), nothing left open, no SYN-ACK retransmitted', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const before = synRetrans();
  const r = scan('', '198.19.0.82');
  assert.is(r.code, 0, r.stderr);
  assert.is(r.records.filter((x) => x.type === 'open').length, 2 * PORTS.length);
  assert.equal(leftOpen(), []);
  assert.is(synRetrans() - before, 0, 'no SYN-ACK retransmitted');
});

test.run();
