/** Locates the repository root and the shared datasets for tests and benchmarks. */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function repoRoot(): string {
  let dir = process.cwd();
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg) && JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'spikeforge') return dir;
    const up = path.dirname(dir);
    if (up === dir) throw new Error('run from inside the spikeforge checkout');
    dir = up;
  }
}

/** ../shared beside the checkout, or $SPIKEFORGE_SHARED. */
export function sharedDir(): string {
  return process.env.SPIKEFORGE_SHARED ?? path.resolve(repoRoot(), '..', 'shared');
}

export function datasetDir(name: string): string {
  return path.join(sharedDir(), 'datasets', name);
}

export const GT_DATASETS = ['gt-tetrode-4ch-60s', 'gt-static-32ch-30s', 'gt-drift-64ch-15s'];

export function realDir(name: string): string {
  return path.join(sharedDir(), 'datasets', 'real', name);
}

/** A fresh temporary folder under the OS temp dir, removed by the caller. */
export function tempDir(prefix = 'spikeforge-test-'): string {
  return fs.mkdtempSync(path.join(fs.realpathSync(process.env.TMPDIR ?? '/tmp'), prefix));
}
