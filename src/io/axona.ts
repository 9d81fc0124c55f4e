/**
 * Axona DacqUSB raw recordings (.bin + .set).
 *
 * The .bin file is a sequence of 432-byte packets: a 32-byte header ('ADU1', or 'ADU2' when bytes
 * 12..31 carry tracker position; bytes 4..7 a uint32 packet counter), 3 samples × 64 channels of int16
 * (384 bytes, sample-major), and a 16-byte trailer (digital I/O, sync). Inside each sample the 64
 * channels are stored in Axona's hardware order (see axonaChannelSlot). The sampling rate is the .set
 * 'rawRate' (48 kHz). Channels of the tetrodes enabled by 'collectMask_N 1' form the recording, as in
 * DacqUSB's own exports; µV per bit = ADC_fullscale_mv × 1000 / (gain_ch_N × 32768).
 */
import * as fs from 'node:fs';
import { NumericArray } from '../core/dtypes.js';
import { Recording, RecordingInit, reviveInit } from '../core/recording.js';
import type { RecordingSpec } from '../core/spec.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { ByteSource, FileByteSource, formatBytes } from './bytesource.js';

export const AXONA_PACKET_BYTES = 432;
const AXONA_HEADER_BYTES = 32;
const AXONA_CHANNELS_IN_PACKET = 64;
const AXONA_SAMPLES_PER_PACKET = 3;

/** Parses the 'key value' lines of an Axona .set file. */
export function readAxonaSet(file: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const line of fs.readFileSync(file, 'latin1').split(/\r?\n/)) {
    const m = /^(\S+)\s?(.*)$/.exec(line);
    if (m) out[m[1]] = m[2].trim();
  }
  return out;
}

/**
 * Position (0..63) of Axona channel `ch` inside one 64-value sample of a packet. The hardware
 * interleaves banks of 8: channels 0-7 sit at slots 32-39, 8-15 at 0-7, 16-23 at 40-47, 24-31 at 8-15, ...
 */
export function axonaChannelSlot(ch: number): number {
  const bank = Math.floor(ch / 8);
  const within = ch % 8;
  return bank % 2 === 0 ? 32 + (bank / 2) * 8 + within : ((bank - 1) / 2) * 8 + within;
}

export interface AxonaArgs {
  file: string;
  numPackets: number;
  /** Axona channel number (0..63) of each recording channel. */
  axonaChannels: number[];
  init: Omit<RecordingInit, 'numSamples' | 'dtype'>;
}

/** The int16 channels of an Axona raw .bin, read packet by packet. */
export class AxonaRecording extends Recording {
  private src: ByteSource | null = null;
  private readonly slots: Int32Array;

  constructor(private readonly args: AxonaArgs) {
    super({ ...args.init, dtype: 'int16', numSamples: [args.numPackets * AXONA_SAMPLES_PER_PACKET] });
    if (args.axonaChannels.length !== this.numChannels) {
      throw new Error(`${args.file}: ${args.axonaChannels.length} Axona channels for ${this.numChannels} channel ids`);
    }
    this.slots = Int32Array.from(args.axonaChannels, (c) => {
      if (!Number.isInteger(c) || c < 0 || c >= AXONA_CHANNELS_IN_PACKET) throw new Error(`${args.file}: Axona channel ${c} is outside 0..63`);
      return axonaChannelSlot(c);
    });
  }

  override toSpec(): RecordingSpec {
    return { module: import.meta.url, exportName: 'AxonaRecording', args: { ...this.args, init: this.baseInit() } };
  }

  static fromSpec(args: unknown): AxonaRecording {
    const a = args as AxonaArgs;
    return new AxonaRecording({ ...a, init: reviveInit(a.init as RecordingInit) });
  }

  close(): void {
    this.src?.close();
    this.src = null;
  }

  protected readRaw(_segment: number, start: number, end: number, channels: Int32Array): NumericArray {
    const src = (this.src ??= new FileByteSource(this.args.file));
    const p0 = Math.floor(start / AXONA_SAMPLES_PER_PACKET);
    const p1 = Math.floor((end - 1) / AXONA_SAMPLES_PER_PACKET);
    const bytes = src.read(p0 * AXONA_PACKET_BYTES, (p1 - p0 + 1) * AXONA_PACKET_BYTES);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const nc = channels.length;
    const slots = Int32Array.from(channels, (c) => this.slots[c]);
    const out = new Int16Array((end - start) * nc);
    for (let t = start; t < end; t++) {
      const p = Math.floor(t / AXONA_SAMPLES_PER_PACKET) - p0;
      const base = p * AXONA_PACKET_BYTES + AXONA_HEADER_BYTES + (t % AXONA_SAMPLES_PER_PACKET) * AXONA_CHANNELS_IN_PACKET * 2;
      const o = (t - start) * nc;
      for (let j = 0; j < nc; j++) out[o + j] = view.getInt16(base + slots[j] * 2, true);
    }
    return out;
  }
}

export interface AxonaOptions {
  reporter?: Reporter;
}

