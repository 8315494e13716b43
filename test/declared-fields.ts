// Imported by the parser tests: every parser session's result() is checked against the parser's
// declared `fields`, so a parser that emits a field it does not declare fails whichever test
// feeds it (the declaration is what trawl-banners(1) is checked against, see registries.test.ts).
import { PARSERS, Session, UDP_PARSERS } from '../shared/parsers';

for (const p of [...PARSERS, ...UDP_PARSERS]) {
  const start = p.start.bind(p);
  (p as { start: () => Session }).start = () => {
    const s = start();
    return {
      push: (c: Uint8Array) => s.push(c),
      result: () => {
        const f = s.result();
        for (const k of Object.keys(f)) if (!p.fields.includes(k)) throw new Error(`parser ${p.name} emits ${k}, which its fields do not declare`);
        return f;
      },
    };
  };
}
