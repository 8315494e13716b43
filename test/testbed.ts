// uvu-side wrapper of test/testbed.sh: bring the scanner/target namespaces up and down, run commands inside.
import { spawnSync, SpawnSyncOptions } from 'child_process';
import * as path from 'path';
import { ROOT, TRAWL, Result } from './helpers';

export const TESTBED_SH = path.join(ROOT, 'test', 'testbed.sh');

export interface TestbedOptions {
  ports?: number[];    // silent listeners in the target namespace (SYN-ACK on every 198.18/16 address)
  drop?: string[];     // CIDRs dropped by nft in the target namespace ("filtered")
  scanners?: number;   // scanner namespaces in all (2-9: more machines scanning one target)
}

export interface Scanner { ns: string; iface: string; ip: string }

export interface Testbed {
  name: string;
  scanNs: string; targetNs: string;
  scanIf: string; targetIf: string;
  scanIp: string; targetIp: string;
  scanIp6: string; targetIp6: string;   // the veth's IPv6 addresses (2001:db8:1::/112 is local in the target)
  scanMac: string; targetMac: string;
  routerMac: string;
  scanners: Scanner[];   // every scanner namespace, the first one (scanNs) included
}

/** Creates the testbed (throws with testbed.sh's stderr on failure). Call testbedDown in an after hook. */
export function testbedUp(name: string, opts: TestbedOptions = {}): Testbed {
  const args = [TESTBED_SH, 'up', name];
  if (opts.ports?.length) args.push('--ports', opts.ports.join(' '));
  for (const c of opts.drop ?? []) args.push('--drop', c);
  if (opts.scanners && opts.scanners > 1) args.push('--scanners', String(opts.scanners));
  const r = spawnSync('bash', args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`testbed up ${name} failed (${r.status}): ${r.stderr}`);
  const kv: Record<string, string> = {};
  for (const line of r.stdout.split('\n')) {
    const m = /^([A-Z0-9_]+)="?(.*?)"?$/.exec(line);
    if (m) kv[m[1]] = m[2];
  }
  return {
    name, scanNs: kv.SCAN_NS, targetNs: kv.TARGET_NS, scanIf: kv.SCAN_IF, targetIf: kv.TARGET_IF,
    scanIp: kv.SCAN_IP, targetIp: kv.TARGET_IP, scanIp6: kv.SCAN_IP6, targetIp6: kv.TARGET_IP6, scanMac: kv.SCAN_MAC, targetMac: kv.TARGET_MAC,
    routerMac: kv.ROUTER_MAC,
    scanners: [{ ns: kv.SCAN_NS, iface: kv.SCAN_IF, ip: kv.SCAN_IP }, ...Array.from({ length: Math.max(0, (opts.scanners ?? 1) - 1) },
      (_, j) => ({ ns: kv[`SCAN_NS_${j + 2}`], iface: kv[`SCAN_IF_${j + 2}`], ip: kv[`SCAN_IP_${j + 2}`] }))],
  };
}

/** Removes the testbed; safe to call twice or when up failed half way. */
export function testbedDown(name: string): void {
  spawnSync('bash', [TESTBED_SH, 'down', name], { stdio: 'ignore' });
}

/** Runs a bash script inside namespace ns ($TRAWL is the trawl binary), waiting for it. */
export function inNs(ns: string, cmd: string, opts: SpawnSyncOptions = {}): Result {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'bash', '-o', 'pipefail', '-c', cmd], {
    maxBuffer: 1 << 30, ...opts,
    env: { ...process.env, TRAWL: `${process.execPath} ${TRAWL}`, ...(opts.env ?? {}) },
  });
  return { code: r.status ?? -1, stdout: String(r.stdout), stderr: String(r.stderr) };
}

/** A testbed name unique to this process and purpose (<= 12 characters, as testbed.sh requires). */
export function testbedName(tag: string): string {
  return `${tag.slice(0, 4)}${process.pid}`.slice(0, 12);
}

/** Loads an nftables ruleset into namespace ns; throws with nft's message. */
export function nftIn(ns: string, rules: string): void {
  const r = spawnSync('ip', ['netns', 'exec', ns, 'nft', '-f', '-'], { input: rules, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`nft in ${ns}: ${r.stderr}`);
}
