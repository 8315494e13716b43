// Named targets end to end, in namespaces (test/testbed.sh, named sni_PID): nginx serves three
// sites on one address set, each with its own certificate and page, chosen by the SNI (443,
// 8444 with TLS 1.3 only) and by the Host header (80); a request without a name gets the default
// site. trawl scan --hitlist gives two addresses a name each and a third none (one address with
// two names would be one keyed source port and one connection: see trawl-targets(1) --hitlist).
// Each banner must be its own name's: the certificate, the page inside TLS (https conversation),
// the certificate of a TLS 1.3 handshake decrypted with the named hello (tls probe), and the
// plain HTTP page, with the name in the banner.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, lines, ROOT } from './helpers';
import { testbedUp, testbedDown, inNs, testbedName, Testbed } from './testbed';

const name = testbedName('sni_');
const nativeBuilt = fs.existsSync(path.join(ROOT, 'native', 'build', 'Release', 'trawl_native.node'));
const SITES = ['alpha.sni-test.example', 'beta.sni-test.example', 'default.sni-test.example'];
const HITS: [string, string | null][] = [['198.18.5.1', SITES[0]], ['198.18.5.2', SITES[1]], ['198.18.5.3', null]];
const P = { http: 80, https: 443, tls13: 8444 };

let tb: Testbed | undefined;
let dir = '';
let setupError = '';
let nginxPid = 0;

const sh = (cmd: string) => {
  const r = spawnSync('bash', ['-c', cmd], { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd}: ${r.stderr}`);
  return r.stdout;
};

const title = (site: string) => `page of ${site}`;

function setup() {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-e2e-sni-'));
  fs.chmodSync(dir, 0o755);   // nginx's workers read the pages as nobody
  tb = testbedUp(name);
  const servers: string[] = [];
  for (const site of SITES) {
    sh(`cd ${dir} && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 2 -subj "/CN=${site}" ` +
      `-addext "subjectAltName=DNS:${site}" -keyout ${site}.key -out ${site}.crt 2>/dev/null`);
    fs.mkdirSync(path.join(dir, site));
    fs.writeFileSync(path.join(dir, site, 'index.html'), `<html><head><title>${title(site)}</title></head><body>${site}</body></html>\n`, { mode: 0o644 });
    const def = site.startsWith('default') ? ' default_server' : '';
    const tls = `ssl_certificate ${dir}/${site}.crt; ssl_certificate_key ${dir}/${site}.key;`;
    servers.push(`  server { listen ${P.http}${def}; listen ${P.https} ssl${def}; server_name ${site}; ${tls} root ${dir}/${site}; default_type text/html; }`,
      `  server { listen ${P.tls13} ssl${def}; server_name ${site}; ${tls} ssl_protocols TLSv1.3; root ${dir}/${site}; }`);
  }
  fs.mkdirSync(path.join(dir, 'nginx-tmp'));
  fs.writeFileSync(path.join(dir, 'nginx.conf'), `worker_processes 1;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx.log;
daemon off;
events { worker_connections 1024; }
http {
  access_log ${dir}/access.log;
  client_body_temp_path ${dir}/nginx-tmp;
${servers.join('\n')}
}
`);
  const r = spawnSync('bash', ['-c', `ip netns exec ${tb.targetNs} nginx -p ${dir} -c ${dir}/nginx.conf >${dir}/nginx.out 2>&1 </dev/null & echo $!`], { encoding: 'utf8' });
  nginxPid = Number(r.stdout.trim());
  for (const port of Object.values(P)) {
    const w = inNs(tb.targetNs, `for i in $(seq 100); do (exec 3<>/dev/tcp/127.0.0.1/${port}) 2>/dev/null && exit 0; sleep 0.1; done; exit 1`);
    if (w.code !== 0) throw new Error(`nginx does not listen on ${port}: ${fs.readFileSync(path.join(dir, 'nginx.out'), 'utf8')}`);
  }
  // The testbed itself: curl with each name gets that site (so a failure below is trawl's).
  for (const site of SITES.slice(0, 2)) {
    const c = inNs(tb.scanNs, `curl -sk --resolve ${site}:443:198.18.5.1 https://${site}/`);
    if (!c.stdout.includes(title(site))) throw new Error(`curl ${site}: ${c.stdout} ${c.stderr}`);
  }
}

test.before(() => {
  if (!isRoot || !nativeBuilt) return;
  try { setup(); } catch (e) { setupError = (e as Error).message; }
});

test.after(() => {
  if (nginxPid > 0) spawnSync('kill', [String(nginxPid)]);
  if (dir && fs.existsSync(path.join(dir, 'nginx.pid'))) spawnSync('bash', ['-c', `kill $(cat ${dir}/nginx.pid)`]);
  testbedDown(name);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

test('scan --hitlist: each named address gets its own site (certificate, HTTPS page, TLS 1.3 certificate, HTTP page), the unnamed one the default', () => {
  assert.is(setupError, '');
  if (!tb) { console.log(`  (skipped: ${isRoot ? 'native module not built' : 'needs root'})`); return; }
  const hits = path.join(dir, 'hits.csv');
  fs.writeFileSync(hits, HITS.map(([ip, n]) => (n ? `${ip},${n}` : ip)).join('\n') + '\n');
  const key = path.join(dir, 'key');
  const r = inNs(tb.scanNs, `$TRAWL key --force ${key} >/dev/null && $TRAWL scan --hitlist ${hits} -p ${Object.values(P).join(',')} ` +
    `--banners --no-service-probes --probe ${P.https}:https --probe ${P.tls13}:tls --probe ${P.http}:http ` +
    `-i ${tb.scanIf} --source-ip 198.19.0.83 --key-file ${key} --rate 500 --cooldown 3 -o ndjson`);
  if (process.env.SNI_DEBUG) fs.writeFileSync(process.env.SNI_DEBUG, r.stderr + '\n----\n' + r.stdout);
  assert.is(r.code, 0, r.stderr);
  assert.match(r.stderr, /6 target names, 6 probes sent with their target's name/, 'blast\'s summary');
  const banners = lines(r.stdout).filter((x) => x.type === 'banner');
  for (const [ip, n] of HITS) {
    const site = n ?? SITES[2];
    const of = (port: number) => {
      const mine = banners.filter((b) => b.ip === ip && b.port === port);
      assert.is(mine.length, 1, `one banner for ${ip}:${port}`);
      assert.is(mine[0].name, n ?? undefined, `${ip}:${port}: the name it was sent with`);
      return mine[0];
    };
    const https = of(P.https);
    assert.is(https.service, 'https', `${ip}: ${JSON.stringify(https)}`);
    assert.is(https.cert_subject_cn, site, `${ip}:443: the certificate of ${site}`);
    assert.is(https.http_status, 200);
    assert.is(https.http_title, title(site), `${ip}:443: the page of ${site}, inside TLS`);
    const t13 = of(P.tls13);
    assert.is(t13.tls_version, 'TLSv1.3');
    assert.is(t13.tls_decrypted, true, `${ip}:${P.tls13}: decrypted with the hello sent`);
    assert.is(t13.cert_subject_cn, site, `${ip}:${P.tls13}: the certificate of ${site}`);
    const http = of(P.http);
    assert.is(http.http_title, title(site), `${ip}:80: the page of ${site} by Host`);
  }
});

test.run();
