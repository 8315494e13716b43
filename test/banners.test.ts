// trawl banners as a user runs it: stdout, stderr and exit code together, on real captured banners.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawn } from 'child_process';
import { ROOT, TRAWL, lines, runInProcess, sh, trawl } from './helpers';

const DIR = path.join(ROOT, 'test', 'fixtures', 'banners');
const NMAP = '/usr/share/nmap/nmap-service-probes';
const b64 = (file: string) => fs.readFileSync(path.join(DIR, file)).toString('base64');
const banner = (file: string, probe: string, port: number, extra: object = {}) =>
  ({ type: 'banner', ip: '198.18.0.7', port, sport: 40001, ttl: 64, time_us: 1763800000000000, probe, data: b64(file), len: 1, flags: 'PA', ...extra });
const ndjson = (recs: unknown[]) => recs.map((r) => (typeof r === 'string' ? r : JSON.stringify(r))).join('\n') + '\n';

const OTHERS = [
  { type: 'open', ip: '198.18.0.7', port: 22, sport: 40001, ttl: 64, window: 64240, ipid: 0, options: 'mss,sack,ts,nop,ws', time_us: 1 },
  { type: 'closed', ip: '198.18.0.8', port: 23, sport: 40002, ttl: 64, window: 0, ipid: 7, time_us: 2 },
  { type: 'something-new', nested: { a: [1, 2, { b: 'é\u2028' }] }, service: 'kept', http_status: 'not ours to touch' },
];

test('banner records get service and fields; every other record passes through untouched, in order', async () => {
  const input = [OTHERS[0], banner('ssh-openssh.bin', 'null', 22), OTHERS[1], banner('http-nginx.bin', 'http', 80), OTHERS[2]];
  const r = await runInProcess('banners', ['--no-service-probes'], ndjson(input));
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const out = lines(r.stdout);
  assert.is(out.length, 5);
  assert.equal(out[0], OTHERS[0]);
  assert.equal(out[2], OTHERS[1]);
  assert.equal(out[4], OTHERS[2]);
  const { type, ...orig } = input[1] as Record<string, unknown>;
  assert.equal({ ...out[1] }, { type, ...orig, service: 'ssh', ssh_version: '2.0', ssh_software: 'OpenSSH_9.2p1', ssh_comment: 'Debian-2+deb12u10',
    product: 'OpenSSH', version: '9.2p1', info: 'protocol 2.0' });
  assert.is(out[3].service, 'http');
  assert.is(out[3].http_status, 200);
  assert.is(out[3].http_title, 'trawl test & page');
  assert.is(out[3].data, input[3] && (input[3] as any).data, 'data kept as it was');
});

test('bad lines and bad banner records: reported with line numbers, skipped, exit 3; good records around them written', () => {
  const input = ndjson([
    banner('ftp-vsftpd.bin', 'null', 21),
    'not json',
    '[1,2]',
    { ip: '1.2.3.4' },
    { type: 'banner', ip: '198.18.0.1', port: 80, probe: 'http' },
    { type: 'banner', ip: '198.18.0.1', port: 80, probe: 'http', data: 'SFRUUC8x!!' },
    { type: 'banner', ip: '198.18.0.1', port: 80, probe: 7, data: 'SFRUUA==' },
    banner('smtp-exim.bin', 'null', 25),
  ]);
  const r = trawl(['banners'], input);
  assert.is(r.code, 3);
  const err = r.stderr.trim().split('\n');
  assert.is(err.length, 6, r.stderr);
  assert.match(err[0], /^trawl banners: stdin:2: unexpected token .* not json$/);
  assert.is(err[1], 'trawl banners: stdin:3: not a JSON object: [1,2]');
  assert.is(err[2], 'trawl banners: stdin:4: record has no "type" string: {"ip":"1.2.3.4"}');
  assert.match(err[3], /^trawl banners: stdin:5: banner record has no "data" string: /);
  assert.match(err[4], /^trawl banners: stdin:6: banner "data" is not valid base64: /);
  assert.match(err[5], /^trawl banners: stdin:7: banner "probe" is not a string: /);
  const out = lines(r.stdout);
  assert.equal(out.map((o) => o.service), ['ftp', 'smtp']);
});

