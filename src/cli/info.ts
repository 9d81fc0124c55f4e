/** `spikeforge info <recording>`: what a recording holds, as text or JSON. */
import type { Command } from 'commander';
import type { Recording } from '../core/recording.js';
import { addRecordingOptions } from './main.js';
import { openRecordingFromCli, out, RecordingCliOptions } from './common.js';
import { listStreams } from '../io/open.js';

export interface RecordingInfo {
  path: string;
  numChannels: number;
  samplingFrequency: number;
  numSegments: number;
  numSamples: number[];
  durationS: number;
  dtype: string;
  channelIds: string[];
  gainToUv: { min: number; max: number };
  offsetToUv: { min: number; max: number };
  probe: null | {
    numProbes: number;
    numContacts: number;
    shanks: string[];
    xRangeUm: [number, number];
    yRangeUm: [number, number];
    names: string[];
  };
  properties: string[];
  annotations: Record<string, unknown>;
}

export function describeRecording(rec: Recording, where: string): RecordingInfo {
  const numSamples = Array.from({ length: rec.numSegments }, (_, s) => rec.getNumSamples(s));
  let probe: RecordingInfo['probe'] = null;
  if (rec.probe) {
    const geo = rec.probe.channelGeometry(rec.numChannels, where);
    const xs = Array.from(geo.x).filter(Number.isFinite);
    const ys = Array.from(geo.y).filter(Number.isFinite);
    probe = {
      numProbes: rec.probe.probes.length,
      numContacts: rec.probe.numContacts,
      shanks: [...new Set(rec.getChannelGroups())],
      xRangeUm: [Math.min(...xs), Math.max(...xs)],
      yRangeUm: [Math.min(...ys), Math.max(...ys)],
      names: rec.probe.probes.map((p) => p.model || p.name).filter(Boolean),
    };
  }
  return {
    path: where,
    numChannels: rec.numChannels,
    samplingFrequency: rec.samplingFrequency,
    numSegments: rec.numSegments,
    numSamples,
    durationS: rec.getDuration(),
    dtype: rec.dtype,
    channelIds: [...rec.channelIds],
    gainToUv: { min: Math.min(...rec.gains), max: Math.max(...rec.gains) },
    offsetToUv: { min: Math.min(...rec.offsets), max: Math.max(...rec.offsets) },
    probe,
    properties: [...rec.properties.keys()],
    annotations: rec.annotations,
  };
}

export function formatRecordingInfo(i: RecordingInfo): string {
  const range = (r: { min: number; max: number }) => (r.min === r.max ? `${r.min}` : `${r.min} to ${r.max}`);
  const lines = [
    `recording:   ${i.path}`,
    `channels:    ${i.numChannels}`,
    `sampling:    ${i.samplingFrequency / 1000} kHz (${i.samplingFrequency} Hz)`,
    `duration:    ${i.durationS.toFixed(3)} s in ${i.numSegments} segment${i.numSegments > 1 ? 's' : ''} (${i.numSamples.join(' + ')} samples)`,
    `dtype:       ${i.dtype}, gain ${range(i.gainToUv)} µV/bit, offset ${range(i.offsetToUv)} µV`,
  ];
  if (i.probe) {
    const p = i.probe;
    lines.push(
      `probe:       ${p.names.length ? p.names.join(', ') + ', ' : ''}${p.numContacts} contacts on ${p.numProbes} probe${p.numProbes > 1 ? 's' : ''}, ${p.shanks.length} shank${p.shanks.length > 1 ? 's' : ''}, x ${p.xRangeUm[0]}..${p.xRangeUm[1]} µm, y ${p.yRangeUm[0]}..${p.yRangeUm[1]} µm`,
    );
  } else {
    lines.push('probe:       none (attach one with --probe to sort)');
  }
  if (i.properties.length) lines.push(`properties:  ${i.properties.join(', ')}`);
  return lines.join('\n');
}

export function infoCommand(program: Command): void {
  addRecordingOptions(
    program
      .command('info')
      .description('describe a recording: channels, sampling rate, duration, gains, probe, streams')
      .argument('<recording>', 'recording file or folder (any supported format)')
      .option('--json', 'print JSON'),
  ).action(async (input: string, o: RecordingCliOptions & { json?: boolean }) => {
    const streams = await listStreams(input, { format: o.format }).catch(() => []);
    let rec: Recording;
    try {
      rec = await openRecordingFromCli(input, o);
    } catch (e) {
      // A multi-stream file opened without --stream: listing its streams is the useful answer.
      if (o.stream || streams.length < 2) throw e;
      out(o.json ? JSON.stringify({ path: input, streams }, null, 2) : `${input}: ${streams.length} streams; choose one with --stream`);
      if (!o.json) for (const s of streams) out(`  ${s.name}: ${Number.isFinite(s.numChannels) ? `${s.numChannels} ch @ ${s.samplingFrequency} Hz` : s.note ?? ''}${s.available === false ? ' (unavailable)' : ''}`);
      return;
    }
    const info = describeRecording(rec, input);
    if (o.json) {
      out(JSON.stringify({ ...info, streams }, null, 2));
      return;
    }
    out(formatRecordingInfo(info));
    if (streams.length > 1) {
      out('streams:');
      for (const s of streams) {
        out(`  ${s.name}: ${s.numChannels} ch @ ${s.samplingFrequency} Hz${s.available === false ? ' (unavailable' + (s.note ? `: ${s.note}` : '') + ')' : ''}`);
      }
    }
  });
}
