/** The `ratchet` exit codes; scripts and CI rely on them (see docs/cli.md). */
export const EXIT = {
  ok: 0,
  failed: 1,
  usage: 2,
  paused: 3,
  interrupted: 130,
} as const;
