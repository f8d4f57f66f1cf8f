"""PyTorch anchor for `npm run bench -- train`.

The same tiny VLM as plugins/model-tiny-vlm (same parameters, same initial
weights, same packed batches), written the way a PyTorch user would: dense
layers on the packed rows, attention with scaled_dot_product_attention on
the sequences padded to the longest, AdamW and gradient clipping from
torch. Generation uses the same algorithm as tiny-vlm (prompt keys and
values computed once and shared by the prompt's rows, a preallocated cache
for the generated tokens, plain multinomial sampling at top-p 1, rows
stopping at <eos>), on the initial weights.

    python bench/torch_anchor.py EXCHANGE.bin

EXCHANGE.bin is a safetensors file written by bench/train.ts: every parameter
and the batches, and in its metadata the model config and batch layouts. Commands arrive as JSON lines on stdin, answers leave as JSON lines
on stdout: {"cmd": "loss"} (mean NLL of SFT batch 0, no update),
{"cmd": "sft", "steps": k} (k optimizer steps on the next batches),
{"cmd": "rollout"} (generate), {"cmd": "quit"}. One thread.
"""

import json
import math
import struct
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(1)
EPS = 1e-6


def read_tensor_file(path):
    """A safetensors file of F32 tensors; the bench's description is the JSON in metadata["bench"]."""
    with open(path, "rb") as f:
        data = f.read()
    (length,) = struct.unpack_from("<Q", data, 0)
    header = json.loads(data[8 : 8 + length])
    body = torch.frombuffer(bytearray(data[8 + length :]), dtype=torch.float32)
    meta = json.loads(header.pop("__metadata__")["bench"])
    tensors = {name: body[t["data_offsets"][0] // 4 : t["data_offsets"][1] // 4].clone().reshape(t["shape"]) for name, t in header.items()}
    return meta, tensors


def rms_norm(x, gain):
    return x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + EPS) * gain


class Model:
    def __init__(self, config, vocab, tensors, names):
        self.c = config
        self.vocab = vocab
        self.p = {n: tensors["param/" + n].clone().requires_grad_(True) for n in names}
        # rollouts use the initial weights, as tiny-vlm's side does
        self.frozen = {n: tensors["param/" + n].clone() for n in names}
        self.heads = config["heads"]
        self.dh = config["dim"] // self.heads

    def vision(self, pixels, images, p=None):
        c, p = self.c, p or self.p
        patches = (c["image"]["width"] // c["image"]["patch"]) * (c["image"]["height"] // c["image"]["patch"])
        x = pixels @ p["vision.patch"]
        x = (x.view(images, patches, -1) + p["vision.pos"]).view(images * patches, -1)
        x = rms_norm(x, p["vision.norm"]).view(images * patches // 4, -1)
        x = torch.relu(x @ p["vision.merge1"]) @ p["vision.merge2"]
        return (x.view(images, patches // 4, -1) + p["vision.slot"]).view(images * patches // 4, -1)

    def embed(self, b, p=None):
        p = p or self.p
        table = p["embed"]
        if b["images"]:
            table = torch.cat([table, self.vision(b["pixels"], b["images"], p)], 0)
        return table[b["table"]] + p["pos"][b["positions"]]

    def qkv_heads(self, h, l, p=None):
        p = p or self.p
        qkv = rms_norm(h, p[f"l{l}.norm1"]) @ p[f"l{l}.qkv"]
        return qkv.split(self.c["dim"], -1)

    def mlp(self, h, l, attended, p=None):
        p = p or self.p
        h = h + attended @ p[f"l{l}.out"]
        return h + torch.relu(rms_norm(h, p[f"l{l}.norm2"]) @ p[f"l{l}.up"]) @ p[f"l{l}.down"]

    def padded(self, x, b):
        """Packed rows [N, D] -> sequences [B, H, T, dh] (zeros after each sequence's end)."""
        B, T = b["pad_index"].shape
        out = x.new_zeros(B * T, x.shape[-1])
        out[b["pad_flat"]] = x
        return out.view(B, T, self.heads, self.dh).transpose(1, 2)

    def trunk(self, b):
        h = self.embed(b)
        for l in range(self.c["layers"]):
            q, k, v = (self.padded(t, b) for t in self.qkv_heads(h, l))
            o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            o = o.transpose(1, 2).reshape(-1, self.c["dim"])[b["pad_flat"]]
            h = self.mlp(h, l, o)
        return rms_norm(h, self.p["final.norm"])

    def nll(self, b):
        logits = self.trunk(b)[b["rows"]] @ self.p["head"]
        return F.cross_entropy(logits, b["targets"], reduction="sum")


def sft_batch(meta, tensors, i):
    m = meta["sft"][i]
    g = lambda k: tensors[f"sft{i}/{k}"]
    b = {
        "table": g("table").long(),
        "positions": g("positions").long(),
        "images": m["images"],
        "pixels": g("pixels") if m["images"] else None,
        "rows": g("rows").long(),
        "targets": g("targets").long(),
        "tokens": len(g("table")),
    }
    lengths = [s["length"] for s in m["segments"]]
    T = max(lengths)
    pad_flat = torch.cat([torch.arange(s["length"]) + j * T for j, s in enumerate(m["segments"])])
    b["pad_index"] = torch.zeros(len(lengths), T)
    b["pad_flat"] = pad_flat
    return b


@torch.no_grad()
def rollout(model, meta, tensors):
    r = meta["rollout"]
    c, p = model.c, model.frozen
    D, H, dh, L = c["dim"], model.heads, model.dh, c["layers"]
    n, steps = r["samples"], r["maxTokens"]
    lengths = r["lengths"]
    np_, P = len(lengths), max(lengths)
    rows = np_ * n
    # prefill each prompt once; keys and values padded to the longest prompt
    kp = torch.zeros(L, np_, H, P, dh)
    vp = torch.zeros(L, np_, H, P, dh)
    pmask = torch.full((np_, 1, 1, P), float("-inf"))
    first = []
    for s, T in enumerate(lengths):
        g = lambda k: tensors[f"prompt{s}/{k}"]
        b = {"table": g("table").long(), "positions": g("positions").long(), "images": r["images"][s], "pixels": g("pixels") if r["images"][s] else None}
        h = model.embed(b, p)
        for l in range(L):
            q, k, v = (t.view(T, H, dh).transpose(0, 1) for t in model.qkv_heads(h, l, p))
            kp[l, s, :, :T], vp[l, s, :, :T] = k, v
            h = model.mlp(h, l, F.scaled_dot_product_attention(q, k, v, is_causal=True).transpose(0, 1).reshape(T, D), p)
        first.append(rms_norm(h[-1:], p["final.norm"]) @ p["head"])
        pmask[s, ..., :T] = 0
    logits = torch.cat(first).repeat_interleave(n, 0)
    ko = torch.zeros(L, rows, H, steps, dh)
    vo = torch.zeros(L, rows, H, steps, dh)
    position = torch.tensor(lengths).repeat_interleave(n)
    generated = 0
    done = torch.zeros(rows, dtype=torch.bool)
    gen = torch.Generator().manual_seed(5)
    for step in range(steps):
        tokens = torch.multinomial(torch.softmax(logits, -1), 1, generator=gen).squeeze(1)
        generated += int((~done).sum())
        done |= tokens == r["eos"]
        if bool(done.all()) or step == steps - 1:
            break
        x = p["embed"][tokens] + p["pos"][position + step]
        for l in range(L):
            q, k, v = (t.view(rows, H, dh) for t in model.qkv_heads(x, l, p))
            ko[l, :, :, step], vo[l, :, :, step] = k, v
            # against the shared prompt: [np, H, n, dh] x [np, H, dh, P]
            qp = q.view(np_, n, H, dh).transpose(1, 2) / math.sqrt(dh)
            sp = qp @ kp[l].transpose(-1, -2) + pmask
            so = (qp.transpose(1, 2).reshape(rows, H, 1, dh) @ ko[l, :, :, : step + 1].transpose(-1, -2)).view(np_, n, H, step + 1).transpose(1, 2)
            w = torch.softmax(torch.cat([sp, so], -1), -1)
            wp, wo = w[..., :P], w[..., P:]
            o = (wp @ vp[l]).transpose(1, 2).reshape(rows, D)
            o = o + (wo.transpose(1, 2).reshape(rows, H, 1, step + 1) @ vo[l, :, :, : step + 1]).view(rows, D)
            x = model.mlp(x, l, o, p)
        logits = rms_norm(x, p["final.norm"]) @ p["head"]
    return generated


def main():
    meta, tensors = read_tensor_file(sys.argv[1])
    model = Model(meta["config"], meta["vocab"], tensors, meta["params"])
    batches = [sft_batch(meta, tensors, i) for i in range(len(meta["sft"]))]
    o = meta["optimizer"]
    opt = torch.optim.AdamW(model.p.values(), lr=o["lr"], betas=(o["beta1"], o["beta2"]), eps=o["eps"], weight_decay=0.0)
    cursor = 0
    say = lambda obj: (sys.stdout.write(json.dumps(obj) + "\n"), sys.stdout.flush())
    say({"ready": True, "torch": torch.__version__, "threads": torch.get_num_threads()})
    for line in sys.stdin:
        cmd = json.loads(line)
        if cmd["cmd"] == "loss":
            b = batches[0]
            with torch.no_grad():
                say({"loss": model.nll(b).item() / len(b["targets"])})
        elif cmd["cmd"] == "sft":
            tokens = 0
            start, cpu = time.perf_counter(), time.process_time()
            for _ in range(cmd["steps"]):
                b = batches[cursor % len(batches)]
                cursor += 1
                loss = model.nll(b) / len(b["targets"])
                loss.backward()
                torch.nn.utils.clip_grad_norm_(model.p.values(), o["maxGradNorm"])
                opt.step()
                opt.zero_grad(set_to_none=False)
                tokens += b["tokens"]
            say({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "tokens": tokens})
        elif cmd["cmd"] == "rollout":
            start, cpu = time.perf_counter(), time.process_time()
            generated = rollout(model, meta, tensors)
            say({"seconds": time.perf_counter() - start, "cpu": time.process_time() - cpu, "tokens": generated})
        else:
            break


if __name__ == "__main__":
    main()
