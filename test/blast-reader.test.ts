// blast's stdin reader: the byte-level fast path agrees with JSON.parse, whatever the chunking.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { Readable } from 'stream';
import { readTargets } from '../shared/blast/reader';
import { parseIPv4 } from '../shared/ipv4';
import { newParsedTarget, parseTarget } from '../shared/blast/targets';

const ip4 = (s: string) => parseIPv4(s) as number;

async function read(chunks: string[], maxLine?: number) {
  const got: string[] = [], errs: string[] = [];
  const report = { cmd: 'blast', error: (m: string) => errs.push(m), warn: (m: string) => errs.push(m), info: () => {} };
  const counts = await readTargets(Readable.from(chunks.map((c) => Buffer.from(c))), report, {
    target: (ip, port, i, line) => { got.push(`fast ${ip} ${port} ${i} @${line}`); },
    record: (rec, line) => { got.push(`slow ${JSON.stringify(rec)} @${line}`); },
  }, 'stdin', maxLine);
  return { got, errs, counts };
}

const T = (ip: string, port: number, i: number) => `{"type":"target","ip":"${ip}","port":${port},"i":${i}}`;

test('canonical target lines take the fast path, others the general one, in order', async () => {
  const input = [
    T('198.18.0.1', 80, 0), T('223.255.255.255', 65535, 123456789012), '{"ip":"198.18.0.2","type":"target","port":22,"i":2}',
    T('2001:db8::1', 80, 3), T('01.2.3.4', 80, 4), T('198.18.0.5', 0, 5), '{"type":"open","ip":"1.2.3.4","port":1}',
    '{"type": "target", "ip": "198.18.0.6", "port": 443, "i": 6}', T('198.18.0.7', 8080, 7) + '\r',
  ].join('\n') + '\n';
  const { got, errs, counts } = await read([input]);
  assert.equal(errs, []);
  assert.is(counts.bad, 0);
  assert.equal(got, [
    `fast ${ip4('198.18.0.1')} 80 0 @1`,
    `fast ${ip4('223.255.255.255')} 65535 123456789012 @2`,
    'slow {"ip":"198.18.0.2","type":"target","port":22,"i":2} @3',
    'slow {"type":"target","ip":"2001:db8::1","port":80,"i":3} @4',
    'slow {"type":"target","ip":"01.2.3.4","port":80,"i":4} @5',   // blast rejects it after the general parse
    'slow {"type":"target","ip":"198.18.0.5","port":0,"i":5} @6',
    'slow {"type":"open","ip":"1.2.3.4","port":1} @7',
    'slow {"type":"target","ip":"198.18.0.6","port":443,"i":6} @8',
    `fast ${ip4('198.18.0.7')} 8080 7 @9`,
  ]);
});

test('any chunking gives the same result; a last line without newline counts', async () => {
  const text = [T('198.18.0.1', 80, 0), 'oops', T('198.18.0.2', 80, 1), '', T('198.18.0.3', 80, 2)].join('\n');
  const whole = await read([text]);
  for (const size of [1, 2, 7, 33]) {
    const parts: string[] = [];
    for (let o = 0; o < text.length; o += size) parts.push(text.slice(o, o + size));
    const r = await read(parts);
    assert.equal(r.got, whole.got, `chunks of ${size}`);
    assert.equal(r.errs, whole.errs);
  }
  assert.is(whole.got.length, 3);
  assert.equal(whole.errs, ['stdin:2: unexpected token \'o\', "oops" is not valid JSON: oops']);
  assert.is(whole.counts.bad, 1);
});

test('bad lines: same messages as the shared reader; over-long lines skipped without shifting line numbers', async () => {
  const long = '{"type":"target","pad":"' + 'x'.repeat(200) + '"}';
  const r = await read([T('198.18.0.1', 80, 0) + '\n[1]\n' + long.slice(0, 50), long.slice(50) + '\n' + T('198.18.0.2', 80, 1) + '\n'], 100);
  assert.equal(r.errs, ['stdin:2: not a JSON object: [1]', 'stdin:3: line longer than 100 bytes']);
  assert.equal(r.got, [`fast ${ip4('198.18.0.1')} 80 0 @1`, `fast ${ip4('198.18.0.2')} 80 1 @4`]);
  assert.is(r.counts.bad, 2);
});


test('a UDP or ARP target never takes the fast path, an ICMP echo one only as port 0, and parseTarget refuses them (never a SYN)', async () => {
  const udp = '{"type":"target","ip":"198.18.0.1","port":53,"proto":"udp","i":0}';
  const icmp = '{"type":"target","ip":"198.18.0.1","proto":"icmp","i":1}';
  const arp = '{"type":"target","ip":"198.18.0.1","proto":"arp","i":2}';
  const icmpPort = '{"type":"target","ip":"198.18.0.1","proto":"icmp","port":7,"i":3}';
  const icmpSpace = '{"type":"target","ip":"198.18.0.1","proto":"icmp","i":4 }';
  const { got } = await read([`${udp}\n${icmp}\n${arp}\n${icmpPort}\n${icmpSpace}\n`]);
  assert.equal(got, [`slow ${udp} @1`, `fast ${ip4('198.18.0.1')} 0 1 @2`, `slow ${arp} @3`, `slow ${icmpPort} @4`, `slow ${JSON.stringify(JSON.parse(icmpSpace))} @5`]);
  const t = newParsedTarget();
  assert.is(parseTarget(JSON.parse(udp), t), 'target "proto" "udp": blast sends TCP SYNs only: not sent');
  assert.is(parseTarget(JSON.parse(icmp), t), 'target "proto" "icmp": blast sends TCP SYNs only: not sent');
  assert.is(parseTarget({ type: 'target', ip: '198.18.0.1', port: 80, proto: 'tcp' }, t), 0);
});
test.run();
