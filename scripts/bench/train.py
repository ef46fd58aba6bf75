"""PyTorch side of scripts/bench/train.lua: same models, shapes, loss and optimizer.
   PYTHON scripts/bench/train.py mlp|cnn|cnn32|convlstm [steps] [batch] [train|eval]
Runs under any Python with torch: Debian's /usr/bin/python3 (python3-torch 1.13) or the
PyTorch 2 venv scripts/bench/compare makes. 2 threads, CPU."""
import sys, time
import torch
import torch.nn as nn

sys.path.insert(0, __file__.rsplit("/", 2)[0] + "/reference")
from torch_models import resnet_cnn, conv_lstm  # noqa: E402

which = sys.argv[1] if len(sys.argv) > 1 else "mlp"
steps = int(sys.argv[2]) if len(sys.argv) > 2 else 30
batch = int(sys.argv[3]) if len(sys.argv) > 3 else 128
mode = sys.argv[4] if len(sys.argv) > 4 else "train"
if mode not in ("train", "eval"):
    sys.exit("mode must be train or eval, not " + mode)
torch.set_num_threads(2)
torch.manual_seed(1)

if which == "mlp":
    model = nn.Sequential(nn.Linear(784, 256), nn.ReLU(), nn.Linear(256, 10))
    x = torch.randn(batch, 784); classes = 10
elif which == "cnn":
    model = resnet_cnn(); x = torch.randn(batch, 1, 28, 28); classes = 10
elif which == "cnn32":
    model = resnet_cnn(channels=3, size=32); x = torch.randn(batch, 3, 32, 32); classes = 10
elif which == "convlstm":
    model = conv_lstm(60, 18)
    x = torch.randint(0, 60, (batch, 20)); classes = 18
else:
    sys.exit("unknown model " + which)
y = torch.randint(0, classes, (batch,))

if mode == "train":
    opt = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    ce = nn.CrossEntropyLoss()

    def run():
        opt.zero_grad()
        l = ce(model(x), y)
        l.backward()
        opt.step()
else:
    model.eval()

    def run():
        with torch.inference_mode():
            model(x)

for _ in range(3): run()
t0 = time.perf_counter()
for _ in range(steps): run()
secs = time.perf_counter() - t0
print("pytorch %s %s: %.1f samples/s (%d steps of %d in %.2f s)" % (which, mode, steps * batch / secs, steps, batch, secs))
