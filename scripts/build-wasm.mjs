#!/usr/bin/env node
/**
 * Builds the WebAssembly SIMD kernels: assembly/index.ts → <outRoot>/wasm/kernels.wasm.
 * `node scripts/build-wasm.mjs [outRoot]` (default dist, the tsc outDir): the loader in
 * <outRoot>/src/kernels/ finds the module at ../../wasm/kernels.wasm. The file is written under a
 * temporary name and renamed, so an interrupted build never leaves a truncated module behind.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import asc from 'assemblyscript/asc';

const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const outRoot = path.resolve(repo, process.argv[2] ?? 'dist');
const outFile = path.join(outRoot, 'wasm', 'kernels.wasm');
const tmpFile = `${outFile}.tmp-${process.pid}`;
fs.mkdirSync(path.dirname(outFile), { recursive: true });

const args = [
  path.join(repo, 'assembly', 'index.ts'),
  '--outFile', tmpFile,
  '-O3',
  '--enable', 'simd',
  '--runtime', 'stub',
  // Kernels take pointers the host has already bounds-checked; no abort import is needed.
  '--noAssert',
  '--initialMemory', '1',
];
const { error, stderr } = await asc.main(args, { stdout: process.stdout, stderr: process.stderr });
if (error) {
  fs.rmSync(tmpFile, { force: true });
  process.stderr.write(`build-wasm: asc failed: ${error.message}\n${stderr?.toString?.() ?? ''}`);
  process.exit(1);
}
fs.renameSync(tmpFile, outFile);
process.stdout.write(`build-wasm: wrote ${path.relative(repo, outFile)} (${fs.statSync(outFile).size} bytes)\n`);
