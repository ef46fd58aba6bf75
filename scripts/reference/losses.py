#!/usr/bin/python3
"""Reference values for Tests/lua/losses.lua and Tests/lua/weights.lua, in Float64.
Run: /usr/bin/python3 scripts/reference/losses.py > Tests/lua/losses_reference_data.lua

PyTorch (Debian python3-torch 1.13) gives cross-entropy, NLL, LDAM (the authors' formula on
top of F.cross_entropy), logit adjustment and balanced softmax. torchvision is not installed
here, so sigmoid_focal_loss is torchvision's 10-line formula copied below. The papers'
formulas (focal, class-balanced weights, threshold cross-entropy, group DRO, weight
functions) are written out in Float64; gradients come from torch autograd in Float64, with
the step weights of the threshold loss held constant.

Inputs are set by formulas that the Lua test repeats: logits element i = 3 cos(0.91 i).
"""
import math
import torch
import torch.nn.functional as F

torch.set_default_dtype(torch.float64)

def formula_logits(n, c, scale=3.0):
    return torch.tensor([scale * math.cos(0.91 * i) for i in range(n * c)]).reshape(n, c)

NORMAL = formula_logits(6, 4)
TARGETS = torch.tensor([0, 2, 1, 3, 3, 0])            # Lua: {1, 3, 2, 4, 4, 1}
SAMPLE_W = torch.tensor([0.5, 1.0, 2.0, 0.0, 1.5, 1.0])
EXTREME = torch.tensor([[100., -100., 0., 50.], [-100., 100., 50., -100.],
                        [100., 100., -100., 0.], [-100., -100., -100., 100.]])
EXTREME_T = torch.tensor([1, 0, 2, 3])                 # Lua: {2, 1, 3, 4}
CLASS_W = torch.tensor([0.2, 1.0, 2.5, 0.7])
COUNTS = [500.0, 100.0, 20.0, 5.0]

out = {}

def fmt(v):
    if isinstance(v, torch.Tensor):
        v = v.detach().reshape(-1).tolist()
    if isinstance(v, (list, tuple)):
        return "{" + ", ".join(fmt(x) for x in v) + "}"
    if isinstance(v, str):
        return '"%s"' % v
    return "%.17g" % v

def record(name, fn, x, **extra):
    """fn(x) -> scalar loss; stores the value and d loss / d x."""
    x = x.clone().requires_grad_(True)
    loss = fn(x)
    loss.backward()
    entry = {"loss": loss.item(), "grad": x.grad.clone()}
    entry.update(extra)
    out[name] = entry

def weighted_mean(per_sample, sw):
    return (per_sample * sw).sum() / sw.sum()

# --- cross-entropy with sample weights (sum s_n w_y l_n / sum s_n w_y) and NLL ------------
record("ce_sample_weights", lambda x: (F.cross_entropy(x, TARGETS, weight=CLASS_W, reduction="none") * SAMPLE_W).sum()
       / (SAMPLE_W * CLASS_W[TARGETS]).sum(), NORMAL)
LOGP = F.log_softmax(NORMAL, dim=1)
record("nll_weighted", lambda x: F.nll_loss(x, TARGETS, weight=CLASS_W), LOGP)
record("nll_sum", lambda x: F.nll_loss(x, TARGETS, reduction="sum"), LOGP)
record("nll_sample_weights", lambda x: (F.nll_loss(x, TARGETS, weight=CLASS_W, reduction="none") * SAMPLE_W).sum()
       / (SAMPLE_W * CLASS_W[TARGETS]).sum(), LOGP)

# --- softmax focal: -alpha_y (1 - p_y)^gamma log p_y, p_y the model's probability ----------
def focal_per_sample(x, y, gamma, alpha=None):
    logp = F.log_softmax(x, dim=1)
    logp_y = logp.gather(1, y[:, None])[:, 0]
    # 1 - p_y as the sum of the other probabilities (exact also when p_y is close to 1)
    others = x.masked_fill(F.one_hot(y, x.shape[1]).bool(), -math.inf)
    q = torch.exp(torch.logsumexp(others, dim=1) - torch.logsumexp(x, dim=1))
    a = alpha[y] if alpha is not None else torch.ones_like(q)
    return -a * q ** gamma * logp_y

ALPHA = torch.tensor([0.25, 0.5, 0.75, 1.0])
record("focal_g2", lambda x: focal_per_sample(x, TARGETS, 2.0).mean(), NORMAL)
record("focal_g05_alpha", lambda x: focal_per_sample(x, TARGETS, 0.5, ALPHA).mean(), NORMAL)
record("focal_g2_sample_weights", lambda x: weighted_mean(focal_per_sample(x, TARGETS, 2.0, ALPHA), SAMPLE_W), NORMAL)
record("focal_g0_is_ce", lambda x: focal_per_sample(x, TARGETS, 0.0).mean(), NORMAL)
record("focal_extreme_g2", lambda x: focal_per_sample(x, EXTREME_T, 2.0).mean(), EXTREME)
record("focal_extreme_g05", lambda x: focal_per_sample(x, EXTREME_T, 0.5).mean(), EXTREME)
out["focal_none"] = {"values": focal_per_sample(NORMAL, TARGETS, 2.0, ALPHA)}

