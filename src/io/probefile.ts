/**
 * Probe files by extension (probeinterface .json, .prb, Kilosort chanMap .mat) and attaching a
 * probe to a recording with its wiring checked against the recording's channels.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Probe, ProbeGroup } from '../core/probe.js';
import type { Recording } from '../core/recording.js';
import { ChannelSliceRecording } from '../core/recordingtools.js';
import { readKilosortChanMap } from './matlab.js';
import { readPrb } from './prb.js';
import { readProbeInterfaceJson } from './probeinterface.js';
import { parseImroTable, probeFromImro, selectSitesFromImro } from './neuropixels.js';

export interface ReadProbeOptions {
  /** An IMRO table (.imro file) selecting the recorded sites of a Neuropixels catalogue probe. */
  imro?: string;
}

/**
 * Reads a probe file, choosing the format from its extension. A Neuropixels .imro table alone gives
 * the recorded sites from the built-in geometry of its probe type; with opts.imro, the sites are
 * picked from the catalogue probe in `file` instead.
 */
export function readProbeFile(file: string, opts: ReadProbeOptions = {}): ProbeGroup {
  if (opts.imro) {
    const group = readProbeFile(file);
    if (group.probes.length !== 1) throw new Error(`${file}: --imro needs a file with one probe, found ${group.probes.length}`);
    const table = parseImroTable(fs.readFileSync(opts.imro, 'utf8'), opts.imro);
    return new ProbeGroup([selectSitesFromImro(group.probes[0], table, `${file} with ${opts.imro}`)]);
  }
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.json':
      return readProbeInterfaceJson(file);
    case '.prb':
      return readPrb(file);
    case '.mat':
      return readKilosortChanMap(file);
    case '.imro': {
      const table = parseImroTable(fs.readFileSync(file, 'utf8'), file);
      const probe = probeFromImro(table, '');
      if (!probe) {
        throw new Error(`${file}: Neuropixels probe type ${table.probeType} has no built-in geometry: give its probeinterface catalogue .json with --probe and this table with --imro`);
      }
      return new ProbeGroup([probe]);
    }
    default:
      throw new Error(
        `${file}: unknown probe file type '${ext || '(no extension)'}': use a probeinterface .json, a .prb file or a Kilosort channel map .mat`,
      );
  }
}

export interface AttachProbeOptions {
  /** Names the probe's source in errors (e.g. the probe file path). */
  where?: string;
  /**
   * Recording channels without a contact: 'drop' returns a recording of the wired channels only
   * (as SpikeInterface's set_probe does, e.g. for a sync channel); 'error' refuses.
   */
  unwired?: 'drop' | 'error';
}

/**
 * Attaches a probe to a recording: checks that every contact is wired to an existing channel and no
 * channel to two contacts, then sets rec.probe. Returns `rec`, or a channel slice of it when some
 * channels have no contact and `unwired` is 'drop' (the default).
 */
export function attachProbe(rec: Recording, group: ProbeGroup, opts: AttachProbeOptions = {}): Recording {
  const where = opts.where ?? 'probe';
  const n = rec.numChannels;
  const unwiredContacts = group.probes.filter((p) => !p.deviceChannelIndices).reduce((s, p) => s + p.numContacts, 0);
  if (unwiredContacts > n) {
    throw new Error(
      `${where}: the probe has ${unwiredContacts} contacts without device_channel_indices but the recording has ${n} channels: ` +
        `this is probably an electrode catalogue; select the recorded contacts and add device_channel_indices (0..${n - 1}) to the probe file`,
    );
  }
  const geo = group.channelGeometry(n, where);
  const wired: number[] = [];
  for (let c = 0; c < n; c++) if (geo.probeIndex[c] >= 0) wired.push(c);
  if (wired.length === 0) {
    throw new Error(`${where}: no contact of the probe is wired to any of the recording's ${n} channels: check device_channel_indices`);
  }
  rec.probe = group;
  if (wired.length === n) return rec;
  if (opts.unwired === 'error') {
    const missing = rec.channelIds.filter((_, c) => geo.probeIndex[c] < 0);
    throw new Error(
      `${where}: ${missing.length} of the recording's ${n} channels have no contact on the probe (${preview(missing)}): wire them in the probe file or remove those channels`,
    );
  }
  return new ChannelSliceRecording(rec, Int32Array.from(wired));
}

/** A single 2-D probe with contact i at (xy[2i], xy[2i+1]) µm wired to channel i. */
export function probeFromLocations(xy: ArrayLike<number>, opts: { shankIds?: string[]; name?: string } = {}): ProbeGroup {
  if (xy.length % 2 !== 0) throw new Error(`channel locations: ${xy.length} values is not a list of (x, y) pairs`);
  const n = xy.length / 2;
  return new ProbeGroup([
    new Probe({
      ndim: 2,
      positions: xy,
      contactIds: Array.from({ length: n }, (_, i) => String(i)),
      shankIds: opts.shankIds,
      deviceChannelIndices: Int32Array.from({ length: n }, (_, i) => i),
      name: opts.name,
    }),
  ]);
}

function preview(ids: readonly string[]): string {
  return ids.length <= 8 ? ids.join(', ') : `${ids.slice(0, 8).join(', ')}, ...`;
}
