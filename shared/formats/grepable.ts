// grepable: nmap's -oG layout, one "Status:" and one "Ports:" line per host, each port as
// port/state/protocol/owner/service/rpc/version/ so the usual grep, cut and awk recipes work.
import type { FormatModule } from './types';
import { grepField } from './escape';
import { tcpPorts } from '../scan/record';
import { ctime } from './fields';
import { Grouper, HostGroup, HostTally, hostUp, sortedPorts } from './group';
import { headerArgs, nmapService, nmapServiceText, versionText } from './nmap-names';
import { VERSION } from '../version';

// A MAC or vendor in a field: no tab, newline or other control character (they split lines and fields).
const macField = (s: string) => s.replace(/[\x00-\x1f\x7f\\]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);

export function hostGrepable(h: HostGroup): string {
  const ports = sortedPorts(h).map((p) => {
    const name = nmapServiceText(nmapService(p));
    return `${p.port}/${p.state}/${p.proto}//${grepField(name)}//${grepField(versionText(p))}/`;
  });
  const head = `Host: ${h.ip} ()`;
  // A host found by a ping alone: its Status line only, as nmap -sn -oG writes; an ARP/NDP
  // answer's MAC follows on it as a field of its own (nmap's -oG has none: trawl's addition).
  const a = h.alive;
  const mac = a?.mac ? `\tMAC: ${macField(a.mac.toUpperCase())}${a.vendor ? ` (${macField(a.vendor)})` : ''}` : '';
  return `${head}\tStatus: ${hostUp(h) ? 'Up' : 'Down'}${mac}\n${ports.length ? `${head}\tPorts: ${ports.join(', ')}\n` : ''}`;
}

export const grepable: FormatModule = {
  name: 'grepable',
  summary: "nmap's -oG: Host:/Ports: lines",
  create(ctx) {
    const g = new Grouper(ctx.groupWindow);
    const t = new HostTally();
    return {
      header(first) {
        const args = headerArgs(ctx).replace(/[\r\n]/g, ' ');
        // The TCP ports; none (a ping or ARP sweep): no line, as nmap -sn writes.
        const tcp = tcpPorts(ctx.run?.ports ?? '');
        const ports = !ctx.run ? '# the input has no scan record: the command line is fmt\'s own\n'
          : tcp.count || !ctx.run.nports ? `# Ports scanned: TCP(${tcp.count};${tcp.list})\n` : '';
        return `# trawl ${VERSION} scan initiated ${ctime(t.begin(first, ctx.run?.start_us))} as: ${args}\n${ports}`;
      },
      record: (rec) => t.write(g.add(rec), hostGrepable),
      *drain() { for (const h of g.drain()) yield t.write([h], hostGrepable); },
      trailer(reason) {
        const note = reason === 'end' ? '' : ' (interrupted)';
        const text = `# trawl done at ${ctime(t.end)} -- ${t.summary()}${note}\n`;
        t.restart();   // the next document (a rotated file) counts its own hosts
        return text;
      },
    };
  },
};
