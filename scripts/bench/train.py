#!/usr/bin/python3
"""PyTorch side of scripts/bench/train.lua: same models, shapes, loss and optimizer.
   /usr/bin/python3 scripts/bench/train.py mlp|cnn|convlstm [steps] [batch]
Uses Debian's python3-torch (CPU) with 2 threads."""
import sys, time
import torch
import torch.nn as nn

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/reference")
from torch_models import resnet_cnn, conv_lstm  # noqa: E402

which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 128
torch.set_num_threads(2)
torch.manual_seed(1)

if which == "mlp":
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    x = torch.randn(batch, 784); classes = 10
elif which == "cnn":
    model = resnet_cnn(); x = torch.randn(batch, 1, 28, 28); classes = 10
elif which == "convlstm":
    model = conv_lstm(60, 18)
    x = torch.randint(0, 60, (batch, 20)); classes = 18
else:
    sys.exit("unknown model " + which)
y = torch.randint(0, classes, (batch,))
opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
ce = nn.CrossEntropyLoss()

def step():
    opt.zero_grad()
    l = ce(model(x), y)
    l.backward()
    opt.step()

for _ in range(3): step()
t0 = time.perf_counter()
for _ in range(steps): step()
secs = time.perf_counter() - t0
print("pytorch %s: %.1f samples/s (%d steps of %d in %.2f s)" % (which, steps * batch / secs, steps, batch, secs))
