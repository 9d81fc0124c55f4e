/**
 * Atomic outputs: everything is written under a temporary name beside the target and renamed into
 * place only when complete, so an interrupted run never leaves a file or folder that looks finished.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

function tempSibling(target: string, kind: 'partial' | 'old'): string {
  const rand = Math.random().toString(36).slice(2, 10);
  return path.join(path.dirname(target), `.${path.basename(target)}.${kind}-${process.pid}-${rand}`);
}

/** Writes a whole file atomically (temp file, fsync, rename). Creates missing parent folders. */
export function writeFileAtomic(filePath: string, data: Uint8Array | string): void {
  writeFileAtomicBy(filePath, (append) => append(typeof data === 'string' ? Buffer.from(data, 'utf8') : data));
}

/** writeFileAtomic for content made piece by piece: `write` passes each piece to `append` (a large file need not be in memory at once). */
export function writeFileAtomicBy(filePath: string, write: (append: (bytes: Uint8Array) => void) => void): void {
  const target = path.resolve(filePath);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  if (fs.existsSync(target) && fs.statSync(target).isDirectory()) {
    throw new Error(`${filePath}: is a folder, cannot write a file there: choose another output name`);
  }
  const tmp = tempSibling(target, 'partial');
  let fd: number | null = null;
  try {
    const out = (fd = fs.openSync(tmp, 'wx'));
    write((bytes) => {
      for (let done = 0; done < bytes.byteLength; ) done += fs.writeSync(out, bytes, done, bytes.byteLength - done);
    });
    fs.fsyncSync(fd);
    fs.closeSync(fd);
    fd = null;
    fs.renameSync(tmp, target);
  } catch (e) {
    if (fd !== null) fs.closeSync(fd);
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export interface AtomicDirOptions {
  /** Replace an existing non-empty finalDir (the old one is removed only after the new one is in place). */
  overwrite?: boolean;
}

/**
 * Builds a folder atomically: `fn` fills a temporary folder beside finalDir, which is renamed to
 * finalDir when fn resolves. On failure the temporary folder is removed and the error rethrown.
 */
export async function withAtomicDir(
  finalDir: string,
  fn: (tmpDir: string) => void | Promise<void>,
  opts: AtomicDirOptions = {},
): Promise<void> {
  const target = path.resolve(finalDir);
  checkTarget(finalDir, target, opts.overwrite ?? false);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  removeStalePartials(target);
  const tmp = tempSibling(target, 'partial');
  fs.mkdirSync(tmp);
  try {
    await fn(tmp);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
  try {
    // Checked again: another process may have created the target while fn ran.
    checkTarget(finalDir, target, opts.overwrite ?? false);
    replaceDir(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { recursive: true, force: true });
    throw e;
  }
}

/**
 * Removes temporary siblings left by runs that were killed (Ctrl-C, out of memory) before they could
 * clean up: those whose process no longer exists. Live runs' folders are left alone.
 */
export function removeStalePartials(target: string): string[] {
  const dir = path.dirname(target);
  const prefix = `.${path.basename(target)}.`;
  const removed: string[] = [];
  let names: string[];
  try {
    names = fs.readdirSync(dir);
  } catch {
    return removed;
  }
  for (const name of names) {
    const m = /^(?:partial|old)-(\d+)-[a-z0-9]+$/.exec(name.startsWith(prefix) ? name.slice(prefix.length) : '');
    if (!m || processAlive(Number(m[1]))) continue;
    fs.rmSync(path.join(dir, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function processAlive(pid: number): boolean {
  if (pid === process.pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: the process exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function checkTarget(given: string, target: string, overwrite: boolean): void {
  if (!fs.existsSync(target)) return;
  if (!fs.statSync(target).isDirectory()) {
    throw new Error(`${given}: exists and is a file, not a folder: remove it or choose another output folder`);
  }
  if (!overwrite && fs.readdirSync(target).length > 0) {
    throw new Error(`${given}: folder already exists and is not empty: pass overwrite (--overwrite) or choose another output folder`);
  }
}

function replaceDir(tmp: string, target: string): void {
  if (!fs.existsSync(target)) {
    fs.renameSync(tmp, target);
    return;
  }
  if (fs.readdirSync(target).length === 0) {
    fs.rmdirSync(target);
    fs.renameSync(tmp, target);
    return;
  }
  // Move the old folder aside first so the new one appears in one rename; restore it if that fails.
  const old = tempSibling(target, 'old');
  fs.renameSync(target, old);
  try {
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.renameSync(old, target);
    throw e;
  }
  fs.rmSync(old, { recursive: true, force: true });
}
