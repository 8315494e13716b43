// trawl's version, from package.json: --version, the http probe's User-Agent and fmt's file headers.
import * as path from 'path';

// dist/shared/version.js -> the package root; read at run time, as tsc does not copy package.json.
export const VERSION: string = require(path.join(__dirname, '..', '..', 'package.json')).version;
