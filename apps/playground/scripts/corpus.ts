/**
 * The playground language model's training text: sentences drawn from a small seeded grammar about sequences,
 * tokens and attention, so the repository ships its own text (no download, no licence question) and a tiny
 * character-level model can learn its spelling and word order in a few minutes on the CPU.
 */
// mulberry32 (seededRandom): the corpus must be the same on every machine.
import { seededRandom } from '@tost/models';

const WORDS: Record<string, string[]> = {
  subject: [
    'the model',
    'the layer',
    'each head',
    'the attention',
    'a long sequence',
    'every token',
    'the small network',
    'the browser',
    'the statistics',
    'the student',
  ],
  verb: [
    'reads',
    'keeps',
    'counts',
    'compresses',
    'weighs',
    'follows',
    'learns',
    'streams',
    'measures',
    'remembers',
  ],
  object: [
    'the tokens',
    'a few numbers',
    'the second moment',
    'every subspace',
    'the whole page',
    'the next word',
    'its own memory',
    'the path',
    'a quiet signal',
    'the old story',
  ],
  manner: [
    'in linear time',
    'one step at a time',
    'without a square matrix',
    'with a gentle gain',
    'as the text grows',
    'from left to right',
    'in the browser',
    'before the night ends',
  ],
  connector: ['and then', 'while', 'so that', 'because', 'but'],
};

function pick(random: () => number, list: readonly string[]): string {
  return list[Math.floor(random() * list.length)]!;
}

function clause(random: () => number): string {
  const parts = [pick(random, WORDS.subject!), pick(random, WORDS.verb!), pick(random, WORDS.object!)];
  if (random() < 0.6) parts.push(pick(random, WORDS.manner!));
  return parts.join(' ');
}

/** `sentences` sentences of one or two clauses, capitalised, each ending in a full stop and a space. */
export function generateCorpus(sentences: number, seed = 1): string {
  const random = seededRandom(seed);
  const out: string[] = [];
  for (let i = 0; i < sentences; i++) {
    let s = clause(random);
    if (random() < 0.4) s += ` ${pick(random, WORDS.connector!)} ${clause(random)}`;
    out.push(`${s[0]!.toUpperCase()}${s.slice(1)}.`);
  }
  return out.join(' ') + '\n';
}
