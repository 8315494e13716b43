// Write errors (issue 8): a full disk on stdout or an output file is a message and exit 1 in
// every command, never exit 0 with a truncated document; EPIPE on stdout (| true) is a clean
// end and EPIPE on stderr costs no data.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, sh } from './helpers';
import { FORMATS } from '../shared/formats/registry';
import { synAckPcap } from './pcap-files';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-full-'));
const tiny = path.join(dir, 'tiny');   // a 64 KiB tmpfs: the first writes succeed, later ones fail
fs.mkdirSync(tiny);
const mounted = isRoot && spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', tiny]).status === 0;
test.after(() => {
  if (mounted) spawnSync('umount', [tiny]);
  fs.rmSync(dir, { recursive: true, force: true });
});
const keyFile = path.join(dir, 'k');
fs.writeFileSync(keyFile, '000102030405060708090a0b0c0d0e0f\n', { mode: 0o600 });
const records = path.join(dir, 'in.ndjson');
fs.writeFileSync(records, Array.from({ length: 3000 }, (_, i) => JSON.stringify({
  type: 'open', ip: `198.18.${i >> 8}.${i & 255}`, port: 80, sport: 40000, ttl: 60, window: 1024, ipid: 1, options: '', time_us: 1_700_000_000_000_000 + i,
})).join('\n') + '\n');
const pcap = path.join(dir, 'in.pcap');
fs.writeFileSync(pcap, synAckPcap(3000));
const clear = () => { for (const f of fs.readdirSync(tiny)) fs.rmSync(path.join(tiny, f)); };

const ENOSPC = 'ENOSPC: no space left on device, write';
// Each command with its expected message on a full standard output.
const STDOUT_CASES: [string, string, string][] = [
  // certs writes nothing for records without a certificate: nothing to fail; a sink format
  // (sqlite) writes its own file, never stdout (its full disk is in the file cases below).
  ...FORMATS.filter((f) => f.name !== 'certs' && !f.sink).map((f): [string, string, string] => [`fmt -o ${f.name}`, `fmt -o ${f.name} < ${records}`, `trawl fmt: writing stdout: ${ENOSPC}\n`]),
  ['targets', 'targets 198.18.0.0/16 -p 80 --seed 1', `trawl targets: cannot write: ${ENOSPC}\n`],
  ['catch', `catch --pcap ${pcap} --no-validate -q`, `trawl catch: stdout: ${ENOSPC}\n`],
  ['banners', `banners < ${records}`, `trawl banners: cannot write: ${ENOSPC}\n`],
  ['key', 'key', `trawl: cannot write standard output: ${ENOSPC}\n`],
  ['--help', 'fmt --help', `trawl: cannot write standard output: ${ENOSPC}\n`],
];

test('stdout on /dev/full: every command says so and exits 1', () => {
  for (const [what, cmd, err] of STDOUT_CASES) {
    const r = sh(`$TRAWL ${cmd} > /dev/full`);
    assert.is(r.stderr, err, what);
    assert.is(r.code, 1, what);
  }
});

test('stdout on a full disk after the first writes succeeded: exit 1, never a silent truncated document', () => {
  if (!mounted) { console.log('  (skipped: needs root to mount a tmpfs)'); return; }
  for (const [what, cmd, err] of STDOUT_CASES) {
    if (['key', '--help', 'fmt -o hosts'].includes(what)) continue;   // too small to fill 64 KiB
    clear();
    const r = sh(`$TRAWL ${cmd} > ${tiny}/out`);
    assert.is(r.stderr, err, what);
    assert.is(r.code, 1, what);
  }
  for (const f of ['xml', 'json', 'grepable', 'ndjson', 'sqlite']) {
    clear();
    const r = sh(`$TRAWL fmt -o ${f}:${tiny}/out.${f} < ${records}`);
    assert.is(r.stderr, `trawl fmt: writing ${tiny}/out.${f}: ${f === 'sqlite' ? 'database or disk is full' : ENOSPC}\n`, f);
    assert.is(r.code, 1, f);
  }
});

test('blast --pcap on a full disk: where to resume, the error, exit 1 (no uncaught error)', () => {
  if (!mounted) { console.log('  (skipped: needs root to mount a tmpfs)'); return; }
  clear();
  const r = sh(`$TRAWL targets 198.18.0.0/20 -p 80 --seed 1 -q | $TRAWL blast --key-file ${keyFile} --source-ip 198.19.0.1 ` +
    `--router-mac 02:00:00:00:00:0b --rate max -q --pcap ${tiny}/out.pcap`);
  assert.is(r.code, 1, r.stderr);
  const m = /^trawl blast: interrupted: resume with --resume-index (\d+) \(the first target not sent\)\ntrawl blast: --pcap \S+: sendSyns: writing the pcap file failed: No space left on device\n$/.exec(r.stderr);
  assert.ok(m, r.stderr);
  assert.ok(Number(m![1]) > 0 && Number(m![1]) < 4096, m![1]);
});

test('EPIPE on stdout: trawl key | true and trawl CMD --help | true end quietly with 0', () => {
  for (const cmd of ['key', 'fmt --help', 'targets --help', 'blast --help', 'catch --help', 'scan --help', 'banners --help', 'key --help', '--help']) {
    const r = sh(`$TRAWL ${cmd} | true; echo "status \${PIPESTATUS[0]}"`);
    assert.is(r.stderr, '', cmd);
    assert.is(r.stdout, 'status 0\n', cmd);
  }
});

test('EPIPE on stderr (its reader gone): fmt still writes every record and exits with its own status', () => {
  const bad = path.join(dir, 'bad.ndjson');
  fs.writeFileSync(bad, fs.readFileSync(records, 'utf8').replace(/\n/g, '\n{oops\n'));
  for (const f of ['ndjson', 'xml']) {
    const r = sh(`exec 3>&1; { $TRAWL fmt -o ${f} < ${bad} 2>&1 >&3 3>&-; echo "status $?" >&3; } | true`);
    const want = sh(`$TRAWL fmt -o ${f} < ${records}`).stdout;
    assert.is(r.stdout.replace(/\d{10}/g, 'T').replace(/(start|time)str="[^"]*"/g, ''),
      want.replace(/\d{10}/g, 'T').replace(/(start|time)str="[^"]*"/g, '') + 'status 3\n', f);
  }
});

test.run();
