"""Calls plugins/engine-trl/runner/ladder_rewards.py the way TRL's GRPOTrainer does.

Reads one JSON object on stdin:
  {"url", "ids", "token", "completions", "samples" (JSON texts), "mode": "identity" | "throughput", "batch", "rounds"}
identity: every reward function on the whole batch (half the completions in TRL's
conversational form); prints {"values": {id: [float hex]}, "requests": n}.
throughput: `rounds` batches of `batch` completions, each reward function called
per batch as TRL does; prints {"completions": n, "seconds": s, "requests": n}.
"""

import json
import os
import struct
import sys
import time

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "..", "..", "plugins", "engine-trl", "runner"))
from ladder_rewards import reward_functions  # noqa: E402

job = json.load(sys.stdin)
funcs = reward_functions(job["url"], job["ids"], token=job.get("token"), timeout=60.0)
client = funcs[0].client
completions, samples = job["completions"], job["samples"]


def hexes(values):
    return [struct.pack(">d", v).hex() for v in values]


if job["mode"] == "identity":
    # TRL passes conversational completions when the prompt is conversational; mix both forms
    given = [[{"role": "assistant", "content": c}] if i % 2 else c for i, c in enumerate(completions)]
    values = {}
    for reward_id, func in zip(job["ids"], funcs):
        out = func(prompts=None, completions=given, completion_ids=None, sample=samples, trainer_state=None)
        assert func.__name__ == f"reward_{reward_id}", func.__name__
        assert all(type(v) is float for v in out)
        values[reward_id] = hexes(out)
    print(json.dumps({"values": values, "requests": client.requests}))
else:
    batch, rounds = job["batch"], job["rounds"]
    n = len(completions)
    done = 0
    start = time.perf_counter()
    for r in range(rounds):
        lo = (r * batch) % n
        idx = [(lo + k) % n for k in range(batch)]
        # a distinct suffix per round, so no batch repeats a previous one
        cs = [completions[i] + (" " * (r % 2)) for i in idx]
        ss = [samples[i] for i in idx]
        for func in funcs:
            func(prompts=None, completions=cs, completion_ids=None, sample=ss)
        done += batch
    seconds = time.perf_counter() - start
    print(json.dumps({"completions": done, "seconds": seconds, "requests": client.requests}))
