// trawl scan under signals in namespaces (issue 8): a terminal's Ctrl-C reaches the whole process
// group, and a stage may be killed with SIGKILL. Every record produced must reach the output.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import { spawn } from 'child_process';
import { isRoot, lines, TRAWL } from './helpers';
import { testbedUp, testbedDown, testbedName, Testbed } from './testbed';

const name = testbedName('sigs');
let tb: Testbed | null = null;
test.after(() => testbedDown(name));

interface Run { code: number; stdout: string; stderr: string }

/** Starts scan as the leader of a new process group (setsid), as a shell runs a foreground job;
 *  act(pid) is called once the first open record arrived. */
async function scanWith(args: string[], act: (pid: number) => void | Promise<void>): Promise<Run> {
  const child = spawn('setsid', ['ip', 'netns', 'exec', tb!.scanNs, process.execPath, TRAWL, 'scan', '-i', tb!.scanIf, ...args]);
  let stdout = '', stderr = '';
  child.stdout.on('data', (d) => { stdout += d; });
  child.stderr.on('data', (d) => { stderr += d; });
  const closed = new Promise<number>((res) => child.on('close', (c, s) => res(c ?? (s ? -1 : -2))));
  // The scan record heads the output before any stage runs: wait for a record catch made.
  const found = () => stdout.includes('"type":"open"');
  for (let k = 0; k < 400 && !found() && child.exitCode === null; k++) await new Promise((r) => setTimeout(r, 25));
  assert.ok(found(), `no open record from the scan: ${stderr}`);
  await act(child.pid!);
  return { code: await closed, stdout, stderr };
}

/** The pid of scan's stage `stage` (its child running `trawl stage`). */
function stagePid(scan: number, stage: string): number {
  const kids = fs.readFileSync(`/proc/${scan}/task/${scan}/children`, 'utf8').trim().split(/\s+/).map(Number);
  for (const k of kids) {
    const argv = fs.readFileSync(`/proc/${k}/cmdline`, 'utf8').split('\0');
    // node [heap flags] .../main.js <stage> ...
    if (argv[argv.findIndex((a) => a.endsWith('main.js')) + 1] === stage) return k;
  }
  throw new Error(`no ${stage} stage under ${scan}`);
}

test('Ctrl-C (SIGINT to the process group), 4 times at different moments: every record catch counted is in the output, resume line, summaries, 130', async () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  tb = testbedUp(name, { ports: [80] });
  for (const delay of [0, 150, 400, 900]) {
    const r = await scanWith(['198.18.0.0/18', '-p', '80', '--rate', '3000', '--cooldown', '1', '--seed', '5', '-o', 'ndjson'], async (pid) => {
      await new Promise((res) => setTimeout(res, delay));
      process.kill(-pid, 'SIGINT');
    });
    const where = `signal after ${delay} ms: ${r.stderr}`;
    assert.is(r.code, 130, where);
    assert.match(r.stderr, /^trawl blast: interrupted: resume with --resume-index \d+ \(the first target not sent\)$/m, where);
    assert.match(r.stderr, /^trawl blast: sent \d+ SYNs/m, where);
    const c = /^trawl catch: \d+ packets: (\d+) open, (\d+) closed/m.exec(r.stderr);
    assert.ok(c, where);
    const recs = lines(r.stdout);
    assert.is(recs.filter((x) => x.type === 'open').length, Number(c![1]), `open records written vs counted by catch; ${where}`);
    assert.not.match(r.stderr, /killed by|internal error/, where);
  }
});

test('a stage killed with SIGKILL: scan names it and the signal, exits non-zero', async () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  tb ??= testbedUp(name, { ports: [80] });
  for (const stage of ['catch', 'fmt']) {
    const r = await scanWith(['198.18.0.0/18', '-p', '80', '--rate', '2000', '--cooldown', '1', '--seed', '5', '-o', 'ndjson', '-q'], (pid) => {
      process.kill(stagePid(pid, stage), 'SIGKILL');
    });
    assert.match(r.stderr, new RegExp(`^trawl scan: ${stage} was killed by SIGKILL$`, 'm'), r.stderr);
    assert.is(r.code, 1, r.stderr);
  }
});

test('scan itself killed with SIGKILL: its stages (in process groups of their own) stop by themselves', async () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  tb ??= testbedUp(name, { ports: [80] });
  let pids: number[] = [];
  await scanWith(['198.18.0.0/16', '-p', '80', '--rate', '1000', '--cooldown', '1', '--seed', '5', '-q'], (pid) => {
    // targets has written its one walk record and left by now (trawl.7 walk): blast sends.
    pids = ['blast', 'catch'].map((st) => stagePid(pid, st));
    process.kill(pid, 'SIGKILL');
  });
  const alive = () => pids.filter((p) => { try { process.kill(p, 0); return true; } catch { return false; } });
  for (let k = 0; k < 60 && alive().length; k++) await new Promise((r) => setTimeout(r, 100));
  assert.equal(alive(), [], 'stages still running 6 s after scan died');
});

test.run();
