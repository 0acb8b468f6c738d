"""PyTorch side of bench/train-step.ts: the median seconds of one training step (forward, backward, AdamW) of the
same two nets, and the BLAS this process loaded.

    python3 bench/train_step_reference.py conv|transformer STEPS THREADS

Prints one JSON line: stepS, blasLibrary (the real path of the libblas.so* mapped into this process, or null when
torch carries its own), blasLibraries (every BLAS-like library mapped) and configBlas (BLAS_INFO from
torch.__config__.show()). Which libblas.so.3 loads is decided by the caller (LD_LIBRARY_PATH).
"""
import json
import math
import os
import re
import sys
import time

import torch
import torch.nn.functional as F

kind, steps, threads = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
torch.set_num_threads(threads)
torch.manual_seed(0)


def loaded_blas():
    """The BLAS libraries mapped into this process (Linux), libblas.so* first."""
    try:
        with open('/proc/self/maps') as maps:
            paths = {line.split()[-1] for line in maps if '/' in line}
    except OSError:
        return []
    names = re.compile(r'lib(blas|cblas|openblas|blis|mkl_|atlas|satlas|tatlas|flexiblas|nvpl_blas)[^/]*\.so')
    found = sorted({os.path.realpath(p) for p in paths if names.search(os.path.basename(p))})
    return sorted(found, key=lambda p: not os.path.basename(p).startswith('libblas.so'))


def config_blas():
    match = re.search(r'BLAS_INFO=([^,\s]+)', torch.__config__.show())
    return match.group(1) if match else None


class Block(torch.nn.Module):
    """Pre-norm attention (4 heads) and a tanh-GELU MLP, as test/autodiff/blocks.ts builds them."""

    def __init__(self, w=256, heads=4):
        super().__init__()
        self.heads = heads
        self.norm1, self.norm2 = torch.nn.LayerNorm(w), torch.nn.LayerNorm(w)
        self.q, self.k, self.v, self.o = (torch.nn.Linear(w, w) for _ in range(4))
        self.fc1, self.fc2 = torch.nn.Linear(w, 4 * w), torch.nn.Linear(4 * w, w)

    def forward(self, x):
        b, t, w = x.shape
        h = self.norm1(x)
        split = lambda y: y.reshape(b, t, self.heads, w // self.heads).transpose(1, 2)
        q, k, v = split(self.q(h)), split(self.k(h)), split(self.v(h))
        a = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(w // self.heads), -1) @ v
        x = x + self.o(a.transpose(1, 2).reshape(b, t, w))
        return x + self.fc2(F.gelu(self.fc1(self.norm2(x)), approximate='tanh'))


if kind == 'conv':
    widths = [3] + [64] * 15 + [3]
    layers = [[torch.nn.Conv2d(widths[i], widths[i + 1], 3, padding=1)] + ([torch.nn.ReLU()] if i < 15 else []) for i in range(16)]
    net = torch.nn.Sequential(*sum(layers, []))
    x = torch.randn(4, 3, 128, 128)
    loss_of = lambda: ((net(x) - x) ** 2).mean()
else:
    net = Block()
    x = torch.randn(1, 1024, 256)
    loss_of = lambda: (net(x) ** 2).mean()
opt = torch.optim.AdamW(net.parameters(), lr=1e-4, weight_decay=0.01)


def step():
    opt.zero_grad(set_to_none=True)
    loss_of().backward()
    opt.step()


step()
times = []
for _ in range(steps):
    t0 = time.perf_counter()
    step()
    times.append(time.perf_counter() - t0)
libraries = loaded_blas()
print(json.dumps({
    'stepS': sorted(times)[len(times) // 2],
    'blasLibrary': next((p for p in libraries if os.path.basename(p).startswith('libblas.so')), None),
    'blasLibraries': libraries,
    'configBlas': config_blas(),
}))
