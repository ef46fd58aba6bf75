-- The loaders read small files written here in the exact formats (IDX raw and gzip, CIFAR-10
-- and CIFAR-100 binary, CSV with RFC 4180 quoting, names, NPY as numpy writes it).
local T = require("testing")
local F = require("datafiles")
local test = T.suite("data_formats")

-- IDX, gzip (written by Python's gzip module): 4 images of 3x2 with values 0, 10, ..., 230.
local IMAGES_GZ = "1f8b08000000000002036360e06066606060016210cdc4c02522a76164e31610959257d1d4336dc1aa2d" ..
                  "fb4e5cbaf30c00406bdd0f28000000"
local LABELS_GZ = "1f8b08000000000002036360e06064606060616260640200feace5d70c000000"

-- IDX, raw: 3 images of 2x2, labels 0-based on disk, 1-based in Lua.
function test.idx_raw_images_and_labels()
  local dir = F.tmpdir()
  F.idx(dir .. "/img", {3, 2, 2}, {0, 51, 102, 255, 1, 2, 3, 4, 10, 20, 30, 40})
  F.idx(dir .. "/lab", {3}, {1, 0, 1})
  local ds = data.idx(dir .. "/img", dir .. "/lab", {classes = {"a", "b"}})
  T.eq(ds:size(), 3, "idx size")
  T.eq(#ds, 3, "#ds")
  T.eq(ds.kind, "image", "kind")
  F.same(ds.shape, {1, 2, 2}, "sample shape")
  F.same(ds.classes, {"a", "b"})
  F.same(ds:counts(), {1, 2}, "counts")
  local x, y = ds:get(1)
  T.eq(y, 2, "label of sample 1")
  F.same(x:totable(), {{{0, 0.2}, {0.4, 1}}}, "pixels scaled to [0, 1]", 1e-6)
  T.near(ds:get(-1):get(1, 2, 2), 40 / 255, 1e-6, "negative index")
  T.eq(tostring(ds), "Dataset(image 1x2x2, 3 samples, 2 classes)")
  -- without class names: "0", "1", ... up to the largest label
  F.same(data.idx(dir .. "/img", dir .. "/lab").classes, {"0", "1"})
end

function test.idx_gzip()
  local dir = F.tmpdir()
  F.write(dir .. "/img.gz", F.unhex(IMAGES_GZ))
  F.write(dir .. "/lab.gz", F.unhex(LABELS_GZ))
  local gz = data.idx(dir .. "/img.gz", dir .. "/lab.gz")
  T.eq(gz:size(), 4)
  F.same(gz.classes, {"0", "1", "2"})
  F.same(gz:labels():totable(), {3, 1, 2, 3}, "gzip labels")
  local gx = gz:get(4)
  T.near(gx:get(1, 3, 2), 230 / 255, 1e-6, "last pixel of the gzip images")
end

-- Fashion-MNIST layout in a directory (raw files are accepted when .gz are absent).
function test.fashion_mnist_directory_layout()
  local fm = F.tmpdir()
  F.idx(fm .. "/train-images-idx3-ubyte", {2, 3, 2}, {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
  F.idx(fm .. "/train-labels-idx1-ubyte", {2}, {9, 6})
  F.write(fm .. "/t10k-images-idx3-ubyte.gz", F.unhex(IMAGES_GZ))
  F.write(fm .. "/t10k-labels-idx1-ubyte.gz", F.unhex(LABELS_GZ))
  local ftrain, ftest = data.fashion_mnist{dir = fm}
  T.eq(ftrain:size(), 2)
  T.eq(ftest:size(), 4)
  T.eq(ftrain.classes[10], "Ankle boot")
  T.eq(select(2, ftrain:get(1)), 10, "label 9 on disk is class 10")
  T.eq(ftrain.classes[select(2, ftrain:get(2))], "Shirt")
end

-- CIFAR-10: five training batches and a test batch; class names from batches.meta.txt.
local function cifar10_dir()
  local c10 = F.tmpdir()
  for b = 1, 5 do F.write(c10 .. "/data_batch_" .. b .. ".bin", F.cifar_records({b - 1, 9})) end
  F.write(c10 .. "/test_batch.bin", F.cifar_records({3, 4, 5}))
  F.write(c10 .. "/batches.meta.txt", "plane\ncar\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n")
  return c10
end

function test.cifar10_batches_and_class_names()
  local ctrain, ctest = data.cifar10{dir = cifar10_dir()}
  T.eq(ctrain:size(), 10)
  T.eq(ctest:size(), 3)
  F.same(ctrain.shape, {3, 32, 32})
  T.eq(ctrain.classes[1], "plane")
  F.same(ctrain:labels():totable(), {1, 10, 2, 10, 3, 10, 4, 10, 5, 10}, "cifar labels")
  local cx = ctest:get(2)   -- record 2: channel c holds (2 * 7 + c) % 256
  T.near(cx:get(1, 1, 1), 14 / 255, 1e-6, "red plane")
  T.near(cx:get(3, 32, 32), 16 / 255, 1e-6, "blue plane")
end

-- per-channel normalisation, applied per batch
function test.cifar10_per_channel_normalisation()
  local _, ctest = data.cifar10{dir = cifar10_dir()}
  local norm = ctest:normalize{mean = {0.5, 0.5, 0.5}, std = {0.25, 0.5, 1}}
  T.near(norm:get(2):get(1, 1, 1), (14 / 255 - 0.5) / 0.25, 1e-5, "normalised red")
  F.same(norm.mean, {0.5, 0.5, 0.5})
end

-- CIFAR-100: two label bytes (coarse, fine), train.bin / test.bin.
function test.cifar100_fine_and_coarse_labels()
  local c100 = F.tmpdir()
  F.write(c100 .. "/train.bin", F.cifar_records({{1, 99}, {19, 0}}, true))
  F.write(c100 .. "/test.bin", F.cifar_records({{2, 5}}, true))
  local f100 = data.cifar100{dir = c100}
  T.eq(#f100.classes, 100)
  F.same(f100:labels():totable(), {100, 1})
  local k100 = data.cifar100{dir = c100, labels = "coarse"}
  T.eq(#k100.classes, 20)
  F.same(k100:labels():totable(), {2, 20})
end

-- CSV: header, quoted fields (commas, doubled quotes, a line break), CRLF, string labels
-- sorted into classes, label column by name or number.
local function quoted_csv()
  return F.write(F.tmpdir() .. "/t.csv",
    'x,"the ""y"", feature",species\r\n' ..
    '1,2,setosa\r\n' ..
    '3, 4.5 ,"vir\nginica"\r\n' ..
    '-1e1,0,setosa\r\n' ..
    '\r\n' ..
    '5,6,"versi,color"\r\n')
end

function test.csv_quoting_crlf_and_string_labels()
  local path = quoted_csv()
  local tab = data.csv(path, {label = "species"})
  T.eq(tab:size(), 4)
  T.eq(tab.kind, "features")
  F.same(tab.classes, {"setosa", "versi,color", "vir\nginica"})
  F.same(tab.features, {"x", 'the "y", feature'})
  F.same(tab:counts(), {2, 1, 1})
  local tx, ty = tab:tensors()
  F.same(tx:totable(), {{1, 2}, {3, 4.5}, {-10, 0}, {5, 6}})
  F.same(ty:totable(), {1, 3, 1, 2})
  F.same(data.csv(path, {label = 3}).classes, tab.classes, "label by number")
  F.same(data.csv(path).classes, tab.classes, "label defaults to the last column")
end

-- numeric labels sort as numbers; classes can be fixed
function test.csv_numeric_labels_and_fixed_classes()
  local num = F.write(F.tmpdir() .. "/n.csv", "a,label\n1,10\n2,2\n3,2\n")
  F.same(data.csv(num).classes, {"2", "10"})
  F.same(data.csv(num, {classes = {"10", "2", "3"}}):labels():totable(), {1, 2, 2})
  F.same(data.csv(num, {label = 1, header = true}).features, {"label"})
end

-- standardisation: statistics of the training data only, reused for test data
function test.csv_standardisation_uses_the_training_statistics()
  local path = quoted_csv()
  local tab = data.csv(path, {label = "species"})
  local std = tab:standardize()
  local mx = std:tensors()
  T.near(mx:select(2, 1):mean(), 0, 1e-6, "standardised mean")
  T.near(mx:select(2, 1):var(false), 1, 1e-5, "standardised variance (population)")
  T.near(std.mean[1], -0.25, 1e-6)
  local test_set = data.csv(path, {label = "species", standardize = std})
  F.same(test_set:tensors():totable(), mx:totable(), "test standardised with the training statistics", 1e-6)
  local auto = data.csv(path, {label = "species", standardize = true})
  F.same(auto.std, std.std, "standardize = true", 1e-6)
  F.same(tab:standardize(std).mean, std.mean)
  F.same(tab:standardize{mean = 1, std = 2}:tensors()[1]:totable(), {0, 0.5})
end

-- Names: padded/truncated character sequences; 1 = padding, 2 = unknown, 3.. characters.
local function names_csv() return F.write(F.tmpdir() .. "/names.csv", "name,label\nAnn,GB\nBob,US\nAbby,US\n") end

function test.names_padding_and_vocabulary()
  local nd = data.names(names_csv())
  T.eq(nd.kind, "sequence")
  F.same(nd.classes, {"GB", "US"})
  F.same(nd.vocab, {"<pad>", "<unk>", "A", "B", "b", "n", "o", "y"})
  F.same(nd.shape, {4})
  F.same(nd:get(1):totable(), {3, 6, 6, 1}, "Ann, padded")
  F.same(nd:get(3):totable(), {3, 5, 5, 8}, "Abby")
end

function test.names_test_set_keeps_the_training_vocabulary()
  local nd = data.names(names_csv())
  local names2 = F.write(F.tmpdir() .. "/names2.csv", "label,name\nUS,Zoe\nGB,Annabel\n")
  local nt = data.names(names2, {like = nd})
  F.same(nt.vocab, nd.vocab, "the test set keeps the training vocabulary")
  F.same(nt:get(1):totable(), {2, 7, 2, 1}, "unknown characters are 2")
  F.same(nt:get(2):totable(), {3, 6, 6, 2}, "truncated to the training length")
  F.same(nt:labels():totable(), {2, 1}, "classes follow the training set")
end

function test.names_encode_length_lowercase_batches()
  local names = names_csv()
  local nd = data.names(names)
  F.same(nd:encode("Bo"):totable(), {4, 7, 1, 1})
  F.same(nd:encode({"A", "nn"}):totable(), {{3, 1, 1, 1}, {6, 6, 1, 1}})
  local short = data.names(names, {length = 2, lower = true})
  F.same(short.vocab, {"<pad>", "<unk>", "a", "b", "n", "o", "y"})
  F.same(short:get(3):totable(), {3, 4})
  local xb = nd:batches(2)()
  F.same(xb:size(), {2, 4})
end

-- NPY, as numpy 1.24 writes it: np.save of [[1.5, -2.25, 3], [0, 1e-3, -7.5]] and integers.
function test.npy_every_dtype_as_numpy_writes_it()
  local dir = F.tmpdir()
  local head = "934e554d5059010076007b276465736372273a2027"
  local tail = "272c2027666f727472616e5f6f72646572273a2046616c73652c20277368617065273a2028322c2033292c207d" ..
    string.rep("20", 58) .. "0a"
  local npys = {
    ["<f4"] = "0000c03f000010c000004040000000006f12833a0000f0c0",
    ["<f8"] = "000000000000f83f00000000000002c000000000000008400000000000000000fca9f1d24d62503f0000000000001ec0",
    [">f4"] = "3fc00000c010000040400000000000003a83126fc0f00000",
    ["<i4"] = "01000000feffffff030000009bc4200000000000f9ffffff",
    ["<i8"] = "0100000000000000feffffffffffffff03000000000000009bc42000000000000000000000000000f9ffffffffffffff",
    ["|u1"] = "010203ff0007",
  }
  for descr, body in pairs(npys) do
    local path = F.write(dir .. "/a.npy", F.unhex(head) .. descr .. F.unhex(tail .. body))
    local t = data.npy(path)
    F.same(t:size(), {2, 3}, descr .. " shape")
    local want = descr:sub(2, 2) == "f" and {{1.5, -2.25, 3}, {0, 1e-3, -7.5}}
              or descr == "|u1" and {{1, 2, 3}, {255, 0, 7}} or {{1, -2, 3}, {2147483, 0, -7}}
    F.same(t:totable(), want, descr, 1e-7)
  end
end

-- save_npy writes float32 files that load back (and that numpy reads)
local m = tensor.new({{1, 2}, {3, 4}, {5, 6.5}})

function test.save_npy_round_trip()
  local dir = F.tmpdir()
  data.save_npy(dir .. "/m.npy", m)
  F.same(data.npy(dir .. "/m.npy"):totable(), m:totable())
  data.save_npy(dir .. "/v.npy", tensor.new({1, 2, 3}))
  F.same(data.npy(dir .. "/v.npy"):totable(), {1, 2, 3})
end

-- data.tensors: a features dataset from tensors (e.g. NPY exports; Python labels + 1)
function test.tensors_make_a_features_dataset()
  local td = data.tensors(m, tensor.new({2, 1, 2}), {classes = {"no", "yes"}})
  F.same(td:counts(), {1, 2})
  T.eq(data.is_dataset(td), true)
  T.eq(data.is_dataset(m), false)
end

return test
