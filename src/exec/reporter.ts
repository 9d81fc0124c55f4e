/**
 * The one channel for progress and logs. Core code never writes to the console: it calls a Reporter.
 * The CLI picks consoleReporter (bar with ETA on a TTY, plain lines otherwise); the API defaults to silence.
 */
export type LogLevel = 'debug' | 'info' | 'warn';

export interface Reporter {
  log(level: LogLevel, message: string): void;
  /** Starts a named unit of work with `total` steps (chunks, units, ...). */
  begin(task: string, total: number): void;
  /** `done` steps of the current task are finished. */
  progress(done: number): void;
  end(): void;
}

export const silentReporter: Reporter = {
  log() {},
  begin() {},
  progress() {},
  end() {},
};

export interface ConsoleReporterOptions {
  stream?: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  verbose?: boolean;
  quiet?: boolean;
  /** Minimum seconds between plain progress lines when not on a TTY. */
  plainInterval?: number;
}

export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return '--:--';
  const s = Math.round(seconds);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const ss = s % 60;
  const two = (x: number) => String(x).padStart(2, '0');
  return h > 0 ? `${h}:${two(m)}:${two(ss)}` : `${two(m)}:${two(ss)}`;
}

export function consoleReporter(opts: ConsoleReporterOptions = {}): Reporter {
  const stream = opts.stream ?? process.stderr;
  const tty = Boolean(stream.isTTY);
  const interval = (opts.plainInterval ?? 5) * 1000;
  let task = '';
  let total = 0;
  let t0 = 0;
  let lastPlain = 0;
  let barShown = false;
  const clearBar = () => {
    if (barShown) {
      stream.write('\r\x1b[2K');
      barShown = false;
    }
  };
  return {
    log(level, message) {
      if (opts.quiet && level !== 'warn') return;
      if (level === 'debug' && !opts.verbose) return;
      clearBar();
      stream.write(`${level === 'warn' ? 'warning: ' : ''}${message}\n`);
    },
    begin(name, n) {
      task = name;
      total = n;
      t0 = Date.now();
      lastPlain = 0;
      if (!tty && !opts.quiet) stream.write(`${name}: started (${n} steps)\n`);
    },
    progress(done) {
      if (opts.quiet) return;
      const elapsed = (Date.now() - t0) / 1000;
      const frac = total > 0 ? Math.min(1, done / total) : 1;
      const eta = frac > 0 ? (elapsed * (1 - frac)) / frac : NaN;
      if (tty) {
        const width = Math.max(10, Math.min(40, (stream.columns ?? 80) - task.length - 40));
        const filled = Math.round(frac * width);
        stream.write(
          `\r\x1b[2K${task} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(frac * 100).toFixed(0).padStart(3)}% ${done}/${total} ETA ${formatDuration(eta)}`,
        );
        barShown = true;
      } else if (Date.now() - lastPlain >= interval || done === total) {
        lastPlain = Date.now();
        stream.write(`${task}: ${done}/${total} (${(frac * 100).toFixed(0)}%, elapsed ${formatDuration(elapsed)}, ETA ${formatDuration(eta)})\n`);
      }
    },
    end() {
      if (opts.quiet) return;
      clearBar();
      const elapsed = (Date.now() - t0) / 1000;
      stream.write(`${task}: done in ${elapsed.toFixed(1)} s\n`);
    },
  };
}
