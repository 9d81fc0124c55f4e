#!/usr/bin/env node
import('../dist/src/cli/main.js').then((m) => m.main(process.argv)).catch((e) => {
  process.stderr.write(`spikeforge: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
