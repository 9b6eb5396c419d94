#!/usr/bin/env python3
"""Generate the qkv-export/1 golden files for the TinyTransformer tests.

Reference implementation of the block described in DESIGN.md ("The model", "Config",
"Export"), written literally with PyTorch ops in float64. Run from any directory:

    pip install torch
    python3 generate.py

Every golden JSON file in this script's folder is (re)written. Only python3, torch,
json and math are used.
"""

import json
import math
import os

import torch
import torch.nn.functional as F

DTYPE = torch.float64
HERE = os.path.dirname(os.path.abspath(__file__))
FORMAT = "qkv-export/1"
CONFIG_KEYS = ["vocab_size", "d_model", "heads", "d_ff", "seq_len",
               "causal", "scale", "residual", "positional",
               "seed", "steps", "lr", "tokens", "targets"]


# ---------------------------------------------------------------------------
# Parameters
# ---------------------------------------------------------------------------

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


def init_parameters(cfg):
    """PyTorch-style init from torch.manual_seed(cfg['seed']), in the documented order.

    Embedding tables (embedding, position): standard normal, like nn.Embedding.
    Linear weight and bias: uniform(-1/sqrt(fan_in), +1/sqrt(fan_in)), like nn.Linear.
    """
    torch.manual_seed(cfg["seed"])
    params = {}
    for name, shape in parameter_shapes(cfg):
        t = torch.empty(*shape, dtype=DTYPE)
        if name in ("embedding.weight", "position.weight"):
            t.normal_(0.0, 1.0)
        else:
            layer = name.split(".")[0]
            fan_in = dict(parameter_shapes(cfg))[layer + ".weight"][1]
            bound = 1.0 / math.sqrt(fan_in)
            t.uniform_(-bound, bound)
        params[name] = t.requires_grad_(True)
    return params


# ---------------------------------------------------------------------------
# Forward pass (DESIGN.md "The model", literally)
# ---------------------------------------------------------------------------

def linear(x, params, name):
    return x @ params[name + ".weight"].T + params[name + ".bias"]


def forward(cfg, params, tokens, targets):
    T, d, H = cfg["seq_len"], cfg["d_model"], cfg["heads"]
    d_k = d // H
    tok = torch.tensor(tokens, dtype=torch.long)
    tgt = torch.tensor(targets, dtype=torch.long)

    x = params["embedding.weight"][tok]
    if cfg["positional"]:
        x = x + params["position.weight"][torch.arange(T)]

    Q = linear(x, params, "q_linear")
    K = linear(x, params, "k_linear")
    V = linear(x, params, "v_linear")

    mask = torch.triu(torch.ones(T, T, dtype=torch.bool), diagonal=1)  # above the diagonal
    scores, probs, heads = [], [], []
    for h in range(H):
        cols = slice(h * d_k, (h + 1) * d_k)
        Qh, Kh, Vh = Q[:, cols], K[:, cols], V[:, cols]
        s = Qh @ Kh.T
        if cfg["scale"]:
            s = s / math.sqrt(d_k)
        masked = s.masked_fill(mask, float("-inf")) if cfg["causal"] else s
        p = torch.softmax(masked, dim=-1)
        scores.append(s)
        probs.append(p)
        heads.append(p @ Vh)

    attention = torch.cat(heads, dim=1)
    attn_out = linear(attention, params, "o_linear")
    h1 = x + attn_out if cfg["residual"] else attn_out
    ffn_hidden = torch.relu(linear(h1, params, "ffn1"))
    ffn_out = linear(ffn_hidden, params, "ffn2")
    y = h1 + ffn_out if cfg["residual"] else ffn_out
    logits = linear(y, params, "output")
    loss = F.cross_entropy(logits, tgt)  # mean over the T positions

    trace = {
        "x": x, "Q": Q, "K": K, "V": V,
        "scores": torch.stack(scores), "probs": torch.stack(probs),
        "attention": attention, "attn_out": attn_out, "y": y,
        "ffn_hidden": ffn_hidden, "logits": logits,
    }
    return loss, trace


