/**
 * SpikeGadgets .rec files: an XML configuration header ending with </Configuration>, then packets.
 * The header is parsed (rate, channel count); sample reading is not supported yet.
 */
import * as fs from 'node:fs';

export interface SpikeGadgetsHeader {
  samplingFrequency: number;
  numChannels: number;
  headerBytes: number;
}

export function readSpikeGadgetsHeader(file: string): SpikeGadgetsHeader {
  const fd = fs.openSync(file, 'r');
  try {
    const size = fs.fstatSync(fd).size;
    const buf = Buffer.alloc(Math.min(size, 4 << 20));
    fs.readSync(fd, buf, 0, buf.length, 0);
    const text = buf.toString('latin1');
    const end = text.indexOf('</Configuration>');
    if (end < 0) throw new Error(`${file}: no </Configuration> in the first ${buf.length} bytes; is this a SpikeGadgets .rec file?`);
    const conf = text.slice(0, end);
    const rate = /samplingRate="([\d.]+)"/.exec(conf);
    const nch = /numChannels="(\d+)"/.exec(conf);
    return { samplingFrequency: rate ? Number(rate[1]) : NaN, numChannels: nch ? Number(nch[1]) : NaN, headerBytes: end + '</Configuration>'.length + 1 };
  } finally {
    fs.closeSync(fd);
  }
}

export function isSpikeGadgets(p: string): boolean {
  return /\.rec$/i.test(p);
}

export function spikeGadgetsUnsupported(p: string): string {
  const h = readSpikeGadgetsHeader(p);
  return `${p}: SpikeGadgets .rec sample reading is not supported yet (header: ${h.numChannels} channels at ${h.samplingFrequency} Hz); export with the Trodes exportbinary tool and open the result as raw binary`;
}
