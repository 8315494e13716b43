// The shipped Slurm recipe on a real Slurm: a one-node cluster (slurmctld + slurmd on localhost,
// a munge key of its own) runs man/examples/trawl-shards.sbatch as an array of 4 tasks, each
// scanning from its own namespace; the merged result is the ground truth and the one-machine run's.
// Prints the wall times and per-shard rates quoted in trawl-scan(1).
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { isRoot, ROOT, sh, TRAWL } from './helpers';
import { testbedUp, testbedDown, testbedName, Testbed } from './testbed';
import { groundTruth, resultsOf, SHARD_PORTS } from './shard-truth';

const name = testbedName('slm');
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'trawl-slurm-'));
// Larger runs for the figures: SLURM_TEST_BITS=20 SLURM_TEST_RATE=max.
const BITS = Number(process.env.SLURM_TEST_BITS ?? 22);
const RATE = process.env.SLURM_TEST_RATE ?? '5000';
const RANGE = `198.18.0.0/${BITS}`;
const ARGS = `${RANGE} -p ${SHARD_PORTS} --seed 99 --rate ${RATE} --cooldown 1`;
const conf = path.join(dir, 'slurm.conf');
const env = { ...process.env, SLURM_CONF: conf };

function stopCluster() {
  for (const f of ['slurmd.pid', 'slurmctld.pid']) {
    const p = path.join(dir, f);
    if (fs.existsSync(p)) { try { process.kill(Number(fs.readFileSync(p, 'utf8')), 'SIGTERM'); } catch { /* already gone */ } }
  }
  if (fs.existsSync(path.join(dir, 'munge', 'sock'))) spawnSync('munged', ['-s', '-S', path.join(dir, 'munge', 'sock')]);
}

test.after(() => {
  stopCluster();
  testbedDown(name);
  spawnSync('sleep', ['0.5']);
  if (!process.env.SLURM_TEST_KEEP) fs.rmSync(dir, { recursive: true, force: true });
});

/** munged and a one-node Slurm with a partition that runs 4 tasks at once, all under dir. */
function startCluster(): void {
  fs.mkdirSync(path.join(dir, 'munge'), { mode: 0o700 });
  for (const d of ['state', 'spool', 'out']) fs.mkdirSync(path.join(dir, d));
  fs.chmodSync(dir, 0o755);   // munged wants the path to its socket searchable by all
  const key = path.join(dir, 'munge', 'munge.key');
  fs.writeFileSync(key, require('crypto').randomBytes(1024), { mode: 0o600 });
  const m = spawnSync('munged', ['-f', `--key-file=${key}`, '-S', path.join(dir, 'munge', 'sock'), `--pid-file=${dir}/munge/pid`,
    `--log-file=${dir}/munged.log`, `--seed-file=${dir}/munge/seed`], { encoding: 'utf8' });
  assert.is(m.status, 0, `munged: ${m.stderr}`);
  const host = os.hostname();
  const port = 20000 + (process.pid % 20000) * 2;   // two ports of our own: several runs may share the machine
  fs.writeFileSync(conf, [
    'ClusterName=trawltest', `SlurmctldHost=${host}(127.0.0.1)`, `SlurmctldPort=${port}`, `SlurmdPort=${port + 1}`,
    'SlurmUser=root', 'SlurmdUser=root', 'AuthType=auth/munge', `AuthInfo=socket=${dir}/munge/sock`, 'CredType=cred/munge',
    `StateSaveLocation=${dir}/state`, `SlurmdSpoolDir=${dir}/spool`, `SlurmctldPidFile=${dir}/slurmctld.pid`,
    `SlurmdPidFile=${dir}/slurmd.pid`, `SlurmctldLogFile=${dir}/slurmctld.log`, `SlurmdLogFile=${dir}/slurmd.log`,
    'ProctrackType=proctrack/linuxproc', 'TaskPlugin=task/none', 'JobAcctGatherType=jobacct_gather/none',
    'AccountingStorageType=accounting_storage/none', 'MpiDefault=none', 'ReturnToService=2', 'SchedulerType=sched/builtin',
    'SelectType=select/cons_tres', 'SelectTypeParameters=CR_Core',
    // Four "CPUs" on a 2-core machine, so the 4 tasks run at once as on 4 machines.
    'SlurmdParameters=config_overrides',
    `NodeName=${host} NodeAddr=127.0.0.1 CPUs=4 State=UNKNOWN`,
    `PartitionName=trawl Nodes=${host} Default=YES MaxTime=INFINITE State=UP OverSubscribe=FORCE:4`,
  ].join('\n') + '\n');
  for (const d of ['slurmctld', 'slurmd']) {
    const r = spawnSync(d, ['-f', conf], { encoding: 'utf8', env });
    assert.is(r.status, 0, `${d}: ${r.stderr}`);
  }
  for (let k = 0; k < 100; k++) {
    const s = spawnSync('sinfo', ['-h', '-o', '%T'], { encoding: 'utf8', env });
    if (s.stdout.trim() === 'idle') return;
    spawnSync('sleep', ['0.2']);
  }
  assert.unreachable(`the Slurm node did not come up: ${fs.readFileSync(`${dir}/slurmctld.log`, 'utf8').slice(-800)}`);
}