function setNumber(set: Record<string, string>, key: string, setFile: string): number {
  const v = Number(set[key]);
  if (set[key] === undefined || !Number.isFinite(v)) {
    throw new Error(`${setFile}: '${key}' is ${set[key] === undefined ? 'missing' : `'${set[key]}', not a number`}; the .set file is incomplete or not from DacqUSB`);
  }
  return v;
}

/** Axona channels of the enabled tetrodes (collectMask_N = 1 → channels 4(N-1)..4N-1); all 64 when no mask is set. */
export function axonaActiveChannels(set: Record<string, string>): number[] {
  const out: number[] = [];
  for (let t = 1; t <= 16; t++) {
    if (Number(set[`collectMask_${t}`]) === 1) for (let e = 0; e < 4; e++) out.push(4 * (t - 1) + e);
  }
  return out.length ? out : Array.from({ length: AXONA_CHANNELS_IN_PACKET }, (_, i) => i);
}

/** Checks the packet ids and counters at the start and end of the file; returns warnings about dropped packets. */
function checkPackets(src: ByteSource, numPackets: number): string[] {
  const first = src.read(0, AXONA_PACKET_BYTES);
  const magic = Buffer.from(first.subarray(0, 4)).toString('latin1');
  if (magic !== 'ADU1' && magic !== 'ADU2') {
    throw new Error(`${src.name}: first packet starts with '${magic.replace(/[^\x20-\x7e]/g, '?')}', not 'ADU1'/'ADU2'; this is not an Axona raw-mode .bin file`);
  }
  const counter = (p: number) => {
    const b = src.read(p * AXONA_PACKET_BYTES + 4, 4);
    return new DataView(b.buffer, b.byteOffset, 4).getUint32(0, true);
  };
  const last = src.read((numPackets - 1) * AXONA_PACKET_BYTES, 4);
  if (!/^ADU[12]$/.test(Buffer.from(last).toString('latin1'))) {
    throw new Error(`${src.name}: packet ${numPackets - 1} does not start with 'ADU1'/'ADU2'; the file is damaged (bytes inserted or lost)`);
  }
  const span = (counter(numPackets - 1) - counter(0)) >>> 0;
  return span === numPackets - 1 ? [] : [`${src.name}: packet counters span ${span + 1} packets but the file holds ${numPackets}; packets were dropped during acquisition and samples after the gap are shifted in time`];
}

/** Opens an Axona raw recording from its .bin (or .set) path. */
export function openAxona(p: string, opts: AxonaOptions = {}): AxonaRecording {
  const reporter = opts.reporter ?? silentReporter;
  const binFile = p.replace(/\.set$/i, '.bin');
  const setFile = binFile.replace(/\.bin$/i, '.set');
  if (!fs.existsSync(setFile)) throw new Error(`${binFile}: the Axona settings file ${setFile} is missing; copy the .set beside the .bin`);
  const set = readAxonaSet(setFile);
  const fsHz = setNumber(set, 'rawRate', setFile);
  const fullscaleMv = setNumber(set, 'ADC_fullscale_mv', setFile);
  const src = new FileByteSource(binFile);
  let numPackets: number;
  try {
    numPackets = Math.floor(src.size / AXONA_PACKET_BYTES);
    if (numPackets === 0) throw new Error(`${binFile}: ${formatBytes(src.size)} bytes is less than one ${AXONA_PACKET_BYTES}-byte packet; the file is empty or truncated`);
    if (src.size % AXONA_PACKET_BYTES !== 0) {
      reporter.log('warn', `${binFile}: ${formatBytes(src.size)} bytes is not a whole number of ${AXONA_PACKET_BYTES}-byte packets; the partial last packet is ignored (file truncated?)`);
    }
    for (const w of checkPackets(src, numPackets)) reporter.log('warn', w);
  } finally {
    src.close();
  }
  const channels = axonaActiveChannels(set);
  const gains = channels.map((c) => (fullscaleMv * 1000) / (setNumber(set, `gain_ch_${c}`, setFile) * 32768));
  const letters = 'abcd';
  return new AxonaRecording({
    file: binFile,
    numPackets,
    axonaChannels: channels,
    init: {
      samplingFrequency: fsHz,
      channelIds: channels.map(String),
      gains,
      properties: new Map<string, unknown[]>([
        ['channel_name', channels.map((c) => `${Math.floor(c / 4) + 1}${letters[c % 4]}`)],
        ['group', channels.map((c) => Math.floor(c / 4))],
      ]),
      annotations: {
        format: 'axona',
        swVersion: set.sw_version ?? null,
        trialDate: set.trial_date ?? null,
        trialTime: set.trial_time ?? null,
        setDurationS: set.duration !== undefined ? Number(set.duration) : null,
      },
    },
  });
}

export function isAxona(p: string): boolean {
  return /\.(bin|set)$/i.test(p) && fs.existsSync(p.replace(/\.(bin|set)$/i, '.set')) && fs.existsSync(p.replace(/\.(bin|set)$/i, '.bin'));
}
