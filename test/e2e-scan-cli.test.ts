// trawl scan's command line: mistakes are caught before any process starts or packet leaves.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import { PassThrough } from 'stream';
import { trawl } from './helpers';
import { ScanProgress } from '../shared/scan/progress';

test('usage errors: exit 2, one message naming what is wrong, nothing on stdout', () => {
  const cases: [string[], string][] = [
    [['scan', '-p', '80'], 'trawl scan: give at least one RANGE (or -iL FILE, or --hitlist FILE)\n'],
    [['scan', '198.18.0.0/24'], 'trawl scan: give -p PORTS, --top-ports N, --ping or --arp\n'],
    [['scan', '198.18.0.0/24', '-p', '80', '-o', 'bogus'],
      "trawl scan: option -o: unknown format 'bogus' (one of ndjson, text, list, grepable, xml, json, csv, hosts, certs, report, sqlite, live)\n"],
    [['scan', '198.18.0.0/24', '-p', '80', '--cooldown=-1'], 'trawl scan: option --cooldown: must be from 0 to 3600 seconds\n'],
    [['scan', '198.18.0.0/24', '-p', '80', '--rate', 'fast'],
      "trawl scan: option --rate: 'fast' is not a rate (a number such as 1000, 10k, 1e6, or max)\n"],
    [['scan', '198.18.0.0/24', '-p', '80', '--bogus'], 'trawl scan: unknown option --bogus (see --help)\n'],
    [['scan', '198.18.0.0/24', '-p', '80', '-i', 'no-such-if0'], 'trawl scan: -i no-such-if0: no such interface\n'],
  ];
  for (const [args, err] of cases) {
    const r = trawl(args);
    assert.is(r.stderr, err, args.join(' '));
    assert.is(r.stdout, '');
    assert.is(r.code, 2, args.join(' '));
  }
});

test('--help lists the pass-through options of targets, blast and the probes', () => {
  const r = trawl(['scan', '--help']);
  assert.is(r.code, 0);
  assert.is(r.stderr, '');
  for (const o of ['--ports', '--exclude', '--seed', '--resume-index', '--rate', '--bandwidth', '--source-ip', '--cooldown', '--banners', '--output-format', '--probe', '--http-url']) {
    assert.ok(r.stdout.includes(o), o);
  }
});

test('progress: a stage\'s status records feed the live line, its other lines pass through whole', async () => {
  const err = new PassThrough();
  let text = '';
  err.on('data', (d) => { text += d; });
  const p = new ScanProgress(err);
  const sink = p.sink('blast');
  sink.write('{"type":"status","cmd":"blast","syns":5,"pps":9}\ntrawl blast: sent 5 ');
  sink.end('SYNs\n');
  await new Promise((r) => sink.on('finish', r));
  assert.is(text, '\r\x1b[2Ktrawl blast: sent 5 SYNs\n');
});

test('progress of a ping and ARP scan: arp targets asked count as sent, echo replies and ARP answers as alive', async () => {
  const err = new PassThrough();
  err.resume();
  let t = 0;
  const p = new ScanProgress(err, { cooldown: 2, now: () => t });
  const feed = async (stage: string, rec: object) => {
    const s = p.sink(stage);
    s.end(JSON.stringify({ type: 'status', cmd: stage, ...rec }) + '\n');
    await new Promise((r) => s.on('finish', r));
  };
  await feed('targets', { total: 20 });
  await feed('blast', { syns: 10, sent: 10, pps: 100, arp_scanned: 4, arp_alive: 3 });
  await feed('catch', { alive: 7 });
  let s = p.sample();
  assert.equal([s.fields.syns, s.fields.percent, s.fields.alive, s.fields.phase], [14, 70, 10, 'sending']);
  assert.match(s.text, /  10 alive  /);
  t = 1000;
  await feed('blast', { syns: 10, sent: 10, pps: 100, arp_scanned: 10, arp_alive: 6 });
  s = p.sample();
  assert.equal([s.fields.syns, s.fields.percent, s.fields.alive, s.fields.phase], [20, 100, 13, 'cooldown']);
});

test.run();
