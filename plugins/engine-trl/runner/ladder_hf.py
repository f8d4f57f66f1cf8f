"""What the engine-trl runners share: talking to the framework, the device,
and loading a Qwen2-VL-family model with its processor.

Events go to stdout as single lines `@ladder {json}`; everything else a
library prints is log text. The framework sets LADDER_PARENT_PID: when that
process disappears (killed with SIGKILL, so it could not forward a signal)
the runner stops too, instead of training on as an orphan.
"""
import json
import os
import signal
import sys
import threading
import time

EVENT_PREFIX = "@ladder "

# Qwen2-VL / Qwen2.5-VL special tokens, in the order of their ids in Qwen's vocabulary.
QWEN_SPECIAL_TOKENS = [
    "<|endoftext|>", "<|im_start|>", "<|im_end|>", "<|object_ref_start|>", "<|object_ref_end|>",
    "<|box_start|>", "<|box_end|>", "<|quad_start|>", "<|quad_end|>", "<|vision_start|>",
    "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>", "<tool_call>",
    "</tool_call>", "<|fim_prefix|>", "<|fim_middle|>", "<|fim_suffix|>", "<|fim_pad|>",
    "<|repo_name|>", "<|file_sep|>",
]
# Never sampled: a completion holding one of these breaks the next forward pass
# ("Image features and image tokens do not match").
VISION_TOKENS = ["<|vision_start|>", "<|vision_end|>", "<|vision_pad|>", "<|image_pad|>", "<|video_pad|>"]


def emit(event, **fields):
    """One event line for the framework."""
    sys.stdout.write(EVENT_PREFIX + json.dumps({"event": event, **fields}, allow_nan=True) + "\n")
    sys.stdout.flush()


def watch_parent():
    pid = int(os.environ.get("LADDER_PARENT_PID", "0") or 0)
    if not pid:
        return

    def loop():
        while True:
            time.sleep(1.0)
            try:
                os.kill(pid, 0)
            except ProcessLookupError:
                os.kill(os.getpid(), signal.SIGTERM)
                time.sleep(5.0)
                os._exit(143)
            except PermissionError:
                pass

    threading.Thread(target=loop, name="ladder-parent-watch", daemon=True).start()


def device_settings():
    """(device, half dtype, mixed precision): on CUDA bf16 where the GPU computes
    it natively (Ampere and newer), else fp16; on the CPU float32 and none.
    The half dtype is for models that only answer (the policy worker, GRPO's
    frozen reference); trained weights stay float32 under autocast."""
    import torch

    if torch.cuda.is_available():
        # not bf16 emulated in float32 (a V100 or T4 "supports" it that way, many times slower)
        if torch.cuda.is_bf16_supported(including_emulation=False):
            return "cuda", torch.bfloat16, "bf16"
        return "cuda", torch.float16, "fp16"
    return "cpu", torch.float32, None


def _image_only(processor_class):
    class ImageOnlyProcessor(processor_class):
        """The model's processor without its video processor, which needs
        torchvision (absent from CPU installs): video reaches the model as frames."""

        def check_argument_for_proper_class(self, argument_name, argument):
            if argument_name == "video_processor" and argument is None:
                return None
            return super().check_argument_for_proper_class(argument_name, argument)

        def save_pretrained(self, save_directory, **kwargs):
            # what from_pretrained reads back: the tokenizer (with the chat template) and the image processor
            self.tokenizer.save_pretrained(save_directory)
            self.image_processor.save_pretrained(save_directory)
            return []

    return ImageOnlyProcessor


def load_processor(path, min_pixels=None, max_pixels=None):
    """The model's processor as `AutoProcessor` gives it, or, without
    torchvision, the same processor class built from the PIL image processor
    and the tokenizer. `min_pixels`/`max_pixels` set the image budget."""
    import importlib.util

    from transformers import AutoConfig, AutoProcessor, AutoTokenizer

    budget = {k: v for k, v in (("min_pixels", min_pixels), ("max_pixels", max_pixels)) if v}
    if importlib.util.find_spec("torchvision") is not None:
        processor = AutoProcessor.from_pretrained(path, **budget)
    else:
        from transformers.models.qwen2_vl.image_processing_pil_qwen2_vl import Qwen2VLImageProcessorPil

        model_type = AutoConfig.from_pretrained(path).model_type
        if model_type == "qwen2_5_vl":
            from transformers import Qwen2_5_VLProcessor as base
        elif model_type == "qwen2_vl":
            from transformers import Qwen2VLProcessor as base
        else:
            raise SystemExit(f"{path}: model type {model_type!r}: without torchvision only Qwen2-VL and Qwen2.5-VL processors can be built (install torchvision)")
        tokenizer = AutoTokenizer.from_pretrained(path)
        image_processor = Qwen2VLImageProcessorPil.from_pretrained(path, **budget)
        processor = _image_only(base)(image_processor=image_processor, tokenizer=tokenizer, video_processor=None, chat_template=tokenizer.chat_template)
    if budget:
        # the budget of the dataset's images: they are already resized to it, so the processor keeps them as they are
        for key, value in budget.items():
            setattr(processor.image_processor, key, value)
        if hasattr(processor.image_processor, "size") and isinstance(processor.image_processor.size, dict):
            processor.image_processor.size = {"shortest_edge": budget.get("min_pixels", processor.image_processor.size.get("shortest_edge")), "longest_edge": budget.get("max_pixels", processor.image_processor.size.get("longest_edge"))}
    return processor


def vision_token_ids(tokenizer):
    vocab = tokenizer.get_vocab()
    return [vocab[t] for t in VISION_TOKENS if t in vocab]


def load_model(path, dtype, attn_implementation=None):
    from transformers import AutoModelForImageTextToText

    extra = {"attn_implementation": attn_implementation} if attn_implementation else {}
    return AutoModelForImageTextToText.from_pretrained(path, dtype=dtype, **extra)


def read_json(path):
    with open(path, encoding="utf-8") as f:
        return json.load(f)
