// grepable: nmap's -oG layout, one "Status:" and one "Ports:" line per host, each port as
// port/state/protocol/owner/service/rpc/version/ so the usual grep, cut and awk recipes work.
import type { FormatModule } from './types';
import { grepField } from './escape';
import { ctime } from './fields';
import { Grouper, HostGroup, HostTally, hostUp, sortedPorts } from './group';
import { serviceName } from './services';
import { VERSION } from '../version';

export function hostGrepable(h: HostGroup): string {
  const ports = sortedPorts(h).map((p) => {
    const name = p.service ?? serviceName(p.port, p.proto);
    const ver = [p.product, p.version, p.info ? `(${p.info})` : ''].filter(Boolean).join(' ');
    return `${p.port}/${p.state}/${p.proto}//${grepField(name)}//${grepField(ver)}/`;
  });
  const head = `Host: ${h.ip} ()`;
  return `${head}\tStatus: ${hostUp(h) ? 'Up' : 'Down'}\n${head}\tPorts: ${ports.join(', ')}\n`;
}

export const grepable: FormatModule = {
  name: 'grepable',
  summary: "nmap's -oG: Host:/Ports: lines",
  create(ctx) {
    const g = new Grouper(ctx.groupWindow);
    const t = new HostTally();
    return {
      header(first) {
        return `# trawl ${VERSION} scan initiated ${ctime(t.begin(first))} as: ${ctx.args.replace(/[\r\n]/g, ' ')}\n`;
      },
      record: (rec) => t.write(g.add(rec), hostGrepable),
      drain: () => t.write(g.drain(), hostGrepable),
      trailer(reason) {
        const note = reason === 'end' ? '' : ' (interrupted)';
        return `# trawl done at ${ctime(t.end)} -- ${t.summary()}${note}\n`;
      },
    };
  },
};
