"""One curriculum stage on TRL: SFTTrainer (sft, cold-start) or GRPOTrainer
(grpo), launched by the framework with `accelerate launch train.py JOB.json`.

The job file (written by plugins/engine-trl/stages.ts) names the model (a hub
id or a folder), the stage's rows (TRL's conversational format with image
paths: lib/formats), the output folders, the TRL settings, and for GRPO the
reward server. Metrics go to the framework as `@ladder` event lines with the
embedded stages' keys; TRL's own checkpoints (optimizer, scheduler, RNG
states, data position) are written to `output_dir/checkpoint-<step>` and a
resumed job continues from the newest. The final model is saved with
save_pretrained, with its tokenizer, image processor and chat template, into
`final_dir` (written beside it and renamed when complete).
"""
import math
import os
import shutil
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from ladder_hf import device_settings, emit, load_model, load_processor, read_json, vision_token_ids, watch_parent  # noqa: E402


def load_rows(path):
    """The stage's rows with their image paths opened as images (lazily, by `datasets`)."""
    from datasets import Image, List, load_dataset

    dataset = load_dataset("json", data_files=path, split="train")
    return dataset.cast_column("images", List(Image()))


# TRL's log keys -> the embedded stages' metric names (metrics.jsonl)
RENAMES = {
    "learning_rate": "lr",
    "reward": "reward_mean",
    "completions/mean_length": "completion_length",
}


def ladder_metrics(logs):
    out = {}
    for key, value in logs.items():
        if not isinstance(value, (int, float)):
            continue
        if key in RENAMES:
            out[RENAMES[key]] = value
        elif key.startswith("rewards/reward_") and key.endswith("/mean"):
            out[key[len("rewards/"):-len("/mean")]] = value  # rewards/reward_format/mean -> reward_format
        elif key in ("loss", "grad_norm", "reward_std", "kl", "entropy", "epoch", "num_tokens", "mean_token_accuracy", "frac_reward_zero_std", "clip_ratio/region_mean"):
            out[key.replace("/", "_")] = value
    return out


def make_callback(device):
    from transformers import TrainerCallback

    class LadderCallback(TrainerCallback):
        """Streams TRL's logs to the framework, rank 0 only."""

        def on_train_begin(self, args, state, control, **kwargs):
            self.last_time = time.time()
            self.last_tokens = None
            if state.is_world_process_zero:
                emit("start", step=state.global_step, total=state.max_steps, world=args.world_size)
                # a resumed run: the steps its checkpoint logged, for those the killed framework never read
                for logs in state.log_history:
                    if "step" in logs and "train_runtime" not in logs:
                        metrics = ladder_metrics(logs)
                        metrics.pop("num_tokens", None)
                        emit("step", step=logs["step"], total=state.max_steps, backend=f"trl/{device}", replay=True, **metrics)

        def on_log(self, args, state, control, logs=None, **kwargs):
            if not state.is_world_process_zero or not logs:
                return
            if "train_runtime" in logs:
                emit("summary", step=state.global_step, **{k: v for k, v in logs.items() if isinstance(v, (int, float))})
                return
            metrics = ladder_metrics(logs)
            now = time.time()
            tokens = metrics.pop("num_tokens", None)
            if tokens is not None:
                # a fresh start counts from zero; after a resume the first log has no baseline
                before = self.last_tokens if self.last_tokens is not None else (0 if state.global_step <= args.logging_steps else None)
                if before is not None:
                    metrics["tokens"] = tokens - before
                    if now > self.last_time:
                        metrics["tokens_per_s"] = (tokens - before) / (now - self.last_time)
                self.last_tokens = tokens
            self.last_time = now
            emit("step", step=state.global_step, total=state.max_steps, backend=f"trl/{device}", **metrics)

        def on_save(self, args, state, control, **kwargs):
            if state.is_world_process_zero:
                emit("checkpoint", step=state.global_step)

    return LadderCallback()


def latest_checkpoint(output_dir):
    """The newest complete `checkpoint-<step>`: its trainer_state.json, written last, reads back.
    Newer ones a kill left half-written are removed."""
    import json
    import re

    if not os.path.isdir(output_dir):
        return None
    steps = sorted((int(m.group(1)), name) for name in os.listdir(output_dir) if (m := re.fullmatch(r"checkpoint-(\d+)", name)))
    for _, name in reversed(steps):
        path = os.path.join(output_dir, name)
        try:
            with open(os.path.join(path, "trainer_state.json"), encoding="utf-8") as f:
                json.load(f)
            return path
        except (OSError, ValueError):
            shutil.rmtree(path, ignore_errors=True)
    return None


