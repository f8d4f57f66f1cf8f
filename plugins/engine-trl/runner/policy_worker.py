"""A Hugging Face VLM behind the framework's Policy interface: batched
generation with images through the model's processor.

    python policy_worker.py --model PATH_OR_HUB_ID [--min-pixels N] [--max-pixels N] [--batch-size 8]

Requests are JSON lines on stdin:
    {"id": 1, "inputs": [{"system": "...", "prompt": "...", "images": ["/abs/a.jpg", ...]}],
     "sampling": {"maxTokens": 128, "temperature": 0, "topP": 1, "seed": 7, "n": 1}}
Each is answered with one `@ladder` event line on stdout:
    {"event": "result", "id": 1, "generations": [[{"text": "...", "tokens": 12}], ...]}
or {"event": "error", "id": 1, "message": "..."}. Video frames come as images.
Temperature 0 is greedy; with sampling, the same seed gives the same text.
"""
import argparse
import json
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ladder_hf import device_settings, emit, load_model, load_processor, vision_token_ids, watch_parent  # noqa: E402


def messages_of(item):
    content = [{"type": "image"} for _ in item.get("images") or []]
    content.append({"type": "text", "text": item["prompt"]})
    messages = [{"role": "system", "content": [{"type": "text", "text": item["system"]}]}] if item.get("system") else []
    return messages + [{"role": "user", "content": content}]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--model", required=True)
    p.add_argument("--min-pixels", type=int)
    p.add_argument("--max-pixels", type=int)
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--attn", help="attn_implementation: sdpa, eager, flash_attention_2")
    a = p.parse_args()
    watch_parent()

    import torch
    from PIL import Image

    device, dtype, _ = device_settings()
    processor = load_processor(a.model, a.min_pixels, a.max_pixels)
    processor.tokenizer.padding_side = "left"
    model = load_model(a.model, dtype, a.attn).to(device).eval()
    suppress = vision_token_ids(processor.tokenizer)
    emit("ready", device=device, dtype=str(dtype).replace("torch.", ""), parameters=sum(x.numel() for x in model.parameters()))

    for line in sys.stdin:
        if not line.strip():
            continue
        request = json.loads(line)
        try:
            sampling = request["sampling"]
            n = int(sampling.get("n") or 1)
            greedy = float(sampling.get("temperature", 0)) == 0
            generations = []
            inputs = request["inputs"]
            for start in range(0, len(inputs), a.batch_size):
                batch = inputs[start : start + a.batch_size]
                texts = [processor.apply_chat_template(messages_of(item), add_generation_prompt=True) for item in batch]
                images = [[Image.open(path).convert("RGB") for path in item.get("images") or []] for item in batch]
                encoded = processor(text=texts, images=images if any(images) else None, padding=True, return_tensors="pt").to(device)
                torch.manual_seed(int(sampling.get("seed", 0)) + start)
                with torch.no_grad():
                    out = model.generate(
                        **encoded,
                        max_new_tokens=int(sampling["maxTokens"]),
                        do_sample=not greedy,
                        temperature=None if greedy else float(sampling["temperature"]),
                        top_p=None if greedy else float(sampling.get("topP", 1.0)),
                        top_k=None,
                        num_return_sequences=n,
                        suppress_tokens=suppress or None,
                        pad_token_id=processor.tokenizer.pad_token_id,
                    )
                completions = out[:, encoded["input_ids"].shape[1] :]
                eos = set(model.generation_config.eos_token_id if isinstance(model.generation_config.eos_token_id, list) else [model.generation_config.eos_token_id])
                for row in range(len(batch)):
                    group = []
                    for k in range(n):
                        ids = completions[row * n + k].tolist()
                        length = next((i for i, t in enumerate(ids) if t in eos or t == processor.tokenizer.pad_token_id), len(ids))
                        group.append({"text": processor.tokenizer.decode(ids[:length], skip_special_tokens=True), "tokens": length})
                    generations.append(group)
            emit("result", id=request["id"], generations=generations)
        except Exception as error:  # a bad row (a missing image) fails its request, not the worker
            emit("error", id=request.get("id"), message=f"{type(error).__name__}: {error}")


if __name__ == "__main__":
    main()
