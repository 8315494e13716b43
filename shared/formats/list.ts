// list: masscan's -oL layout, byte for byte: "#masscan", one line per open/closed port and per
// banner (escaped as masscan's normalize_string does), "# end".
import type { FormatModule } from './types';
import { bannerBytes, escapeMasscan } from './escape';
import { seconds } from './fields';

export const list: FormatModule = {
  name: 'list',
  summary: "masscan's -oL: open/closed/banner lines",
  create() {
    return {
      header: () => '#masscan\n',
      record(rec) {
        const proto = typeof rec.proto === 'string' ? rec.proto : 'tcp';
        if (rec.type === 'open' || rec.type === 'closed') return `${rec.type} ${proto} ${rec.port} ${rec.ip} ${seconds(rec)}\n`;
        // A ping's answer, as masscan --ping / --arpscan lists it: port 0 of icmp or arp; an
        // ARP/NDP answer's MAC (and vendor) follows as a banner line of service "mac".
        if (rec.type === 'alive') {
          const line = `open ${proto} 0 ${rec.ip} ${seconds(rec)}\n`;
          if (typeof rec.mac !== 'string') return line;
          const text = `${rec.mac}${typeof rec.vendor === 'string' ? ` (${rec.vendor})` : ''}`;
          return `${line}banner ${proto} 0 ${rec.ip} ${seconds(rec)} mac ${escapeMasscan(Buffer.from(text))}\n`;
        }
        if (rec.type === 'banner') {
          const svc = typeof rec.service === 'string' && rec.service ? rec.service.replace(/\s/g, '_') : 'unknown';
          return `banner ${proto} ${rec.port} ${rec.ip} ${seconds(rec)} ${svc} ${escapeMasscan(bannerBytes(rec))}\n`;
        }
        return '';
      },
      drain: () => [],
      trailer: () => '# end\n',
    };
  },
};
