// Probe options through the real binary: bad probe files and names stop blast with
// exit 2 and one line naming FILE:LINE or the option, before anything is sent.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { trawl } from './helpers';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-probes-cli-'));
const key = path.join(dir, 'k.key');
const pcap = path.join(dir, 'out.pcap');
const FIX = 'test/fixtures/probes';
const target = '{"type":"target","ip":"198.18.0.1","port":80}\n';
const blast = (extra: string[]) => trawl(['blast', '--key-file', key, '--pcap', pcap, '--source-ip', '198.19.0.1',
  '--router-mac', '02:00:00:00:00:01', '-q', ...extra], target);

test.before(() => { assert.is(trawl(['key', key]).code, 0); });
test.after(() => fs.rmSync(dir, { recursive: true, force: true }));

test('blast: a bad probe file is refused with FILE:LINE, exit 2, nothing written', () => {
  const cases: [string, string][] = [
    ['bad-escape.txt', `${FIX}/bad-escape.txt:3: unknown escape \\q (use \\r \\n \\t \\0 \\\\ \\{ or \\xNN)`],
    ['bad-hex.txt', `${FIX}/bad-hex.txt:2: \\x needs two hex digits, got '4'`],
    ['two-ip.txt', `${FIX}/two-ip.txt:4: a second {ip} (one placeholder per probe; write \\{ip} for the text)`],
    ['missing.txt', `${FIX}/missing.txt: cannot read probe file: no such file`],
  ];
  for (const [f, msg] of cases) {
    fs.rmSync(pcap, { force: true });
    const r = blast(['--probe-file', `${FIX}/${f}`]);
    assert.equal(r, { code: 2, stdout: '', stderr: `trawl blast: ${msg}\n` }, f);
    assert.not.ok(fs.existsSync(pcap), `${f}: no pcap written`);
  }
});

test('blast: unknown probe and contradictory --probe options exit 2 naming the option', () => {
  assert.equal(blast(['--probe', 'gopher']), { code: 2, stdout: '',
    stderr: "trawl blast: option --probe: unknown probe 'gopher' (one of null, http, tls, redis, memcached, rdp, postgres, smb, mqtt, amqp, https, starttls, ssh, jarm, user)\n" });
  assert.equal(blast(['--probe', 'http', '--probe', 'tls']), { code: 2, stdout: '',
    stderr: 'trawl blast: --probe http and --probe tls both claim every port; map ports with --probe PORTS:NAME\n' });
  assert.equal(blast(['--sni', '10.0.0.1']), { code: 2, stdout: '',
    stderr: "trawl blast: option --sni: '10.0.0.1' is an IP address; SNI takes a host name\n" });
});

test('blast: good probe options are accepted and the SYN goes out', () => {
  for (const extra of [['--probe-file', `${FIX}/head.txt`], ['--probe', 'tls', '--sni', 'www.example.com'],
    ['--probe', '80:redis', '--redis-command', 'ping'], ['--http-header', 'X-A: b', '--http-method', 'HEAD']]) {
    fs.rmSync(pcap, { force: true });
    const r = blast(extra);
    assert.equal({ code: r.code, stderr: r.stderr }, { code: 0, stderr: '' }, extra.join(' '));
    assert.ok(fs.statSync(pcap).size > 24, 'one frame after the pcap header');
  }
});

test.run();