test('a Slurm job array of 4 shards, one namespace each: merged = ground truth = one machine', () => {
  if (!isRoot) { console.log('  (skipped: needs root)'); return; }
  for (const d of ['munged', 'slurmctld', 'slurmd', 'sbatch']) {
    assert.is(spawnSync('which', [d]).status, 0, `${d} is missing: make test-deps installs munge, slurmctld, slurmd and slurm-client`);
  }
  const tb: Testbed = testbedUp(name, { ports: [22, 80], drop: ['198.18.3.0/24'], scanners: 4 });
  startCluster();

  // The same targets from one machine, for the result and the wall time.
  const s1 = tb.scanners[0];
  let t0 = Date.now();
  const one = sh(`ip netns exec ${s1.ns} $TRAWL scan ${ARGS} --shard 1/1 -i ${s1.iface} > ${dir}/single.ndjson`);
  const oneSecs = (Date.now() - t0) / 1000;
  assert.is(one.code, 0, one.stderr);

  // Task I enters scanner namespace I; the job script is the shipped one, untouched.
  const wrapper = path.join(dir, 'in-ns.sh');
  fs.writeFileSync(wrapper, `#!/bin/bash
ns=(${tb.scanners.map((s) => s.ns).join(' ')})
echo "task start $(date +%s.%N)" >&2   # for the figures: Slurm's launch delay apart
exec ip netns exec "\${ns[$((SLURM_ARRAY_TASK_ID - 1))]}" ${process.execPath} ${TRAWL} "$@"
`, { mode: 0o755 });
  const out = path.join(dir, 'out');
  t0 = Date.now();
  const job = spawnSync('sbatch', ['--parsable', '--array=1-4', `--chdir=${out}`, `--output=${out}/task-%a.log`,
    path.join(ROOT, 'man', 'examples', 'trawl-shards.sbatch'), ...ARGS.split(' ')],
  // Passed in sbatch's environment, as the script says: --export=ALL,VAR=... makes slurmd load
  // root's login environment first (8-16 s a task here).
  { encoding: 'utf8', env: { ...env, TRAWL: wrapper, TRAWL_OUT: out } });
  assert.is(job.status, 0, `sbatch: ${job.stderr}`);
  // Polled here rather than with sbatch --wait, whose own polling backs off to 32 s and would
  // be most of the wall time.
  const id = job.stdout.trim().split(';')[0];
  for (let k = 0; k < 3000; k++) {
    if (spawnSync('squeue', ['-h', '-j', id], { encoding: 'utf8', env }).stdout.trim() === '') break;
    spawnSync('sleep', ['0.1']);
  }
  const slurmSecs = (Date.now() - t0) / 1000;
  const logs = [1, 2, 3, 4].map((k) => { try { return fs.readFileSync(`${out}/task-${k}.log`, 'utf8'); } catch { return '(no log)'; } });
  const state = spawnSync('scontrol', ['show', 'job', id], { encoding: 'utf8', env }).stdout;
  assert.not.match(state, /ExitCode=[1-9]/, `${state}\n${logs.join('\n')}`);

  const total = 3 * 2 ** (32 - BITS);
  const rates: number[] = [];
  for (let k = 1; k <= 4; k++) {
    assert.match(logs[k - 1], `trawl scan: shard ${k}/4 (SLURM_ARRAY_TASK_ID=${k}, SLURM_ARRAY_TASK_COUNT=4): ${total / 4} of ${total} targets`);
    const m = new RegExp(`trawl scan: shard ${k}/4: ${total / 4} SYNs at (\\d+) packets/s; 4 shards at this rate: \\d+ packets/s`).exec(logs[k - 1]);
    assert.ok(m, logs[k - 1]);
    rates.push(Number(m![1]));
  }
  const files = [1, 2, 3, 4].map((k) => `${out}/shard-${k}.ndjson`);
  const merged = sh(`$TRAWL merge ${files.join(' ')}`);
  assert.is(merged.code, 0, merged.stderr);
  const got = resultsOf(merged.stdout), single = resultsOf(fs.readFileSync(`${dir}/single.ndjson`, 'utf8'));
  assert.equal(got.head, single.head);
  assert.equal(got.results, groundTruth(BITS));
  assert.equal(got.results, single.results);
  // The scans' own span: from the first task's start to the last task's end (its log's mtime).
  const starts = logs.map((l) => Number(/^task start ([\d.]+)/m.exec(l)?.[1]));
  const ends = [1, 2, 3, 4].map((k) => fs.statSync(`${out}/task-${k}.log`).mtimeMs / 1000);
  const span = Math.max(...ends) - Math.min(...starts);
  const oneRate = /trawl scan: shard 1\/1: \d+ SYNs at (\d+) packets\/s/.exec(one.stderr);
  console.log(`  figures: ${total} targets at --rate ${RATE}: 1 machine ${oneSecs.toFixed(2)} s (${oneRate?.[1]} packets/s); ` +
    `Slurm array of 4 ${slurmSecs.toFixed(2)} s from sbatch to the end, ${span.toFixed(2)} s from the first task's start; ` +
    `per-shard packets/s ${rates.join(', ')}`);
});

test.run();
