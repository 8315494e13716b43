// Input strings that name Object.prototype members (__proto__, constructor, toString) as probes, keys, headers and fields: plain data to every command that reads records.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ROOT, trawl } from './helpers';

const NMAP = '/usr/share/nmap/nmap-service-probes';
const NAMES = ['__proto__', 'constructor', 'toString', 'hasOwnProperty', 'valueOf'];
const SSH = fs.readFileSync(path.join(ROOT, 'test', 'fixtures', 'banners', 'ssh-openssh.bin')).toString('base64');
const HTTP = Buffer.from('HTTP/1.1 200 OK\r\nconstructor: x\r\n__proto__: y\r\ntoString: z\r\nServer: nginx\r\n\r\n<title>a&constructor;b&toString;</title>').toString('base64');

// A body in a Content-Encoding named like a prototype member: not decoded, said so.
const GZIP = Buffer.from('HTTP/1.1 200 OK\r\nContent-Encoding: constructor\r\nContent-Length: 4\r\n\r\nbody').toString('base64');

// Raw lines: JSON.stringify would drop a "__proto__" key set by assignment, so they are written out.
const INPUT = [
  ...NAMES.map((p, i) => `{"type":"banner","ip":"198.18.0.${i + 1}","port":22,"probe":${JSON.stringify(p)},"data":"${SSH}","len":1}`),
  `{"type":"banner","ip":"198.18.1.1","port":22,"probe":"null","data":"${SSH}","__proto__":{"polluted":1},"constructor":"c","toString":"t"}`,
  `{"type":"banner","ip":"198.18.1.2","port":80,"probe":"http","data":"${HTTP}"}`,
  '{"type":"open","ip":"198.18.1.3","port":443,"__proto__":"p","constructor":{"a":1}}',
  '{"type":"constructor","ip":"198.18.1.4","toString":null}',
  `{"type":"banner","ip":"198.18.1.5","port":8080,"probe":"http","data":"${GZIP}"}`,
].join('\n') + '\n';

/** Output lines parsed; JSON.parse keeps "__proto__" as an own key. */
const parse = (out: string) => out.trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);

for (const probes of [false, true]) {
  test(`banners${probes ? ' --service-probes' : ''}: prototype names as probe, keys and header names are plain strings`, () => {
    const r = trawl(['banners', ...(probes ? ['--service-probes', NMAP] : ['--no-service-probes'])], INPUT);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    const out = parse(r.stdout);
    assert.is(out.length, 10);
    assert.is(out[9].http_status, 200);
    assert.ok(String(out[9].http_body_error).includes('content-encoding constructor not decoded'), JSON.stringify(out[9]));
    for (let i = 0; i < NAMES.length; i++) {
      assert.is(out[i].probe, NAMES[i]);
      assert.is(out[i].service, 'ssh');
      // An unknown probe gets the NULL probe's rules.
      if (probes) assert.equal([out[i].product, out[i].nmap_probe], ['OpenSSH', 'NULL']);
    }
    assert.ok(Object.hasOwn(out[5], '__proto__'));
    assert.equal(out[5]['__proto__'], { polluted: 1 });
    assert.equal([out[5].constructor, out[5].toString], ['c', 't']);
    assert.is(out[6].http_server, 'nginx');
    assert.is(out[6].http_title, 'a&constructor;b&toString;');
    for (const o of out) for (const k of Object.keys(o)) assert.ok(/^[\w]+$/.test(k), `odd key ${JSON.stringify(k)}`);
    assert.ok(r.stdout.includes('"__proto__":"p","constructor":{"a":1}'), 'passed-through records keep them');
    assert.is(({} as Record<string, unknown>).polluted, undefined);
  });
}

// The service fields fmt looks up in its tables of nmap's names (service, alpn) named like prototype members.
const BANNERS = trawl(['banners'], INPUT).stdout +
  '{"type":"banner","ip":"198.18.2.1","port":443,"probe":"tls","service":"tls","alpn":"constructor","product":"toString"}\n' +
  '{"type":"banner","ip":"198.18.2.2","port":22,"probe":"null","service":"__proto__"}\n' +
  '{"type":"open","ip":"198.18.2.3","port":25,"service":"constructor","alpn":"__proto__"}\n';
const FORMATS = ['ndjson', 'list', 'grepable', 'xml', 'json', 'csv', 'hosts', 'certs', 'text', 'report'];

for (const f of FORMATS) {
  test(`fmt -o ${f}: records with prototype-named keys and probes, no inherited value printed`, () => {
    const r = trawl(['fmt', '-o', f], BANNERS);
    assert.is(r.stderr, '');
    assert.is(r.code, 0);
    assert.not.ok(/function |\[native code\]|\[object Object\]/.test(r.stdout), r.stdout.slice(0, 300));
    if (f === 'ndjson') assert.ok(r.stdout.includes('"__proto__":{"polluted":1}'));
  });
}

test('fmt --fields naming prototype members: own values only, empty where the record has none', () => {
  let r = trawl(['fmt', '-o', 'csv', '--fields', 'ip,__proto__,constructor,toString,valueOf'], BANNERS);
  assert.is(r.code, 0, r.stderr);
  assert.not.ok(/function |\[native code\]|\[object Object\]/.test(r.stdout), r.stdout);
  assert.ok(r.stdout.includes('198.18.1.1,'), r.stdout);
  r = trawl(['fmt', '-o', 'ndjson', '--fields', 'ip,__proto__,constructor'], BANNERS);
  assert.is(r.code, 0, r.stderr);
  const out = parse(r.stdout);
  assert.equal(out.filter((o) => Object.hasOwn(o, '__proto__')).map((o) => o.ip), ['198.18.1.1', '198.18.1.3']);
  assert.equal(out.filter((o) => Object.hasOwn(o, 'constructor')).map((o) => o.ip), ['198.18.1.1', '198.18.1.3']);
  assert.equal(out.map((o) => Object.keys(o).filter((k) => k !== 'ip' && k !== '__proto__' && k !== 'constructor')), out.map(() => []));
});

test('fmt --where on prototype-named fields: a field the record lacks is null', () => {
  const ips = (expr: string) => { const r = trawl(['fmt', '--where', expr], BANNERS); assert.is(r.code, 0, r.stderr); return parse(r.stdout).map((o) => o.ip); };
  assert.equal(ips('constructor != null'), ['198.18.1.1', '198.18.1.3']);
  assert.equal(ips('toString == "t"'), ['198.18.1.1']);
  assert.equal(ips('__proto__ != null'), ['198.18.1.1', '198.18.1.3']);
  assert.equal(ips('probe == "constructor"'), ['198.18.0.2']);
  assert.equal(ips('valueOf != null || hasOwnProperty != null'), []);
});

test('a config file whose boolean is a prototype name, and a bare prototype-named argument: plain words', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-proto-conf-'));
  try {
    const conf = path.join(dir, 'c.conf');
    fs.writeFileSync(conf, 'quiet = constructor\n');
    let r = trawl(['fmt', '--conf', conf], '');
    assert.is(r.code, 2);
    assert.ok(r.stderr.includes("c.conf:1: option quiet: 'constructor' is not true or false"), r.stderr);
    // masscan's -oX is an output flag of fmt's; toString is a file name like any other.
    r = trawl(['fmt', 'toString'], '');
    assert.ok(r.stderr.includes('cannot read toString'), r.stderr);
  } finally { fs.rmSync(dir, { recursive: true, force: true }); }
});

test.run();
