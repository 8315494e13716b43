// The shipped job definitions say what trawl-scan(1) promises: the Kubernetes manifest (parsed
// with python3-yaml; there is no cluster here), the Slurm script and the GNU parallel one-liner.
import { test } from 'uvu';
import * as assert from 'uvu/assert';
import * as fs from 'fs';
import * as path from 'path';
import { spawnSync } from 'child_process';
import { ROOT } from './helpers';

const EX = path.join(ROOT, 'man', 'examples');

function yaml(file: string): any {
  const r = spawnSync('python3', ['-c', 'import json, sys, yaml; json.dump(yaml.safe_load(open(sys.argv[1])), sys.stdout)', file], { encoding: 'utf8' });
  assert.is(r.status, 0, `python3-yaml (make test-deps installs it): ${r.stderr}`);
  return JSON.parse(r.stdout);
}

test('Kubernetes: an Indexed Job, one pod per node on the host network, NET_RAW and nothing more, a volume directory per shard', () => {
  const job = yaml(path.join(EX, 'trawl-shards-job.yaml'));
  assert.is(job.apiVersion, 'batch/v1');
  assert.is(job.kind, 'Job');
  const spec = job.spec;
  assert.is(spec.completionMode, 'Indexed');
  assert.is(spec.parallelism, spec.completions, 'every shard at once');
  const pod = spec.template.spec;
  assert.is(pod.hostNetwork, true);
  assert.is(pod.restartPolicy, 'Never');
  const anti = pod.affinity.podAntiAffinity.requiredDuringSchedulingIgnoredDuringExecution;
  assert.is(anti.length, 1);
  assert.is(anti[0].topologyKey, 'kubernetes.io/hostname');
  assert.equal(anti[0].labelSelector.matchLabels, spec.template.metadata.labels, 'the anti-affinity selects the Job\'s own pods');
  assert.is(pod.containers.length, 1);
  const c = pod.containers[0];
  const sc = c.securityContext;
  assert.equal(sc.capabilities, { drop: ['ALL'], add: ['NET_RAW'] });
  assert.is(sc.privileged, false);
  assert.is(sc.allowPrivilegeEscalation, false);
  assert.is(pod.securityContext, undefined, 'no pod-wide privileges');
  // The command: a scan with a seed and --shard auto/N, N being the completions, written to the mount.
  const cmd = [...(c.command ?? []), ...(c.args ?? [])].join(' ');
  assert.match(cmd, /trawl scan .* --seed \d+ /);
  assert.match(cmd, `--shard auto/${spec.completions} `);
  const mount = c.volumeMounts.find((m: any) => m.name === 'results');
  assert.match(cmd, `> ${mount.mountPath}/shard.ndjson`);
  assert.match(mount.subPathExpr, '$(JOB_COMPLETION_INDEX)');
  assert.ok(pod.volumes.find((v: any) => v.name === 'results').persistentVolumeClaim.claimName);
});

test('Slurm: an array script that gives --shard auto (auto/N for some tasks again) and names only finished shards', () => {
  const s = fs.readFileSync(path.join(EX, 'trawl-shards.sbatch'), 'utf8');
  assert.ok(s.startsWith('#!/bin/bash\n'));
  assert.match(s, 'sbatch --array=1-4 trawl-shards.sbatch');
  assert.match(s, '#SBATCH --exclusive');
  assert.match(s, '--shard "auto${TRAWL_SHARDS:+/$TRAWL_SHARDS}"');
  assert.match(s, '--resume-index "$TRAWL_RESUME"');
  assert.match(s, 'CAP_NET_RAW');
  assert.is(spawnSync('bash', ['-n', path.join(EX, 'trawl-shards.sbatch')]).status, 0);
});

test('GNU parallel: one job per host, the shard from PARALLEL_SEQ, the output brought back', () => {
  const s = fs.readFileSync(path.join(EX, 'trawl-shards-parallel.sh'), 'utf8');
  const one = s.split('\n').filter((l) => l.startsWith('seq '));
  assert.is(one.length, 1, 'one line does it');
  assert.match(one[0], /parallel --plus -j1 -S "\$hosts" --return 'shard-\{\}\.ndjson' --cleanup/);
  assert.match(one[0], 'scan $* --shard auto/{##} > shard-{}.ndjson');
  assert.is(spawnSync('sh', ['-n', path.join(EX, 'trawl-shards-parallel.sh')]).status, 0);
});

test('trawl-scan(1) and the README point to each recipe', () => {
  const man = fs.readFileSync(path.join(ROOT, 'man', 'trawl-scan.1'), 'utf8').replace(/\\-/g, '-');
  const readme = fs.readFileSync(path.join(ROOT, 'README.md'), 'utf8');
  assert.match(man, '.SH RUNNING ON MANY MACHINES');
  for (const f of fs.readdirSync(EX)) {
    assert.match(man, `man/examples/${f}`);
    assert.match(readme, `man/examples/${f}`);
  }
});

test.run();
