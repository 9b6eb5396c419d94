#!/usr/bin/env python3
"""The qkv block in PyTorch (eager) and JAX (jit), float64, for throughput comparison with `qkv bench`.

The same maths as DESIGN.md and the golden generator (Tests/TinyTransformerTests/Goldens/generate.py): token and
position embeddings, Q/K/V Linear layers, per-head causal scaled attention, output projection, residual, ReLU FFN,
output Linear, mean cross-entropy; one train step is forward + backward + plain SGD p <- p - lr * grad.

    python3 bench/peers.py torch --config bench/configs/t8_d16_h2.json [--seconds 3] [--per-head]
    python3 bench/peers.py jax   --config bench/configs/t8_d16_h2.json [--seconds 3]

The last line is `N steps/s`, as `qkv bench` prints it. Both peers are optional installs (pip install torch / jax).
"""

import argparse
import json
import math
import time


def parameter_shapes(cfg):
    """Names and shapes in the documented order ([out, in] like nn.Linear)."""
    V, d, dff, T = cfg["vocab_size"], cfg["d_model"], cfg["d_ff"], cfg["seq_len"]
    shapes = [("embedding.weight", [V, d])]
    if cfg["positional"]:
        shapes.append(("position.weight", [T, d]))
    for name in ("q_linear", "k_linear", "v_linear", "o_linear"):
        shapes += [(name + ".weight", [d, d]), (name + ".bias", [d])]
    shapes += [("ffn1.weight", [dff, d]), ("ffn1.bias", [dff]),
               ("ffn2.weight", [d, dff]), ("ffn2.bias", [d]),
               ("output.weight", [V, d]), ("output.bias", [V])]
    return shapes


def initial_values(cfg, rng):
    """PyTorch-style init with numpy: embeddings standard normal, Linear uniform in ±1/sqrt(fan_in)."""
    shapes = dict(parameter_shapes(cfg))
    values = {}
    for name, shape in parameter_shapes(cfg):
        if name in ("embedding.weight", "position.weight"):
            values[name] = rng.standard_normal(shape)
        else:
            bound = 1.0 / math.sqrt(shapes[name.split(".")[0] + ".weight"][1])
            values[name] = rng.uniform(-bound, bound, shape)
    return values


def timed(step, seconds, sync=lambda: None):
    """Runs `step` after a warm-up for about `seconds`; returns steps per second."""
    warm_end = time.perf_counter() + min(0.5, seconds / 5)
    while time.perf_counter() < warm_end:
        step()
    sync()
    start, count, batch = time.perf_counter(), 0, 1
    while True:
        for _ in range(batch):
            step()
        sync()
        count += batch
        elapsed = time.perf_counter() - start
        if elapsed >= seconds:
            return count / elapsed
        batch = max(1, min(batch * 2, int(count / max(elapsed, 1e-9) * 0.01)))


def torch_bench(cfg, values, tokens, targets, seconds, per_head=False):
    import torch
    import torch.nn.functional as F

    T, d, H = cfg["seq_len"], cfg["d_model"], cfg["heads"]
    d_k = d // H
    params = {n: torch.tensor(v, dtype=torch.float64, requires_grad=True) for n, v in values.items()}
    tok = torch.tensor(tokens, dtype=torch.long)
    tgt = torch.tensor(targets, dtype=torch.long)
    positions = torch.arange(T)
    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)
    lr = cfg["lr"]

    def linear(x, name):
        return F.linear(x, params[name + ".weight"], params[name + ".bias"])

    def attention_batched(q, k, v):
        # Heads as a batch dimension: [H, T, d_k] (the faster way to write it in eager mode).
        q, k, v = (t.view(T, H, d_k).transpose(0, 1) for t in (q, k, v))
        s = q @ k.transpose(1, 2)
        if cfg["scale"]:
            s = s / math.sqrt(d_k)
        if cfg["causal"]:
            s = s.masked_fill(mask, float("-inf"))
        return (torch.softmax(s, dim=-1) @ v).transpose(0, 1).reshape(T, d)

    def attention_per_head(q, k, v):
        # One head at a time, as DESIGN.md and the golden generator write it.
        heads = []
        for h in range(H):
            cols = slice(h * d_k, (h + 1) * d_k)
            s = q[:, cols] @ k[:, cols].T
            if cfg["scale"]:
                s = s / math.sqrt(d_k)
            if cfg["causal"]:
                s = s.masked_fill(mask, float("-inf"))
            heads.append(torch.softmax(s, dim=-1) @ v[:, cols])
        return torch.cat(heads, dim=1)

    attention_of = attention_per_head if per_head else attention_batched

    def forward():
        x = params["embedding.weight"][tok]
        if cfg["positional"]:
            x = x + params["position.weight"][positions]
        attention = attention_of(linear(x, "q_linear"), linear(x, "k_linear"), linear(x, "v_linear"))
        attn_out = linear(attention, "o_linear")
        h1 = x + attn_out if cfg["residual"] else attn_out
        ffn_out = linear(torch.relu(linear(h1, "ffn1")), "ffn2")
        y = h1 + ffn_out if cfg["residual"] else ffn_out
        return F.cross_entropy(linear(y, "output"), tgt)

    plist = list(params.values())

    def step():
        for p in plist:
            p.grad = None
        forward().backward()
        with torch.no_grad():
            for p in plist:
                p.sub_(lr * p.grad)

    return timed(step, seconds)


