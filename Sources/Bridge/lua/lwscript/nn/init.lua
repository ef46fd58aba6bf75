-- The Lua half of `nn`: modules written in Lua (nn.Module), the containers (nn.Sequential,
-- nn.Residual), the research models (nn.mlp, nn.resnet_cnn, nn.conv_lstm) and checkpoints.
-- Shipped as Lua so that a researcher can read, copy and change how models are wired; every
-- layer's work happens in the Swift layers they call.
require("lwscript.nn.module")
require("lwscript.nn.sequential")
require("lwscript.nn.residual")
require("lwscript.nn.presets")
require("lwscript.nn.checkpoint")
