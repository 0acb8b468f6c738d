"""PyTorch side of bench/sd3-gpu.ts: random-weight SD3 + TSD-SR downloads, and the timed TSD-SR pass in diffusers.

    python bench/sd3_reference.py --config medium --out <dir> [--diffusers <src tree>] [--time --sizes 512,2048]
    python bench/sd3_reference.py --config medium --weights <dir> --time [--diffusers <src tree>]

--out: diffusers' SD3Transformer2DModel and AutoencoderKL for a config (medium: SD3-medium's sizes; tiny:
test/fixtures/sd3/tiny-sd3) with seeded random weights, a random rank-4 LoRA (alpha = rank) in TSD-SR's layout for
the transformer and the VAE encoder, and random prompt embeddings, written as `tsdsr models import` reads them:
<dir>/sd3/{transformer,vae}/ (config.json + diffusion_pytorch_model.safetensors) and <dir>/tsdsr/ (transformer.
safetensors, vae.safetensors, prompt_embeds.pt, pool_embeds.pt). --time merges the LoRA (as our import does) and
times TSD-SR's step per output size: bicubic up, clamp, encode (posterior mean; diffusers' tiling over --pixel-tile),
x scaling, transformer at t=1000 over Gaussian-blended latent tiles, z - v, / scaling, decode, clamp; cuda fp16 when
available, else cpu fp32. One JSON line on stdout last. diffusers need not be installed: --diffusers is a source
tree (v0.30.3) whose third-party imports are stubbed with test/fixtures/sd3/make_fixtures.py's helpers.
"""
import argparse
import contextlib
import importlib.util
import json
import math
import os
import statistics
import struct
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURES = os.path.join(os.path.dirname(HERE), 'test', 'fixtures', 'sd3')
sys.path.insert(0, FIXTURES)
import make_fixtures as mf  # noqa: E402  (stubs, SDPA polyfill, peft matching, TSD-SR's LoRA targets)

MEDIUM = {
    'transformer': dict(sample_size=128, patch_size=2, in_channels=16, num_layers=24, attention_head_dim=64, num_attention_heads=24,
                        joint_attention_dim=4096, caption_projection_dim=1536, pooled_projection_dim=2048, out_channels=16, pos_embed_max_size=192),
    'vae': dict(in_channels=3, out_channels=3, down_block_types=['DownEncoderBlock2D'] * 4, up_block_types=['UpDecoderBlock2D'] * 4,
                block_out_channels=[128, 256, 512, 512], layers_per_block=2, act_fn='silu', latent_channels=16, norm_num_groups=32,
                sample_size=1024, scaling_factor=1.5305, shift_factor=0.0609, use_quant_conv=False, use_post_quant_conv=False),
}
PROMPT_TOKENS = {'medium': 333, 'tiny': 5}
TIMESTEP = 1000.0


def log(message):
    print(message, file=sys.stderr, flush=True)


def load_config(path):
    with open(path) as f:
        return {k: v for k, v in json.load(f).items() if not k.startswith('_')}


def configs(name):
    if name == 'medium':
        return MEDIUM['transformer'], MEDIUM['vae']
    tiny = os.path.join(FIXTURES, 'tiny-sd3')
    return load_config(os.path.join(tiny, 'transformer', 'config.json')), load_config(os.path.join(tiny, 'vae', 'config.json'))


def import_modules(diffusers_src):
    """torch, the safetensors package (or None) and diffusers' two model classes."""
    import torch
    try:
        import safetensors.torch as st
    except ImportError:
        st = None
    if diffusers_src:
        # diffusers' optional integrations would import the real huggingface_hub, which is stubbed here
        for name in ('transformers', 'accelerate', 'peft', 'xformers', 'torch_npu'):
            sys.modules.setdefault(name, None)
        mf.STUB_ROOTS = mf.STUB_ROOTS + tuple(n for n in ('yaml',) if importlib.util.find_spec(n) is None)
        mf.install_stubs(diffusers_src)
    mf.polyfill_sdpa(torch)
    from diffusers.models.autoencoders.autoencoder_kl import AutoencoderKL
    from diffusers.models.transformers.transformer_sd3 import SD3Transformer2DModel
    import diffusers
    return torch, st, AutoencoderKL, SD3Transformer2DModel, diffusers.__version__



NP_DTYPES = {'F16': '<f2', 'F32': '<f4'}


