#!/usr/bin/python3
"""Reference values for Tests/lua/nn_reference.lua, computed with PyTorch (Debian
python3-torch 1.13). Run: /usr/bin/python3 scripts/reference/layers.py > Tests/lua/nn_reference_data.lua

Weights, inputs and the output projection are set by formulas that the Lua test applies
too, so only the results need to be stored:
  parameter k (0-based, in named_parameters order), flat element i: 0.1 * sin(0.7 * i + k)
  input element i: cos(0.91 * i) (scaled per case)
  loss = sum(output * proj), proj element i: sin(1.3 * i)
"""
import math
import torch
import torch.nn as nn
from torch_models import resnet_cnn, conv_lstm

torch.set_grad_enabled(True)

def fill_params(module):
    with torch.no_grad():
        for k, (_, p) in enumerate(module.named_parameters()):
            flat = torch.tensor([0.1 * math.sin(0.7 * i + k) for i in range(p.numel())])
            p.copy_(flat.reshape(p.shape))

def formula_input(shape, scale=1.0):
    n = 1
    for s in shape: n *= s
    return torch.tensor([scale * math.cos(0.91 * i) for i in range(n)]).reshape(shape)

def proj_like(t):
    return torch.tensor([math.sin(1.3 * i) for i in range(t.numel())]).reshape(t.shape)

def lua(v):
    if isinstance(v, torch.Tensor):
        v = v.detach().reshape(-1).tolist()
    return "{" + ", ".join("%.9g" % x for x in v) + "}"

def summary(t):
    """Large tensors are compared through sum, sum of |x| and their first 6 elements."""
    flat = t.detach().reshape(-1).double()
    return torch.tensor([flat.sum().item(), flat.abs().sum().item()] + flat[:6].tolist())

SUMMARISED = ("resnet_cnn", "conv_lstm")

cases = []

def case(name, module, x, train=True, requires_input_grad=True, pre_steps=0):
    fill_params(module)
    module.train(train)
    for _ in range(pre_steps):          # update running statistics, as the Lua side does
        with torch.no_grad():
            module.train(True); module(x); module.train(train)
    x = x.clone().requires_grad_(requires_input_grad)
    out = module(x)
    if isinstance(out, tuple): out = out[0]
    loss = (out * proj_like(out)).sum()
    loss.backward()
    grads = [p.grad for _, p in module.named_parameters()]
    cases.append((name, out, x.grad if requires_input_grad else None, grads, loss.item()))

case("linear", nn.Linear(5, 3), formula_input((4, 5)))
case("conv2d", nn.Conv2d(2, 3, 3, stride=2, padding=1), formula_input((2, 2, 5, 6)))
case("conv2d_rect", nn.Conv2d(3, 2, (2, 3), stride=(1, 2), padding=(1, 0)), formula_input((1, 3, 4, 7)))
case("conv1d", nn.Conv1d(3, 4, 3, padding=1), formula_input((2, 3, 7)))
case("batchnorm2d_train", nn.BatchNorm2d(3), formula_input((4, 3, 2, 2)))
case("batchnorm2d_eval", nn.BatchNorm2d(3), formula_input((4, 3, 2, 2)), train=False, pre_steps=2)
case("batchnorm1d_train", nn.BatchNorm1d(4), formula_input((5, 4)))
case("maxpool", nn.MaxPool2d(3, stride=2, padding=1), formula_input((2, 2, 5, 5)))
case("avgpool", nn.AvgPool2d(2), formula_input((2, 2, 4, 6)))
case("leakyrelu", nn.LeakyReLU(0.1), formula_input((3, 4)))
case("lstm", nn.LSTM(3, 4, num_layers=2, batch_first=True), formula_input((2, 5, 3)))