def jax_bench(cfg, values, tokens, targets, seconds):
    import jax
    jax.config.update("jax_enable_x64", True)
    import jax.numpy as jnp

    T, d, H = cfg["seq_len"], cfg["d_model"], cfg["heads"]
    d_k = d // H
    tok = jnp.asarray(tokens)
    tgt = jnp.asarray(targets)
    mask = jnp.triu(jnp.ones((T, T), dtype=bool), k=1)
    lr = cfg["lr"]

    def linear(p, x, name):
        return x @ p[name + ".weight"].T + p[name + ".bias"]

    def loss_fn(p):
        x = p["embedding.weight"][tok]
        if cfg["positional"]:
            x = x + p["position.weight"][:T]
        q = linear(p, x, "q_linear").reshape(T, H, d_k).transpose(1, 0, 2)
        k = linear(p, x, "k_linear").reshape(T, H, d_k).transpose(1, 0, 2)
        v = linear(p, x, "v_linear").reshape(T, H, d_k).transpose(1, 0, 2)
        s = q @ k.transpose(0, 2, 1)
        if cfg["scale"]:
            s = s / math.sqrt(d_k)
        if cfg["causal"]:
            s = jnp.where(mask, -jnp.inf, s)
        attention = (jax.nn.softmax(s, axis=-1) @ v).transpose(1, 0, 2).reshape(T, d)
        attn_out = linear(p, attention, "o_linear")
        h1 = x + attn_out if cfg["residual"] else attn_out
        ffn_out = linear(p, jax.nn.relu(linear(p, h1, "ffn1")), "ffn2")
        y = h1 + ffn_out if cfg["residual"] else ffn_out
        logits = linear(p, y, "output")
        logz = jax.nn.logsumexp(logits, axis=-1)
        return jnp.mean(logz - logits[jnp.arange(T), tgt])

    @jax.jit
    def train_step(p):
        grads = jax.grad(loss_fn)(p)
        return jax.tree_util.tree_map(lambda w, g: w - lr * g, p, grads)

    state = {"p": {n: jnp.asarray(v, dtype=jnp.float64) for n, v in values.items()}}

    def step():
        state["p"] = train_step(state["p"])

    def sync():
        jax.block_until_ready(state["p"])

    return timed(step, seconds, sync)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("peer", choices=["torch", "jax"])
    parser.add_argument("--config", required=True)
    parser.add_argument("--seconds", type=float, default=3.0)
    parser.add_argument("--per-head", action="store_true",
                        help="PyTorch: attention one head at a time (as the golden generator) instead of batched")
    args = parser.parse_args()
    import numpy as np

    with open(args.config) as f:
        cfg = json.load(f)
    rng = np.random.default_rng(cfg.get("seed", 0))
    values = initial_values(cfg, rng)
    tokens = cfg.get("tokens") or rng.integers(0, cfg["vocab_size"], cfg["seq_len"]).tolist()
    targets = cfg.get("targets") or rng.integers(0, cfg["vocab_size"], cfg["seq_len"]).tolist()
    if args.peer == "torch":
        rate = torch_bench(cfg, values, tokens, targets, args.seconds, per_head=args.per_head)
    else:
        rate = jax_bench(cfg, values, tokens, targets, args.seconds)
    print(f"{rate:.0f} steps/s")


if __name__ == "__main__":
    main()
