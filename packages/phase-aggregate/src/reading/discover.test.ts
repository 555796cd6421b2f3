import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { testdir } from '../testdir.test-helpers.js';
import { discoverLogFiles, discoverServerLogFiles } from './discover.js';

const DATA = 'Plex Media Server';
const layout = {
  [`${DATA}/Logs/PMS Plugin Logs/com.plexapp.agents.imdb.log`]: 'a\n',
  [`${DATA}/Logs/PMS Plugin Logs/com.plexapp.agents.imdb.log.1`]: 'b\n',
  [`${DATA}/Logs/Plex Media Server.log`]: 'c\n',
  [`${DATA}/Preferences.xml`]: '<Preferences/>\n',
};

describe('discoverLogFiles', () => {
  it("reads a server's data folder through Logs/PMS Plugin Logs, as it reads the Logs folder", async () => {
    const dir = await testdir(layout);
    const plugins = join(dir, DATA, 'Logs', 'PMS Plugin Logs');
    const fromData = await discoverLogFiles([join(dir, DATA)]);
    expect(fromData.problems).toEqual([]);
    expect(fromData.files.map((file) => file.path)).toEqual([
      join(plugins, 'com.plexapp.agents.imdb.log.1'),
      join(plugins, 'com.plexapp.agents.imdb.log'),
    ]);
    const fromLogs = await discoverLogFiles([join(dir, DATA, 'Logs')]);
    expect(fromLogs.files).toEqual(fromData.files);
    expect(await discoverServerLogFiles([join(dir, DATA)])).toEqual([
      join(dir, DATA, 'Logs', 'Plex Media Server.log'),
    ]);
  });

  it('reads any other folder as it is', async () => {
    const dir = await testdir({ 'x/com.plexapp.agents.imdb.log': 'a\n' });
    const found = await discoverLogFiles([join(dir, 'x')]);
    expect(found.files.map((file) => file.agent)).toEqual(['com.plexapp.agents.imdb']);
    expect(await discoverServerLogFiles([join(dir, 'x')])).toEqual([]);
  });
});
