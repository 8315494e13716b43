// grepable: nmap's -oG layout, one "Status:" and one "Ports:" line per host, each port as
// port/state/protocol/owner/service/rpc/version/ so the usual grep, cut and awk recipes work.
import type { FormatModule } from './types';
import { grepField } from './escape';
import { ctime, seconds } from './fields';
import { Grouper, HostGroup, hostUp, sortedPorts } from './group';
import { serviceName } from './services';
import { VERSION } from './xml';

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
    let start = 0, last = 0, up = 0, total = 0;
    const emit = (hs: HostGroup[]) => {
      let s = '';
      for (const h of hs) {
        total++;
        if (hostUp(h)) up++;
        if (h.last_us > last) last = h.last_us;
        s += hostGrepable(h);
      }
      return s;
    };
    return {
      header(first) {
        start = first ? seconds(first) : Math.floor(Date.now() / 1000);
        return `# trawl ${VERSION} scan initiated ${ctime(start)} as: ${ctx.args.replace(/[\r\n]/g, ' ')}\n`;
      },
      record: (rec) => emit(g.add(rec)),
      drain: () => emit(g.drain()),
      trailer(reason) {
        const end = Math.max(start, Math.floor(last / 1e6));
        const note = reason === 'end' ? '' : ' (interrupted)';
        return `# trawl done at ${ctime(end)} -- ${total} IP address${total === 1 ? '' : 'es'} (${up} host${up === 1 ? '' : 's'} up) scanned in ${end - start} seconds${note}\n`;
      },
    };
  },
};
