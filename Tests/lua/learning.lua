-- Learning tests: small models reach 100% on XOR and on separable blobs, and the residual
-- CNN learns a synthetic image task. Plain SGD with momentum written here in Lua, so the
-- test depends only on autograd and the layers.
local T = require("testing")
local test = T.suite("learning")

local function sgd(params, lr, momentum)
  local velocity = {}
  return function()
    tensor.no_grad(function()
      for i, p in ipairs(params) do
        if p.grad then
          velocity[i] = velocity[i] and (velocity[i] * momentum + p.grad) or p.grad:clone()
          p:copy(p - velocity[i] * lr)
        end
        p.grad = nil
      end
    end)
  end
end

local function accuracy(model, x, y)
  model:eval()
  local pred = tensor.no_grad(function() return model(x):argmax(2) end)
  model:train()
  return pred:eq(y):mean():item()
end

local function train(model, x, y, steps, lr, batch)
  local ce = loss.cross_entropy()
  local step = sgd(model:parameters(), lr, 0.9)
  local n = x:size(1)
  for s = 1, steps do
    local bx, by = x, y
    if batch and batch < n then
      local idx = {}
      for i = 1, batch do idx[i] = ((s * batch + i * 7) % n) + 1 end
      bx, by = x:index(1, idx), y:index(1, idx)
    end
    ce(model(bx), by):backward()
    step()
  end
end

-- XOR
function test.mlp_learns_xor()
  local xor_x = tensor.new({{0, 0}, {0, 1}, {1, 0}, {1, 1}})
  local xor_y = tensor.new({1, 2, 2, 1})
  local mlp = nn.mlp{inputs = 2, hidden = {16}, classes = 2}
  train(mlp, xor_x, xor_y, 300, 0.1)
  T.eq(accuracy(mlp, xor_x, xor_y), 1.0, "XOR accuracy")
end

-- three separable Gaussian blobs in 2-D
function test.mlp_separates_three_blobs()
  local n = 150
  local centres = {{-4, 0}, {4, 0}, {0, 4}}
  local bx, by = tensor.zeros(n, 2), tensor.zeros(n)
  local noise = tensor.randn(n, 2) * 0.5
  for i = 1, n do
    local c = (i - 1) % 3 + 1
    bx[i] = tensor.new(centres[c]) + noise[i]
    by[i] = c
  end
  local blob_model = nn.mlp{inputs = 2, hidden = {16, 16}, classes = 3}
  train(blob_model, bx, by, 200, 0.05)
  T.eq(accuracy(blob_model, bx, by), 1.0, "blobs accuracy")
end

-- the residual CNN on 8x8 images: which quadrant holds a bright square (4 classes)
function test.resnet_cnn_finds_the_bright_quadrant()
  local m = 64
  local images, labels = tensor.randn(m, 1, 8, 8) * 0.3, tensor.zeros(m)
  for i = 1, m do
    local q = (i - 1) % 4
    local r0, c0 = (q // 2) * 4 + 2, (q % 2) * 4 + 2
    local plane = images[i][1]
    for r = r0, r0 + 1 do for c = c0, c0 + 1 do plane[r][c] = plane[r][c] + 2 end end
    labels[i] = q + 1
  end
  local cnn = nn.resnet_cnn{channels = 1, classes = 4, size = 8, widths = {8, 8, 16}, dense = 32, dropout = 0}
  train(cnn, images, labels, 60, 0.05, 16)
  local acc = accuracy(cnn, images, labels)
  T.eq(acc >= 0.95, true, "CNN accuracy on the quadrant task: " .. acc)
end

-- the ConvLSTM on sequences: does the sequence contain token 3 before token 4?
function test.conv_lstm_learns_token_order()
  local seqs, ys = tensor.zeros(64, 6), tensor.zeros(64)
  for i = 1, 64 do
    local cls = (i - 1) % 2
    for t = 1, 6 do seqs[i][t] = (i * 7 + t * 3) % 5 + 5 end
    if cls == 1 then seqs[i][2] = 3; seqs[i][5] = 4 else seqs[i][2] = 4; seqs[i][5] = 3 end
    ys[i] = cls + 1
  end
  local cl = nn.conv_lstm{vocab = 10, classes = 2, embed = 8, channels = 8, hidden = 16, dropout = 0}
  train(cl, seqs, ys, 150, 0.05, 16)
  T.eq(accuracy(cl, seqs, ys), 1.0, "ConvLSTM accuracy on the order task")
end

return test
