"""A randomly initialised Qwen2.5-VL small enough to train on a CPU in tests,
with a byte-level BPE tokenizer trained on the given texts (Qwen's special
tokens at ids 0-21), a chat template in Qwen's format and the PIL image
processor, saved with save_pretrained so `from_pretrained` loads it exactly
like a hub checkpoint.

    python tiny_model.py --texts texts.jsonl --out DIR [--seed 0] [--vocab 2000] [--hidden 128] ...
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ladder_hf import QWEN_SPECIAL_TOKENS, emit  # noqa: E402

# Qwen's chat format: <|im_start|>role\ncontent<|im_end|>\n, images as
# <|vision_start|><|image_pad|><|vision_end|>, the default system prompt when none is given.
CHAT_TEMPLATE = (
    "{%- for message in messages -%}"
    "{%- if loop.first and message.role != 'system' -%}"
    "{{- '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' -}}"
    "{%- endif -%}"
    "{{- '<|im_start|>' + message.role + '\\n' -}}"
    "{%- if message.content is string -%}{{- message.content -}}"
    "{%- else -%}{%- for part in message.content -%}"
    "{%- if part.type == 'image' -%}{{- '<|vision_start|><|image_pad|><|vision_end|>' -}}"
    "{%- elif part.type == 'video' -%}{{- '<|vision_start|><|video_pad|><|vision_end|>' -}}"
    "{%- elif part.type == 'text' -%}{{- part.text -}}"
    "{%- endif -%}{%- endfor -%}{%- endif -%}"
    "{{- '<|im_end|>\\n' -}}"
    "{%- endfor -%}"
    "{%- if add_generation_prompt -%}{{- '<|im_start|>assistant\\n' -}}{%- endif -%}"
)


def mrope_section(head_dim):
    """Qwen2.5-VL splits the rotary half-dimension into (time, height, width) sections, 1:1.5:1.5 (16, 24, 24 at 128)."""
    half = head_dim // 2
    t = half // 4
    h = (half - t) // 2
    return [t, h, half - t - h]


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--texts", required=True, help="JSON Lines, one string per line: the text the tokenizer learns from")
    p.add_argument("--out", required=True)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--vocab", type=int, default=2000)
    p.add_argument("--hidden", type=int, default=256)
    p.add_argument("--layers", type=int, default=2)
    p.add_argument("--heads", type=int, default=4)
    p.add_argument("--kv-heads", type=int, default=2)
    p.add_argument("--intermediate", type=int, default=512)
    p.add_argument("--vision-hidden", type=int, default=64)
    p.add_argument("--vision-depth", type=int, default=2)
    p.add_argument("--vision-heads", type=int, default=2)
    p.add_argument("--min-pixels", type=int, default=12544)
    p.add_argument("--max-pixels", type=int, default=100352)
    a = p.parse_args()

    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import GenerationConfig, PreTrainedTokenizerFast, Qwen2_5_VLConfig, Qwen2_5_VLForConditionalGeneration
    from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

    with open(a.texts, encoding="utf-8") as f:
        texts = [json.loads(line) for line in f if line.strip()]
    # the chat scaffolding the template writes around every prompt
    texts += ["system\nYou are a helpful assistant.\nuser\nassistant\n"] * 8

    bpe = Tokenizer(models.BPE())
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=a.vocab, special_tokens=QWEN_SPECIAL_TOKENS, initial_alphabet=pre_tokenizers.ByteLevel.alphabet(), show_progress=False)
    bpe.train_from_iterator(texts, trainer)
    ids = {t: bpe.token_to_id(t) for t in QWEN_SPECIAL_TOKENS}
    assert [ids[t] for t in QWEN_SPECIAL_TOKENS] == list(range(len(QWEN_SPECIAL_TOKENS))), "special tokens must take ids 0-21"
    tokenizer = PreTrainedTokenizerFast(
        tokenizer_object=bpe,
        eos_token="<|im_end|>",
        pad_token="<|endoftext|>",
        additional_special_tokens=QWEN_SPECIAL_TOKENS[1:2] + QWEN_SPECIAL_TOKENS[3:],
        model_max_length=32768,
    )
    tokenizer.chat_template = CHAT_TEMPLATE

    head_dim = a.hidden // a.heads
    config = Qwen2_5_VLConfig(
        text_config=dict(
            vocab_size=bpe.get_vocab_size(),
            hidden_size=a.hidden,
            intermediate_size=a.intermediate,
            num_hidden_layers=a.layers,
            num_attention_heads=a.heads,
            num_key_value_heads=a.kv_heads,
            max_position_embeddings=32768,
            rope_parameters={"rope_type": "default", "rope_theta": 1000000.0, "mrope_section": mrope_section(head_dim)},
            bos_token_id=ids["<|endoftext|>"],
            eos_token_id=ids["<|im_end|>"],
            pad_token_id=ids["<|endoftext|>"],
        ),
        vision_config=dict(
            depth=a.vision_depth,
            hidden_size=a.vision_hidden,
            intermediate_size=2 * a.vision_hidden,
            num_heads=a.vision_heads,
            out_hidden_size=a.hidden,
            fullatt_block_indexes=[a.vision_depth - 1],
            window_size=112,
            patch_size=14,
            spatial_merge_size=2,
            temporal_patch_size=2,
        ),
        image_token_id=ids["<|image_pad|>"],
        video_token_id=ids["<|video_pad|>"],
        vision_start_token_id=ids["<|vision_start|>"],
        vision_end_token_id=ids["<|vision_end|>"],
        tie_word_embeddings=True,
    )
    torch.manual_seed(a.seed)
    model = Qwen2_5_VLForConditionalGeneration(config)
    model.generation_config = GenerationConfig(
        bos_token_id=ids["<|endoftext|>"],
        eos_token_id=[ids["<|im_end|>"], ids["<|endoftext|>"]],
        pad_token_id=ids["<|endoftext|>"],
        do_sample=True,
        temperature=1.0,
        top_p=1.0,
    )
    image_processor = Qwen2VLImageProcessorPil(min_pixels=a.min_pixels, max_pixels=a.max_pixels, patch_size=14, temporal_patch_size=2, merge_size=2)

    os.makedirs(a.out, exist_ok=True)
    model.save_pretrained(a.out)
    tokenizer.save_pretrained(a.out)
    image_processor.save_pretrained(a.out)
    parameters = sum(p.numel() for p in model.parameters())
    emit("done", out=a.out, parameters=parameters, vocab=bpe.get_vocab_size(), hidden=a.hidden, layers=a.layers)


if __name__ == "__main__":
    main()
