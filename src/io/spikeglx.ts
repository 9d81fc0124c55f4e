/**
 * SpikeGLX: flat int16 .bin files described by a key=value .meta beside them.
 * Streams (imec0.ap, imec0.lf, nidq, ...) are found from file names, in a single file or a run folder
 * (run_g0/run_g0_imec0/run_g0_t0.imec0.ap.bin). The sync channel (SY0, or the NI digital word XD)
 * is kept out of the ephys channels; openSpikeGlxSync() returns it as its own recording.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { ProbeGroup, Probe } from '../core/probe.js';
import { Reporter, silentReporter } from '../exec/reporter.js';
import { BinaryRecording } from './binary.js';
import { formatBytes } from './bytesource.js';
import { parseImroTable, probeFromGeomMap, probeFromImro, ImroTable } from './neuropixels.js';

export type SpikeGlxMeta = Record<string, string>;

export interface SpikeGlxStreamInfo {
  /** e.g. 'imec0.ap', 'imec0.lf', 'nidq'. */
  name: string;
  numChannels: number;
  samplingFrequency: number;
  available: boolean;
  note: string;
  /** One .meta per segment (trigger file), in recording order. */
  metaFiles: string[];
}

export interface SpikeGlxOptions {
  /** Stream name (see listSpikeGlxStreams); default: the first available '.ap' stream, else the only one. */
  stream?: string;
  reporter?: Reporter;
}

/** Parses .meta text; '~key' entries keep their tilde. */
export function parseSpikeGlxMeta(text: string, where = '.meta'): SpikeGlxMeta {
  const meta: SpikeGlxMeta = {};
  for (const line of text.split(/\r?\n/)) {
    if (!line.trim()) continue;
    const eq = line.indexOf('=');
    if (eq < 1) throw new Error(`${where}: line '${line.slice(0, 60)}' is not key=value; is this a SpikeGLX .meta file?`);
    meta[line.slice(0, eq).trim()] = line.slice(eq + 1).trim();
  }
  if (!meta.nSavedChans) throw new Error(`${where}: no nSavedChans entry; is this a SpikeGLX .meta file?`);
  return meta;
}

export function readSpikeGlxMeta(metaPath: string): SpikeGlxMeta {
  if (!fs.existsSync(metaPath)) {
    throw new Error(`${metaPath}: SpikeGLX .meta file not found; SpikeGLX writes one beside each .bin, copy it along with the data`);
  }
  return parseSpikeGlxMeta(fs.readFileSync(metaPath, 'utf8'), metaPath);
}

/** Stream name and (gate, trigger) order key from a file name like run_g0_t1.imec0.ap.meta. */
export function spikeGlxStreamName(file: string): { stream: string; gate: number; trigger: number } {
  const base = path.basename(file).replace(/\.(meta|bin)$/, '');
  const m = /_g(\d+)_t(\d+|cat)\.(.+)$/.exec(base);
  if (m) return { stream: m[3], gate: Number(m[1]), trigger: m[2] === 'cat' ? 0 : Number(m[2]) };
  const dot = base.search(/\.(imec\d*|nidq|obx\d*)(\.|$)/);
  return { stream: dot >= 0 ? base.slice(dot + 1) : base, gate: 0, trigger: 0 };
}

function metaFilesUnder(dir: string, depth: number): string[] {
  const out: string[] = [];
  for (const ent of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, ent.name);
    if (ent.isFile() && ent.name.endsWith('.meta')) out.push(p);
    else if (ent.isDirectory() && depth > 0) out.push(...metaFilesUnder(p, depth - 1));
  }
  return out.sort();
}

function binOf(metaPath: string): string {
  return metaPath.replace(/\.meta$/, '.bin');
}

function samplingRate(meta: SpikeGlxMeta): number {
  return Number(meta.imSampRate ?? meta.niSampRate ?? meta.obSampRate);
}

