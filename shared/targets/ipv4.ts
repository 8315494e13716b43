// targets' IPv4 conversions are the shared ones (shared/ipv4.ts).
export { parseIPv4, formatIPv4 } from '../ipv4';
