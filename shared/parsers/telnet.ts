// Telnet (RFC 854/855): IAC option negotiation decoded and stripped byte by byte, then the text.
//
// IAC=255 then: WILL 251 | WONT 252 | DO 253 | DONT 254 + option u8; SB 250 option ... IAC SE 240;
// IAC IAC is a literal 255; other commands (241-249) stand alone.
import { Fields, Parser, Session } from './types';
import { MAX_FIELD, clean } from './text';

const VERBS: Record<number, string> = { 251: 'WILL', 252: 'WONT', 253: 'DO', 254: 'DONT' };
const OPTIONS: Record<number, string> = {
  0: 'BINARY', 1: 'ECHO', 3: 'SGA', 5: 'STATUS', 6: 'TIMING-MARK', 24: 'TTYPE', 31: 'NAWS', 32: 'TSPEED',
  33: 'LFLOW', 34: 'LINEMODE', 35: 'XDISPLOC', 36: 'ENVIRON', 37: 'AUTHENTICATION', 38: 'ENCRYPT', 39: 'NEW-ENVIRON',
  42: 'CHARSET', 44: 'COM-PORT',
};
const MAX_OPTIONS = 64;
const MAX_TEXT = MAX_FIELD * 4;

const enum S { TEXT, IAC, OPTION, SB, SB_IAC }

class TelnetSession implements Session {
  private s = S.TEXT;
  private verb = 0;
  private options: string[] = [];
  private text: number[] = [];
  private commands = 0;

  push(b: Uint8Array): void {
    for (let i = 0; i < b.length; i++) {
      const c = b[i];
      switch (this.s) {
        case S.TEXT:
          if (c === 255) this.s = S.IAC;
          else if (this.text.length < MAX_TEXT) this.text.push(c);
          break;
        case S.IAC:
          this.commands++;
          if (c === 255) { if (this.text.length < MAX_TEXT) this.text.push(255); this.s = S.TEXT; }
          else if (c >= 251) { this.verb = c; this.s = S.OPTION; }
          else if (c === 250) { this.s = S.SB; this.add('SB'); }
          else this.s = S.TEXT;
          break;
        case S.OPTION:
          this.add(`${VERBS[this.verb]} ${OPTIONS[c] ?? c}`);
          this.s = S.TEXT;
          break;
        case S.SB:
          if (c === 255) this.s = S.SB_IAC;
          break;
        case S.SB_IAC:
          this.s = c === 240 ? S.TEXT : S.SB;
          break;
      }
    }
  }

  private add(o: string): void { if (this.options.length < MAX_OPTIONS) this.options.push(o); }

  result(): Fields {
    const f: Fields = {};
    if (this.options.length) f.telnet_options = this.options.join(',');
    if (this.commands) f.telnet_commands = this.commands;
    const t = clean(Uint8Array.from(this.text)).replace(/\ufffd+/g, ' ').replace(/\s+/g, ' ').trim();
    if (t) f.telnet_text = t;
    return f;
  }
}

export const telnet: Parser = {
  name: 'telnet',
  ports: [23, 2323],
  fields: ['telnet_options', 'telnet_commands', 'telnet_text'],
  detect(b, _probe, port) {
    if (b.length >= 2 && b[0] === 255 && b[1] >= 250 && b[1] <= 254) return 3;
    if (b.length === 1 && b[0] === 255) return 2;
    return this.ports.includes(port) ? 1 : 0;
  },
  start: () => new TelnetSession(),
};
