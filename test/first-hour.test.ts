// What a masscan or nmap user sees and types first: the live format's lines and closing table,
// scan's merged progress (line and records), the peers' flag aliases and -oX-style outputs.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'stream';
import { trawl } from './helpers';
import { bannerSummary, clock, LiveTally } from '../shared/formats/live';
import { ScanProgress } from '../shared/scan/progress';
import { expandOutputFlags } from '../shared/formats/options';
import { info as scanInfo } from '../cmds/scan';
import { parseArgs } from '../shared/args';

const b64 = (s: string) => Buffer.from(s, 'binary').toString('base64');
const T0 = 1_700_000_000_000_000;
const RECS = [
  { type: 'scan', args: 'trawl scan 198.18.0.0/24 -p 22,80', time_us: T0 },
  { type: 'open', ip: '198.18.0.7', port: 22, time_us: T0 + 1e6 },
  { type: 'closed', ip: '198.18.0.8', port: 22, time_us: T0 + 1e6 },
  { type: 'open', ip: '198.18.0.7', port: 80, time_us: T0 + 2e6 },
  { type: 'open', ip: '198.18.0.9', port: 80, time_us: T0 + 2e6 },
  { type: 'banner', ip: '198.18.0.7', port: 22, service: 'ssh', product: 'OpenSSH', version: '9.2p1', info: 'Debian 2', data: b64('SSH-2.0-OpenSSH_9.2p1 Debian-2\r\n'), time_us: T0 + 3e6 },
  { type: 'banner', ip: '198.18.0.7', port: 80, service: 'http', http_title: 'Hi\x1b]0;owned\x07', http_server: 'nginx', data: b64('HTTP/1.1 200 OK\r\n'), time_us: T0 + 4e6 },
  { type: 'banner', ip: '198.18.0.9', port: 80, data: b64('\x00\x01hello\xff'), time_us: T0 + 5e6 },
  { type: 'unreachable', ip: '198.18.0.10', port: 80, from: '198.19.0.2', icmp_type: 3, icmp_code: 13 },
  { type: 'mystery', ip: '198.18.0.11', port: 1 },
];

test('fmt -o live: a line per open port and banner as they come, terminal-safe, then the summary table', () => {
  const r = trawl(['fmt', '-o', 'live'], RECS.map((x) => JSON.stringify(x)).join('\n') + '\n');
  assert.is(r.stderr, '');
  assert.is(r.code, 0);
  assert.is(r.stdout, [
    'Discovered open port 22/tcp on 198.18.0.7',
    'Discovered open port 80/tcp on 198.18.0.7',
    'Discovered open port 80/tcp on 198.18.0.9',
    'Banner on port 22/tcp on 198.18.0.7: [ssh] OpenSSH 9.2p1 (Debian 2)',
    'Banner on port 80/tcp on 198.18.0.7: [http] title "Hi\\x1b]0;owned\\x07"',
    'Banner on port 80/tcp on 198.18.0.9: [unknown] \\x00\\x01hello\\xff',
    '',
    'PORT    OPEN  SERVICE',
    '80/tcp     2  http',
    '22/tcp     1  ssh',
    '',
    'TOP PRODUCTS',
    '      1  OpenSSH 9.2p1',
    '',
    '3 open ports on 2 hosts, 3 banners, in 0:00:05',
    '',
  ].join('\n'));
});

test('live summaries: a certificate and a server, a long raw banner cut, the tallies bounded', () => {
  assert.is(bannerSummary({ type: 'banner', service: 'tls', cert_subject_cn: 'example.test', cert_not_after_us: Date.UTC(2027, 0, 2) * 1000 }),
    '[tls] cert example.test until 2027-01-02');
  assert.is(bannerSummary({ type: 'banner', service: 'http', http_server: 'nginx/1.22' }), '[http] server nginx/1.22');
  assert.is(bannerSummary({ type: 'banner', data: b64('A'.repeat(300)) }), `[unknown] ${'A'.repeat(100)}...`);
  const t = new LiveTally(2);
  for (let i = 0; i < 5; i++) t.add({ type: 'open', ip: `198.18.0.${i}`, port: 22 });
  for (const p of ['a', 'b', 'c', 'a']) t.add({ type: 'banner', product: p });
  assert.is(t.hosts.size, 2);
  assert.ok(t.hostsOverflow);
  assert.equal([...t.products], [['a', 2], ['b', 1]]);
  assert.ok(t.summary(undefined).endsWith('5 open ports on at least 2 hosts, 4 banners, in 0:00:00\n'));
  assert.is(clock(3725.4), '1:02:05');
});

