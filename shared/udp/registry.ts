// The built-in UDP payloads in slot order: the one list blast, catch and banners read.
import { UdpModule } from './types';
import { dnsVersionUdp } from './dns';

/** Every built-in UDP payload, by slot. Slot 15 is the user's --udp-payloads file. */
export const UDP_PAYLOADS: readonly UdpModule[] = [dnsVersionUdp];

export function udpPayloadByName(name: string): UdpModule | undefined {
  return UDP_PAYLOADS.find(m => m.name === name);
}

/** The default payload for a port (the first module listing it), or undefined. */
export function udpPayloadForPort(port: number): UdpModule | undefined {
  return UDP_PAYLOADS.find(m => m.ports.includes(port));
}
