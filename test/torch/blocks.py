"""PyTorch twins of test/autodiff/blocks.ts: reads weights as JSON, writes outputs, losses and gradients as JSON."""
import json
import math
import sys

import torch
import torch.nn.functional as F


def resnet(v, cfg):
    def stage(x, i):
        normed = F.group_norm(x, cfg["groups"], v[f"norm{i}.weight"] + 1, v[f"norm{i}.bias"], eps=1e-5)
        return F.conv2d(F.silu(normed), v[f"conv{i}.weight"], v[f"conv{i}.bias"], padding=1)
    return v["x"] + stage(stage(v["x"], 1), 2)


def attention(v, cfg):
    b, t, w, h = cfg["batch"], cfg["tokens"], cfg["width"], cfg["heads"]
    x = v["x"]
    normed = F.layer_norm(x, (w,), v["norm.weight"] + 1, v["norm.bias"], eps=1e-5)
    def heads(name):
        return (normed @ v[f"{name}.weight"] + v[f"{name}.bias"]).reshape(b, t, h, w // h).transpose(1, 2)
    q, k, val = heads("q"), heads("k"), heads("v")
    probs = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(w // h), dim=-1)
    merged = (probs @ val).transpose(1, 2).reshape(b, t, w)
    return x + merged @ v["out.weight"] + v["out.bias"]


def mlp(v, cfg):
    x = v["x"]
    normed = F.layer_norm(x, (x.shape[-1],), v["norm.weight"] + 1, v["norm.bias"], eps=1e-5)
    hidden = F.gelu(normed @ v["fc1.weight"] + v["fc1.bias"], approximate="tanh" if cfg["gelu"] == "tanh" else "none")
    return x + hidden @ v["fc2.weight"] + v["fc2.bias"]


FORWARD = {"resnet": resnet, "attention": attention, "mlp": mlp}


def run(block):
    values = {name: torch.tensor(s["data"], dtype=torch.float32).reshape(s["shape"]).requires_grad_(True) for name, s in block["slots"].items()}
    out = FORWARD[block["kind"]](values, block["config"])
    loss = (out * out).mean()
    loss.backward()
    result = {"out": out.detach().flatten().tolist(), "loss": loss.item()}
    result["grads"] = {name: t.grad.flatten().tolist() for name, t in values.items()}
    return result


def main():
    torch.set_num_threads(2)
    with open(sys.argv[1]) as f:
        blocks = json.load(f)
    with open(sys.argv[2], "w") as f:
        json.dump([run(b) for b in blocks], f)


if __name__ == "__main__":
    main()