/** Lists the streams of a .bin/.meta file (its whole folder) or of a run folder. */
export function listSpikeGlxStreams(p: string): SpikeGlxStreamInfo[] {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`${p}: not found`);
  const dir = st.isDirectory() ? p : path.dirname(p);
  const metas = metaFilesUnder(dir, st.isDirectory() ? 3 : 0);
  if (metas.length === 0) throw new Error(`${p}: no SpikeGLX .meta files found; each .bin needs its .meta beside it`);
  const byStream = new Map<string, { file: string; key: number }[]>();
  for (const f of metas) {
    const { stream, gate, trigger } = spikeGlxStreamName(f);
    const list = byStream.get(stream) ?? [];
    list.push({ file: f, key: gate * 1e6 + trigger });
    byStream.set(stream, list);
  }
  return [...byStream.entries()].map(([name, list]) => {
    const files = list.sort((a, b) => a.key - b.key).map((x) => x.file);
    const meta = readSpikeGlxMeta(files[0]);
    const missing = files.filter((f) => !fs.existsSync(binOf(f)));
    const layout = channelLayout(meta, files[0]);
    return {
      name,
      numChannels: layout.ephys.length,
      samplingFrequency: samplingRate(meta),
      available: missing.length === 0,
      note: missing.length ? `missing ${missing.map((f) => path.basename(binOf(f))).join(', ')}` : `${files.length} segment(s)`,
      metaFiles: files,
    };
  });
}

interface ChannelLayout {
  /** File columns of ephys channels (AP/LF or MN/MA/XA). */
  ephys: number[];
  /** File columns of sync/digital channels (SY or XD). */
  sync: number[];
  /** Acquisition channel index of each file column (from snsSaveChanSubset). */
  acquired: number[];
}

function parseIntList(v: string, where: string): number[] {
  return v.split(',').map((x) => {
    const n = Number(x);
    if (!Number.isInteger(n)) throw new Error(`${where}: '${v}' is not a comma-separated list of integers`);
    return n;
  });
}

/** Expands '0:383,768' (or 'all') into acquisition channel indices. */
export function parseChannelSubset(v: string | undefined, total: number, where: string): number[] {
  if (!v || v === 'all') return Array.from({ length: total }, (_, i) => i);
  const out: number[] = [];
  for (const part of v.split(',')) {
    const [a, b] = part.split(':').map(Number);
    if (!Number.isInteger(a) || (b !== undefined && !Number.isInteger(b))) throw new Error(`${where}: snsSaveChanSubset '${v}' is not like '0:383,768'`);
    for (let c = a; c <= (b ?? a); c++) out.push(c);
  }
  return out;
}

function channelLayout(meta: SpikeGlxMeta, where: string): ChannelLayout {
  const n = Number(meta.nSavedChans);
  if (!Number.isInteger(n) || n < 1) throw new Error(`${where}: nSavedChans '${meta.nSavedChans}' is not a positive integer`);
  const cols = Array.from({ length: n }, (_, i) => i);
  if (meta.snsApLfSy) {
    const [ap, lf, sy] = parseIntList(meta.snsApLfSy, `${where}: snsApLfSy`);
    if (ap + lf + sy !== n) throw new Error(`${where}: snsApLfSy=${meta.snsApLfSy} does not add up to nSavedChans=${n}`);
    const acqTotal = meta.acqApLfSy ? parseIntList(meta.acqApLfSy, where).reduce((a, b) => a + b, 0) : n;
    return { ephys: cols.slice(0, ap + lf), sync: cols.slice(ap + lf), acquired: parseChannelSubset(meta.snsSaveChanSubset, acqTotal, where) };
  }
  if (meta.snsMnMaXaDw) {
    const [mn, ma, xa, dw] = parseIntList(meta.snsMnMaXaDw, `${where}: snsMnMaXaDw`);
    if (mn + ma + xa + dw !== n) throw new Error(`${where}: snsMnMaXaDw=${meta.snsMnMaXaDw} does not add up to nSavedChans=${n}`);
    return { ephys: cols.slice(0, mn + ma + xa), sync: cols.slice(mn + ma + xa), acquired: cols };
  }
  return { ephys: cols, sync: [], acquired: cols };
}

