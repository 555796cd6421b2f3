import { describe, expect, it } from 'vitest';
import { setPreference } from './set-pref.js';

const simFile =
  '<PluginPreferences><normalize_titles>false</normalize_titles><match_threshold>85</match_threshold></PluginPreferences>\n';

describe('setPreference', () => {
  it('changes only the text of an existing preference and keeps every other byte', () => {
    const result = setPreference(simFile, 'normalize_titles', 'true');
    expect(result).toBe(simFile.replace('<normalize_titles>false<', '<normalize_titles>true<'));
  });

  it('adds a missing preference before the closing root tag on a one-line file', () => {
    const result = setPreference(simFile, 'max_retries', '3');
    expect(result).toBe(
      simFile.replace('</PluginPreferences>', '<max_retries>3</max_retries></PluginPreferences>'),
    );
  });

  it('adds a missing preference on its own line with the indentation of its neighbours', () => {
    const xml =
      '<?xml version="1.0" encoding="utf-8"?>\r\n<PluginPreferences>\n\t<a>1</a>\n\t<b>2</b>\n</PluginPreferences>\n';
    expect(setPreference(xml, 'c', '3')).toBe(
      '<?xml version="1.0" encoding="utf-8"?>\r\n<PluginPreferences>\n\t<a>1</a>\n\t<b>2</b>\n\t<c>3</c>\n</PluginPreferences>\n',
    );
  });

  it('adds a line with Windows line endings to a file that uses them', () => {
    const xml = '<PluginPreferences>\r\n  <a>1</a>\r\n</PluginPreferences>\r\n';
    expect(setPreference(xml, 'b', '2')).toBe(
      '<PluginPreferences>\r\n  <a>1</a>\r\n  <b>2</b>\r\n</PluginPreferences>\r\n',
    );
  });

  it('escapes XML special characters in the value', () => {
    const result = setPreference(simFile, 'api_base_url', 'http://api.simdb.example/v3?a=1&b=<2>');
    expect(result).toContain('<api_base_url>http://api.simdb.example/v3?a=1&amp;b=&lt;2&gt;</api_base_url>');
  });

  it('creates the file with a PluginPreferences root when there is none', () => {
    expect(setPreference(undefined, 'max_retries', '3')).toBe(
      '<PluginPreferences><max_retries>3</max_retries></PluginPreferences>\n',
    );
  });

  it('fills an empty self-closing element and an empty self-closing root', () => {
    expect(setPreference('<PluginPreferences><token/></PluginPreferences>', 'token', 'x')).toBe(
      '<PluginPreferences><token>x</token></PluginPreferences>',
    );
    expect(setPreference('<PluginPreferences />', 'a', '1')).toBe(
      '<PluginPreferences ><a>1</a></PluginPreferences>',
    );
  });

  it('ignores an element of the same name inside a comment', () => {
    const xml = '<PluginPreferences><!-- <a>old</a> --><a>1</a></PluginPreferences>';
    expect(setPreference(xml, 'a', '2')).toBe(
      '<PluginPreferences><!-- <a>old</a> --><a>2</a></PluginPreferences>',
    );
  });

  it('does not confuse a key with a longer key that starts with it', () => {
    const xml = '<PluginPreferences><match_threshold_max>99</match_threshold_max></PluginPreferences>';
    expect(setPreference(xml, 'match_threshold', '60')).toBe(
      '<PluginPreferences><match_threshold_max>99</match_threshold_max><match_threshold>60</match_threshold></PluginPreferences>',
    );
  });

  it('refuses to guess when a preference appears twice or the root is missing', () => {
    expect(() => setPreference('<PluginPreferences><a>1</a><a>2</a></PluginPreferences>', 'a', '3')).toThrow(
      'appears 2 times',
    );
    expect(() => setPreference('<Other><a>1</a></Other>', 'a', '3')).toThrow('no <PluginPreferences> root');
  });
});
