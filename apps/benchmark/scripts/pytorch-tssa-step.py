"""PyTorch reference timings for the threaded-wasm comparison in issue 14 (not part of the test suite).

Times, on the CPU with PyTorch's default thread count (printed), a 4096x256 @ 256x256 matMul and a TSSA train step
(forward + backward, dim 256, heads 4, batch 1, 4,096 tokens): projection X·U + u, column norms, membership Π
(softmax over heads), Π-weighted second moment, gain, y = −Π·w·g, output projection — the formulas of Wu et al.,
"Token Statistics Transformer", arXiv:2412.17810 §3. Usage: python3 pytorch-tssa-step.py [tokens]
"""
import sys
import time

import torch

torch.manual_seed(0)
N = int(sys.argv[1]) if len(sys.argv) > 1 else 4096
D, H = 256, 4
P = D // H


def median_ms(fn, repeats=7):
    """Median wall time and median process CPU time (all threads) per call, in ms."""
    fn()
    wall, cpu = [], []
    for _ in range(repeats):
        t, c = time.perf_counter(), time.process_time()
        fn()
        wall.append((time.perf_counter() - t) * 1000)
        cpu.append((time.process_time() - c) * 1000)
    return sorted(wall)[len(wall) // 2], sorted(cpu)[len(cpu) // 2]


a, b = torch.randn(N, D), torch.randn(D, D)
matmul_ms = median_ms(lambda: a @ b, 15)

x = torch.randn(1, N, D)
U = (torch.randn(D, D) / D**0.5).requires_grad_()
u = torch.zeros(D, requires_grad=True)
tau = torch.ones(H, 1, requires_grad=True)
O = (torch.randn(D, D) / D**0.5).requires_grad_()
o = torch.zeros(D, requires_grad=True)


def step():
    for t in (U, u, tau, O, o):
        t.grad = None
    w = (x @ U + u).reshape(1, N, H, P).transpose(1, 2)  # [B, H, N, P]
    nu = torch.sqrt(torch.clamp((w * w).sum(2, keepdim=True), min=1e-24))
    logits = ((w / nu) ** 2).sum(3) * tau.reshape(1, H, 1)
    pi = torch.softmax(logits, dim=1).unsqueeze(3)  # over heads
    s = (pi * w * w).sum(2, keepdim=True) / (pi.sum(2, keepdim=True) + 1e-8)
    y = -(pi * w) / (1 + s)
    out = y.transpose(1, 2).reshape(1, N, D) @ O + o
    out.sum().backward()


step_ms = median_ms(step)
print(
    f"torch {torch.__version__}, threads {torch.get_num_threads()}: matMul {N}x{D}x{D} wall {matmul_ms[0]:.1f} ms "
    f"(CPU {matmul_ms[1]:.1f} ms), TSSA train step ({N} tokens, dim {D}, heads {H}) wall {step_ms[0]:.1f} ms "
    f"(CPU {step_ms[1]:.1f} ms)"
)
