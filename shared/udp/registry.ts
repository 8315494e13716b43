// The built-in UDP payloads in slot order: the one list blast, catch and banners read.
import { UdpModule } from './types';
import { dnsQueryUdp, dnsVersionUdp } from './dns';
import { ntpUdp } from './ntp';
import { snmpV1Udp, snmpV2cUdp, snmpV3Udp } from './snmp';
import { ssdpUdp } from './ssdp';
import { netbiosUdp } from './netbios';
import { memcachedUdp } from './memcached';
import { mdnsUdp } from './mdns';

/** Every built-in UDP payload, by slot. Slot 15 is the user's --udp-payloads file. */
export const UDP_PAYLOADS: readonly UdpModule[] = [
  dnsVersionUdp, dnsQueryUdp, ntpUdp, snmpV1Udp, snmpV2cUdp, ssdpUdp, netbiosUdp, memcachedUdp, mdnsUdp, snmpV3Udp,
];

export function udpPayloadByName(name: string): UdpModule | undefined {
  return UDP_PAYLOADS.find(m => m.name === name);
}

/** The default payload for a port (the first module listing it), or undefined. */
export function udpPayloadForPort(port: number): UdpModule | undefined {
  return UDP_PAYLOADS.find(m => m.ports.includes(port));
}