# ---------------------------------------------------------------------------
# Export document
# ---------------------------------------------------------------------------

def as_lists(tensors):
    return {k: v.detach().clone().tolist() for k, v in tensors.items()}


def export(cfg):
    cfg = dict(cfg)
    gen = torch.Generator().manual_seed(cfg["seed"] + 1_000_003)
    if cfg.get("tokens") is None:
        cfg["tokens"] = torch.randint(0, cfg["vocab_size"], (cfg["seq_len"],), generator=gen).tolist()
    if cfg.get("targets") is None:
        cfg["targets"] = torch.randint(0, cfg["vocab_size"], (cfg["seq_len"],), generator=gen).tolist()
    validate(cfg)
    config = {k: cfg[k] for k in CONFIG_KEYS}
    tokens, targets = cfg["tokens"], cfg["targets"]

    params = init_parameters(cfg)
    initial = as_lists(params)

    loss, trace = forward(cfg, params, tokens, targets)
    names = list(params)
    grads = torch.autograd.grad(loss, [params[n] for n in names])
    gradients = {n: g.tolist() for n, g in zip(names, grads)}
    activations = as_lists(trace)
    activations["loss"] = loss.item()

    # Plain SGD: p <- p - lr * dloss/dp, fresh gradients every step.
    losses = []
    for _ in range(cfg["steps"]):
        for p in params.values():
            p.grad = None
        step_loss, _ = forward(cfg, params, tokens, targets)
        losses.append(step_loss.item())
        step_loss.backward()
        with torch.no_grad():
            for p in params.values():
                p -= cfg["lr"] * p.grad

    return {
        "format": FORMAT,
        "config": config,
        "tokens": list(tokens),
        "targets": list(targets),
        "parameters": initial,
        "activations": activations,
        "gradients": gradients,
        "training": {"loss": losses, "parameters": as_lists(params)},
    }


def validate(cfg):
    for k in ("vocab_size", "d_model", "heads", "d_ff", "seq_len"):
        assert isinstance(cfg[k], int) and cfg[k] >= 1, k
    assert cfg["d_model"] % cfg["heads"] == 0, "heads must divide d_model"
    assert isinstance(cfg["steps"], int) and cfg["steps"] >= 0
    for k in ("tokens", "targets"):
        assert len(cfg[k]) == cfg["seq_len"], k
        assert all(0 <= i < cfg["vocab_size"] for i in cfg[k]), k


def check_finite(value, where="document"):
    if isinstance(value, float):
        assert math.isfinite(value), "non-finite number in " + where
    elif isinstance(value, dict):
        for k, v in value.items():
            check_finite(v, where + "." + k)
    elif isinstance(value, list):
        for v in value:
            check_finite(v, where)


def dumps(value, indent=0):
    """JSON with one line per dict entry (objects indented, arrays kept on one line).

    Floats go through json's repr, which round-trips float64 exactly.
    """
    if isinstance(value, dict) and value:
        pad = "  " * (indent + 1)
        items = [pad + json.dumps(k) + ": " + dumps(v, indent + 1) for k, v in value.items()]
        return "{\n" + ",\n".join(items) + "\n" + "  " * indent + "}"
    return json.dumps(value, allow_nan=False, separators=(", ", ": "))


# ---------------------------------------------------------------------------
# Cases
# ---------------------------------------------------------------------------

def case(name, V, d, H, dff, T, causal, scale, residual, positional, seed, steps, lr,
         tokens=None, targets=None):
    return name, {"vocab_size": V, "d_model": d, "heads": H, "d_ff": dff, "seq_len": T,
                  "causal": causal, "scale": scale, "residual": residual,
                  "positional": positional, "seed": seed, "steps": steps, "lr": lr,
                  "tokens": tokens, "targets": targets}


