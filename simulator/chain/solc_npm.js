#!/usr/bin/env node
// Makes the npm registry's `solc` package (solc-js, WebAssembly) answer like a native solc binary,
// for py-solc-x's `compile_standard(input, solc_binary=...)`. Only two modes are supported:
//   --version         native solc's text ("Version: 0.8.37+commit.f401782d...") on stdout
//   --standard-json   standard-JSON input on stdin -> only the standard-JSON output on stdout
// Other flags py-solc-x adds (--base-path DIR, --allow-paths DIR, ...) are accepted; --base-path is used
// to resolve imports that are not in the input's `sources` (ecny_sim.compiler sends every source itself).
// The solc module is taken from $ECNY_SOLC_MODULE (a path to node_modules/solc), else `require('solc')`
// from this file's location, which finds <repo>/node_modules/solc in a checkout.
'use strict';

const fs = require('fs');
const path = require('path');

function loadSolc() {
  const explicit = process.env.ECNY_SOLC_MODULE;
  try {
    return require(explicit ? path.resolve(explicit) : 'solc');
  } catch (err) {
    process.stderr.write(
      `cannot load the npm solc module (${explicit || "require('solc')"}): ${err.message}\n` +
        'run `make solc` in the repository (needs Node 20)\n'
    );
    process.exit(1);
  }
}

function readStdin() {
  // py-solc-x writes the whole input to a pipe and closes it; a blocking read of fd 0 is enough.
  return fs.readFileSync(0, 'utf8');
}

function main(argv) {
  const flagsWithValue = new Set(['--base-path', '--allow-paths', '--include-path', '--output-dir']);
  const flagsAlone = new Set(['--overwrite', '--standard-json', '--version']);
  let basePath = process.cwd();
  const seen = new Set();
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (flagsWithValue.has(a)) {
      if (i + 1 >= argv.length) {
        process.stderr.write(`Error: option '${a}' requires a value\n`);
        return 1;
      }
      if (a === '--base-path') basePath = argv[i + 1];
      i++;
    } else if (flagsAlone.has(a)) {
      seen.add(a);
    } else {
      process.stderr.write(`unrecognised option '${a}'\n`);
      return 1;
    }
  }

  if (seen.has('--version')) {
    const solc = loadSolc();
    process.stdout.write(`solc, the solidity compiler commandline interface\nVersion: ${solc.version()}\n`);
    return 0;
  }
  if (seen.has('--standard-json')) {
    const solc = loadSolc();
    const input = readStdin();
    const findImports = (p) => {
      const full = path.resolve(basePath, p);
      try {
        return { contents: fs.readFileSync(full, 'utf8') };
      } catch (err) {
        return { error: `File not found: ${p}` };
      }
    };
    const output = solc.compile(input, { import: findImports });
    process.stdout.write(output);
    process.stdout.write('\n');
    return 0;
  }
  process.stderr.write('usage: solc_npm.js --version | --standard-json < input.json\n');
  return 1;
}

process.exitCode = main(process.argv.slice(2));
