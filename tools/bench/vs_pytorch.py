# PyTorch twin of heyhi's train task (runners/) for tools/bench/vs_pytorch.sh: trains, reads heyhi's results, prints the table.
"""Subcommands (the shell script drives them):

  train --flat FLAT --out JSON [--state PT]   train in PyTorch from a composed config
  heyhi --exp-root DIR --out JSON [--state PT]  read one heyhi run (metrics, checkpoint)
  record --json JSON --results RESULTS ...    append one run (with its peak RSS) to RESULTS
  meta --flat FLAT --results RESULTS ...      append what a model's series runs
  report RESULTS                              print the table of all runs

FLAT is the output of `run -c CFG ... --print-flat-all`: the TrainTask heyhi
runs, so both sides read the same batch size, optimizer, lr schedule, model
sizes, dropout, seed and thread count. The PyTorch side mirrors
runners/trainer.cc step for step (lr, per-step seed, index_select of the
shuffled batch, normalisation, zero_grad, forward, cross entropy, backward,
grad-norm clipping, optimizer step, loss.item()) and times the same span.
"""

import argparse
import gzip
import json
import math
import os
import statistics
import struct
import sys
import time

MASK64 = (1 << 64) - 1
NUM_CLASSES = 10
# runners/models.cc NormalizeImages: Fashion-MNIST training-set mean and std.
MEAN, STD = 0.2860, 0.3530
FLOAT_FIELDS = ("lr", "lr_decay", "clip_grad_norm", "momentum", "weight_decay")


def f32(x):
    """A proto `float` as C++ reads it into a double."""
    return struct.unpack("f", struct.pack("f", float(x)))[0]


def read_flat(path):
    cfg = {}
    with open(path) as f:
        for line in f:
            line = line.strip()
            if line and "=" in line:
                key, value = line.split("=", 1)
                cfg[key] = value
    return cfg


def encoder_of(cfg):
    for name in ("mlp", "conv", "transformer"):
        if any(k.startswith(name + ".") for k in cfg):
            return name
    raise SystemExit("vs_pytorch.py: the config chooses no encoder")


def encoder_cfg(cfg, name):
    out = {}
    for key, value in cfg.items():
        if key.startswith(name + "."):
            field = key[len(name) + 1:]
            if field == "dropout":
                out[field] = f32(value)
            elif field == "activation":
                out[field] = value
            else:
                out[field] = int(value)
    return out


