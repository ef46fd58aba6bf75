#!/usr/bin/python3
"""PyTorch side of scripts/bench/train.lua: same models, shapes, loss and optimizer.
   /usr/bin/python3 scripts/bench/train.py mlp|cnn|convlstm [steps] [batch]
Uses Debian's python3-torch (CPU) with 2 threads."""
import sys, time
import torch
import torch.nn as nn

which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 128
torch.set_num_threads(2)
torch.manual_seed(1)

class Residual(nn.Module):
    def __init__(self, body): super().__init__(); self.body = body
    def forward(self, x): return x + self.body(x)

class Transpose(nn.Module):
    def forward(self, x): return x.transpose(1, 2)

class LastStep(nn.Module):
    def __init__(self, lstm): super().__init__(); self.lstm = lstm
    def forward(self, x): return self.lstm(x)[0][:, -1, :]

def resnet_cnn(channels=1, classes=10, size=28):
    layers, c, s = [], channels, size
    for w in (32, 64):
        layers += [nn.Conv2d(c, w, 3, padding=1), nn.BatchNorm2d(w), nn.ReLU(),
                   Residual(nn.Sequential(nn.Conv2d(w, w, 3, padding=1), nn.BatchNorm2d(w))),
                   nn.ReLU(), nn.MaxPool2d(2)]
        c, s = w, s // 2
    layers += [nn.Conv2d(c, 128, 3, padding=1), nn.BatchNorm2d(128), nn.ReLU(), nn.MaxPool2d(2)]
    s //= 2
    layers += [nn.Flatten(), nn.Linear(128 * s * s, 256), nn.ReLU(), nn.Dropout(0.5), nn.Linear(256, classes)]
    return nn.Sequential(*layers)

if which == "mlp":
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    x = torch.randn(batch, 784); classes = 10
elif which == "cnn":
    model = resnet_cnn(); x = torch.randn(batch, 1, 28, 28); classes = 10
elif which == "convlstm":
    model = nn.Sequential(nn.Embedding(60, 32), Transpose(), nn.Conv1d(32, 64, 3, padding=1), nn.ReLU(), Transpose(),
                          LastStep(nn.LSTM(64, 128, batch_first=True)), nn.Dropout(0.5), nn.Linear(128, 18))
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