test('nmap\'s real file (the default when installed): OpenSSH and nginx product, version, CPE in the schema\'s fields', () => {
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  const input = ndjson([banner('ssh-openssh.bin', 'null', 22), banner('http-nginx.bin', 'http', 80), banner('smtp-exim.bin', 'null', 25), banner('imap-dovecot.bin', 'null', 143)]);
  for (const args of [['--service-probes', NMAP], []]) {
    const r = trawl(['banners', ...args], input);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    const [ssh, http, smtp, imap] = lines(r.stdout);
    assert.is(ssh.service, 'ssh');
    assert.is(ssh.nmap_service, 'ssh');
    // nmap's hard match wins for product, version and info; the protocol's own text stays in ssh_*.
    assert.is(ssh.product, 'OpenSSH');
    assert.is(ssh.version, '9.2p1 Debian 2+deb12u10');
    assert.is(ssh.info, 'protocol 2.0');
    assert.is(ssh.os, 'Linux');
    assert.equal(ssh.cpe, ['cpe:/a:openbsd:openssh:9.2p1', 'cpe:/o:debian:debian_linux', 'cpe:/o:linux:linux_kernel']);
    assert.is(ssh.ssh_software, 'OpenSSH_9.2p1');
    for (const k of ['nmap_product', 'nmap_version', 'nmap_info', 'nmap_os', 'nmap_cpe']) assert.is(ssh[k], undefined, k);
    assert.is(http.product, 'nginx');
    assert.is(http.version, '1.22.1');
    assert.is(http.nmap_probe, 'GetRequest');
    assert.is(smtp.product, 'Exim smtpd');
    assert.is(smtp.version, '4.96');
    assert.is(smtp.hostname, 'vm');
    // Dovecot's greeting hits a softmatch only: the service, and the parser's own fields.
    assert.is(imap.nmap_service, 'imap');
    assert.is(imap.nmap_softmatch, true);
  }
});

test('a banner replayed with probe null gets the probes nmap sends to its port, and says so', () => {
  if (!fs.existsSync(NMAP)) throw new Error(`${NMAP} missing: install nmap (make test-deps)`);
  const http = { ...banner('http-nginx.bin', 'http', 80), probe: null };
  const [o] = lines(trawl(['banners'], ndjson([http])).stdout);
  assert.is(o.product, 'nginx');
  assert.is(o.version, '1.22.1');
  assert.is(o.nmap_probe, 'GetRequest');
  assert.is(o.nmap_probe_from, 'port');
  // On a port nmap sends no HTTP probe to, only the NULL probe's rules apply: nothing matches.
  const [p] = lines(trawl(['banners'], ndjson([{ ...http, port: 7 }])).stdout);
  assert.is(p.nmap_probe, undefined);
  assert.is(p.product, 'nginx');   // the parser's own reading of the Server header
});

test('--service-probes names the service when trawl\'s parsers do not know it', () => {
  // nmap's NULL probe: match 1c-server m|^S\xf5\xc6\x1a{| p/1C:Enterprise business management server/
  const data = Buffer.from('53f5c61a7b00', 'hex').toString('base64');
  const r = trawl(['banners', '--service-probes', NMAP], ndjson([{ type: 'banner', ip: '198.18.0.1', port: 1541, probe: 'null', data, len: 6, flags: 'PA' }]));
  assert.is(r.code, 0, r.stderr);
  const [o] = lines(r.stdout);
  assert.is(o.service, '1c-server');
  assert.is(o.unknown_preview, 'S\\xf5\\xc6\\x1a{\\x00');
  assert.is(o.product, '1C:Enterprise business management server');
});

test("masscan -oD input: its SSH banner text is parsed, its X509 record's certificate read", () => {
  const tls = lines(trawl(['banners'], ndjson([banner('tls12-nginx.bin', 'tls', 443)])).stdout)[0];
  const input = ndjson([
    { ip: '198.18.0.7', timestamp: '1700000000', port: 22, proto: 'tcp', rec_type: 'banner', data: { service_name: 'ssh', banner: 'SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u10' } },
    { ip: '198.18.0.7', timestamp: '1700000001', port: 443, proto: 'tcp', rec_type: 'banner', data: { service_name: 'X509', banner: tls.cert_der } },
  ]);
  const r = trawl(['banners'], input);
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  const [ssh, x509] = lines(r.stdout);
  assert.equal([ssh.service, ssh.ssh_software, ssh.time_us], ['ssh', 'OpenSSH_9.2p1', 1700000000000000]);
  assert.is(x509.service, 'tls');
  assert.is(x509.cert_subject_cn, 'trawl.test');
  assert.is(x509.cert_sha256, tls.cert_sha256);
  assert.is(x509.unknown_preview, undefined);
});

