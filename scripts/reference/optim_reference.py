#!/usr/bin/python3
"""Reference values for Tests/NumericsTests/OptimTests.swift and Tests/lua/optim.lua.

Run with Debian's python3-torch (1.13):  /usr/bin/python3 scripts/reference/optim_reference.py
Prints Swift/Lua literals to paste into the tests.
"""
import math
import torch

torch.set_printoptions(precision=10)


def fmt(xs):
    return "[" + ", ".join(repr(float(x)) for x in xs) + "]"


# --- optimizers: a quadratic with fixed per-element curvature; q gets a gradient only on
# even steps (tests skipping parameters whose grad is None). Gradients are set directly:
# g = c * (p - target), computed in float32 exactly as the Swift test computes them.
P0 = [0.5, -1.25, 2.0, 0.75, -0.3, 1.6]
C = [1.0, 0.5, 2.0, 0.25, 3.0, 1.5]
TGT = [0.1, 0.2, -0.3, 0.4, -0.5, 0.6]
Q0 = [1.0, -2.0, 0.5]
QC = [0.7, 1.1, 0.4]


def run(make, steps=6):
    p = torch.tensor(P0).reshape(2, 3).requires_grad_()
    q = torch.tensor(Q0).requires_grad_()
    opt = make([p, q])
    c, tgt, qc = torch.tensor(C).reshape(2, 3), torch.tensor(TGT).reshape(2, 3), torch.tensor(QC)
    for t in range(1, steps + 1):
        opt.zero_grad(set_to_none=True)
        p.grad = c * (p.detach() - tgt)
        if t % 2 == 0:
            q.grad = qc * q.detach()
        opt.step()
    return p.detach().flatten().tolist(), q.detach().tolist()


configs = {
    "sgdPlain": lambda ps: torch.optim.SGD(ps, lr=0.1),
    "sgdMomentum": lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9, dampening=0.1, weight_decay=0.01),
    "sgdNesterov": lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9, nesterov=True, weight_decay=5e-4),
    "adam": lambda ps: torch.optim.Adam(ps, lr=0.01),
    "adamDecayAmsgrad": lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.8, 0.95), eps=1e-6, weight_decay=0.1, amsgrad=True),
    "adamW": lambda ps: torch.optim.AdamW(ps, lr=0.01, weight_decay=0.1),
    "adamWAmsgrad": lambda ps: torch.optim.AdamW(ps, lr=0.05, betas=(0.5, 0.9), amsgrad=True),
}
print("// optimizers after 6 steps: (p, q)")
for name, make in configs.items():
    p, q = run(make)
    print(f'"{name}": ({fmt(p)}, {fmt(q)}),')


# --- schedules: the learning rate (and momentum) after construction and each step.
def sequence(make_opt, make_sched, steps, momentum_key=None):
    w = torch.zeros(1, requires_grad=True)
    opt = make_opt([w])
    sched = make_sched(opt)
    lrs, moms = [], []
    for t in range(steps + 1):
        lrs.append(opt.param_groups[0]["lr"])
        if momentum_key == "momentum":
            moms.append(opt.param_groups[0]["momentum"])
        elif momentum_key == "betas":
            moms.append(opt.param_groups[0]["betas"][0])
        if t < steps:
            opt.step()
            sched.step()
    return lrs, moms


sgd = lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)
adam = lambda ps: torch.optim.Adam(ps, lr=0.1)
S = torch.optim.lr_scheduler
schedules = {
    "step": (sgd, lambda o: S.StepLR(o, step_size=3, gamma=0.5), 12, None),
    "multistep": (sgd, lambda o: S.MultiStepLR(o, milestones=[2, 5, 9], gamma=0.1), 12, None),
    "cosine": (sgd, lambda o: S.CosineAnnealingLR(o, T_max=10, eta_min=0.001), 14, None),
    "warmup": (sgd, lambda o: S.LinearLR(o, start_factor=0.25, total_iters=4), 8, None),
    "onecycle": (sgd, lambda o: S.OneCycleLR(o, max_lr=0.5, total_steps=20), 20, "momentum"),
    "onecycleLinear": (adam, lambda o: S.OneCycleLR(o, max_lr=0.01, total_steps=15, pct_start=0.4, anneal_strategy="linear", div_factor=10.0, final_div_factor=100.0), 15, "betas"),
    "onecycleThree": (sgd, lambda o: S.OneCycleLR(o, max_lr=0.2, total_steps=16, three_phase=True, base_momentum=0.8, max_momentum=0.9), 16, "momentum"),
}
print("// schedules: (lrs, momenta)")
for name, (mo, ms, n, mk) in schedules.items():
    lrs, moms = sequence(mo, ms, n, mk)
    print(f'"{name}": ({fmt(lrs)}, {fmt(moms)}),')


# --- clipping
G = [[0.3, -1.2, 2.5, 0.0], [1.7, -0.4], [-2.2, 3.1, 0.9]]


def clip(max_norm, norm_type):
    ps = [torch.zeros(len(g), requires_grad=True) for g in G]
    for p, g in zip(ps, G):
        p.grad = torch.tensor(g)
    total = torch.nn.utils.clip_grad_norm_(ps, max_norm, norm_type)
    return float(total), [x for p in ps for x in p.grad.tolist()]


print("// clip_grad_norm: (total, clipped grads flattened)")
for max_norm, norm_type in [(1.0, 2.0), (2.5, 1.0), (1.5, math.inf), (3.0, 3.0), (100.0, 2.0)]:
    total, gs = clip(max_norm, norm_type)
    print(f"({max_norm}, {norm_type}): ({total!r}, {fmt(gs)}),")
ps = [torch.zeros(len(g), requires_grad=True) for g in G]
for p, g in zip(ps, G):
    p.grad = torch.tensor(g)
torch.nn.utils.clip_grad_value_(ps, 1.0)
print("// clip_grad_value 1.0:", fmt([x for p in ps for x in p.grad.tolist()]))

# --- Lua test: Adam(lr=0.1) then 5 steps on loss = sum((w - t)^2 * c) through autograd
w = torch.tensor([1.0, -1.0, 0.5], requires_grad=True)
t = torch.tensor([0.2, 0.4, -0.6])
c = torch.tensor([1.0, 2.0, 0.5])
opt = torch.optim.Adam([w], lr=0.1)
for _ in range(5):
    opt.zero_grad()
    ((w - t) ** 2 * c).sum().backward()
    opt.step()
print("// lua adam:", fmt(w.detach().tolist()))
w = torch.tensor([1.0, -1.0, 0.5], requires_grad=True)
opt = torch.optim.SGD([w], lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
for _ in range(5):
    opt.zero_grad()
    ((w - t) ** 2 * c).sum().backward()
    opt.step()
print("// lua sgd nesterov:", fmt(w.detach().tolist()))
