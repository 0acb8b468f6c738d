"""Opt-in check (/usr/bin/python3 with Debian's python3-torch): BasicSR's Poisson noise rule, as published in
basicsr/data/degradations.py (generate_poisson_noise_pt, colour branch), on flat colours. Its counts per unit
intensity are 2^ceil(log2(#distinct levels)), 4 for a flat RGB colour, so clipping moves the mean by tens of levels;
trainer/src/data reproduces this with poissonMinCounts = 1 and floors the counts at 256 by default
(docs/training.md, "Degradation colour check")."""
import numpy as np
import torch

torch.set_num_threads(2)
torch.manual_seed(0)


def basicsr_poisson_noise(img, scale):
    """generate_poisson_noise_pt without grey noise, batch of one."""
    img = torch.clamp((img * 255.0).round(), 0, 255) / 255.0
    vals = 2 ** np.ceil(np.log2(len(torch.unique(img[0]))))
    out = torch.poisson(img * vals) / vals
    return (out - img) * scale, vals


print('| colour | counts | mean shift R / G / B (8-bit levels, clipped to [0, 1], scale ~ U(0.05, 3), 16 draws) |')
print('|---|---|---|')
for rgb in [(220, 30, 40), (30, 60, 220), (128, 128, 128)]:
    img = torch.tensor(rgb, dtype=torch.float32).view(1, 3, 1, 1).expand(1, 3, 64, 64) / 255.0
    shifts = []
    for draw in range(16):
        scale = float(np.random.default_rng(draw).uniform(0.05, 3))
        noise, vals = basicsr_poisson_noise(img, scale)
        shifts.append((torch.clamp(img + noise, 0, 1) - img).mean(dim=(0, 2, 3)) * 255)
    mean = torch.stack(shifts).mean(0)
    print(f'| {rgb} | {int(vals)} | ' + ' / '.join(f'{float(v):+.1f}' for v in mean) + ' |')
