/**
 * Probe files by extension (probeinterface .json, .prb, Kilosort chanMap .mat) and attaching a
 * probe to a recording with its wiring checked against the recording's channels.
 */
import * as path from 'node:path';
import { Probe, ProbeGroup } from '../core/probe.js';
import type { Recording } from '../core/recording.js';
import { ChannelSliceRecording } from '../core/recordingtools.js';
import { readKilosortChanMap } from './matlab.js';
import { readPrb } from './prb.js';
import { readProbeInterfaceJson } from './probeinterface.js';

/** Reads a probe file, choosing the format from its extension. */
export function readProbeFile(file: string): ProbeGroup {
  const ext = path.extname(file).toLowerCase();
  switch (ext) {
    case '.json':
      return readProbeInterfaceJson(file);
    case '.prb':
      return readPrb(file);
    case '.mat':
      return readKilosortChanMap(file);
    case '.imro':
      throw new Error(
        `${file}: an IMRO table lists which Neuropixels electrodes were recorded but not the probe itself: open the SpikeGLX recording (its .meta holds the table), or give a probeinterface .json`,
      );
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