# --- sigmoid focal: torchvision.ops.sigmoid_focal_loss (v0.14), copied --------------------
def sigmoid_focal_loss(inputs, targets, alpha=0.25, gamma=2.0, reduction="none"):
    p = torch.sigmoid(inputs)
    ce_loss = F.binary_cross_entropy_with_logits(inputs, targets, reduction="none")
    p_t = p * targets + (1 - p) * (1 - targets)
    loss = ce_loss * ((1 - p_t) ** gamma)
    if alpha >= 0:
        alpha_t = alpha * targets + (1 - alpha) * (1 - targets)
        loss = alpha_t * loss
    if reduction == "mean":
        loss = loss.mean()
    elif reduction == "sum":
        loss = loss.sum()
    return loss

ONEHOT = F.one_hot(TARGETS, 4).double()
record("sigmoid_focal", lambda x: sigmoid_focal_loss(x, ONEHOT, reduction="mean"), NORMAL)
record("sigmoid_focal_sum_noalpha_g1", lambda x: sigmoid_focal_loss(x, ONEHOT, alpha=-1, gamma=1.0, reduction="sum"), NORMAL)
record("sigmoid_focal_extreme", lambda x: sigmoid_focal_loss(x, F.one_hot(EXTREME_T, 4).double(), reduction="mean"), EXTREME)
record("sigmoid_focal_sample_weights", lambda x: (sigmoid_focal_loss(x, ONEHOT) * SAMPLE_W[:, None]).sum()
       / (SAMPLE_W.sum() * 4), NORMAL)

# --- class-balanced weights (Cui et al. 2019) and losses ---------------------------------
def cb_weights(counts, beta):
    w = [(1 - beta) / (1 - beta ** n) for n in counts]
    return [x * len(counts) / sum(w) for x in w]

out["cb_weights_0999"] = {"values": cb_weights(COUNTS, 0.999)}
out["cb_weights_09"] = {"values": cb_weights(COUNTS, 0.9)}
out["cb_weights_0"] = {"values": cb_weights(COUNTS, 0.0)}
W_CB = torch.tensor(cb_weights(COUNTS, 0.999))
record("cb_ce", lambda x: (W_CB[TARGETS] * F.cross_entropy(x, TARGETS, reduction="none")).mean(), NORMAL)
record("cb_ce_sample_weights", lambda x: weighted_mean(W_CB[TARGETS] * F.cross_entropy(x, TARGETS, reduction="none"), SAMPLE_W), NORMAL)
record("cb_focal", lambda x: focal_per_sample(x, TARGETS, 1.0, W_CB).mean(), NORMAL)

# --- threshold cross-entropy ---------------------------------------------------------------
def theta(v):          # unit step: 1 for v > 0, 1/2 at 0, 0 for v < 0
    return 1.0 if v > 0 else (0.0 if v < 0 else 0.5)

def lam(y, p, m, keep):
    if keep == "wrong_or_unsure":      # the formula with the unit step theta
        return 1 - theta(y - m) * theta(p - m) - theta(1 - m - y) * theta(1 - m - p)
    if keep == "wrong":                # the same formula with eps(v) = theta(-v), as written in the issue
        eps = lambda v: theta(-v)
        return 1 - eps(y - m) * eps(p - m) - eps(1 - m - y) * eps(1 - m - p)
    if keep == "unsure":
        return theta(p - (1 - m)) * theta(m - p)

def threshold_multi(x, y, m, keep="wrong_or_unsure", target_only=False):
    n, c = x.shape
    lse = torch.logsumexp(x, dim=1)
    total = []
    for i in range(n):
        row = 0
        for k in range(c):
            yk = 1.0 if k == y[i] else 0.0
            if target_only and yk == 0:
                continue
            logp = x[i, k] - lse[i]
            p = math.exp(logp.item())
            l = lam(yk, p, m, keep)
            if l == 0:
                continue
            if yk == 1:
                row = row - l * logp
            else:
                others = torch.cat([x[i, :k], x[i, k + 1:]])
                row = row - l * (torch.logsumexp(others, dim=0) - lse[i])   # -log(1 - p_k)
        total.append(row if torch.is_tensor(row) else x[i, 0] * 0)
    return torch.stack(total)

def threshold_binary(x, t, m, keep="wrong_or_unsure"):
    p = torch.sigmoid(x)
    l = torch.tensor([lam(t[i].item(), p[i].item(), m, keep) for i in range(len(x))])
    return l * F.binary_cross_entropy_with_logits(x, t, reduction="none")

for keep in ("wrong_or_unsure", "wrong", "unsure"):
    record("threshold_" + keep, lambda x: threshold_multi(x, TARGETS, 0.7, keep).mean(), NORMAL)
