/**
 * A headless Chromium for the HTML report tests, with no system install: on Linux x64 the browser
 * comes from the npm package `@sparticuz/chromium` (a brotli-compressed build inside the package,
 * with the few shared libraries and fonts it needs), unpacked once into node_modules/.cache and
 * driven over CDP by `playwright-core`. `RATCHET_CHROMIUM` names another browser binary; elsewhere
 * than Linux x64 a system Chromium or Chrome on the PATH is used.
 */
import { execFileSync } from 'node:child_process';
import {
  chmodSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { createRequire } from 'node:module';
import { arch, platform } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { brotliDecompressSync } from 'node:zlib';
import { chromium } from 'playwright-core';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

/** The flags every start uses: no network chatter, no GPU, a throwaway profile (playwright's own). */
export const CHROMIUM_FLAGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface ChromiumBinary {
  executablePath: string;
  /** Extra environment the binary needs (the bundled shared libraries and fonts). */
  env: Record<string, string>;
  source: 'RATCHET_CHROMIUM' | '@sparticuz/chromium' | 'PATH';
}

/** The browser the tests use; throws with what to do when there is none. */
export function findChromium(): ChromiumBinary {
  const named = process.env.RATCHET_CHROMIUM;
  if (named) return { executablePath: named, env: {}, source: 'RATCHET_CHROMIUM' };
  if (platform() === 'linux' && arch() === 'x64') return bundledChromium();
  for (const candidate of ['chromium', 'chromium-browser', 'google-chrome']) {
    try {
      execFileSync(candidate, ['--version'], { stdio: 'ignore', timeout: 15_000 });
      return { executablePath: candidate, env: {}, source: 'PATH' };
    } catch {
      // not this one
    }
  }
  throw new Error(
    `No Chromium for ${platform()}-${arch()}: the bundled one (@sparticuz/chromium) is for Linux x64 only. ` +
      'Set RATCHET_CHROMIUM to a Chromium or Chrome binary, or put chromium on the PATH.',
  );
}

/**
 * Unpacks `@sparticuz/chromium` into node_modules/.cache/ratchet-chromium-<version>/ once. Test
 * files run in parallel processes: each unpacks into its own temp folder and renames it into
 * place, so a half-written browser is never seen; the loser of the race drops its copy.
 */
function bundledChromium(): ChromiumBinary {
  // The package's exports hide its folder: find it from its entry point.
  let folder = dirname(require.resolve('@sparticuz/chromium'));
  while (!existsSync(join(folder, 'bin', 'chromium.br'))) folder = dirname(folder);
  const { version } = JSON.parse(readFileSync(join(folder, 'package.json'), 'utf8')) as { version: string };
  const bin = join(folder, 'bin');
  const cacheRoot = join(ROOT, 'node_modules', '.cache');
  const target = join(cacheRoot, `ratchet-chromium-${version}`);
  if (!existsSync(join(target, 'chromium'))) {
    mkdirSync(cacheRoot, { recursive: true });
    const staging = mkdtempSync(join(cacheRoot, 'ratchet-chromium-unpacking-'));
    try {
      writeFileSync(join(staging, 'chromium'), brotliDecompressSync(readFileSync(join(bin, 'chromium.br'))));
      chmodSync(join(staging, 'chromium'), 0o755);
      for (const archive of ['al2023', 'fonts', 'swiftshader']) {
        const tar = join(staging, `${archive}.tar`);
        writeFileSync(tar, brotliDecompressSync(readFileSync(join(bin, `${archive}.tar.br`))));
        execFileSync('tar', ['-xf', tar, '-C', staging], { stdio: 'ignore' });
        rmSync(tar);
      }
      writeFileSync(
        join(staging, 'fonts.conf'),
        `<?xml version="1.0"?>\n<!DOCTYPE fontconfig SYSTEM "fonts.dtd">\n<fontconfig>\n  <dir>${join(target, 'fonts')}</dir>\n  <cachedir>${join(target, 'fonts-cache')}</cachedir>\n</fontconfig>\n`,
      );
      renameSync(staging, target);
    } catch (error) {
      rmSync(staging, { recursive: true, force: true });
      if (!existsSync(join(target, 'chromium'))) throw error;
    }
  }
  return {
    executablePath: join(target, 'chromium'),
    env: {
      LD_LIBRARY_PATH: [join(target, 'lib'), process.env.LD_LIBRARY_PATH].filter(Boolean).join(':'),
      FONTCONFIG_PATH: target,
    },
    source: '@sparticuz/chromium',
  };
}

export interface RenderedPage {
  /** The DOM after load, serialized. */
  dom: string;
  /** A PNG of the viewport, when asked for. */
  screenshot?: Buffer;
}

/** Opens `url` in headless Chromium and returns its DOM (and a screenshot of `viewport`). */
export async function renderPage(
  url: string,
  options: { viewport?: { width: number; height: number }; screenshot?: boolean } = {},
): Promise<RenderedPage> {
  const binary = findChromium();
  const browser = await chromium.launch({
    executablePath: binary.executablePath,
    headless: true,
    args: CHROMIUM_FLAGS,
    env: { ...process.env, ...binary.env },
    timeout: 120_000,
  });
  try {
    const page = await browser.newPage({ viewport: options.viewport ?? { width: 1200, height: 2000 } });
    await page.goto(url, { waitUntil: 'load', timeout: 120_000 });
    const dom = await page.content();
    const screenshot = options.screenshot ? await page.screenshot({ type: 'png' }) : undefined;
    return screenshot ? { dom, screenshot } : { dom };
  } finally {
    await browser.close();
  }
}