test('running banners twice gives the same records', () => {
  const input = ndjson([banner('tls12-nginx.bin', 'tls', 443), banner('redis-info.bin', 'redis', 6379), OTHERS[2]]);
  const once = trawl(['banners'], input);
  const twice = trawl(['banners'], once.stdout);
  assert.is(once.code, 0);
  assert.is(twice.code, 0);
  assert.is(twice.stdout, once.stdout);
  const tls = lines(once.stdout)[0];
  assert.is(tls.cert_subject_cn, 'trawl.test');
  assert.ok(Buffer.from(tls.cert_der, 'base64')[0] === 0x30);
});

test('usage errors exit 2 naming the problem', () => {
  let r = trawl(['banners', '--bogus']);
  assert.is(r.code, 2);
  assert.is(r.stdout, '');
  assert.is(r.stderr, 'trawl banners: unknown option --bogus (see --help)\n');
  r = trawl(['banners', '--service-probes', '/nonexistent/probes']);
  assert.is(r.code, 2);
  assert.is(r.stderr, 'trawl banners: --service-probes: cannot read /nonexistent/probes: ENOENT\n');
  const junk = path.join(os.tmpdir(), `tn-ban-junk-${process.pid}`);
  fs.writeFileSync(junk, 'hello\nworld\n');
  r = trawl(['banners', '--service-probes', junk], '');
  fs.unlinkSync(junk);
  assert.is(r.code, 2);
  assert.is(r.stderr, `trawl banners: --service-probes ${junk}: no Probe lines: not an nmap-service-probes file\n`);
  r = trawl(['banners', '--preview-bytes', '0']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /--preview-bytes: must be an integer from 1 to 4096/);
  r = trawl(['banners', 'file.ndjson']);
  assert.is(r.code, 2);
  assert.match(r.stderr, /unexpected argument 'file.ndjson'/);
});

test('--help lists every option; --status-ndjson reports progress on stderr only', async () => {
  const h = trawl(['banners', '--help']);
  assert.is(h.code, 0);
  for (const o of ['--service-probes', '--preview-bytes', '--quiet', '--status-ndjson', '--help']) assert.ok(h.stdout.includes(o), o);
  const r = await runInProcess('banners', ['--status-ndjson'], ndjson([banner('ssh-openssh.bin', 'null', 22), OTHERS[0]]));
  assert.is(r.code, 0);
  const st = lines(r.stderr);
  const last = st[st.length - 1];
  assert.equal({ type: last.type, cmd: last.cmd, final: last.final, banners: last.banners, identified: last.identified, passed: last.passed },
    { type: 'status', cmd: 'banners', final: true, banners: 1, identified: 1, passed: 1 });
  assert.is(lines(r.stdout).length, 2);
});

test('a reader that goes away (| head -1) ends the run with exit 0', () => {
  const one = JSON.stringify(banner('http-nginx.bin', 'http', 80));
  const file = path.join(os.tmpdir(), `tn-ban-many-${process.pid}.ndjson`);
  fs.writeFileSync(file, (one + '\n').repeat(20000));
  const r = sh(`$TRAWL banners < ${file} | head -1`);
  fs.unlinkSync(file);
  assert.is(r.code, 0, r.stderr);
  assert.is(r.stderr, '');
  assert.is(lines(r.stdout)[0].service, 'http');
});

test('SIGINT: what was read is written, a message on stderr, exit 130', async () => {
  const child = spawn(process.execPath, [TRAWL, 'banners'], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '', err = '';
  child.stderr.on('data', (c) => { err += c; });
  const firstLine = new Promise<void>((resolve) => child.stdout.on('data', (c) => { out += c; if (out.includes('\n')) resolve(); }));
  child.stdin.write(JSON.stringify(banner('ssh-openssh.bin', 'null', 22)) + '\n');   // stdin stays open
  await firstLine;
  const code = await new Promise<number | null>((resolve) => { child.on('exit', (c) => resolve(c)); child.kill('SIGINT'); });
  child.stdin.destroy();
  assert.is(code, 130);
  assert.is(lines(out)[0].service, 'ssh');
  assert.is(err, 'trawl banners: interrupted after 1 banners and 0 other records; every record read was written\n');
});

test.run();