record("threshold_target_only", lambda x: threshold_multi(x, TARGETS, 0.7, target_only=True).mean(), NORMAL)
record("threshold_m06_sample_weights", lambda x: weighted_mean(threshold_multi(x, TARGETS, 0.6), SAMPLE_W), NORMAL)
record("threshold_extreme", lambda x: threshold_multi(x, EXTREME_T, 0.7).mean(), EXTREME)
record("threshold_extreme_wrong", lambda x: threshold_multi(x, EXTREME_T, 0.7, "wrong").mean(), EXTREME)
BIN_X = torch.tensor([2.0, -0.3, 0.1, -3.0, 100.0, -100.0, 0.5, -1.0])
BIN_T = torch.tensor([1.0, 1.0, 0.0, 0.0, 0.0, 1.0, 1.0, 0.0])
for keep in ("wrong_or_unsure", "wrong", "unsure"):
    record("threshold_binary_" + keep, lambda x: threshold_binary(x, BIN_T, 0.7, keep).mean(), BIN_X)
out["threshold_none"] = {"values": threshold_multi(NORMAL, TARGETS, 0.7)}

# --- LDAM (Cao et al. 2019), the authors' LDAMLoss.forward ---------------------------------
def ldam(x, y, counts, max_m=0.5, s=30.0, weight=None):
    m_list = 1.0 / torch.sqrt(torch.sqrt(torch.tensor(counts)))
    m_list = m_list * (max_m / torch.max(m_list))
    index = F.one_hot(y, x.shape[1]).bool()
    batch_m = m_list[y][:, None]
    output = torch.where(index, x - batch_m, x)
    return F.cross_entropy(s * output, y, weight=weight)

record("ldam", lambda x: ldam(x, TARGETS, COUNTS), NORMAL)
record("ldam_m03_s10_weights", lambda x: ldam(x, TARGETS, COUNTS, 0.3, 10.0, CLASS_W), NORMAL)
record("ldam_extreme", lambda x: ldam(x, EXTREME_T, COUNTS), EXTREME)

# --- logit adjustment (Menon et al. 2021) and balanced softmax (Ren et al. 2020) ------------
PRIORS = torch.tensor(COUNTS) / sum(COUNTS)
record("logit_adjusted", lambda x: F.cross_entropy(x + torch.log(PRIORS), TARGETS), NORMAL)
record("logit_adjusted_tau15", lambda x: F.cross_entropy(x + 1.5 * torch.log(PRIORS), TARGETS), NORMAL)
record("logit_adjusted_extreme", lambda x: F.cross_entropy(x + torch.log(PRIORS), EXTREME_T), EXTREME)
out["adjust_logits_tau15"] = {"values": NORMAL - 1.5 * torch.log(PRIORS)}
record("balanced_softmax", lambda x: F.cross_entropy(x + torch.log(torch.tensor(COUNTS)), TARGETS), NORMAL)

# --- group DRO (Sagawa et al. 2020, online; classes as groups), three steps -----------------
q = torch.full((4,), 0.25)
eta = 0.5
dro = {"loss": [], "q": []}
for step in range(3):
    x = (NORMAL * (1 + 0.5 * step)).clone().requires_grad_(True)
    losses = F.cross_entropy(x, TARGETS, reduction="none")
    sw = SAMPLE_W if step == 2 else torch.ones(6)
    gmap = F.one_hot(TARGETS, 4).double().t()                       # [G, N]
    gcount = gmap @ sw
    gloss = (gmap @ (losses * sw)) / (gcount + (gcount == 0).double())
    q = q * torch.exp(eta * gloss.detach())
    q = q / q.sum()
    robust = gloss @ q
    robust.backward()
    dro["loss"].append(robust.item())
    dro["q"].append(q.tolist())
    if step == 0:
        dro["grad"] = x.grad.clone()
out["group_dro"] = dro

# --- weight functions ----------------------------------------------------------------------
S = [0.92, 0.81, 0.64, 0.88]
mean = sum(S) / len(S)
def tpr_power(s, gamma):
    mu = sum(s) / len(s)
    return [(1 - (x - mu) / x) ** gamma for x in s]
out["w_tpr_power_2"] = {"values": tpr_power(S, 2.0)}
out["w_tpr_power_m1"] = {"values": tpr_power(S, -1.0)}
out["w_tpr_power_05_floor"] = {"values": tpr_power([0.9, 0.05, 0.6], 0.5)}   # {0.9, 0, 0.6} with floor 0.05
out["w_inverse"] = {"values": [1 / x for x in S]}
e = [math.exp(-x / 0.1) for x in S]
out["w_softmax_01"] = {"values": [len(S) * v / sum(e) for v in e]}
out["w_effective_number"] = {"values": cb_weights(COUNTS, 0.99)}
out["w_pseudo_counts"] = {"values": [10000 * x ** 2 / sum(v ** 2 for v in S) for x in S]}
out["w_variance"] = {"values": [sum((x - mean) ** 2 for x in S) / len(S)]}

print("-- Generated by scripts/reference/losses.py (PyTorch %s, Float64); do not edit." % torch.__version__)
print("return {")
for name, entry in out.items():
    print("  %s = {" % name)
    for k, v in entry.items():
        print("    %s = %s," % (k, fmt(v)))
    print("  },")
print("}")
