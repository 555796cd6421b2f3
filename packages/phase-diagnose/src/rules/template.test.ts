import { describe, expect, it } from 'vitest';
import { OptionCaptureError, renderArgv } from './template.js';

describe('renderArgv', () => {
  it('refuses a captured value that would become an option of the command', () => {
    const argv = ['tar', '-cf', 'archive.tar', '{{file}}'];
    expect(() => renderArgv(argv, { file: '--use-compress-program=touch PWNED;' })).toThrow(
      OptionCaptureError,
    );
    expect(() => renderArgv(argv, { file: '-x' })).toThrow('would become an option');
  });

  it('renders ordinary values, options written in the rule, and any value after a literal --', () => {
    expect(renderArgv(['tar', '-cf', 'a.tar', '{{file}}'], { file: 'movie.db' })).toEqual([
      'tar',
      '-cf',
      'a.tar',
      'movie.db',
    ]);
    expect(renderArgv(['rm', '--force={{v}}'], { v: '-1' })).toEqual(['rm', '--force=-1']);
    expect(renderArgv(['rm', '--', '{{file}}'], { file: '-rf' })).toEqual(['rm', '--', '-rf']);
  });
});
