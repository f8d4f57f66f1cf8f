"""The plain-TRL baseline of `npm run bench -- engine`: SFTTrainer on the rows
the ladder's TRL stage wrote (same file, same model, same settings, same
seed), as a user would write it without the framework. Prints one JSON line:
{"tokens": ..., "train_runtime": ..., "steps": ...}.

    accelerate launch --num_processes 1 trl_sft_plain.py JOB.json
"""
import json
import os
import sys

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "plugins", "engine-trl", "runner"))
from ladder_hf import device_settings, load_processor  # noqa: E402  the same processor (image-only without torchvision), the same precision


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        job = json.load(f)
    import torch
    from datasets import Image, List, load_dataset
    from transformers import AutoModelForImageTextToText
    from trl import SFTConfig, SFTTrainer

    processor = load_processor(job["model"], job["pixels"]["min"], job["pixels"]["max"])
    # TRL's SFTConfig defaults to bf16=True, which autocasts on CPUs with bf16 support; the stage trains
    # in float32 on the CPU and in bf16 on GPUs that support it: compare at the same precision
    _, dtype, bf16 = device_settings()
    model = AutoModelForImageTextToText.from_pretrained(job["model"], dtype=dtype)
    rows = load_dataset("json", data_files=job["train_file"], split="train").cast_column("images", List(Image()))
    args = SFTConfig(
        output_dir=sys.argv[2],
        seed=job["seed"],
        use_cpu=not torch.cuda.is_available(),
        bf16=bf16,
        report_to="none",
        logging_steps=1,
        save_strategy="no",
        disable_tqdm=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
        completion_only_loss=True,
        **{k: v for k, v in job["options"].items() if k not in ("save_steps", "save_total_limit")},
    )
    trainer = SFTTrainer(model=model, args=args, train_dataset=rows, processing_class=processor)
    result = trainer.train()
    trainer.save_model(sys.argv[2])  # as the ladder's stage does: the trained model on disk
    processor.save_pretrained(sys.argv[2])
    tokens = max((h.get("num_tokens", 0) for h in trainer.state.log_history), default=0)
    print(json.dumps({"tokens": tokens, "train_runtime": result.metrics["train_runtime"], "steps": trainer.state.global_step}))


if __name__ == "__main__":
    main()