CASES = [
    # The canonical lesson size.
    case("lesson_v8_d16_h2_ff32_t8_causal_scaled_residual_positional",
         8, 16, 2, 32, 8, True, True, True, True, 42, 5, 0.1,
         tokens=[1, 2, 3, 4, 5, 6, 7, 0], targets=[2, 3, 4, 5, 6, 7, 0, 1]),
    # Smallest full-featured block, one head, no training.
    case("causal_scaled_residual_positional_h1_steps0",
         5, 4, 1, 8, 4, True, True, True, True, 1, 0, 0.1,
         tokens=[0, 3, 1, 4], targets=[3, 1, 4, 2]),
    # Bidirectional attention.
    case("noncausal_scaled_residual_positional_h2",
         6, 6, 2, 10, 5, False, True, True, True, 7, 3, 0.05,
         tokens=[5, 0, 2, 2, 1], targets=[0, 2, 2, 1, 3]),
    # Unscaled scores, no position table, three heads; repeated tokens.
    case("causal_unscaled_residual_nopos_h3",
         7, 6, 3, 9, 6, True, False, True, False, 3, 3, 0.1,
         tokens=[1, 1, 6, 0, 1, 6], targets=[1, 6, 0, 1, 6, 2]),
    # No residual connections, four heads of width 2.
    case("causal_scaled_noresidual_positional_h4",
         10, 8, 4, 12, 7, True, True, False, True, 11, 5, 0.05),
    # Everything off; d_ff == d_model.
    case("noncausal_unscaled_noresidual_nopos_h2_ff4",
         4, 4, 2, 4, 3, False, False, False, False, 5, 2, 0.1,
         tokens=[3, 0, 3], targets=[0, 3, 1]),
    # A single position (T = 1): softmax over one entry. d_ff > 2 * d_model here.
    case("t1_causal_scaled_residual_positional_h1",
         3, 2, 1, 7, 1, True, True, True, True, 9, 3, 0.1,
         tokens=[2], targets=[0]),
    case("t1_noncausal_unscaled_noresidual_nopos_h2_steps0",
         2, 4, 2, 5, 1, False, False, False, False, 13, 0, 0.1,
         tokens=[1], targets=[1]),
    # Binary vocabulary.
    case("v2_causal_scaled_residual_positional_h2",
         2, 4, 2, 8, 6, True, True, True, True, 17, 4, 0.1,
         tokens=[0, 1, 1, 0, 1, 0], targets=[1, 1, 0, 1, 0, 0]),
    # Largest vocabulary, three heads of width 4, unscaled.
    case("v20_d12_h3_ff20_t8_causal_unscaled_residual_positional",
         20, 12, 3, 20, 8, True, False, True, True, 23, 5, 0.05),
    # d_model 16 with four heads, bidirectional, no residual, no positions.
    case("v16_d16_h4_ff24_t8_noncausal_scaled_noresidual_nopos",
         16, 16, 4, 24, 8, False, True, False, False, 29, 3, 0.1),
    # Narrow FFN (d_ff < d_model, d_ff odd): a third of the hidden units are clipped by relu.
    case("narrow_ffn_d8_ff3_causal_scaled_residual_nopos_h2",
         9, 8, 2, 3, 5, True, True, True, False, 31, 3, 0.1),
    # Ten SGD steps at a large learning rate (0.5) on a tiny copy task: loss falls 1.20 -> 0.016.
    case("copy_task_v4_d8_h2_ff16_t4_causal_scaled_residual_positional_steps10",
         4, 8, 2, 16, 4, True, True, True, True, 37, 10, 0.5,
         tokens=[0, 1, 2, 3], targets=[0, 1, 2, 3]),
]


def main():
    for old in os.listdir(HERE):
        if old.endswith(".json"):
            os.remove(os.path.join(HERE, old))
    for name, cfg in CASES:
        doc = export(cfg)
        check_finite(doc)
        path = os.path.join(HERE, name + ".json")
        with open(path, "w") as f:
            f.write(dumps(doc) + "\n")
        zeros = sum(v == 0.0 for row in doc["activations"]["ffn_hidden"] for v in row)
        total = cfg["seq_len"] * cfg["d_ff"]
        print("%-72s loss %.6f  relu zeros %d/%d" % (name + ".json", doc["activations"]["loss"], zeros, total))


if __name__ == "__main__":
    main()
