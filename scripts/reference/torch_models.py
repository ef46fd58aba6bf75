"""The research models in PyTorch, layer for layer as lwscript's nn.resnet_cnn and
nn.conv_lstm build them (Sources/Bridge/Modules/NN/NNPresetsLua.swift). Used by the
reference-value generator (layers.py) and the speed comparison (scripts/bench/train.py)."""
import torch.nn as nn


class Residual(nn.Module):
    def __init__(self, body):
        super().__init__()
        self.body = body

    def forward(self, x):
        return x + self.body(x)


class Transpose(nn.Module):
    def forward(self, x):
        return x.transpose(1, 2)


class LastStep(nn.Module):
    def __init__(self, lstm):
        super().__init__()
        self.lstm = lstm

    def forward(self, x):
        return self.lstm(x)[0][:, -1, :]


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


def conv_lstm(vocab, classes, embed=32, channels=64, hidden=128, kernel=3):
    return nn.Sequential(nn.Embedding(vocab, embed), Transpose(),
                         nn.Conv1d(embed, channels, kernel, padding=kernel // 2), nn.ReLU(), Transpose(),
                         LastStep(nn.LSTM(channels, hidden, batch_first=True)),
                         nn.Dropout(0.5), nn.Linear(hidden, classes))