# The LSTM's final states are differentiable: a loss through the outputs, h_n and c_n, and one
# through c_n alone.
for name, through in (("lstm_states", "all"), ("lstm_cn_only", "c")):
    lstm = nn.LSTM(3, 4, num_layers=2, batch_first=True); fill_params(lstm)
    x = formula_input((2, 5, 3)).requires_grad_(True)
    out, (h_n, c_n) = lstm(x)
    loss = (c_n * proj_like(c_n)).sum()
    if through == "all":
        loss = loss + (out * proj_like(out)).sum() + 0.5 * (h_n * proj_like(h_n)).sum()
    loss.backward()
    cases.append((name, c_n, x.grad, [p.grad for _, p in lstm.named_parameters()], loss.item()))

# Embedding takes indices: 1-based on the Lua side.
emb = nn.Embedding(6, 3); fill_params(emb)
idx = torch.tensor([[0, 5, 2], [2, 2, 1]])
out = emb(idx); loss = (out * proj_like(out)).sum(); loss.backward()
cases.append(("embedding", out, None, [emb.weight.grad], loss.item()))

# Cross-entropy with class weights and label smoothing (mean over target weights).
logits = formula_input((4, 3), 2.0).requires_grad_(True)
target = torch.tensor([0, 2, 1, 2])
ce = nn.CrossEntropyLoss(weight=torch.tensor([0.2, 1.0, 2.5]), label_smoothing=0.1)
l = ce(logits, target); l.backward()
cases.append(("cross_entropy", l.reshape(1), logits.grad, [], l.item()))
logits2 = torch.tensor([[100.0, -100.0, 0.0], [-100.0, 100.0, 50.0]], requires_grad=True)
l2 = nn.CrossEntropyLoss()(logits2, torch.tensor([1, 0])); l2.backward()
cases.append(("cross_entropy_extreme", l2.reshape(1), logits2.grad, [], l2.item()))

# The presets (scripts/reference/torch_models.py).
# Dropout layers go to evaluation mode (the identity); BatchNorm stays in training mode.
cnn = resnet_cnn(1, 10, 28)
fill_params(cnn); cnn.train(True)
for m in cnn.modules():
    if isinstance(m, nn.Dropout): m.eval()
x = formula_input((2, 1, 28, 28)).requires_grad_(True)
out = cnn(x); loss = (out * proj_like(out)).sum(); loss.backward()
cases.append(("resnet_cnn", out, x.grad, [p.grad for _, p in cnn.named_parameters()], loss.item()))
cases.append(("resnet_cnn_params", torch.tensor([sum(p.numel() for p in cnn.parameters())], dtype=torch.float), None, [], 0))

lstm_model = conv_lstm(12, 4)
fill_params(lstm_model); lstm_model.train(True)
for m in lstm_model.modules():
    if isinstance(m, nn.Dropout): m.eval()
idx = torch.tensor([[1, 4, 7, 0, 0, 3], [11, 2, 2, 9, 5, 0]])
out = lstm_model(idx); loss = (out * proj_like(out)).sum(); loss.backward()
cases.append(("conv_lstm", out, None, [p.grad for _, p in lstm_model.named_parameters()], loss.item()))
cases.append(("conv_lstm_params", torch.tensor([sum(p.numel() for p in lstm_model.parameters())], dtype=torch.float), None, [], 0))

print("-- Generated by scripts/reference/layers.py with PyTorch %s; do not edit." % torch.__version__)
print("-- Cases named in SUMMARISED store each gradient as {sum, sum |x|, first 6 values}.")
print("return {")
for name, out, gx, grads, loss in cases:
    if name in SUMMARISED:
        gx = summary(gx) if gx is not None else None
        grads = [summary(g) for g in grads]
    print("  %s = {" % name)
    print("    output = %s," % lua(out))
    if gx is not None: print("    input_grad = %s," % lua(gx))
    print("    param_grads = {%s}," % ", ".join(lua(g) for g in grads))
    print("    loss = %.9g," % loss)
    print("  },")
print("}")
