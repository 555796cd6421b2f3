import { type AggregateResult, describeError, type Fix, type Logger, silentLogger } from '@ratchet/core';
import { type PlexClient, type PlexItem, plexErrorStatus } from '@ratchet/plex';
import { seededRandom } from './seeded-random.js';

export interface ChosenItem {
  ratingKey: string;
  title?: string;
  sectionId?: string;
  /** Named by a targeted error type in the logs, or drawn at random as a control. */
  reason: 'targeted' | 'control';
  /** What the log called it (id, guid or title), for targeted items. */
  namedAs?: string;
}

export interface ItemSelection {
  items: ChosenItem[];
  /** Identifiers from the logs that match no item on the server. */
  unresolved: string[];
  sections: string[];
}

export interface ChooseItemsOptions {
  fix: Fix;
  before: AggregateResult;
  /** An older, wider measurement (the baseline) whose named items are used after those of `before`. */
  wider?: AggregateResult;
  total: number;
  /** Section keys or titles to sample from; default: the targeted items' sections, else all. */
  sections?: string[];
  seed: string | number;
  log?: Logger;
  /** ratingKeys never to choose (the items the test pairs with their outcome in the logs). */
  exclude?: ReadonlySet<string>;
}

/**
 * The identifiers (ids, guids, titles) that the fix's targeted error types name, most frequent
 * error type first. A fix that names no targets is taken to address every error type.
 */
export function targetedIdentifiers(fix: Fix, before: AggregateResult): string[] {
  const targets = new Set(fix.targets);
  const types = before.errorTypes
    .filter((type) => targets.size === 0 || targets.has(type.id))
    .sort((a, b) => b.count - a.count);
  const seen = new Set<string>();
  for (const type of types) for (const item of type.items ?? []) if (item.trim()) seen.add(item.trim());
  return [...seen];
}

/** Accepts a bare ratingKey and the metadata path form `/library/metadata/123`. */
function asRatingKey(identifier: string): string | undefined {
  const match = /^(?:\/library\/metadata\/)?(\d+)$/.exec(identifier);
  return match?.[1];
}

/**
 * Picks the items to refresh: first those the targeted error types name, mapped to ratingKeys (ids
 * directly, guids and titles by paging through the sections), then a seeded random control sample
 * from the same sections, `total` in all.
 */
export async function chooseItems(client: PlexClient, options: ChooseItemsOptions): Promise<ItemSelection> {
  const log = options.log ?? silentLogger;
  // The latest measurement names the items failing now; the baseline covers more of the library.
  const identifiers = [
    ...new Set([
      ...targetedIdentifiers(options.fix, options.before),
      ...(options.wider ? targetedIdentifiers(options.fix, options.wider) : []),
    ]),
  ];
  const chosen = new Map<string, ChosenItem>();
  const unresolved: string[] = [];
  const add = (item: PlexItem, reason: ChosenItem['reason'], namedAs?: string) => {
    if (chosen.has(item.ratingKey) || chosen.size >= options.total || options.exclude?.has(item.ratingKey))
      return;
    chosen.set(item.ratingKey, {
      ratingKey: item.ratingKey,
      ...(item.title ? { title: item.title } : {}),
      ...(item.librarySectionID ? { sectionId: item.librarySectionID } : {}),
      reason,
      ...(namedAs ? { namedAs } : {}),
    });
  };

  const byKey = new Map<string, string>();
  for (const identifier of identifiers) {
    const key = asRatingKey(identifier);
    if (key && !byKey.has(key)) byKey.set(key, identifier);
  }
  const found = await metadataOrEmpty(client, [...byKey.keys()], log);
  const foundByKey = new Map(found.map((item) => [item.ratingKey, item]));
  const byName = new Map<string, string>();
  for (const identifier of identifiers) {
    const key = asRatingKey(identifier);
    const item = key ? foundByKey.get(key) : undefined;
    if (item) add(item, 'targeted', identifier);
    else byName.set(identifier.toLowerCase(), identifier);
  }

  const allSections = await client.sections();
  const sections = pickSections(allSections, options.sections, [...chosen.values()]);

  if (byName.size > 0 && chosen.size < options.total) {
    for (const section of sections) {
      for await (const item of client.iterateSectionItems(section)) {
        const names = [item.guid, item.title, item.ratingKey].filter((name): name is string => Boolean(name));
        const match = names.map((name) => name.toLowerCase()).find((name) => byName.has(name));
        if (match) {
          add(item, 'targeted', byName.get(match));
          byName.delete(match);
        }
        if (byName.size === 0 || chosen.size >= options.total) break;
      }
      if (byName.size === 0 || chosen.size >= options.total) break;
    }
  }
  unresolved.push(...byName.values());
  if (unresolved.length > 0)
    log.info(`${unresolved.length} item names from the logs match no item on the server`);

  await addControls(client, sections, options, chosen, add);
  return { items: [...chosen.values()], unresolved, sections };
}

async function metadataOrEmpty(client: PlexClient, keys: string[], log: Logger): Promise<PlexItem[]> {
  if (keys.length === 0) return [];
  try {
    return await client.metadata(keys);
  } catch (error) {
    if (plexErrorStatus(error) !== 404) throw error;
    log.debug(`none of ${keys.length} logged ids is a ratingKey on this server: ${describeError(error)}`);
    return [];
  }
}

function pickSections(
  all: { key: string; title: string }[],
  wanted: string[] | undefined,
  targeted: ChosenItem[],
): string[] {
  if (wanted && wanted.length > 0) {
    return all
      .filter((section) =>
        wanted.some((name) => name === section.key || name.toLowerCase() === section.title.toLowerCase()),
      )
      .map((section) => section.key);
  }
  const ofTargets = [
    ...new Set(targeted.map((item) => item.sectionId).filter((key): key is string => Boolean(key))),
  ];
  return ofTargets.length > 0 ? ofTargets : all.map((section) => section.key);
}

/** Draws distinct random positions across the sections and fetches each one (page size 1). */
async function addControls(
  client: PlexClient,
  sections: string[],
  options: ChooseItemsOptions,
  chosen: Map<string, ChosenItem>,
  add: (item: PlexItem, reason: ChosenItem['reason']) => void,
): Promise<void> {
  if (chosen.size >= options.total || sections.length === 0) return;
  const sizes: { section: string; total: number }[] = [];
  for (const section of sections) {
    const page = await client.sectionItems(section, 0, 0);
    sizes.push({ section, total: page.totalSize ?? 0 });
  }
  const grandTotal = sizes.reduce((sum, entry) => sum + entry.total, 0);
  const random = seededRandom(options.seed);
  const drawn = new Set<number>();
  let attempts = 0;
  while (chosen.size < options.total && drawn.size < grandTotal && attempts < options.total * 4 + 20) {
    attempts += 1;
    const position = Math.floor(random() * grandTotal);
    if (drawn.has(position)) continue;
    drawn.add(position);
    let offset = position;
    const entry = sizes.find((candidate) => {
      if (offset < candidate.total) return true;
      offset -= candidate.total;
      return false;
    });
    if (!entry) continue;
    const page = await client.sectionItems(entry.section, offset, 1);
    const item = page.items[0];
    if (item) add(item, 'control');
  }
}