def save_safetensors(torch, st, path, tensors):
    tensors = {k: v.detach().to('cpu').contiguous() for k, v in tensors.items()}
    os.makedirs(os.path.dirname(path), exist_ok=True)
    if st is not None:
        return st.save_file(tensors, path, metadata={'format': 'pt'})
    header, offset = {}, 0
    for name, t in tensors.items():
        size = t.numel() * t.element_size()
        header[name] = {'dtype': {torch.float16: 'F16', torch.float32: 'F32'}[t.dtype], 'shape': list(t.shape), 'data_offsets': [offset, offset + size]}
        offset += size
    raw = json.dumps(header, separators=(',', ':')).encode()
    raw += b' ' * (-len(raw) % 8)
    with open(path, 'wb') as f:
        f.write(struct.pack('<Q', len(raw)) + raw)
        for t in tensors.values():
            f.write(t.numpy().tobytes())


def load_safetensors(torch, st, path):
    if st is not None:
        return st.load_file(path)
    import numpy as np
    with open(path, 'rb') as f:
        n = struct.unpack('<Q', f.read(8))[0]
        header, data = json.loads(f.read(n)), f.read()
    out = {}
    for name, info in header.items():
        if name == '__metadata__':
            continue
        start, end = info['data_offsets']
        out[name] = torch.from_numpy(np.frombuffer(data[start:end], NP_DTYPES[info['dtype']]).reshape(info['shape']).copy())
    return out


def save_model(torch, st, model, folder, class_name, dtype):
    os.makedirs(folder, exist_ok=True)
    config = {'_class_name': class_name, '_diffusers_version': '0.30.3', **{k: v for k, v in dict(model.config).items() if not k.startswith('_')}}
    with open(os.path.join(folder, 'config.json'), 'w') as f:
        json.dump(config, f, indent=2, default=list)
    save_safetensors(torch, st, os.path.join(folder, 'diffusion_pytorch_model.safetensors'), {k: v.to(dtype) for k, v in model.state_dict().items()})



def random_lora(torch, model, targets, rank, seed):
    """peft-layout LoRA factors ('transformer.<module>.lora_A/B.weight', TSD-SR's prefix for both models), float32 on the CPU."""
    gen, state = torch.Generator().manual_seed(seed), {}
    for name, m in model.named_modules():
        if not mf.peft_matches(name, targets) or not isinstance(m, (torch.nn.Linear, torch.nn.Conv2d)):
            continue
        conv = isinstance(m, torch.nn.Conv2d)
        a_shape = (rank, m.in_channels, *m.kernel_size) if conv else (rank, m.in_features)
        b_shape = (m.out_channels, rank, 1, 1) if conv else (m.out_features, rank)
        a = torch.randn(a_shape, generator=gen)
        state[f'transformer.{name}.lora_A.weight'] = a / math.sqrt(a[0].numel())
        state[f'transformer.{name}.lora_B.weight'] = 0.1 * torch.randn(b_shape, generator=gen) / math.sqrt(rank)
    return state


def merge_lora(torch, model, state):
    """W += (alpha / r) B A with alpha = r, as peft's merge and our importer do."""
    with torch.no_grad():
        for key, a in state.items():
            if not key.endswith('.lora_A.weight'):
                continue
            module = model.get_submodule(key[len('transformer.'):-len('.lora_A.weight')])
            b = state[key.replace('lora_A', 'lora_B')]
            w = module.weight
            delta = b.flatten(1).to(w.device, torch.float32) @ a.flatten(1).to(w.device, torch.float32)
            w.add_(delta.reshape(w.shape).to(w.dtype))


def generate(torch, st, classes, args):
    AutoencoderKL, SD3Transformer2DModel = classes
    t_config, v_config = configs(args.config)
    if args.layers:
        t_config = {**t_config, 'num_layers': args.layers}
    storage = torch.float16 if args.storage == 'fp16' else torch.float32
    with device_scope(torch, args.device):
        transformer = SD3Transformer2DModel(**t_config).eval().to(args.device)
        vae = AutoencoderKL(**v_config).eval().to(args.device)
    mf.randomize(torch, transformer, 1)
    mf.randomize(torch, vae, 2)
    log(f'saving random weights ({args.storage}) into {args.out}')
    save_model(torch, st, transformer, os.path.join(args.out, 'sd3', 'transformer'), 'SD3Transformer2DModel', storage)
    save_model(torch, st, vae, os.path.join(args.out, 'sd3', 'vae'), 'AutoencoderKL', storage)
    lora_t = random_lora(torch, transformer, mf.TRANSFORMER_TARGETS, 4, 20)
    lora_v = random_lora(torch, vae, mf.vae_encoder_targets(torch, vae), 4, 21)
    folder = os.path.join(args.out, 'tsdsr')
    save_safetensors(torch, st, os.path.join(folder, 'transformer.safetensors'), lora_t)
    save_safetensors(torch, st, os.path.join(folder, 'vae.safetensors'), lora_v)
    gen = torch.Generator().manual_seed(22)
    prompt = torch.randn(1, PROMPT_TOKENS[args.config], t_config['joint_attention_dim'], generator=gen)
    pooled = torch.randn(1, t_config['pooled_projection_dim'], generator=gen)
    torch.save(prompt, os.path.join(folder, 'prompt_embeds.pt'))
    torch.save(pooled, os.path.join(folder, 'pool_embeds.pt'))
    log(f'LoRA: {len(lora_t) // 2} transformer modules, {len(lora_v) // 2} VAE modules')
    return transformer, vae, lora_t, lora_v, prompt, pooled