def expected_params(cfg, rows=28, cols=28):
    """The parameter count of heyhi's model, from the layer sizes in runners/models.cc."""
    name = encoder_of(cfg)
    e = encoder_cfg(cfg, name)
    linear = lambda i, o: i * o + o
    if name == "mlp":
        total, width = 0, rows * cols
        for _ in range(e["num_layers"]):
            total += linear(width, e["hidden_dim"])
            width = e["hidden_dim"]
        return total + linear(width, NUM_CLASSES)
    if name == "conv":
        total, cin, ch = 0, 1, e["channels"]
        for _ in range(e["num_blocks"]):
            total += cin * ch * 9 + 2 * ch  # 3x3 conv without bias, batch norm weight and bias
            cin, ch, rows, cols = ch, ch * 2, rows // 2, cols // 2
        return total + linear(cin * rows * cols, NUM_CLASSES)
    d, ff, p = e["embed_dim"], e["ff_channels"], e["patch_size"]
    block = 2 * (2 * d) + linear(d, 3 * d) + linear(d, d) + linear(d, ff) + linear(ff, d)
    tokens = (rows // p) * (cols // p)
    return linear(p * p, d) + tokens * d + e["num_blocks"] * block + 2 * d + linear(d, NUM_CLASSES)


# --- Seeds and schedule, as runners/trainer.cc and runners/lr_schedule.cc. ---


def mix(x):  # splitmix64
    x = (x + 0x9E3779B97F4A7C15) & MASK64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & MASK64
    return x ^ (x >> 31)


def shuffle_seed(seed, epoch):
    return mix(mix(seed & MASK64) ^ mix((epoch + 1) & MASK64))


def step_seed(seed, epoch, step, rank):
    return mix(mix(mix(mix(seed & MASK64) ^ 0x5EED) ^ mix(epoch & MASK64)) ^ mix((step * 4099 + rank) & MASK64))


def learning_rate(peak, decay, warmup, epoch, step, steps_per_epoch):
    if epoch < warmup:
        t = epoch + (step / steps_per_epoch if steps_per_epoch > 0 else 0.0)
        return peak * (1.0 + t) / (warmup + 1.0)
    return peak * math.pow(decay, epoch - warmup)


# --- Data: the gzipped IDX files, as runners/idx_file.cc and evaluator.cc. ---


def read_idx(path, ndims):
    with gzip.open(path, "rb") as f:
        data = f.read()
    magic = struct.unpack(">I", data[:4])[0]
    if magic != 0x800 + ndims:
        raise SystemExit(f"{path}: not an IDX file of {ndims} dimensions")
    dims = struct.unpack(">" + "I" * ndims, data[4:4 + 4 * ndims])
    return dims, data[4 + 4 * ndims:]


def load_split(torch, directory, split, max_samples):
    prefix = "train" if split == "train" else "t10k"
    dims, pixels = read_idx(os.path.join(directory, f"{prefix}-images-idx3-ubyte.gz"), 3)
    _, labels = read_idx(os.path.join(directory, f"{prefix}-labels-idx1-ubyte.gz"), 1)
    count, rows, cols = dims
    if max_samples > 0:
        count = min(count, max_samples)
    images = torch.frombuffer(bytearray(pixels[: count * rows * cols]), dtype=torch.uint8)
    images = images.reshape(count, rows * cols).clone()
    labels = torch.frombuffer(bytearray(labels[:count]), dtype=torch.uint8).to(torch.int64)
    return images, labels, rows, cols


def normalize(torch, images, rows, cols):
    return ((images.to(torch.float32) / 255.0 - MEAN) / STD).view(-1, 1, rows, cols)


# --- The models of runners/models.cc, modules registered in the same order. ---


def build_model(torch, cfg, rows, cols):
    nn, F = torch.nn, torch.nn.functional
    name = encoder_of(cfg)
    e = encoder_cfg(cfg, name)

    def activate(activation, x):
        return F.gelu(x) if activation == "GELU" else F.relu(x)

    class Mlp(nn.Module):
        def __init__(self):
            super().__init__()
            self.activation, self.dropout, self.names = e["activation"], e["dropout"], []
            width = rows * cols
            for i in range(e["num_layers"]):
                setattr(self, f"hidden{i}", nn.Linear(width, e["hidden_dim"]))
                self.names.append(f"hidden{i}")
                width = e["hidden_dim"]
            self.head = nn.Linear(width, NUM_CLASSES)

        def forward(self, images):
            x = images.flatten(1)
            for n in self.names:
                x = F.dropout(activate(self.activation, getattr(self, n)(x)), self.dropout, self.training)
            return self.head(x)

    class Conv(nn.Module):
        def __init__(self):
            super().__init__()
            self.activation, self.dropout, self.n = e["activation"], e["dropout"], e["num_blocks"]
            cin, ch, r, c = 1, e["channels"], rows, cols
            for i in range(self.n):
                setattr(self, f"conv{i}", nn.Conv2d(cin, ch, 3, padding=1, bias=False))
                setattr(self, f"norm{i}", nn.BatchNorm2d(ch))
                cin, ch, r, c = ch, ch * 2, r // 2, c // 2
            self.head = nn.Linear(cin * r * c, NUM_CLASSES)

        def forward(self, images):
            x = images
            for i in range(self.n):
                conv, norm = getattr(self, f"conv{i}"), getattr(self, f"norm{i}")
                x = F.max_pool2d(activate(self.activation, norm(conv(x))), 2)
            x = F.dropout(x.flatten(1), self.dropout, self.training)
            return self.head(x)

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            d = e["embed_dim"]
            self.heads, self.activation, self.dropout = e["num_heads"], e["activation"], e["dropout"]
            self.attention_norm = nn.LayerNorm(d)
            self.qkv = nn.Linear(d, 3 * d)
            self.projection = nn.Linear(d, d)
            self.mlp_norm = nn.LayerNorm(d)
            self.mlp_in = nn.Linear(d, e["ff_channels"])
            self.mlp_out = nn.Linear(e["ff_channels"], d)

        def forward(self, tokens):
            b, length, d = tokens.shape
            hd = d // self.heads
            qkv = self.qkv(self.attention_norm(tokens)).view(b, length, 3, self.heads, hd).permute(2, 0, 3, 1, 4)
            scores = torch.matmul(qkv[0], qkv[1].transpose(-2, -1)) / math.sqrt(hd)
            weights = F.dropout(torch.softmax(scores, -1), self.dropout, self.training)
            attended = torch.matmul(weights, qkv[2]).transpose(1, 2).reshape(b, length, d)
            x = tokens + F.dropout(self.projection(attended), self.dropout, self.training)
            hidden = F.dropout(activate(self.activation, self.mlp_in(self.mlp_norm(x))), self.dropout, self.training)
            return x + F.dropout(self.mlp_out(hidden), self.dropout, self.training)

    class PatchTransformer(nn.Module):
        def __init__(self):
            super().__init__()
            d, self.p = e["embed_dim"], e["patch_size"]
            self.embedding = nn.Linear(self.p * self.p, d)
            self.positions = nn.Parameter(torch.randn(1, (rows // self.p) * (cols // self.p), d) * 0.02)
            self.n = e["num_blocks"]
            for i in range(self.n):
                setattr(self, f"block{i}", Block())
            self.final_norm = nn.LayerNorm(d)
            self.head = nn.Linear(d, NUM_CLASSES)

        def forward(self, images):
            b, p = images.shape[0], self.p
            patches = images.reshape(b, rows // p, p, cols // p, p).permute(0, 1, 3, 2, 4).reshape(b, -1, p * p)
            x = self.embedding(patches) + self.positions
            for i in range(self.n):
                x = getattr(self, f"block{i}")(x)
            return self.head(self.final_norm(x).mean(1))

    return {"mlp": Mlp, "conv": Conv, "transformer": PatchTransformer}[name]()


def clip_grad_norm(torch, parameters, max_norm):
    """LibTorch's torch::nn::utils::clip_grad_norm_ (2-norm), which heyhi calls, in Python.

    torch.nn.utils.clip_grad_norm_ does the same work, but computes
    max_norm / (norm + 1e-6) as reciprocal() * max_norm where C++'s
    `double / Tensor` divides: the coefficient can differ in its last bit, and
    the weights drift apart by ~1e-7 within a few steps of the CNN. This keeps
    both sides bit for bit equal, so the final weights prove the same work.
    """
    grads = [p.grad for p in parameters if p.grad is not None]
    if not grads:
        return 0.0
    norms = [torch.norm(g.detach(), 2.0) for g in grads]
    total = norms[0] if len(norms) == 1 else torch.norm(torch.stack(norms), 2.0)
    denominator = total + 1e-6
    coefficient = torch.clamp(torch.empty_like(denominator).fill_(max_norm).div_(denominator), max=1.0)
    for g in grads:
        g.detach().mul_(coefficient)
    return total.item()


def evaluate(torch, model, images, labels, batch_size, rows, cols):
    """runners/evaluator.cc Evaluate, one rank: outside the timing, for the same process work."""
    F = torch.nn.functional
    with torch.no_grad():
        model.eval()
        loss_sum = torch.zeros(1, dtype=torch.float64)
        correct = torch.zeros(NUM_CLASSES, dtype=torch.int64)
        count = torch.zeros(NUM_CLASSES, dtype=torch.int64)
        for start in range(0, images.shape[0], batch_size):
            n = min(batch_size, images.shape[0] - start)
            logits = model(normalize(torch, images.narrow(0, start, n), rows, cols))
            batch_labels = labels.narrow(0, start, n)
            loss_sum += F.cross_entropy(logits, batch_labels, reduction="sum").to(torch.float64)
            hit = logits.argmax(1).eq(batch_labels).to(torch.int64)
            count.index_add_(0, batch_labels, torch.ones_like(batch_labels))
            correct.index_add_(0, batch_labels, hit)
        model.train()
    total = int(count.sum())
    return float(loss_sum) / total, int(correct.sum()) / total


def cmd_train(args):
    import torch

    F = torch.nn.functional
    cfg = read_flat(args.flat)
    if int(cfg.get("launcher.local.num_procs", "1")) != 1:
        raise SystemExit("vs_pytorch.py: compares one process; set launcher.local.num_procs=1")
    threads = int(cfg["num_threads"]) or (os.cpu_count() or 1)
    torch.set_num_threads(threads)
    torch.use_deterministic_algorithms(True)  # trainer.cc: setDeterministicAlgorithms(true, false) on CPU
    batch = int(cfg["batch_size"])
    seed = int(cfg["seed"])
    lr, lr_decay, clip, momentum, weight_decay = (f32(cfg[k]) for k in FLOAT_FIELDS)
    warmup, num_epochs = int(cfg["warmup_epochs"]), int(cfg["num_epochs"])

    directory = cfg["data.dir"]
    train_x, train_y, rows, cols = load_split(torch, directory, "train", int(cfg["data.max_train_samples"]))
    test_x, test_y, _, _ = load_split(torch, directory, "test", int(cfg["data.max_test_samples"]))
    steps = train_x.shape[0] // batch
    if int(cfg["max_steps_per_epoch"]) > 0:
        steps = min(steps, int(cfg["max_steps_per_epoch"]))

    torch.manual_seed(seed)
    model = build_model(torch, cfg, rows, cols)
    params = list(model.parameters())
    if cfg["optimizer"] == "ADAM":
        optimizer = torch.optim.Adam(params, lr=lr, weight_decay=weight_decay)
    else:
        optimizer = torch.optim.SGD(params, lr=lr, momentum=momentum, weight_decay=weight_decay)

    results = []
    for epoch in range(num_epochs):
        order = torch.randperm(
            train_x.shape[0], generator=torch.Generator().manual_seed(shuffle_seed(seed, epoch)), dtype=torch.int64
        )
        model.train()
        loss_sum, seconds = 0.0, 0.0
        for step in range(steps):
            start = time.perf_counter()
            step_lr = learning_rate(lr, lr_decay, warmup, epoch, step, steps)
            for group in optimizer.param_groups:
                group["lr"] = step_lr
            torch.manual_seed(step_seed(seed, epoch, step, 0))
            indices = order.narrow(0, step * batch, batch)
            images = normalize(torch, train_x.index_select(0, indices), rows, cols)
            labels = train_y.index_select(0, indices)
            optimizer.zero_grad()
            loss = F.cross_entropy(model(images), labels)
            loss.backward()
            mean_loss = loss.detach().reshape(1).clone()
            if clip > 0:
                clip_grad_norm(torch, params, clip)
            optimizer.step()
            step_loss = mean_loss.item()
            if not math.isfinite(step_loss):
                raise SystemExit(f"vs_pytorch.py: training loss {step_loss} at step {step}")
            loss_sum += step_loss
            seconds += time.perf_counter() - start
        test_loss, test_accuracy = evaluate(
            torch, model, test_x, test_y, int(cfg["eval_batch_size"]), rows, cols
        )
        results.append(
            {
                "epoch": epoch + 1,
                "train_loss": loss_sum / steps,
                "test_loss": test_loss,
                "test_accuracy": test_accuracy,
                "train_seconds": seconds,
                "samples_per_s": steps * batch / max(seconds, 1e-9),
            }
        )
    if args.state:
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict()}, args.state)
    last = results[-1]
    out = {
        "side": "pytorch",
        "samples_per_s": last["samples_per_s"],
        "train_loss": last["train_loss"],
        "test_accuracy": last["test_accuracy"],
        "params": sum(p.numel() for p in params),
        "param_shapes": {n: list(p.shape) for n, p in model.named_parameters()},
        "threads": f"{torch.get_num_threads()} intra-op, {torch.get_num_interop_threads()} inter-op",
        "torch": torch.__version__,
    }
    with open(args.out, "w") as f:
        json.dump(out, f)


def find_one(root, name):
    found = [os.path.join(d, name) for d, _, files in os.walk(root) if name in files and "/.bin/" not in d + "/"]
    if len(found) != 1:
        raise SystemExit(f"vs_pytorch.py: expected one {name} under {root}, found {len(found)}")
    return found[0]


def cmd_heyhi(args):
    import torch

    metrics_path = find_one(args.exp_root, "metrics.jsonl")
    exp = os.path.dirname(metrics_path)
    with open(metrics_path) as f:
        last = [json.loads(line) for line in f if line.strip()][-1]
    threads = ""
    with open(os.path.join(exp, "run.log")) as f:
        for line in f:
            if "] threads: " in line:
                threads = line.split("] threads: ", 1)[1].split(" (")[0].strip()
    checkpoint = torch.jit.load(os.path.join(exp, "checkpoint.pt"))
    named = dict(checkpoint.model.named_parameters())
    out = {
        "side": "heyhi",
        "samples_per_s": last["samples_per_s"],
        "train_loss": last["train_loss"],
        "test_accuracy": last["test_accuracy"],
        "params": sum(p.numel() for p in named.values()),
        "param_shapes": {n: list(p.shape) for n, p in named.items()},
        "threads": threads,
    }
    if args.state and os.path.exists(args.state):
        theirs = torch.load(args.state)["model"]
        diffs = [float((named[n].detach() - theirs[n]).abs().max()) for n in named if n in theirs]
        out["weights_max_abs_diff"] = max(diffs) if diffs else None
    with open(args.out, "w") as f:
        json.dump(out, f)


def cmd_record(args):
    """Appends one run, with its peak RSS and labels, to the results file and prints it."""
    with open(args.json) as f:
        r = json.load(f)
    r.update(model=args.model, side=args.side, run=args.run, rss_kb=args.rss_kb)
    with open(args.results, "a") as f:
        f.write(json.dumps(r) + "\n")
    print(
        f"   {args.model} run {args.run} {args.side}: {r['samples_per_s']:.0f} samples/s, "
        f"peak RSS {args.rss_kb / 1024:.0f} MiB, train loss {r['train_loss']:.6f}"
    )


def cmd_meta(args):
    """Records what a model's series runs: config, overrides, load, heyhi's parameter count by formula."""
    r = {
        "model": args.model,
        "side": "meta",
        "config": args.config,
        "overrides": args.overrides,
        "load": args.load,
        "expected_params": expected_params(read_flat(args.flat)),
    }
    with open(args.results, "a") as f:
        f.write(json.dumps(r) + "\n")


def cmd_report(args):
    rows = []
    with open(args.results) as f:
        rows = [json.loads(line) for line in f if line.strip()]
    models = []
    for r in rows:
        if r["model"] not in models:
            models.append(r["model"])
    columns = [
        ("pytorch", "pytorch"),
        ("heyhi", "heyhi"),
        ("heyhi_glibc", "heyhi glibc, tuned"),
        ("heyhi_malloc_defaults", "heyhi glibc defaults"),
        ("heyhi_jemalloc", "heyhi jemalloc"),
    ]
    ok = True
    for model in models:
        mine = [r for r in rows if r["model"] == model]
        meta = next(r for r in mine if r["side"] == "meta")
        cols = [(key, title) for key, title in columns if any(r["side"] == key for r in mine)]
        print()
        print(f"== {model}: {meta['config']} {meta['overrides']}")
        print(f"   load average before the series: {meta['load']}")
        counts = {key: sorted({r["params"] for r in mine if r["side"] == key}) for key, _ in cols}
        shapes = {key: next(r["param_shapes"] for r in mine if r["side"] == key) for key, _ in cols}
        match = all(c == [meta["expected_params"]] for c in counts.values()) and all(
            s == shapes["pytorch"] for s in shapes.values()
        )
        ok = ok and match
        print(
            "   parameters: pytorch %s, heyhi checkpoint %s, models.cc formula %d: %s"
            % (
                "/".join(map(str, counts.get("pytorch", []))),
                "/".join(map(str, counts.get("heyhi", []))),
                meta["expected_params"],
                "match (same names and shapes)" if match else "MISMATCH",
            )
        )
        for key, title in cols:
            threads = sorted({r["threads"] for r in mine if r["side"] == key})
            print(f"   threads, {title}: {', '.join(threads)}")
        print(("   run " + "".join(f"| {title:<26s}" for _, title in cols)).rstrip())
        print(("       " + "".join(f"| {'samples/s':>10s} {'peak RSS MiB':>14s} " for _ in cols)).rstrip())
        runs = sorted({r["run"] for r in mine if r["side"] != "meta"})
        for run in runs:
            line = f"   {run:>3d} "
            for key, _ in cols:
                r = next((r for r in mine if r["side"] == key and r["run"] == run), None)
                line += f"| {r['samples_per_s']:10.0f} {r['rss_kb'] / 1024:14.0f} " if r else "| " + " " * 26
            print(line.rstrip())
        medians = {}
        line = "   med "
        for key, _ in cols:
            values = [r for r in mine if r["side"] == key]
            medians[key] = statistics.median(r["samples_per_s"] for r in values)
            rss = statistics.median(r["rss_kb"] for r in values) / 1024
            line += f"| {medians[key]:10.0f} {rss:14.0f} "
        print(line.rstrip())
        for key, title in cols[1:]:
            print(f"   ratio {title}/pytorch (medians): {medians[key] / medians['pytorch']:.3f}")
        loss = {key: [r["train_loss"] for r in mine if r["side"] == key] for key, _ in cols}
        acc = {key: [r["test_accuracy"] for r in mine if r["side"] == key] for key, _ in cols}
        print(
            "   same work: train loss (mean over the steps) "
            + ", ".join(f"{k} {min(v):.6f}..{max(v):.6f}" for k, v in loss.items())
        )
        print("   test accuracy " + ", ".join(f"{k} {min(v):.4f}..{max(v):.4f}" for k, v in acc.items()))
        diffs = [r["weights_max_abs_diff"] for r in mine if r.get("weights_max_abs_diff") is not None]
        if diffs:
            print(f"   final weights, heyhi's run 1 vs pytorch's run 1: max |difference| {max(diffs):.3g}")
    if not ok:
        print("\nvs_pytorch: the parameter counts or shapes differ between the two sides", file=sys.stderr)
        sys.exit(1)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="cmd", required=True)
    p = sub.add_parser("train")
    p.add_argument("--flat", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--state")
    p = sub.add_parser("heyhi")
    p.add_argument("--exp-root", required=True)
    p.add_argument("--out", required=True)
    p.add_argument("--state")
    p = sub.add_parser("meta")
    for flag in ("--flat", "--results", "--model", "--config", "--overrides", "--load"):
        p.add_argument(flag, required=True)
    p = sub.add_parser("record")
    p.add_argument("--json", required=True)
    p.add_argument("--results", required=True)
    p.add_argument("--model", required=True)
    p.add_argument("--side", required=True)
    p.add_argument("--run", type=int, required=True)
    p.add_argument("--rss-kb", type=int, required=True)
    p = sub.add_parser("report")
    p.add_argument("results")
    args = parser.parse_args()
    if args.cmd == "train":
        cmd_train(args)
    elif args.cmd == "heyhi":
        cmd_heyhi(args)
    elif args.cmd == "record":
        cmd_record(args)
    elif args.cmd == "meta":
        cmd_meta(args)
    else:
        cmd_report(args)


if __name__ == "__main__":
    main()
