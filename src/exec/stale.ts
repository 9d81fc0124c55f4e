/**
 * Temporary files and folders are named `<prefix><pid>-…`, so those left by a killed sort (its
 * `finally` never ran) can be recognised and removed by the next one, and never those of a live one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Removes the entries of `parent` named `<prefix><pid>-…` whose process is gone; returns their paths. */
export function removeStaleTempEntries(parent: string, prefix: string): string[] {
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(parent);
  } catch {
    return removed;
  }
  const pattern = new RegExp(`^${prefix.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}(\\d+)-`);
  for (const name of names) {
    const m = pattern.exec(name);
    if (!m || pidAlive(Number(m[1]))) continue;
    const p = path.join(parent, name);
    fs.rmSync(p, { recursive: true, force: true });
    removed.push(p);
  }
  return removed;
}