test('scan progress: total from targets, percent, ETA and rates from blast, finds from catch, then a cooldown countdown', async () => {
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => { text += d; });
  let now = 1_000_000;
  const p = new ScanProgress(err, { cooldown: 8, now: () => now });
  p.start();
  const feed = async (stage: string, rec: object) => {
    const s = p.sink(stage);
    s.end(JSON.stringify({ type: 'status', cmd: stage, ...rec }) + '\n');
    await new Promise((r) => s.on('finish', r));
  };
  await feed('targets', { targets: 1000, total: 1000, percent: 100 });
  await feed('blast', { sent: 600, syns: 400, pps: 300 });
  await feed('catch', { open: 10, closed: 30, segment: 0, kernel_drops: 2 });
  now += 3000;
  let s = p.sample();
  assert.equal([s.fields.total, s.fields.percent, s.fields.syn_pps, s.fields.eta_s, s.fields.phase, s.fields.hit_rate], [1000, 40, 200, 11, 'sending', 2.5]);
  assert.is(s.text, '0:00:03  40.00%  0:00:11 left  200 SYNs/s (300 pkt/s)  10 open (2.50%)  30 closed  2 drops');
  await feed('blast', { sent: 1500, syns: 1000, pps: 300 });
  now += 5000;
  s = p.sample();
  assert.equal([s.fields.percent, s.fields.phase, s.fields.eta_s], [100, 'cooldown', 3]);
  assert.match(s.text, /^0:00:08  100%  cooldown 0:00:03 left  200 SYNs\/s/);
  assert.is(text, '');   // stage records are consumed, nothing drawn (stderr is no terminal)
});

test('scan --status-ndjson: scan\'s own merged records, the stages\' consumed; other lines pass through', async () => {
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => { text += d; });
  const p = new ScanProgress(err, { ndjson: true, cooldown: 1 });
  const s = p.sink('blast');
  s.end('{"type":"status","cmd":"blast","syns":5,"sent":5,"pps":9}\ntrawl blast: sent 5 SYNs\n');
  await new Promise((r) => s.on('finish', r));
  p.stop();
  const [msg, rec] = text.split('\n');
  assert.is(msg, 'trawl blast: sent 5 SYNs');
  const st = JSON.parse(rec);
  assert.equal([st.type, st.cmd, st.final, st.syns, st.total], ['status', 'scan', true, 5, 0]);
});

test('nmap and masscan output flags become -o FORMAT:FILE; -oA writes nmap\'s three files', () => {
  assert.equal(expandOutputFlags(['-oX', 'a.xml', '-oG=-', '-oL', 'l.txt', '-oJ', 'j', '-oN', 'n']),
    ['-o', 'xml:a.xml', '-o', 'grepable', '-o', 'list:l.txt', '-o', 'json:j', '-o', 'text:n']);
  assert.equal(expandOutputFlags(['-oA', 'base', '--', '-oX', 'x']),
    ['-o', 'text:base.nmap', '-o', 'xml:base.xml', '-o', 'grepable:base.gnmap', '--', '-oX', 'x']);
  assert.equal(expandOutputFlags(['-oX']), ['-o', 'xml:']);
  const r = trawl(['fmt', '-oG', '-q'], '');
  assert.is(r.stderr, "trawl fmt: option --output: 'grepable:' names no file after ':'\n");
  assert.is(r.code, 2);
});

test('the peers\' names for scan\'s options are aliases of one option: parsed alike, listed by --help', () => {
  const a = parseArgs(scanInfo, ['198.18.0.0/24', '-p', '80', '-e', 'eth9', '--wait', '3', '--excludefile', 'x', '--adapter-ip', '198.19.0.9',
    '-r', '5k', '-n', '7', '-G', '02:00:00:00:00:01', '--open', '--output=xml']);
  assert.equal([a.interface, a.cooldown, a['exclude-file'], a['source-ip'], a.rate, a.limit, a['router-mac'], a['open-only'], a['output-format']],
    ['eth9', 3, ['x'], ['198.19.0.9'], '5k', 7, '02:00:00:00:00:01', true, ['xml']]);
  const b = parseArgs(scanInfo, ['198.18.0.0/24', '-p', '80', '--max-rate=9', '--cooldown-time', '2', '-S', '198.19.0.8']);
  assert.equal([b.rate, b.cooldown, b['source-ip']], ['9', 2, ['198.19.0.8']]);
  const h = trawl(['scan', '--help']);
  for (const s of ['(aliases: -e, --adapter)', '(aliases: --wait, --cooldown-time)', '(alias: --excludefile)', '(alias: --open)']) assert.ok(h.stdout.includes(s), s);
});

test.run();