/** µV per bit for each file column of `cols`. */
function spikeGlxGains(meta: SpikeGlxMeta, cols: number[], layout: ChannelLayout, imro: ImroTable | null, where: string): number[] {
  if (meta.typeThis === 'nidq' || meta.niSampRate) {
    const [mn, ma] = parseIntList(meta.snsMnMaXaDw ?? '0,0,0,0', where);
    const range = Number(meta.niAiRangeMax);
    const maxInt = Number(meta.niMaxInt ?? 32768);
    return cols.map((c) => {
      const g = c < mn ? Number(meta.niMNGain) : c < mn + ma ? Number(meta.niMAGain) : 1;
      return (range / maxInt / g) * 1e6;
    });
  }
  const range = Number(meta.imAiRangeMax);
  if (!Number.isFinite(range)) throw new Error(`${where}: imAiRangeMax missing; cannot compute µV gains`);
  const isNp1 = imro !== null && imro.entries.length > 0 && imro.entries[0].apGain !== null;
  const maxInt = Number(meta.imMaxInt ?? (isNp1 ? 512 : 8192));
  const [ap, lf] = parseIntList(meta.snsApLfSy ?? '0,0,0', where);
  const nAcqAp = meta.acqApLfSy ? parseIntList(meta.acqApLfSy, where)[0] : ap;
  const byChannel = new Map((imro?.entries ?? []).map((e) => [e.channel, e]));
  return cols.map((c) => {
    if (c >= ap + lf) return 1;
    if (!isNp1) return (range / maxInt / 80) * 1e6;
    const acq = layout.acquired[c];
    const isLf = acq >= nAcqAp;
    const e = byChannel.get(isLf ? acq - nAcqAp : acq);
    const g = e ? (isLf ? e.lfGain : e.apGain) : null;
    if (!g) throw new Error(`${where}: no imro gain for saved channel ${c}; the ~imroTbl is incomplete`);
    return (range / maxInt / g) * 1e6;
  });
}

function channelNames(meta: SpikeGlxMeta, n: number): string[] | null {
  const map = meta['~snsChanMap'];
  if (!map) return null;
  const names = [...map.matchAll(/\(([^;()]+);[^)]*\)/g)].map((m) => m[1]);
  return names.length === n ? names : null;
}

function spikeGlxProbe(meta: SpikeGlxMeta, layout: ChannelLayout, imro: ImroTable | null, where: string, reporter: Reporter): ProbeGroup | null {
  if (meta.typeThis === 'nidq' || meta.niSampRate) return null;
  const nEphys = layout.ephys.length;
  if (meta['~snsGeomMap']) {
    const p = probeFromGeomMap(meta['~snsGeomMap'], `${where}: ~snsGeomMap`);
    if (p.numContacts === nEphys) return new ProbeGroup([p]);
    reporter.log('warn', `${where}: ~snsGeomMap has ${p.numContacts} sites for ${nEphys} saved channels; using the imro table instead`);
  }
  if (!imro) return null;
  const nAcqAp = meta.acqApLfSy ? parseIntList(meta.acqApLfSy, where)[0] : nEphys;
  const saved = layout.ephys.map((c) => layout.acquired[c] % nAcqAp);
  let probe: Probe | null = null;
  try {
    probe = probeFromImro(imro, meta.imDatPrb_pn ?? '', saved);
  } catch (e) {
    reporter.log('warn', `${where}: no probe geometry (${(e as Error).message})`);
  }
  if (!probe) {
    reporter.log('warn', `${where}: unknown Neuropixels probe type ${imro.probeType}; no geometry attached (use --probe)`);
    return null;
  }
  return new ProbeGroup([probe]);
}

interface Resolved {
  stream: SpikeGlxStreamInfo;
  metas: SpikeGlxMeta[];
}

function resolveStream(p: string, opts: SpikeGlxOptions): Resolved {
  let want = opts.stream;
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) throw new Error(`${p}: not found`);
  if (st.isFile()) {
    if (p.endsWith('.bin') && !fs.existsSync(p.replace(/\.bin$/, '.meta'))) {
      throw new Error(`${p}: its .meta file ${path.basename(p.replace(/\.bin$/, '.meta'))} is missing; SpikeGLX needs it for channel count, rate and gains (or open the .bin as raw with --channels/--fs/--dtype)`);
    }
    want ??= spikeGlxStreamName(p).stream;
  }
  const streams = listSpikeGlxStreams(p);
  const names = streams.map((s) => `${s.name}${s.available ? '' : ' (unavailable: ' + s.note + ')'}`).join(', ');
  let stream: SpikeGlxStreamInfo | undefined;
  if (want) {
    stream = streams.find((s) => s.name === want);
    if (!stream) throw new Error(`${p}: no SpikeGLX stream '${want}'; streams: ${names}. Pick one with --stream`);
  } else {
    const aps = streams.filter((s) => s.available && s.name.endsWith('.ap'));
    stream = aps[0] ?? (streams.length === 1 ? streams[0] : undefined);
    if (!stream) throw new Error(`${p}: several SpikeGLX streams (${names}); pick one with --stream`);
  }
  if (!stream.available) {
    throw new Error(`${p}: SpikeGLX stream '${stream.name}' is unavailable: ${stream.note}. Copy the .bin beside its .meta or pick another stream with --stream (${names})`);
  }
  return { stream, metas: stream.metaFiles.map(readSpikeGlxMeta) };
}