def device_scope(torch, device):
    """Builds modules directly on the device where torch can (>= 2.0), which is much faster for 2B parameters."""
    return torch.device(device) if hasattr(torch.device, '__enter__') else contextlib.nullcontext()


def load(torch, st, classes, args):
    AutoencoderKL, SD3Transformer2DModel = classes
    models = []
    for cls, sub in ((SD3Transformer2DModel, 'transformer'), (AutoencoderKL, 'vae')):
        folder = os.path.join(args.weights, 'sd3', sub)
        with device_scope(torch, args.device):
            model = cls(**load_config(os.path.join(folder, 'config.json'))).eval()
        weights = load_safetensors(torch, st, os.path.join(folder, 'diffusion_pytorch_model.safetensors'))
        model.load_state_dict({k: v.float() for k, v in weights.items()})
        models.append(model.to(args.device))
    folder = os.path.join(args.weights, 'tsdsr')
    loras = [load_safetensors(torch, st, os.path.join(folder, f'{n}.safetensors')) for n in ('transformer', 'vae')]
    prompt, pooled = (torch.load(os.path.join(folder, f'{n}_embeds.pt')) for n in ('prompt', 'pool'))
    return models[0], models[1], loras[0], loras[1], prompt, pooled



def tile_starts(length, tile, overlap):
    """As models/runtime/tiles.ts: neighbours share at least `overlap`, the last tile ends at the edge."""
    if tile >= length:
        return [0]
    return list(range(0, length - tile, tile - overlap)) + [length - tile]


def gaussian(torch, size, device, dtype):
    """TSD-SR's tile weights (variance 0.01 of the tile size squared; its constant factor cancels)."""
    x = torch.arange(size, device=device, dtype=torch.float32)
    return torch.exp(-((x - (size - 1) / 2) ** 2) / (size * size) / 0.02).to(dtype)


def velocity(torch, transformer, z, prompt, pooled, tile, overlap):
    _, _, h, w = z.shape
    th, tw = min(tile, h), min(tile, w)
    weight = gaussian(torch, th, z.device, z.dtype)[:, None] * gaussian(torch, tw, z.device, z.dtype)[None, :]
    total, count = torch.zeros_like(z), torch.zeros_like(z[:, :1])
    timestep = torch.tensor([TIMESTEP], device=z.device, dtype=z.dtype)
    for y in tile_starts(h, th, overlap):
        for x in tile_starts(w, tw, overlap):
            v = transformer(hidden_states=z[:, :, y:y + th, x:x + tw], timestep=timestep, encoder_hidden_states=prompt,
                            pooled_projections=pooled, return_dict=False)[0]
            total[:, :, y:y + th, x:x + tw] += v * weight
            count[:, :, y:y + th, x:x + tw] += weight
    return total / count


def tsdsr_step(torch, transformer, vae, prompt, pooled, image, size, args):
    scaling = vae.config.scaling_factor
    up = torch.nn.functional.interpolate(image, size=(size, size), mode='bicubic', align_corners=False).clamp(-1, 1)
    z = vae.encode(up).latent_dist.mean * scaling
    latent_tile = min(args.latent_tile, transformer.config.pos_embed_max_size * transformer.config.patch_size)
    v = velocity(torch, transformer, z, prompt, pooled, latent_tile, args.latent_overlap)
    return vae.decode((z - v) / scaling).sample.clamp(-1, 1)


