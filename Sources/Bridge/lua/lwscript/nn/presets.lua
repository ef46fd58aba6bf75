-- The models of the research as presets: nn.mlp, nn.resnet_cnn (images) and nn.conv_lstm
-- (names -> nationality). Each returns an nn.Sequential whose `preset` field is the call
-- that rebuilds it (checkpoints store it).
local nn = require("nn")
local util = require("lwscript.util")

local is = util.is
local count = is.integer(1)
local probability = is.number({min = 0, below = 1})

local function options(fname, opts, spec)
  return util.check_options(fname, opts, 1, spec)
end

-- opts[name], `default` when absent; an option without a default is required.
local function option(fname, opts, name, default)
  local v = opts[name]
  if v == nil then v = default end
  if v == nil then util.fail(fname .. ": option '" .. name .. "' is required") end
  return type(v) == "number" and math.tointeger(v) or v
end

local function preset_call(name, opts, order)
  local parts = {}
  for _, k in ipairs(order) do
    local v = opts[k]
    if type(v) == "table" then v = "{" .. table.concat(v, ", ") .. "}" end
    if v ~= nil then parts[#parts + 1] = k .. " = " .. tostring(v) end
  end
  return "nn." .. name .. "{" .. table.concat(parts, ", ") .. "}"
end

-- nn.mlp{inputs=, hidden={...}, classes=, dropout=0}: Linear + ReLU (+ Dropout) layers.
function nn.mlp(opts)
  opts = options("nn.mlp", opts, {inputs = count, classes = count, dropout = probability,
    hidden = is.any(count, is.array_of(count, "an array of layer widths (positive integers)", 0))})
  local inputs = option("nn.mlp", opts, "inputs")
  local classes = option("nn.mlp", opts, "classes")
  local hidden = opts.hidden or {}
  if type(hidden) == "number" then hidden = {hidden} end
  local dropout = option("nn.mlp", opts, "dropout", 0)
  local layers, width = {}, inputs
  for _, h in ipairs(hidden) do
    h = math.tointeger(h)
    layers[#layers + 1] = nn.Linear(width, h)
    layers[#layers + 1] = nn.ReLU()
    if dropout > 0 then layers[#layers + 1] = nn.Dropout(dropout) end
    width = h
  end
  layers[#layers + 1] = nn.Linear(width, classes)
  local model = nn.Sequential(layers)
  model.label = "nn.mlp"
  model.preset = preset_call("mlp", {inputs = inputs, hidden = hidden, classes = classes, dropout = opts.dropout},
                             {"inputs", "hidden", "classes", "dropout"})
  return model
end

-- The residual CNN of the research. For each stage of c channels:
--   conv 3x3 (to c) + BN + ReLU, then a residual block h + BN(conv 3x3(h)), ReLU, 2x2 max-pool;
-- stages of 32 and 64 channels, then conv 3x3 to 128 + BN + ReLU + 2x2 max-pool, then
-- Linear(128 * s * s, 256) + ReLU + Dropout(0.5) + Linear(256, classes).
-- Works for 1x28x28 (s = 3) and 3x32x32 (s = 4) inputs.
function nn.resnet_cnn(opts)
  opts = options("nn.resnet_cnn", opts, {channels = count, classes = count, size = count, dense = count,
    dropout = probability, widths = is.array_of(count, "an array of 3 channel counts (positive integers)", 3)})
  local channels = option("nn.resnet_cnn", opts, "channels", 1)
  local classes = option("nn.resnet_cnn", opts, "classes", 10)
  local size = option("nn.resnet_cnn", opts, "size", 28)
  local widths = opts.widths or {32, 64, 128}
  local dense = option("nn.resnet_cnn", opts, "dense", 256)
  local dropout = option("nn.resnet_cnn", opts, "dropout", 0.5)
  if #widths ~= 3 then
    util.arg_error("nn.resnet_cnn", 1, string.format("option 'widths' must be an array of 3 channel counts (positive "
                                                     .. "integers), got a table of %d values", #widths))
  end
  widths = {math.tointeger(widths[1]), math.tointeger(widths[2]), math.tointeger(widths[3])}
  local layers, c, s = {}, channels, size
  local function conv_bn_relu(cin, cout)
    layers[#layers + 1] = nn.Conv2d(cin, cout, 3, {padding = 1})
    layers[#layers + 1] = nn.BatchNorm2d(cout)
    layers[#layers + 1] = nn.ReLU()
  end
  for stage = 1, 2 do
    local w = widths[stage]
    conv_bn_relu(c, w)
    layers[#layers + 1] = nn.Residual(nn.Sequential(nn.Conv2d(w, w, 3, {padding = 1}), nn.BatchNorm2d(w)))
    layers[#layers + 1] = nn.ReLU()
    layers[#layers + 1] = nn.MaxPool2d(2)
    c, s = w, s // 2
  end
  conv_bn_relu(c, widths[3])
  layers[#layers + 1] = nn.MaxPool2d(2)
  c, s = widths[3], s // 2
  if s < 1 then util.fail("nn.resnet_cnn: images of size " .. size .. " are too small (need at least 8)") end
  layers[#layers + 1] = nn.Flatten()
  layers[#layers + 1] = nn.Linear(c * s * s, dense)
  layers[#layers + 1] = nn.ReLU()
  layers[#layers + 1] = nn.Dropout(dropout)
  layers[#layers + 1] = nn.Linear(dense, classes)
  local model = nn.Sequential(layers)
  model.label = "nn.resnet_cnn"
  model.preset = preset_call("resnet_cnn", {channels = channels, classes = classes, size = size,
      widths = opts.widths, dense = opts.dense, dropout = opts.dropout},
    {"channels", "classes", "size", "widths", "dense", "dropout"})
  return model
end

-- The names -> nationality model: character embedding, 1-D conv + ReLU, LSTM, its last time
-- step, dropout, linear. Input [B, T] of 1-based character indices.
function nn.conv_lstm(opts)
  opts = options("nn.conv_lstm", opts, {vocab = count, classes = count, embed = count, channels = count, hidden = count,
    kernel = count, layers = count, dropout = probability})
  local vocab = option("nn.conv_lstm", opts, "vocab")
  local classes = option("nn.conv_lstm", opts, "classes")
  local embed = option("nn.conv_lstm", opts, "embed", 32)
  local channels = option("nn.conv_lstm", opts, "channels", 64)
  local hidden = option("nn.conv_lstm", opts, "hidden", 128)
  local kernel = option("nn.conv_lstm", opts, "kernel", 3)
  local layers_n = option("nn.conv_lstm", opts, "layers", 1)
  local dropout = option("nn.conv_lstm", opts, "dropout", 0.5)
  local model = nn.Sequential(
    nn.Embedding(vocab, embed),
    nn.Transpose(2, 3),
    nn.Conv1d(embed, channels, kernel, {padding = kernel // 2}),
    nn.ReLU(),
    nn.Transpose(2, 3),
    nn.LSTM(channels, hidden, {layers = layers_n, output = "last"}),
    nn.Dropout(dropout),
    nn.Linear(hidden, classes))
  model.label = "nn.conv_lstm"
  model.preset = preset_call("conv_lstm", {vocab = vocab, classes = classes, embed = embed, channels = channels,
      hidden = hidden, kernel = kernel, dropout = opts.dropout, layers = opts.layers},
    {"vocab", "classes", "embed", "channels", "hidden", "kernel", "dropout", "layers"})
  return model
end
