/** Plexon .plx files: recognised by their 'PLEX' magic; reading them is not supported yet. */
import * as fs from 'node:fs';

export function isPlexon(p: string): boolean {
  if (!/\.plx$/i.test(p)) return false;
  const fd = fs.openSync(p, 'r');
  try {
    const b = Buffer.alloc(4);
    fs.readSync(fd, b, 0, 4, 0);
    return b.readUInt32LE(0) === 0x58454c50;
  } finally {
    fs.closeSync(fd);
  }
}

export function plexonUnsupported(p: string): string {
  return `${p}: Plexon .plx files are not supported yet; export the continuous channels to NWB or a raw binary (PlexUtil / OmniPlex) and open that`;
}
