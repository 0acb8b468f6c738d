"""Reference colour fix in PyTorch (dilated 3x3 conv with replicate padding, unbiased variance),
for check-color-fix.ts. Reads planes as float32 from argv[1], writes wavelet and AdaIN results."""
import json
import sys

import numpy as np
import torch
import torch.nn.functional as F

torch.set_num_threads(2)


def blur(x, radius):
    k = torch.tensor([0.25, 0.5, 0.25], dtype=x.dtype)
    kernel = (k[:, None] * k[None, :])[None, None].repeat(x.shape[1], 1, 1, 1)
    return F.conv2d(F.pad(x, (radius,) * 4, mode="replicate"), kernel, groups=x.shape[1], dilation=radius)


def decompose(x, levels=5):
    high = torch.zeros_like(x)
    for i in range(levels):
        low = blur(x, 2 ** i)
        high += x - low
        x = low
    return high, x


def adain(content, style, eps=1e-5):
    b, c = content.shape[:2]
    def stats(t):
        flat = t.reshape(b, c, -1)
        return flat.mean(2).reshape(b, c, 1, 1), (flat.var(2) + eps).sqrt().reshape(b, c, 1, 1)
    cm, cs = stats(content)
    sm, ss = stats(style)
    return (content - cm) / cs * ss + sm


meta = json.loads(sys.argv[1])
data = np.fromfile(meta["path"], dtype=np.float32)
c, h, w = meta["channels"], meta["height"], meta["width"]
n = c * h * w
content = torch.from_numpy(data[:n].copy()).reshape(1, c, h, w)
reference = torch.from_numpy(data[n:].copy()).reshape(1, c, h, w)
wavelet = decompose(content)[0] + decompose(reference)[1]
out = torch.cat([wavelet.flatten(), adain(content, reference).flatten()]).numpy().astype(np.float32)
out.tofile(meta["out"])
