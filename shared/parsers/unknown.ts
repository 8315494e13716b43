// The fallback: no parser recognised the bytes, so keep a printable preview of the first of them.
import { Fields, Parser } from './types';
import { printable } from './text';

export const PREVIEW_BYTES = 64;

export function unknownFields(b: Uint8Array, max = PREVIEW_BYTES): Fields {
  return { unknown_preview: printable(b, max) };
}

export const unknown: Parser = {
  name: 'unknown',
  ports: [],
  fields: ['unknown_preview'],
  detect: () => 0,
  start: () => {
    const head: number[] = [];
    return {
      push: (c: Uint8Array) => { for (let i = 0; i < c.length && head.length < 1024; i++) head.push(c[i]); },
      result: () => unknownFields(Uint8Array.from(head)),
    };
  },
};
