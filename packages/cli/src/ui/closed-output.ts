/**
 * A reader that goes away (`ratchet run | head -1`) closes our stdout or stderr: the next write
 * fails with EPIPE. That is no crash: the run stops at the next phase boundary with its state
 * saved, as on Ctrl+C, and nothing more is written to the closed stream.
 */
let closed = false;

export function outputClosed(): boolean {
  return closed;
}

export function guardOutput(): void {
  for (const stream of [process.stdout, process.stderr]) {
    stream.on('error', (error: NodeJS.ErrnoException) => {
      if (error.code === 'EPIPE' || error.code === 'ERR_STREAM_DESTROYED') {
        closed = true;
        return;
      }
      throw error;
    });
  }
}
