/** CED Spike2 .smr/.smrx files: recognised by extension; reading them is not supported yet. */
export function isSpike2(p: string): boolean {
  return /\.smrx?$/i.test(p);
}

export function spike2Unsupported(p: string): string {
  return `${p}: CED Spike2 files are not supported yet; export the waveform channels from Spike2 (File > Export As) to a raw binary or NWB and open that`;
}