def time_sizes(torch, transformer, vae, prompt, pooled, args):
    cuda = args.device.startswith('cuda')
    dtype = torch.float16 if args.dtype == 'fp16' else torch.float32
    transformer.to(dtype)
    vae.to(dtype)
    prompt, pooled = prompt.to(args.device, dtype), pooled.to(args.device, dtype)
    factor = 2 ** (len(vae.config.block_out_channels) - 1)
    vae.enable_tiling()  # diffusers' own tiles, sized as our manifest's pixel tiles
    vae.tile_sample_min_size, vae.tile_latent_min_size = args.pixel_tile, args.pixel_tile // factor
    vae.tile_overlap_factor = args.pixel_overlap / args.pixel_tile
    sync = torch.cuda.synchronize if cuda else (lambda: None)
    weights_mib = torch.cuda.memory_allocated() / 2 ** 20 if cuda else None
    results = []
    for size in args.sizes:
        if not cuda and args.config == 'medium' and size > 512:
            log(f'pytorch {size}x{size}: skipped, SD3-medium sizes over 512 are not timed on the CPU')
            continue
        gen = torch.Generator().manual_seed(size)
        image = (torch.rand(1, 3, size // args.scale, size // args.scale, generator=gen) * 2 - 1).to(args.device, dtype)
        if cuda:
            torch.cuda.reset_peak_memory_stats()
        times = []
        with torch.no_grad():
            for _ in range(1 + args.runs):
                sync()
                t0 = time.perf_counter()
                out = tsdsr_step(torch, transformer, vae, prompt, pooled, image, size, args)
                sync()
                times.append((time.perf_counter() - t0) * 1000)
        log(f'pytorch {size}x{size}: ' + ', '.join(f'{t:.0f}' for t in times) + ' ms')
        timed = times[1:] or times
        results.append({'output': size, 'input': size // args.scale, 'firstMs': round(times[0], 1), 'ms': round(statistics.median(timed), 1),
                        'minMs': round(min(timed), 1), 'finite': bool(torch.isfinite(out).all()),
                        'maxAllocatedMiB': round(torch.cuda.max_memory_allocated() / 2 ** 20) if cuda else None,
                        'maxReservedMiB': round(torch.cuda.max_memory_reserved() / 2 ** 20) if cuda else None})
    return {'weightsMiB': None if weights_mib is None else round(weights_mib), 'sizes': results}


def main():
    p = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    p.add_argument('--config', choices=['medium', 'tiny'], default='medium')
    p.add_argument('--out', help='generate random weights into this directory')
    p.add_argument('--weights', help='use weights generated earlier (instead of --out)')
    p.add_argument('--diffusers', help='a diffusers source tree with src/diffusers (otherwise diffusers must be installed)')
    p.add_argument('--layers', type=int, help='override the transformer depth (quick trials of the medium widths)')
    p.add_argument('--storage', choices=['fp16', 'fp32'], help='dtype of the written weights (default: fp16 for medium, fp32 for tiny)')
    p.add_argument('--time', action='store_true', help='time the PyTorch TSD-SR pass')
    p.add_argument('--sizes', default='512,2048', help='output sizes (square), comma-separated')
    p.add_argument('--scale', type=int, default=4)
    p.add_argument('--runs', type=int, default=3, help='timed runs after the first (warm-up) run')
    p.add_argument('--device', default='auto', help='auto (cuda when available), cuda or cpu')
    p.add_argument('--dtype', choices=['auto', 'fp16', 'fp32'], default='auto', help='auto: fp16 on cuda, fp32 on cpu')
    p.add_argument('--tiles', default='1024,128,64,8', help="pixel tile and overlap, latent tile and overlap (model.json's)")
    args = p.parse_args()
    args.pixel_tile, args.pixel_overlap, args.latent_tile, args.latent_overlap = (int(v) for v in args.tiles.split(','))
    if bool(args.out) == bool(args.weights):
        p.error('give exactly one of --out (generate) and --weights (load)')
    args.sizes = [int(s) for s in args.sizes.split(',') if s]
    args.storage = args.storage or ('fp16' if args.config == 'medium' else 'fp32')
    torch, st, *classes, version = import_modules(args.diffusers)
    if args.device == 'auto':
        args.device = 'cuda' if torch.cuda.is_available() else 'cpu'
    if args.dtype == 'auto':
        args.dtype = 'fp16' if args.device.startswith('cuda') else 'fp32'
    torch.manual_seed(0)
    log(f'diffusers {version}, torch {torch.__version__}, {args.device} {args.dtype}')
    t0 = time.perf_counter()
    transformer, vae, lora_t, lora_v, prompt, pooled = (generate if args.out else load)(torch, st, classes, args)
    result = {'config': args.config, 'torch': torch.__version__, 'diffusers': version, 'device': args.device, 'dtype': args.dtype,
              'gpu': torch.cuda.get_device_name() if args.device.startswith('cuda') else None,
              'params': {'transformer': sum(x.numel() for x in transformer.parameters()), 'vae': sum(x.numel() for x in vae.parameters())},
              ('generateMs' if args.out else 'loadMs'): round((time.perf_counter() - t0) * 1000)}
    if args.time:
        merge_lora(torch, transformer, lora_t)
        merge_lora(torch, vae, lora_v)
        result.update(time_sizes(torch, transformer, vae, prompt, pooled, args))
    print(json.dumps(result))


if __name__ == '__main__':
    main()
