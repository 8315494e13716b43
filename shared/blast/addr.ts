// blast's names for the shared IPv4 conversions (shared/ipv4.ts).
import { formatIPv4, ipv4ToInt } from '../ipv4';

export { ipv4ToInt };
export const intToIpv4 = formatIPv4;