def save_final(trainer, processor, final_dir):
    """save_pretrained into a temporary folder beside `final_dir`, then rename (rank 0)."""
    temp = f"{final_dir}.tmp-{os.getpid()}"
    trainer.save_model(temp)  # gathers ZeRO-3 shards; writes on the main process
    if trainer.accelerator.is_main_process:
        processor.save_pretrained(temp)
        if os.path.isdir(final_dir):
            shutil.rmtree(final_dir)
        os.replace(temp, final_dir)
    trainer.accelerator.wait_for_everyone()


def main():
    job = read_json(sys.argv[1])
    watch_parent()
    kind = job["kind"]
    import torch

    device, half, precision = device_settings()
    pixels = job.get("pixels") or {}
    processor = load_processor(job["model"], pixels.get("min"), pixels.get("max"))
    resume = latest_checkpoint(job["output_dir"]) if job.get("resume") else None
    dataset = load_rows(job["train_file"])
    options = dict(job["options"])
    common = dict(
        output_dir=job["output_dir"],
        seed=job["seed"],
        # float32 weights, computed in bf16/fp16 by autocast: the optimizer's updates at lr 1e-5 and 1e-6 are
        # far below bf16's resolution and would round away on bf16 weights
        bf16=precision == "bf16",
        fp16=precision == "fp16",
        # without CUDA, several processes run on gloo only when the Trainer is told it runs on the CPU
        use_cpu=device == "cpu",
        report_to="none",
        logging_steps=1,
        save_strategy="steps",
        disable_tqdm=True,
        dataloader_num_workers=0,
        remove_unused_columns=False,
    )
    callback = make_callback(device)
    # The config exists before the model is loaded: with DeepSpeed ZeRO-3 its creation makes from_pretrained
    # load each rank's partition only, instead of the whole model on every rank.
    if kind == "sft":
        from trl import SFTConfig, SFTTrainer

        config = SFTConfig(**common, completion_only_loss=True, **options)
    elif kind == "grpo":
        from trl import GRPOConfig

        rewards = job["rewards"]
        generation = {"suppress_tokens": vision_token_ids(processor.tokenizer)}
        generation.update(options.pop("generation_kwargs", {}) or {})
        attn = {"attn_implementation": job["attn_implementation"]} if job.get("attn_implementation") else {}
        # how TRL loads the frozen reference: in the half dtype, it is never trained
        reference = dict(dtype=str(half).replace("torch.", ""), **attn)
        config = GRPOConfig(**common, reward_weights=rewards["weights"], generation_kwargs=generation, model_init_kwargs=reference, **options)
    else:
        raise SystemExit(f"unknown stage kind {kind!r}")
    # The weights come from the checkpoint through from_pretrained, which maps saved key names to the model's:
    # the Trainer's own resume loads the state dict as saved and, for Qwen2.5-VL in transformers 5.17, matches
    # no key (it warns and trains on from the base weights). Optimizer, scheduler, RNG and data position still
    # come from the Trainer's resume below.
    model = load_model(resume or job["model"], torch.float32, job.get("attn_implementation"))
    model.config.use_cache = False
    if kind == "sft":
        trainer = SFTTrainer(model=model, args=config, train_dataset=dataset, processing_class=processor, callbacks=[callback])
    else:
        from ladder_rewards import reward_functions
        from trl import GRPOTrainer

        # TRL loads the KL reference from the policy's `_name_or_path`: the stage's starting model, also when
        # the policy itself was resumed from a step checkpoint of this stage
        model.config._name_or_path = job["model"]
        functions = reward_functions(rewards["url"], rewards["ids"], rewards.get("token"))
        trainer = GRPOTrainer(model=model, reward_funcs=functions, args=config, train_dataset=dataset, processing_class=processor, callbacks=[callback])
        if trainer.ref_model is not None:
            emit("reference", model=job["model"], dtype=reference["dtype"])

    if resume:
        emit("resume", checkpoint=resume)
    result = trainer.train(resume_from_checkpoint=resume)
    save_final(trainer, processor, job["final_dir"])
    if trainer.accelerator.is_main_process:
        metrics = {k: v for k, v in result.metrics.items() if isinstance(v, (int, float)) and math.isfinite(v)}
        history = [{"step": h["step"], **ladder_metrics(h)} for h in trainer.state.log_history if "loss" in h and "step" in h]
        emit("done", step=trainer.state.global_step, metrics=metrics, history=history)


if __name__ == "__main__":
    main()
