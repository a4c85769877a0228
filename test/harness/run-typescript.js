// Runs a TypeScript file in a process of its own, compiled as jest compiles specs (swc, one file at a time) and
// with @tessera/* resolved to libs/*/src: node run-typescript.js <file.ts>. For tests that must SIGKILL a process
// running code of the repository that the build does not ship (a probe subscriber).
const { transformSync } = require('@swc/core');
const Module = require('node:module');
const { readFileSync } = require('node:fs');
const { join } = require('node:path');

const ROOT = join(__dirname, '..', '..');
const SWC = require('./swc-options');

const resolveFilename = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const tessera = /^@tessera\/([a-z-]+)(\/testing)?$/.exec(request);
  const mapped = tessera ? join(ROOT, 'libs', tessera[1], 'src', tessera[2] ? 'testing' : '') : request;
  return resolveFilename.call(this, mapped, ...rest);
};
require.extensions['.ts'] = (module, filename) => {
  module._compile(transformSync(readFileSync(filename, 'utf8'), { ...SWC, filename }).code, filename);
};

require('reflect-metadata');
require(process.argv[2]);