function build(p: string, opts: SpikeGlxOptions, which: 'ephys' | 'sync'): BinaryRecording {
  const reporter = opts.reporter ?? silentReporter;
  const { stream, metas } = resolveStream(p, opts);
  const meta = metas[0];
  const where = stream.metaFiles[0];
  const layout = channelLayout(meta, where);
  const nFile = Number(meta.nSavedChans);
  const fsHz = samplingRate(meta);
  if (!(fsHz > 0)) throw new Error(`${where}: no valid imSampRate/niSampRate`);
  const files = stream.metaFiles.map(binOf);
  const numSamples = files.map((f, s) => {
    const size = fs.statSync(f).size;
    const frame = nFile * 2;
    if (size % frame !== 0) {
      reporter.log('warn', `${f}: ${formatBytes(size)} bytes is not a whole number of ${nFile}-channel int16 frames; the last partial frame is ignored (file cut while writing?)`);
    }
    const declared = Number(metas[s].fileSizeBytes);
    if (Number.isFinite(declared) && declared !== size) {
      reporter.log('warn', `${f}: .meta says fileSizeBytes=${formatBytes(declared)} but the file has ${formatBytes(size)}; using the file size (${Math.floor(size / frame)} samples)`);
    }
    return Math.floor(size / frame);
  });
  const cols = which === 'ephys' ? layout.ephys : layout.sync;
  if (cols.length === 0) throw new Error(`${where}: stream '${stream.name}' has no ${which === 'sync' ? 'sync/digital' : 'ephys'} channels`);
  const imro = meta['~imroTbl'] ? parseImroTable(meta['~imroTbl'], `${where}: ~imroTbl`) : null;
  const names = channelNames(meta, nFile);
  const firstSample = Number(meta.firstSample);
  return new BinaryRecording({
    files,
    samplingFrequency: fsHz,
    numChannelsInFile: nFile,
    dtype: 'int16',
    fileChannels: cols,
    channelIds: cols.map((c) => (names ? names[c] : String(c))),
    gains: spikeGlxGains(meta, cols, layout, imro, where),
    numSamples,
    init: {
      probe: which === 'ephys' ? spikeGlxProbe(meta, layout, imro, where, reporter) : null,
      times: files.map((_, s) => ({ tStart: Number.isFinite(Number(metas[s].firstSample)) ? Number(metas[s].firstSample) / fsHz : 0, timestamps: null })),
      annotations: {
        format: 'spikeglx',
        stream: stream.name,
        probePartNumber: meta.imDatPrb_pn ?? null,
        probeSerial: meta.imDatPrb_sn ?? null,
        firstSample: Number.isFinite(firstSample) ? firstSample : null,
      },
    },
  });
}

/** Opens the ephys channels of a SpikeGLX stream (sync channel excluded), gains in µV. */
export function openSpikeGlx(p: string, opts: SpikeGlxOptions = {}): BinaryRecording {
  return build(p, opts, 'ephys');
}

/** The sync (SY0) or NI digital-word channels of a stream, raw. */
export function openSpikeGlxSync(p: string, opts: SpikeGlxOptions = {}): BinaryRecording {
  return build(p, opts, 'sync');
}

/** True for a .meta/.bin pair or a folder holding SpikeGLX .meta files (up to 3 levels down). */
export function isSpikeGlx(p: string): boolean {
  const st = fs.statSync(p, { throwIfNoEntry: false });
  if (!st) return false;
  if (st.isFile()) return /\.(ap|lf|nidq|obx)\.(bin|meta)$|\.imec\d*\.(bin|meta)$/.test(p) || (p.endsWith('.bin') && fs.existsSync(p.replace(/\.bin$/, '.meta')));
  try {
    return metaFilesUnder(p, 3).some((f) => /(imec|nidq|obx)/.test(path.basename(f)));
  } catch {
    return false;
  }
}
