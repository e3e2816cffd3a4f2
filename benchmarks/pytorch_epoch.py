#!/usr/bin/python3
"""Times training epochs of the NAS-Bench-201 network in PyTorch, for comparison with nas-run's
LibTorch trainer (bench_live_vs_pytorch). Same network, same synthetic data, same batch size and
number of iterations, same optimiser and per-iteration cosine learning rate; warm-up epochs are
not timed. Prints one JSON object: {"epoch_times": [...], "losses": [...], "params": N}.

Run with Debian's interpreter (/usr/bin/python3, package python3-torch)."""
import argparse
import json
import math
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

OPS = ["none", "skip_connect", "nor_conv_1x1", "nor_conv_3x3", "avg_pool_3x3"]
EDGE_FROM = [0, 0, 1, 0, 1, 2]
EDGE_TO = [1, 2, 2, 3, 3, 3]


def parse_arch(text):
    # |op~0|+|op~0|op~1|+|op~0|op~1|op~2|  -> six op names in edge order
    ops = []
    for node in text.strip("|").split("|+|"):
        for item in node.strip("|").split("|"):
            ops.append(item.split("~")[0])
    assert len(ops) == 6 and all(o in OPS for o in ops), text
    return ops


def relu_conv_bn(cin, cout, k, stride):
    return nn.Sequential(nn.ReLU(), nn.Conv2d(cin, cout, k, stride=stride, padding=k // 2, bias=False),
                         nn.BatchNorm2d(cout))


class Cell(nn.Module):
    def __init__(self, c, ops):
        super().__init__()
        self.ops = ops
        self.edges = nn.ModuleDict()
        for d, op in enumerate(ops):
            if op == "nor_conv_1x1":
                self.edges[str(d)] = relu_conv_bn(c, c, 1, 1)
            elif op == "nor_conv_3x3":
                self.edges[str(d)] = relu_conv_bn(c, c, 3, 1)
        self.pool = nn.AvgPool2d(3, stride=1, padding=1, count_include_pad=False)

    def forward(self, x):
        nodes = [x]
        for j in (1, 2, 3):
            total = None
            for d, op in enumerate(self.ops):
                if EDGE_TO[d] != j or op == "none":
                    continue
                src = nodes[EDGE_FROM[d]]
                if op == "skip_connect":
                    y = src
                elif op == "avg_pool_3x3":
                    y = self.pool(src)
                else:
                    y = self.edges[str(d)](src)
                total = y if total is None else total + y
            nodes.append(total if total is not None else torch.zeros_like(x))
        return nodes[3]


class Reduction(nn.Module):
    def __init__(self, cin, cout):
        super().__init__()
        self.conv_a = relu_conv_bn(cin, cout, 3, 2)
        self.conv_b = relu_conv_bn(cout, cout, 3, 1)
        self.shortcut = nn.Sequential(nn.AvgPool2d(2, 2), nn.Conv2d(cin, cout, 1, bias=False))

    def forward(self, x):
        return self.shortcut(x) + self.conv_b(self.conv_a(x))


class Network(nn.Module):
    def __init__(self, c, n, ops, classes, in_channels):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_channels, c, 3, padding=1, bias=False), nn.BatchNorm2d(c))
        layers, ch = [], c
        for stage in range(3):
            if stage > 0:
                layers.append(Reduction(ch, 2 * ch))
                ch *= 2
            layers += [Cell(ch, ops) for _ in range(n)]
        self.body = nn.Sequential(*layers)
        self.last = nn.Sequential(nn.BatchNorm2d(ch), nn.ReLU())
        self.classifier = nn.Linear(ch, classes)

    def forward(self, x):
        y = self.last(self.body(self.stem(x)))
        return self.classifier(F.adaptive_avg_pool2d(y, 1).flatten(1))


def synthetic(images, channels, size):
    # The same bytes as bench_live_vs_pytorch.cpp: pixel k = (k * 2654435761 mod 2^32) >> 24.
    k = torch.arange(images * channels * size * size, dtype=torch.int64)
    pixels = ((k * 2654435761) % (1 << 32)) >> 24
    labels = torch.arange(images, dtype=torch.int64) % 10
    return pixels.to(torch.uint8).view(images, channels, size, size), labels


def main():
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument("--arch", required=True)
    p.add_argument("--channels", type=int, default=16)
    p.add_argument("--cells", type=int, default=5)
    p.add_argument("--classes", type=int, default=10)
    p.add_argument("--in-channels", type=int, default=3)
    p.add_argument("--image-size", type=int, default=16)
    p.add_argument("--images", type=int, default=1024)
    p.add_argument("--batch", type=int, default=256)
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int, default=1)
    p.add_argument("--epochs", type=int, default=2)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args()

    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    pixels, labels = synthetic(a.images, a.in_channels, a.image_size)
    scaled = pixels.float() / 255
    mean = scaled.mean(dim=(0, 2, 3)).view(1, -1, 1, 1)
    std = scaled.std(dim=(0, 2, 3), unbiased=False).clamp_min(1e-3).view(1, -1, 1, 1)

    net = Network(a.channels, a.cells, parse_arch(a.arch), a.classes, a.in_channels)
    params = sum(t.numel() for t in net.parameters())
    opt = torch.optim.SGD(net.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    total_epochs = a.warmup + a.epochs
    iters = (a.images + a.batch - 1) // a.batch
    if a.images % a.batch == 1:
        iters -= 1
    gen = torch.Generator().manual_seed(a.seed)
    times, losses = [], []
    for epoch in range(total_epochs):
        start = time.perf_counter()
        net.train()
        order = torch.randperm(a.images, generator=gen)
        loss_sum, correct = 0.0, 0
        for it in range(iters):
            step = epoch * iters + it
            for g in opt.param_groups:
                g["lr"] = 0.5 * 0.1 * (1 + math.cos(math.pi * step / (total_epochs * iters)))
            idx = order[it * a.batch:(it + 1) * a.batch]
            x = (pixels[idx].float().div_(255) - mean) / std
            y = labels[idx]
            opt.zero_grad()
            logits = net(x)
            loss = F.cross_entropy(logits, y)
            value = loss.item()
            loss.backward()
            opt.step()
            loss_sum += value * len(idx)
            correct += int(logits.detach().argmax(1).eq(y).sum().item())
        elapsed = time.perf_counter() - start
        if epoch >= a.warmup:
            times.append(elapsed)
            losses.append(loss_sum / a.images)
    print(json.dumps({"epoch_times": times, "losses": losses, "params": params}))


if __name__ == "__main__":
    main()
