import test from 'ava';
import { Tokenizer } from '../../../plugins/model-tiny-vlm/tokenizer.ts';
import { THINK_POST_PROMPT, THINK_PROMPT } from '../../../lib/prompts/index.ts';

const corpus = [THINK_PROMPT, THINK_POST_PROMPT.choice, 'How many chair(s) appear?', 'How many chair(s) appear?', 'the table the table'];
const tk = Tokenizer.build(corpus);

test('encode/decode round-trips prompts, numbers, bbox JSON and chains of thought exactly', (t) => {
  for (const text of [
    THINK_PROMPT,
    '[{"bbox_2d": [12, 340, 56, 78], "label": "chair"}]',
    '<think>Let me think. The sofa is 2.4 m away; wait...</think>\n<answer>B</answer>',
    'Unseen wordz\tand\nnewlines 3.1',
  ])
    t.is(tk.decode(tk.encode(text)), text);
});

test('digits are single tokens, tags are single tokens, frequent words are whole tokens', (t) => {
  t.deepEqual(tk.encode('3.14').map((id) => tk.tokens[id]), ['3', '.', '1', '4']);
  t.deepEqual(tk.encode('<think>x</think><answer>A</answer>').map((id) => tk.tokens[id]), ['<think>', 'x', '</think>', '<answer>', 'A', '</answer>']);
  t.deepEqual(tk.encode('How many chair').map((id) => tk.tokens[id]), ['How', ' many', ' chair']);
  // "wordz" appears nowhere: spelled by characters
  t.deepEqual(tk.encode(' wordz').map((id) => tk.tokens[id]), [' ', 'w', 'o', 'r', 'd', 'z']);
});

test('the vocabulary depends only on the text and is saved and restored exactly', (t) => {
  t.deepEqual(Tokenizer.build(corpus).tokens, tk.tokens);
  t.deepEqual(Tokenizer.fromJson(JSON.parse(JSON.stringify(tk.toJson()))).tokens, tk.tokens);
  t.is(tk.decode(tk.encode('é')), '\uFFFD');
  t.throws(() => Tokenizer.fromJson({ version: 2 } as never), { message: /version: 1/ });
});

test('numbers: whole tokens when the vocabulary grew them, else their digits exactly as before', (t) => {
  const answers = ['202 cm', 'a 202 door', '[138,44,190,84]', '[138,4,19,84]', '7 x 14.5'];
  const digits = Tokenizer.build(answers, { minCount: 1 });
  const whole = Tokenizer.build(answers, { minCount: 1, numbers: true });
  const pieces = (tok: Tokenizer, text: string) => tok.encode(text).map((id) => tok.tokens[id]);
  t.deepEqual(pieces(digits, 'a 202 door'), ['a', ' 2', '0', '2', ' door']);
  t.deepEqual(pieces(whole, 'a 202 door'), ['a', ' 202', ' door']);
  t.deepEqual(pieces(whole, '[138,44,19,84]'), ['[', '138', ',', '44', ',', '19', ',', '84', ']']);
  // one digit stays a digit token; a number never seen is spelled as before
  t.deepEqual(pieces(whole, '7 x 14.5'), ['7', ' x', ' 14', '.', '5']);
  t.deepEqual(pieces(whole, ' 9031'), [' 9', '0', '3', '1']);
  t.is(whole.decode(whole.encode('[138,44,190,84] 9031 14.5')), '[138,44,190,84] 9031 14.5');
  t.false(digits.tokens.some((token) => /[0-9]{2}/.test(token)));
});
