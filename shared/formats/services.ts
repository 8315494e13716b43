// Port -> service name from /etc/services (what masscan's -oG and nmap's "table" method show
// for a port no banner identified), with a few built-ins when the file is missing.
import * as fs from 'fs';

const BUILTIN: Record<string, string> = {
  'tcp/21': 'ftp', 'tcp/22': 'ssh', 'tcp/23': 'telnet', 'tcp/25': 'smtp', 'tcp/53': 'domain', 'tcp/80': 'http',
  'tcp/110': 'pop3', 'tcp/143': 'imap2', 'tcp/443': 'https', 'tcp/445': 'microsoft-ds', 'tcp/993': 'imaps',
  'tcp/995': 'pop3s', 'tcp/3306': 'mysql', 'tcp/5432': 'postgresql', 'tcp/6379': 'redis', 'tcp/8080': 'http-alt',
  'tcp/11211': 'memcache',
};

let table: Map<string, string> | null = null;

function load(): Map<string, string> {
  let text: string;
  try { text = fs.readFileSync('/etc/services', 'utf8'); } catch { return new Map(Object.entries(BUILTIN)); }
  const t = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9][\w.+-]*)\s+(\d+)\/(tcp|udp|sctp)/.exec(line);
    if (m && !t.has(`${m[3]}/${m[2]}`)) t.set(`${m[3]}/${m[2]}`, m[1]);
  }
  return t;
}

export function serviceName(port: number, proto = 'tcp'): string {
  if (!table) table = load();
  return table.get(`${proto}/${port}`) ?? '';
}
