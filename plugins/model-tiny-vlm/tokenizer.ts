/**
 * A word-level tokenizer with a character fallback, built from a dataset's
 * text and saved with every checkpoint.
 *
 * Why words, not characters or BPE: the prompts (docs/method.md#prompts) are long
 * fixed instructions (the thinking prompt alone is ~600 characters); as words
 * they are ~5x shorter sequences, which is what a CPU-trained model can
 * afford. Digits are single tokens by default ("3.1" -> "3" "." "1") so numeric
 * answers are composed, not memorised (`numbers: true` also grows whole
 * numbers, each then one token; a number the vocabulary lacks is still
 * written by its digits); every printable ASCII character is a
 * token, so any text (a teacher's chain of thought, a bbox JSON) encodes and
 * decodes back to itself exactly. The <think>/<answer> tags are single tokens.
 *
 * Pieces: a tag, a word of letters (or "_") with an optional leading space, a
 * number with an optional leading space, or one other character.
 */
export const SPECIAL_TOKENS = ['<pad>', '<bos>', '<eos>', '<user>', '<assistant>', '<image>', '<unk>'] as const;
export const TAG_TOKENS = ['<think>', '</think>', '<answer>', '</answer>'] as const;
type Special = (typeof SPECIAL_TOKENS)[number];

const PIECE = /<\/?(?:think|answer)>| ?[A-Za-z_]+| ?[0-9]+|[\s\S]/g;
/** A number piece: its leading space, its digits. */
const NUMBER = /^( ?)([0-9]+)$/;
const CHARS = ['\n', '\t', ...Array.from({ length: 95 }, (_, i) => String.fromCharCode(32 + i))];
const DIGITS = Array.from({ length: 10 }, (_, i) => [String(i), ` ${i}`]).flat();

/** How `build` and `extend` grow a vocabulary from text. */
export interface GrowOptions {
  /** Pieces seen fewer times are left to the characters (or digits) they are made of. */
  minCount?: number;
  /** Vocabulary size cap. */
  maxVocab?: number;
  /** Whole numbers of two or more digits become tokens too, like words (else every number is written a digit at a time). */
  numbers?: boolean;
}

export interface TokenizerJson {
  version: 1;
  tokens: string[];
}

export class Tokenizer {
  private readonly ids = new Map<string, number>();

  constructor(readonly tokens: string[]) {
    tokens.forEach((t, i) => this.ids.set(t, i));
    for (const s of SPECIAL_TOKENS) if (!this.ids.has(s)) throw new Error(`tokenizer: missing special token ${s}`);
  }

  /**
   * Build from text: specials, tags, characters and digits first, then words
   * seen at least `minCount` times, most frequent first (ties alphabetical),
   * up to `maxVocab` tokens in all. Same texts -> same vocabulary.
   */
  static build(texts: Iterable<string>, options: GrowOptions = {}): Tokenizer {
    return new Tokenizer([...new Set([...SPECIAL_TOKENS, ...TAG_TOKENS, ...CHARS, ...DIGITS])]).extend(texts, options);
  }

  /**
   * This vocabulary, then the words (and with `numbers`, the numbers) of `texts` it lacks (seen at least
   * `minCount` times, most frequent first, ties alphabetical) up to
   * `maxVocab` tokens in all: a pretrained model's tokenizer grown with a
   * dataset's words, every existing id unchanged.
   */
  extend(texts: Iterable<string>, { minCount = 2, maxVocab = 4096, numbers = false }: GrowOptions = {}): Tokenizer {
    const counts = new Map<string, number>();
    const grows = (piece: string) => /[A-Za-z_]/.test(piece) || (numbers && (NUMBER.exec(piece)?.[2]?.length ?? 0) >= 2);
    for (const text of texts)
      for (const piece of text.match(PIECE) ?? []) if (grows(piece) && !this.ids.has(piece)) counts.set(piece, (counts.get(piece) ?? 0) + 1);
    const words = [...counts]
      .filter(([, n]) => n >= minCount)
      .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
      .map(([w]) => w)
      .slice(0, Math.max(0, maxVocab - this.tokens.length));
    return new Tokenizer([...this.tokens, ...words]);
  }

  static fromJson(json: TokenizerJson): Tokenizer {
    if (json?.version !== 1 || !Array.isArray(json.tokens)) throw new Error('tokenizer.json: expected { version: 1, tokens: [...] }');
    return new Tokenizer(json.tokens);
  }

  toJson(): TokenizerJson {
    return { version: 1, tokens: this.tokens };
  }

  get size(): number {
    return this.tokens.length;
  }

  id(special: Special): number {
    return this.ids.get(special)!;
  }

  encode(text: string): number[] {
    const out: number[] = [];
    const unk = this.id('<unk>');
    for (const piece of text.match(PIECE) ?? []) {
      const id = this.ids.get(piece);
      if (id !== undefined) {
        out.push(id);
        continue;
      }
      const number = NUMBER.exec(piece);
      if (number) {
        // a number the vocabulary lacks: its digits, the first with its space
        const [, space, digits] = number as unknown as [string, string, string];
        for (const [i, digit] of [...digits].entries()) out.push(this.ids.get(i ? digit : space + digit) ?? unk);
        continue;
      }
      const bare = piece.startsWith(' ') ? this.ids.get(piece.slice(1)) : undefined;
      if (bare !== undefined) {
        out.push(this.ids.get(' ')!, bare);
        continue;
      }
      for (const char of piece) out.push(this.ids.get(char) ?? unk);
    }
    return out;
  }

  /** Text of the ids; specials other than the tags decode to nothing (<unk> to U+FFFD). */
  decode(ids: number[]): string {
    let text = '';
    for (const id of ids) {
      const token = this.tokens[id];
      if (token === undefined || token === '<unk>') text += '\uFFFD';
      else if (!(SPECIAL_TOKENS as readonly string[]).includes(token)) text += token;
    }
    return text;
  }
}
