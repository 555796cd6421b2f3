import { intHash, pickHash } from '../util/deterministic.js';

/**
 * The kinds of titles that trip real metadata agents (ERRORS.md #15: colons, articles, multiple
 * names; the usual forum threads: years in titles, accents, foreign originals, sequels).
 */
export const TITLE_KINDS = [
  'plain',
  'punctuation',
  'leading-article',
  'year-in-title',
  'non-ascii',
  'alternative-title',
  'sequel',
] as const;
export type TitleKind = (typeof TITLE_KINDS)[number];

export interface GeneratedTitle {
  title: string;
  /** The provider's primary title when it differs from the library's (a foreign original). */
  originalTitle?: string;
  kind: TitleKind;
}

const ADJECTIVES = [
  'Silent',
  'Crimson',
  'Hollow',
  'Electric',
  'Distant',
  'Golden',
  'Broken',
  'Midnight',
  'Northern',
  'Savage',
  'Quiet',
  'Burning',
  'Frozen',
  'Wandering',
  'Hidden',
  'Iron',
  'Velvet',
  'Restless',
  'Emerald',
  'Final',
];
const NOUNS = [
  'Harbor',
  'Orchard',
  'Signal',
  'Frontier',
  'Garden',
  'Empire',
  'Lighthouse',
  'River',
  'Station',
  'Canyon',
  'Letter',
  'Circus',
  'Mirror',
  'Voyage',
  'Kingdom',
  'Engine',
  'Island',
  'Promise',
  'Horizon',
  'Machine',
];
const SUBTITLES = [
  'The Reckoning',
  'A New Dawn',
  'Origins',
  'Part One',
  'The Last Stand',
  'Homecoming',
  'Redemption',
  'Legacy',
];
const NON_ASCII = [
  'Amélie',
  'Léon',
  'Crème Brûlée',
  'Tōkyō',
  'Ærøskøbing',
  'Mañana',
  'Çà et Là',
  'Sjöberg',
  'Đêm Trắng',
  'Zürich',
  'Fiancée',
  'Smørrebrød',
  'Señorita',
  'Noël',
  'Göteborg',
  'Sørensen',
];
const ORIGINALS = [
  ['Le Fabuleux Destin', 'The Fabulous Destiny'],
  ['Das Leben der Anderen', 'The Lives of Others'],
  ['La Haine', 'Hate'],
  ['Ladri di biciclette', 'Bicycle Thieves'],
  ['El laberinto del fauno', "Pan's Labyrinth"],
  ['Sen to Chihiro', 'Spirited Away'],
  ['Der Himmel über Berlin', 'Wings of Desire'],
  ['Låt den rätte komma in', 'Let the Right One In'],
  ['Cidade de Deus', 'City of God'],
  ['Oldeuboi', 'Oldboy'],
  ['Les Intouchables', 'The Intouchables'],
  ['Jagten', 'The Hunt'],
] as const;
const SEQUEL_MARKS = ['2', 'II', 'III', 'Part II', 'Chapter 3', '4: Resurrection'];

function basePhrase(seed: number, index: number): string {
  return `${pickHash(ADJECTIVES, seed, index, 'adjective')} ${pickHash(NOUNS, seed, index, 'noun')}`;
}

/** The title of the `index`-th movie of a library generated with `seed`. */
export function generateTitle(seed: number, index: number, kind: TitleKind): GeneratedTitle {
  const phrase = basePhrase(seed, index);
  switch (kind) {
    case 'plain':
      return { kind, title: phrase };
    case 'punctuation': {
      const noun = pickHash(NOUNS, seed, index, 'second-noun');
      const shapes = [
        `${phrase}: ${pickHash(SUBTITLES, seed, index, 'subtitle')}`,
        `${phrase.split(' ')[1]}'s ${noun}`,
        `${phrase} & ${noun}`,
        `${phrase}!`,
        `${phrase.split(' ')[1]}/${noun}`,
        `${phrase}... ${noun}?`,
      ];
      return { kind, title: pickHash(shapes, seed, index, 'shape') };
    }
    case 'leading-article':
      return {
        kind,
        title: `${pickHash(['The', 'A', 'An', 'The', 'Les', 'Die'], seed, index, 'article')} ${phrase}`,
      };
    case 'year-in-title': {
      const year = intHash(1950, 2049, seed, index, 'title-year');
      const shapes = [`${year}: ${phrase}`, `${phrase} ${year}`, `${phrase} (${year})`];
      return { kind, title: pickHash(shapes, seed, index, 'shape') };
    }
    case 'non-ascii': {
      const word = pickHash(NON_ASCII, seed, index, 'non-ascii');
      const shapes = [`${word}`, `${word} ${phrase.split(' ')[1]}`, `${phrase.split(' ')[0]} ${word}`];
      return { kind, title: pickHash(shapes, seed, index, 'shape') };
    }
    case 'alternative-title': {
      const [original, english] = pickHash(ORIGINALS, seed, index, 'original');
      const suffix = intHash(0, 3, seed, index, 'remake') === 0 ? '' : ` ${phrase.split(' ')[1]}`;
      return { kind, title: `${english}${suffix}`, originalTitle: `${original}${suffix}` };
    }
    case 'sequel':
      return { kind, title: `${phrase} ${pickHash(SEQUEL_MARKS, seed, index, 'sequel')}` };
  }
}
