// shared/tls against real servers in a network namespace made here: openssl s_server (every suite
// forced in turn, TLS 1.2 only, 1.3 only, both) and nginx (1.2, 1.3, both), each with an ECDSA and an
// RSA chain of two certificates. A plain kernel socket carries our ClientHello and second flight: the
// chain must equal the configured files (openssl x509 fingerprints) and the decrypted response what
// curl -k gets from the same server.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as crypto from 'crypto';
import { spawn, spawnSync, ChildProcess } from 'child_process';
import { isRoot } from './helpers';
import type { DriveJob, DriveResult } from './tls-drive';
import { certificateFields } from '../shared/tls/cert';

const NS = `trawltls${process.pid}`;
const KEY = '000102030405060708090a0b0c0d0e0f';
const have = (cmd: string) => spawnSync('sh', ['-c', `command -v ${cmd}`]).status === 0;
const ready = isRoot && have('openssl') && have('nginx') && have('curl');
let dir = '';
const procs: ChildProcess[] = [];

function run(cmd: string, args: string[], opts: { cwd?: string } = {}): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8', ...opts });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr}`);
  return r.stdout;
}
const nsx = (cmd: string, args: string[]) => run('ip', ['netns', 'exec', NS, cmd, ...args]);

/** A CA and a leaf it signs, for one key type; the chain file is leaf then CA (what servers send). */
function makeChain(kind: 'ec' | 'rsa'): void {
  const newkey = kind === 'ec' ? ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256'] : ['-newkey', 'rsa:2048'];
  const p = (f: string) => path.join(dir, `${kind}-${f}`);
  run('openssl', ['req', '-x509', ...newkey, '-nodes', '-days', '2', '-subj', `/O=trawl test/CN=Trawl Test ${kind} CA`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign', '-keyout', p('ca.key'), '-out', p('ca.crt')]);
  run('openssl', ['req', ...newkey, '-nodes', '-subj', `/CN=${kind}.trawl-test.example`, '-keyout', p('leaf.key'), '-out', p('leaf.csr')]);
  fs.writeFileSync(p('ext'), `subjectAltName=DNS:${kind}.trawl-test.example,DNS:www.${kind}.trawl-test.example,IP:127.0.0.1\nbasicConstraints=CA:FALSE\n`);
  run('openssl', ['x509', '-req', '-in', p('leaf.csr'), '-CA', p('ca.crt'), '-CAkey', p('ca.key'), '-set_serial', '4660', '-days', '2', '-extfile', p('ext'), '-out', p('leaf.crt')]);
  fs.writeFileSync(p('chain.crt'), fs.readFileSync(p('leaf.crt'), 'utf8') + fs.readFileSync(p('ca.crt'), 'utf8'));
}

function fingerprint(file: string, alg: 'sha256' | 'sha1'): string {
  return run('openssl', ['x509', '-noout', '-fingerprint', `-${alg}`, '-in', file]).replace(/^.*=/, '').replace(/:/g, '').trim().toLowerCase();
}

interface Server {
  port: number; name: string; kind: 'ec' | 'rsa';
  version?: number; suite?: number; group?: number;
  hello?: DriveJob['hello'];
  /** What must happen instead of a response: a HelloRetryRequest, or a flight we cannot finish. */
  expect?: 'hrr' | 'cert-only';
  certRequest?: boolean;
}

// s_server: every suite forced in turn, and both versions; groups alternate so both key shares are used.
const T13 = [['TLS_AES_128_GCM_SHA256', 0x1301], ['TLS_AES_256_GCM_SHA384', 0x1302], ['TLS_CHACHA20_POLY1305_SHA256', 0x1303]] as const;
const T12 = {
  ec: [['ECDHE-ECDSA-AES128-GCM-SHA256', 0xc02b], ['ECDHE-ECDSA-AES256-GCM-SHA384', 0xc02c], ['ECDHE-ECDSA-CHACHA20-POLY1305', 0xcca9]],
  rsa: [['ECDHE-RSA-AES128-GCM-SHA256', 0xc02f], ['ECDHE-RSA-AES256-GCM-SHA384', 0xc030], ['ECDHE-RSA-CHACHA20-POLY1305', 0xcca8]],
} as const;
const servers: Server[] = [];
const sServerArgs = new Map<number, string[]>();
let port = 20000 + (process.pid % 20000);

function sServer(s: Omit<Server, 'port'>, args: string[]): void {
  const srv = { ...s, port: port++ };
  servers.push(srv);
  const p = (f: string) => path.join(dir, `${s.kind}-${f}`);
  sServerArgs.set(srv.port, ['s_server', '-quiet', '-WWW', '-accept', `127.0.0.1:${srv.port}`, '-cert', p('leaf.crt'), '-key', p('leaf.key'), '-cert_chain', p('ca.crt'), ...args]);
}

for (const kind of ['ec', 'rsa'] as const) {
  let i = 0;
  for (const [name, id] of T13) {
    const group = i++ % 2 ? 0x0017 : 0x001d;
    sServer({ name: `s_server ${kind} TLS 1.3 ${name}`, kind, version: 0x0304, suite: id, group }, ['-tls1_3', '-ciphersuites', name, '-groups', group === 0x001d ? 'X25519' : 'P-256']);
  }
  for (const [name, id] of T12[kind]) {
    const group = i++ % 2 ? 0x0017 : 0x001d;
    sServer({ name: `s_server ${kind} TLS 1.2 ${name}`, kind, version: 0x0303, suite: id, group }, ['-tls1_2', '-cipher', name, '-groups', group === 0x001d ? 'X25519' : 'P-256']);
  }
  sServer({ name: `s_server ${kind} TLS 1.2+1.3`, kind, version: 0x0304, hello: { sni: `${kind}.trawl-test.example` } }, []);
}
sServer({ name: 's_server TLS 1.2 without extended master secret', kind: 'rsa', version: 0x0303, hello: { extendedMasterSecret: false } }, ['-tls1_2']);
sServer({ name: 's_server TLS 1.3 asking for a client certificate', kind: 'ec', version: 0x0304, certRequest: true }, ['-tls1_3', '-verify', '1']);
sServer({ name: 's_server TLS 1.2 asking for a client certificate', kind: 'rsa', version: 0x0303, certRequest: true }, ['-tls1_2', '-verify', '1']);
sServer({ name: 's_server TLS 1.3 with P-384 only (HelloRetryRequest to a hello that lists P-384)', kind: 'ec', version: 0x0304, expect: 'hrr', hello: { legacy: true } }, ['-tls1_3', '-groups', 'P-384']);
sServer({ name: 's_server TLS 1.2 CBC, certificate-only hello', kind: 'rsa', version: 0x0303, suite: 0xc013, expect: 'cert-only', hello: { legacy: true } }, ['-tls1_2', '-cipher', 'ECDHE-RSA-AES128-SHA']);
sServer({ name: 's_server TLS 1.0, certificate-only hello', kind: 'rsa', version: 0x0301, expect: 'cert-only', hello: { legacy: true } }, ['-tls1', '-cipher', 'DEFAULT:@SECLEVEL=0']);
// nginx: 1.2 only, 1.3 only, both; for each chain.
const nginxBlocks: string[] = [];
for (const kind of ['ec', 'rsa'] as const) {
  for (const [protos, version] of [['TLSv1.2', 0x0303], ['TLSv1.3', 0x0304], ['TLSv1.2 TLSv1.3', 0x0304]] as const) {
    const srv: Server = { name: `nginx ${kind} ${protos}`, kind, version, port: port++ };
    servers.push(srv);
    nginxBlocks.push(`server { listen 127.0.0.1:${srv.port} ssl; ssl_certificate DIR/${kind}-chain.crt; ssl_certificate_key DIR/${kind}-leaf.key; ssl_protocols ${protos}; root DIR/www; }`);
  }
}

const request = (p: number) => `GET /file.bin HTTP/1.1\r\nHost: 127.0.0.1:${p}\r\nUser-Agent: trawl-test\r\nAccept: */*\r\nConnection: close\r\n\r\n`;

function setup(): void {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-tls-'));
  fs.chmodSync(dir, 0o755);   // nginx workers (nobody) read www/ below it
  fs.mkdirSync(path.join(dir, 'www'), { mode: 0o755 });
  fs.writeFileSync(path.join(dir, 'www', 'file.bin'), crypto.randomBytes(10 * 1024), { mode: 0o644 });
  fs.copyFileSync(path.join(dir, 'www', 'file.bin'), path.join(dir, 'file.bin'));   // s_server -WWW serves its cwd
  makeChain('ec'); makeChain('rsa');
  run('ip', ['netns', 'add', NS]);
  run('ip', ['-n', NS, 'link', 'set', 'lo', 'up']);
  for (const [, args] of sServerArgs) procs.push(spawn('ip', ['netns', 'exec', NS, 'openssl', ...args], { cwd: dir, stdio: 'ignore' }));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `worker_processes 1; pid ${dir}/nginx.pid; error_log ${dir}/nginx.log; daemon off;
events { worker_connections 64; }
http { access_log off; client_body_temp_path ${dir}/tmp; default_type application/octet-stream;
${nginxBlocks.join('\n').replace(/DIR/g, dir)}
}
`);
  procs.push(spawn('ip', ['netns', 'exec', NS, 'nginx', '-p', dir, '-c', path.join(dir, 'nginx.conf')], { stdio: 'ignore' }));
  // One loop inside the namespace waits for every port (a process per check would cost seconds).
  const ports = servers.map((s) => s.port).join(' ');
  const wait = spawnSync('ip', ['netns', 'exec', NS, 'bash', '-c',
    `for p in ${ports}; do for i in $(seq 200); do (exec 3<>/dev/tcp/127.0.0.1/$p) 2>/dev/null && continue 2; sleep 0.05; done; echo $p; exit 1; done`], { encoding: 'utf8' });
  if (wait.status !== 0) {
    const s = servers.find((x) => String(x.port) === wait.stdout.trim());
    throw new Error(`${s?.name ?? wait.stdout} did not listen${fs.existsSync(path.join(dir, 'nginx.log')) ? ': ' + fs.readFileSync(path.join(dir, 'nginx.log'), 'utf8') : ''}`);
  }
}

function teardown(): void {
  for (const p of procs) p.kill();
  spawnSync('sleep', ['0.1']);
  for (const pid of spawnSync('ip', ['netns', 'pids', NS], { encoding: 'utf8' }).stdout.split('\n').filter(Boolean)) {
    try { process.kill(Number(pid), 'SIGKILL'); } catch { /* gone */ }
  }
  spawnSync('ip', ['netns', 'del', NS]);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
}

/** An HTTP response as status line, headers (Date dropped: it moves between requests) and body. */
function http(b: Buffer): { status: string; headers: string[]; body: Buffer } {
  const end = b.indexOf('\r\n\r\n');
  const head = b.subarray(0, end < 0 ? b.length : end).toString('latin1').split('\r\n');
  return { status: head[0], headers: head.slice(1).filter((h) => !/^date:/i.test(h)), body: end < 0 ? Buffer.alloc(0) : b.subarray(end + 4) };
}

let results: DriveResult[] = [];

test.before(() => {
  if (!ready) return;
  try {
    setup();
    const jobs: DriveJob[] = servers.map((s) => ({ port: s.port, key: KEY, hello: s.hello, request: request(s.port) }));
    const jobFile = path.join(dir, 'jobs.json');
    fs.writeFileSync(jobFile, JSON.stringify(jobs));
    results = nsx(process.execPath, [path.join(__dirname, 'tls-drive.js'), jobFile]).split('\n').filter(Boolean).map((l) => JSON.parse(l));
  } catch (e) {
    teardown();
    throw e;
  }
});
test.after(() => { if (ready) teardown(); });

test('every server answers our ClientHello; the chain equals the configured files', () => {
  if (!ready) { console.log('  (skipped: needs root, openssl, nginx and curl)'); return; }
  assert.is(results.length, servers.length);
  const fp: Record<string, string[]> = {};
  for (const kind of ['ec', 'rsa']) fp[kind] = [fingerprint(path.join(dir, `${kind}-leaf.crt`), 'sha256'), fingerprint(path.join(dir, `${kind}-ca.crt`), 'sha256')];
  for (const [i, s] of servers.entries()) {
    const r = results[i].result;
    assert.ok(results[i].helloLength < 1400, `${s.name}: hello of ${results[i].helloLength} bytes`);
    assert.is(r.version, s.version, `${s.name}: version`);
    if (s.suite) assert.is(r.suite, s.suite, `${s.name}: suite`);
    if (s.group) assert.is(r.group, s.group, `${s.name}: group`);
    if (s.expect === 'hrr') {
      assert.ok(r.helloRetry, `${s.name}: HelloRetryRequest`);
      assert.is(r.group, 0x0018, `${s.name}: HelloRetryRequest for P-384`);
      assert.match(r.error ?? '', /HelloRetryRequest/);
      continue;
    }
    const sha = r.certificates.map((c) => crypto.createHash('sha256').update(Buffer.from(c, 'base64')).digest('hex'));
    assert.equal(sha, fp[s.kind], `${s.name}: certificate chain`);
  }
});

test('the certificate fields agree with openssl x509', () => {
  if (!ready) return;
  for (const kind of ['ec', 'rsa'] as const) {
    const r = results[servers.findIndex((s) => s.kind === kind && !s.expect)].result;
    const [leaf, ca] = r.certificates.map((c) => certificateFields(Buffer.from(c, 'base64')));
    assert.is(leaf.cert_sha256, fingerprint(path.join(dir, `${kind}-leaf.crt`), 'sha256'));
    assert.is(leaf.cert_sha1, fingerprint(path.join(dir, `${kind}-leaf.crt`), 'sha1'));
    assert.is(ca.cert_sha1, fingerprint(path.join(dir, `${kind}-ca.crt`), 'sha1'));
    assert.is(leaf.cert_subject, `CN=${kind}.trawl-test.example`);
    assert.is(leaf.cert_issuer, `CN=Trawl Test ${kind} CA,O=trawl test`);
    assert.is(leaf.cert_serial, '1234');
    assert.is(leaf.cert_sans, `${kind}.trawl-test.example,www.${kind}.trawl-test.example,127.0.0.1`);
    assert.is(leaf.cert_key_type, kind);
    assert.is(leaf.cert_key_bits, kind === 'ec' ? 256 : 2048);
    assert.is(leaf.cert_sig_alg, kind === 'ec' ? 'ecdsa-with-SHA256' : 'sha256WithRSAEncryption');
    assert.is(leaf.cert_self_signed, false);
    assert.is(leaf.cert_ca, false);
    assert.is(ca.cert_self_signed, true);
    assert.is(ca.cert_ca, true);
    const enddate = run('openssl', ['x509', '-noout', '-enddate', '-in', path.join(dir, `${kind}-leaf.crt`)]).replace(/^notAfter=/, '').trim();
    assert.is(leaf.cert_not_after_us, Date.parse(enddate) * 1000);
  }
});

test('the decrypted response equals what curl -k gets (status, headers, 10 KiB body)', () => {
  if (!ready) return;
  const file = fs.readFileSync(path.join(dir, 'file.bin'));
  for (const [i, s] of servers.entries()) {
    const d = results[i], r = d.result;
    if (s.expect === 'hrr') continue;
    if (s.expect === 'cert-only') {
      assert.is(r.stage, 'response', s.name);
      assert.is(r.clientFlightLength, undefined, s.name);
      assert.ok(r.noClientFlight, `${s.name}: says why there is no second flight`);
      continue;
    }
    assert.is(r.error, undefined, `${s.name}: ${r.error}`);
    assert.ok(r.serverFinished, `${s.name}: server Finished verified`);
    assert.is(r.certificateRequested, s.certRequest === true, `${s.name}: certificate request`);
    if (s.hello?.extendedMasterSecret === false) assert.not.ok(r.extendedMasterSecret, s.name);
    else if (s.version === 0x0303) assert.ok(r.extendedMasterSecret, s.name);
    // The second flight fits in one segment (Finished + a 100-byte request).
    assert.ok(r.clientFlightLength! < 1400, `${s.name}: second flight of ${r.clientFlightLength} bytes`);
    assert.ok(r.closeNotify, `${s.name}: close_notify (stage ${r.stage}, ended ${d.ended})`);
    const ours = http(Buffer.from(r.appData, 'base64'));
    const curl = spawnSync('ip', ['netns', 'exec', NS, 'curl', '-k', '-s', '-i', '--http1.1', '-H', 'User-Agent: trawl-test', '-H', 'Connection: close', `https://127.0.0.1:${s.port}/file.bin`]);
    assert.is(curl.status, 0, `${s.name}: curl`);
    const theirs = http(curl.stdout);
    assert.is(ours.status, theirs.status, `${s.name}: status`);
    assert.ok(/ 200 /i.test(ours.status), `${s.name}: ${ours.status}`);
    assert.equal(ours.headers, theirs.headers, `${s.name}: headers`);
    assert.ok(ours.body.equals(file), `${s.name}: body of ${ours.body.length} bytes`);
    assert.ok(theirs.body.equals(file), `${s.name}: curl's body`);
  }
});

test.run();
