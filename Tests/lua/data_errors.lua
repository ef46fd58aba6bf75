-- Bad data is a Lua error that names the function, the file and what is wrong; never a crash.
local T = require("testing")
local F = require("datafiles")
local test = T.suite("data_errors")

-- missing files: the path and how to get the data
function test.missing_files_name_the_path_and_how_to_get_the_data()
  local dir = F.tmpdir()
  T.raises("data.fashion_mnist: cannot open " .. dir .. "/none (no such directory); install the Debian package dataset-fashion-mnist",
    data.fashion_mnist, {dir = dir .. "/none"})
  T.raises("cannot open " .. dir .. "/train-images-idx3-ubyte.gz (no such file); install the Debian package dataset-fashion-mnist",
    data.fashion_mnist, {dir = dir})
  T.raises("data.cifar10: cannot open " .. dir .. "/data_batch_1.bin (no such file); " ..
           "download the CIFAR binary version from https://www.cs.toronto.edu/~kriz/cifar.html",
    data.cifar10, {dir = dir})
  T.raises("data.cifar10: cannot open nowhere (no such directory)", data.cifar10, {dir = "nowhere"})
  T.raises("data.csv: cannot open " .. dir .. "/x.csv (no such file)", data.csv, dir .. "/x.csv")
  T.raises("data.npy: cannot read " .. dir .. ": it is a directory", data.npy, dir)
end

-- IDX: wrong magic number, truncated header and data, mismatched counts, labels out of range
function test.idx_wrong_magic_and_truncated_files()
  local dir = F.tmpdir()
  F.write(dir .. "/bad", "\1\2\3\4 not an idx file")
  T.raises("data.idx: " .. dir .. "/bad is not an IDX file (magic number 1 2 3 4, expected 00 00 <type> <rank>)",
    data.idx, dir .. "/bad", dir .. "/bad")
  F.write(dir .. "/short", string.char(0, 0, 8, 3, 0, 0))
  T.raises("short is truncated: the header needs 16 bytes, the file has 6", data.idx, dir .. "/short", dir .. "/short")
  F.idx(dir .. "/img", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
  F.write(dir .. "/cut", string.char(0, 0, 8, 3) .. string.pack(">I4>I4>I4", 2, 2, 2) .. "abc")
  T.raises("cut is truncated: sizes 2x2x2 need 24 bytes, the file has 19", data.idx, dir .. "/cut", dir .. "/img")
end

function test.idx_mismatched_counts_and_labels_out_of_range()
  local dir = F.tmpdir()
  F.idx(dir .. "/img", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
  F.idx(dir .. "/lab3", {3}, {0, 1, 0})
  T.raises("img holds 2 images but " .. dir .. "/lab3 holds 3 labels", data.idx, dir .. "/img", dir .. "/lab3")
  F.idx(dir .. "/lab", {2}, {0, 7})
  T.raises("label 7 of sample 2 is out of range (2 classes, labels 0...1)", data.idx, dir .. "/img", dir .. "/lab", {classes = {"a", "b"}})
  T.raises("expected a rank-1 labels file, got rank 3", data.idx, dir .. "/img", dir .. "/img")
end

-- gzip: truncated and corrupt streams
function test.gzip_truncated_and_corrupt_streams()
  local dir = F.tmpdir()
  F.idx(dir .. "/lab", {2}, {0, 7})
  local gz = F.unhex("1f8b08000000000002036360e06066606060016210cdc4c02522a76164e31610959257d1d4336dc1aa2dfb4e5cbaf30c00406bdd0f28000000")
  F.write(dir .. "/cut.gz", gz:sub(1, 20))
  T.raises("cut.gz: truncated gzip data", data.idx, dir .. "/cut.gz", dir .. "/lab")
  F.write(dir .. "/bad.gz", gz:sub(1, 10) .. string.rep("\255", 30))
  T.raises("bad.gz: corrupt gzip data", data.idx, dir .. "/bad.gz", dir .. "/lab")
end

-- CIFAR: a partial record, a label out of range
function test.cifar_partial_records_and_labels_out_of_range()
  local c = F.tmpdir()
  for b = 1, 5 do F.write(c .. "/data_batch_" .. b .. ".bin", F.cifar_records({1})) end
  F.write(c .. "/test_batch.bin", F.cifar_records({1}):sub(1, 3000))
  T.raises("test_batch.bin is truncated or not a CIFAR binary file: 3000 bytes is not a whole number of 3073-byte records",
    data.cifar10, {dir = c})
  F.write(c .. "/test_batch.bin", F.cifar_records({10}))
  T.raises("test_batch.bin: label 10 of record 1 is out of range (10 classes, labels 0...9)", data.cifar10, {dir = c})
  F.write(c .. "/test_batch.bin", "")
  T.raises("test_batch.bin is truncated or not a CIFAR binary file: 0 bytes", data.cifar10, {dir = c})
  T.raises("option 'labels' must be \"fine\" or \"coarse\"", data.cifar100, {dir = c, labels = "medium"})
end

-- CSV: ragged rows (with the line number), non-numeric features, empty data, bad quoting;
-- csv_file(text) writes t.csv in the case's scratch directory and returns its path
local function csv_writer()
  local dir = F.tmpdir()
  return function(text) return F.write(dir .. "/t.csv", text) end, dir
end

function test.csv_ragged_rows_and_non_numeric_features()
  local csv_file, dir = csv_writer()
  T.raises("data.csv: " .. dir .. "/t.csv:3: ragged row: 2 fields, the header has 3", data.csv, csv_file("a,b,y\n1,2,p\n3,q\n"))
  T.raises("t.csv:4: ragged row: 4 fields", data.csv, csv_file('a,b,y\n1,2,"p\nq"\n3,4,q,5\n'))
  T.raises("t.csv:2: feature 'b' is not a number: 'x1'", data.csv, csv_file("a,b,y\n1,x1,p\n"))
  T.raises("t.csv:3: feature 'a' is not a number: an empty field", data.csv, csv_file("a,b,y\n1,2,p\n,2,p\n"))
  T.raises("t.csv:2: feature 'a' is not a number: 'nan'", data.csv, csv_file("a,b,y\nnan,2,p\n"))
end

function test.csv_empty_files_and_bad_quoting()
  local csv_file = csv_writer()
  T.raises("t.csv holds a header but no data rows (empty dataset)", data.csv, csv_file("a,b,y\n"))
  T.raises("t.csv is empty (no header, no rows)", data.csv, csv_file(""))
  T.raises("t.csv:2: a quoted field is never closed", data.csv, csv_file('a,y\n"1,p\n'))
  T.raises("t.csv:2: stray double quote inside an unquoted field", data.csv, csv_file('a,y\n1"",p\n'))
end

function test.csv_label_column_classes_and_options()
  local csv_file = csv_writer()
  T.raises("no label column named 'label' (columns: a, y)", data.csv, csv_file("a,y\n1,p\n"), {label = "label"})
  T.raises("label column 5 out of range (2 columns)", data.csv, csv_file("a,y\n1,p\n"), {label = 5})
  T.raises("t.csv:2: label 'p' is not one of the 1 known classes", data.csv, csv_file("a,y\n1,p\n"), {classes = {"q"}})
  T.raises("only the label column; no features", data.csv, csv_file("y\np\n"))
  T.raises("unknown option 'lable'", data.csv, csv_file("a,y\n1,p\n"), {lable = "y"})
  T.raises("option 'label' must be a column name or a 1-based column number, got 0", data.csv, csv_file("a,y\n1,p\n"), {label = 0})
  T.raises("the given dataset is not standardised", data.csv, csv_file("a,y\n1,p\n"), {standardize = data.csv(csv_file("a,y\n1,p\n"))})
end

-- names
function test.names_bad_rows_vocabularies_and_options()
  local csv_file = csv_writer()
  T.raises("t.csv:3: empty name", data.names, csv_file("name,label\nAnn,GB\n,US\n"))
  T.raises("no name column named 'name'", data.names, csv_file("first,label\nAnn,GB\n"))
  T.raises("a vocabulary starts with \"<pad>\" and \"<unk>\"", data.names, csv_file("name,label\nAnn,GB\n"), {vocab = {"a", "b"}})
  T.raises("vocabulary entry 3 must be one character, got \"ab\"", data.names, csv_file("name,label\nAnn,GB\n"),
           {vocab = {"<pad>", "<unk>", "ab"}})
  T.raises("option 'length' must be between 1 and 4096, got 0", data.names, csv_file("name,label\nAnn,GB\n"), {length = 0})
end

-- the NPY header is read as the Python literal it is: a dict of exactly 'descr' (a string),
-- 'fortran_order' (True/False) and 'shape' (a tuple of integers), in any order and spacing
function test.npy_header_is_read_as_a_python_literal()
  local dir = F.tmpdir()
  local function npy(h, body)
    h = h .. string.rep(" ", 63 - (#h + 10) % 64) .. "\n"
    return F.write(dir .. "/h.npy", "\147NUMPY\1\0" .. string.pack("<I2", #h) .. h .. body)
  end
  local four = string.pack("<ffff", 1, 2, 3, 4)
  T.raises("h.npy: Fortran-order arrays are not supported", data.npy,
           npy("{'descr':'<f4','fortran_order':True,'shape':(2,2)}", four))
  T.raises("h.npy: malformed NPY header (unexpected key 'note'", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'note': \"'shape': (1,)\"}", four))
  T.raises("h.npy: malformed NPY header (key 'shape' appears twice", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2), 'shape': (4,)}", four))
  T.raises("h.npy: malformed NPY header (missing key 'fortran_order')", data.npy,
           npy("{'descr': '<f4', 'shape': (4,)}", four))
  T.raises("h.npy: malformed NPY header ('fortran_order' must be True or False, got a tuple)", data.npy,
           npy("{'descr': '<f4', 'fortran_order': (1,), 'shape': (4,)}", four))
  T.raises("h.npy: malformed NPY header ('shape' must be a tuple of integers, got a string)", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': '(4,)'}", four))
  T.raises("h.npy: malformed NPY header (expected a string, True, False or a tuple at character 51", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': [2, 2]}", four))
  T.raises("h.npy: malformed NPY header (expected a non-negative integer at character 52", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': (-4,)}", four))
  T.raises("h.npy: malformed NPY header (expected ',' or ')' at character 54", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2 2)}", four))
  T.raises("h.npy: malformed NPY header (unexpected text after the dict at character 59", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 2)} x", four))
  T.raises("h.npy: malformed NPY header (expected True or False at character 35", data.npy,
           npy("{'descr': '<f4', 'fortran_order': false, 'shape': (2, 2)}", four))
  T.raises("h.npy: malformed NPY header (expected a tuple, got the integer 4 at character 51", data.npy,
           npy("{'descr': '<f4', 'fortran_order': False, 'shape': (4)}", four))
  -- accepted: no spaces, any key order, double quotes, a trailing comma, Python 2 longs, ()
  local function values(h, body) return data.npy(npy(h, body or four)):totable() end
  T.same_table(values("{'descr':'<f4','fortran_order':False,'shape':(2,2)}"), {{1, 2}, {3, 4}}, "no spaces")
  T.same_table(values("{\"shape\": (4,), \"fortran_order\": False, \"descr\": \"<f4\",}"), {1, 2, 3, 4},
               "keys in another order, double quotes, trailing comma")
  T.same_table(values("{'descr': '<f4', 'fortran_order': False, 'shape': (2L, 2L), }"), {{1, 2}, {3, 4}}, "Python 2 longs")
  T.same_table(values("{'descr': '<f4', 'fortran_order': True, 'shape': (4,), }"), {1, 2, 3, 4},
               "Fortran order of one dimension is C order")
  T.eq(data.npy(npy("{'descr': '<f4', 'fortran_order': False, 'shape': (), }", string.pack("<f", 5))):item(), 5,
       "a 0-dimensional array")
end

-- NPY: wrong magic, unsupported dtype, Fortran order, truncated data
function test.npy_wrong_magic_dtype_order_and_truncation()
  local dir = F.tmpdir()
  F.write(dir .. "/a.npy", "PK\3\4 a zip file")
  T.raises("a.npy is not an NPY file (wrong magic number; expected \\x93NUMPY)", data.npy, dir .. "/a.npy")
  local function npy(descr, fortran, shape, body)
    local h = string.format("{'descr': '%s', 'fortran_order': %s, 'shape': %s, }", descr, fortran, shape)
    h = h .. string.rep(" ", 63 - (#h + 10) % 64) .. "\n"
    return F.write(dir .. "/a.npy", "\147NUMPY\1\0" .. string.pack("<I2", #h) .. h .. body)
  end
  T.raises("unsupported NPY dtype '<c8'", data.npy, npy("<c8", "False", "(1,)", string.rep("\0", 8)))
  T.raises("Fortran-order arrays are not supported", data.npy, npy("<f4", "True", "(2, 2)", string.rep("\0", 16)))
  T.raises("a.npy is truncated: shape 2x2 of <f4 needs", data.npy, npy("<f4", "False", "(2, 2)", string.rep("\0", 12)))
  T.eq(data.npy(npy("<f4", "False", "(2, 2)", string.rep("\0", 16))):sum():item(), 0, "a well-formed file")
end

-- Accepted without complaint before (issue 12): each is now an error naming the function, the
-- file and what is wrong.
function test.fashion_mnist_rejects_training_and_test_images_of_different_sizes()
  local fm = F.tmpdir()
  F.idx(fm .. "/train-images-idx3-ubyte", {1, 32, 32}, {string.byte(string.rep("\7", 1024), 1, -1)})
  F.idx(fm .. "/train-labels-idx1-ubyte", {1}, {3})
  F.idx(fm .. "/t10k-images-idx3-ubyte", {1, 28, 28}, {string.byte(string.rep("\7", 784), 1, -1)})
  F.idx(fm .. "/t10k-labels-idx1-ubyte", {1}, {3})
  T.raises("data.fashion_mnist: the training images (" .. fm .. "/train-images-idx3-ubyte) are 32x32 " ..
           "but the test images (" .. fm .. "/t10k-images-idx3-ubyte) are 28x28; both sets must have the same image size",
    data.fashion_mnist, {dir = fm})
end

function test.cifar_class_names_must_be_unique()
  local c = F.tmpdir()
  for b = 1, 5 do F.write(c .. "/data_batch_" .. b .. ".bin", F.cifar_records({1})) end
  F.write(c .. "/test_batch.bin", F.cifar_records({1}))
  F.write(c .. "/batches.meta.txt", "plane\ncar\nbird\ncat\ndeer\n\ndog\nfrog\ncat\nship\ntruck\n")
  T.raises("data.cifar10: " .. c .. "/batches.meta.txt:9: class name 'cat' is given twice (first on line 4); " ..
           "class names must be unique", data.cifar10, {dir = c})
  F.write(c .. "/fine_label_names.txt", "a\r\nb\r\na\r\n")
  F.write(c .. "/train.bin", F.cifar_records({{0, 0}}, true))
  F.write(c .. "/test.bin", F.cifar_records({{0, 0}}, true))
  T.raises("data.cifar100: " .. c .. "/fine_label_names.txt:3: class name 'a' is given twice (first on line 1)",
    data.cifar100, {dir = c})
end

function test.class_names_given_as_options_must_be_unique()
  local dir = F.tmpdir()
  F.idx(dir .. "/img", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
  F.idx(dir .. "/lab", {2}, {0, 1})
  T.raises("data.idx: class name 'b' is given twice (classes 2 and 3); class names must be unique",
    data.idx, dir .. "/img", dir .. "/lab", {classes = {"a", "b", "b"}})
  T.raises("data.tensors: class name 'x' is given twice (classes 1 and 2)",
    data.tensors, tensor.ones(2, 2), tensor.new({1, 2}), {classes = {"x", "x"}})
end

function test.csv_header_names_must_be_non_empty_and_unique()
  local csv_file, dir = csv_writer()
  T.raises("data.csv: " .. dir .. "/t.csv:1: column 'a' appears twice in the header (columns 1 and 3)",
    data.csv, csv_file("a,b,a,y\n1,2,3,p\n"))
  T.raises("data.csv: " .. dir .. "/t.csv:1: the name of column 1 in the header is empty (every column needs a name)",
    data.csv, csv_file(",a,y\n0,1,p\n"))
  T.raises("t.csv:1: the name of column 2 in the header is empty", data.csv, csv_file('a,"",y\n0,1,p\n'))
  T.raises("data.names: " .. dir .. "/t.csv:1: column 'name' appears twice in the header (columns 1 and 2)",
    data.names, csv_file("name,name,label\nAnn,Bo,GB\n"))
  T.raises("csv.read: " .. dir .. "/t.csv:1: the name of column 3 in the header is empty", csv.read, csv_file("a,b,\n1,2,3\n"))
  -- without a header, columns are numbered: nothing to check
  T.eq(data.csv(csv_file("1,1,p\n2,2,q\n"), {header = false}):size(), 2, "no header")
end

function test.csv_and_names_reject_empty_labels()
  local csv_file, dir = csv_writer()
  T.raises("data.csv: " .. dir .. "/t.csv:3: empty label (column 'y'); every row needs a class label",
    data.csv, csv_file("a,y\n1,p\n2,\n"))
  T.raises("t.csv:2: empty label (column 'y')", data.csv, csv_file('a,y\n1," "\n2,p\n'))
  T.raises("t.csv:2: empty label (column 'kind')", data.csv, csv_file("kind,a\n,1\n"), {label = 1})
  T.raises("data.names: " .. dir .. "/t.csv:3: empty label (column 'label')",
    data.names, csv_file("name,label\nAnn,GB\nBo,\n"))
end

function test.idx_and_npy_reject_bytes_after_the_data()
  local dir = F.tmpdir()
  F.idx(dir .. "/lab", {2}, {0, 1})
  F.write(dir .. "/img", string.char(0, 0, 8, 3) .. string.pack(">I4>I4>I4", 2, 2, 2) .. string.rep("\1", 8) .. "xyz")
  T.raises("data.idx: " .. dir .. "/img: 3 bytes after the data (sizes 2x2x2 need 24 bytes, the file has 27)",
    data.idx, dir .. "/img", dir .. "/lab")
  F.write(dir .. "/lab1", string.char(0, 0, 8, 1) .. string.pack(">I4", 2) .. "\0\1\0")
  F.idx(dir .. "/good", {2, 2, 2}, {1, 2, 3, 4, 5, 6, 7, 8})
  T.raises("data.idx: " .. dir .. "/lab1: 1 byte after the data (sizes 2 need 10 bytes, the file has 11)",
    data.idx, dir .. "/good", dir .. "/lab1")
  local h = "{'descr': '<f4', 'fortran_order': False, 'shape': (2,), }"
  h = h .. string.rep(" ", 63 - (#h + 10) % 64) .. "\n"
  local npy = "\147NUMPY\1\0" .. string.pack("<I2", #h) .. h .. string.pack("<f<f", 1, 2)
  F.write(dir .. "/a.npy", npy .. "\0\0\0\0")
  T.raises("data.npy: " .. dir .. "/a.npy: 4 bytes after the data (shape 2 of <f4 needs 136 bytes, the file has 140)",
    data.npy, dir .. "/a.npy")
  F.write(dir .. "/b.npy", npy)
  T.eq(data.npy(dir .. "/b.npy"):sum():item(), 3, "the same file without the extra bytes")
end

-- datasets: bad arguments
local ds = data.tensors(tensor.ones(4, 2), tensor.new({1, 1, 2, 2}))
local empty = ds:subset(0)

function test.dataset_methods_reject_bad_arguments()
  T.raises("bad argument #1 to 'Dataset:get' (index 5 out of range of size 4)", ds.get, ds, 5)
  T.raises("index 0 out of range (indices count from 1)", ds.get, ds, 0)
  T.raises("calling 'Dataset:size' on bad self (expected a Dataset, got number)", ds.size, 3)
  T.raises("fraction must be between 0 and 1, got 2", ds.split, ds, 2)
  T.raises("unknown option 'sed'", ds.split, ds, 0.5, {sed = 1})
  T.raises("class 1 ('1') has 2 samples, cannot take 3", ds.subset, ds, 3)
  T.raises("expected 2 per-class counts, got 3", ds.subset, ds, {1, 1, 1})
  T.raises("ratio for class 2 must be between 0 and 1, got 1.5", ds.imbalance, ds, {1, 1.5})
  T.raises("imbalance factor must be at least 1, got 0.5", ds.imbalance, ds, 0.5)
  T.raises("batch size must be at least 1, got 0", ds.batches, ds, 0)
  T.raises("unknown option 'shufle'", ds.batches, ds, 2, {shufle = true})
end

function test.empty_dataset_errors()
  T.eq(empty:size(), 0)
  T.raises("empty dataset: nothing to batch", empty.batches, empty, 2)
  T.raises("index 1 out of range: the dataset is empty", empty.get, empty, 1)
  T.raises("cannot compute statistics of an empty dataset", empty.standardize, empty)
end

function test.normalize_smote_encode_reject_bad_arguments()
  T.raises("expected 2 means and standard deviations (one per feature), got 3 and 2", ds.normalize, ds, {mean = {0, 0, 0}, std = {1, 1}})
  T.raises("standard deviations must be positive, got 0", ds.normalize, ds, {mean = 0, std = 0})
  T.raises("class 1 has 1 sample; SMOTE needs at least 2", ds.smote, ds:subset({1, 2}), {3, 0})
  T.raises("amount for class 2 must be non-negative, got -1", ds.smote, ds, {0, -1})
  T.raises("encode needs a names dataset, this one holds features", ds.encode, ds, "Ann")
end

function test.data_tensors_rejects_bad_labels()
  T.raises("label 1 must be a class index from 1, got 0", data.tensors, tensor.ones(2, 2), tensor.new({0, 1}))
  T.raises("expected 2 labels (a 1-dimensional Tensor), got size 3", data.tensors, tensor.ones(2, 2), tensor.new({1, 1, 1}))
  T.raises("label 3 out of range for 2 classes", data.tensors, tensor.ones(2, 2), tensor.new({1, 3}), {classes = {"a", "b"}})
  T.raises("empty dataset (no samples)", data.tensors, tensor.ones(0, 2), tensor.ones(0))
end

-- hostile arguments: every function and method, called with junk, raises (never crashes)
function test.hostile_arguments_raise_errors_not_crashes()
  local junk = {nil, 0, -1, 1.5, 1e300, -1e300, 0 / 0, "", "x", {}, {1, "a"}, {{}}, true, tensor.ones(2), print}
  local targets = {}
  for _, mod in ipairs({data, sample, augment}) do
    for name, fn in pairs(mod) do
      if name ~= "save_npy" then targets[#targets + 1] = fn end
    end
  end
  local function call_all(fn, ...)
    pcall(fn, ...)
    for _, j in ipairs(junk) do
      pcall(fn, j)
      pcall(fn, ..., j)
      for _, k in ipairs(junk) do pcall(fn, ..., j, k) end
    end
  end
  for _, fn in ipairs(targets) do call_all(fn) end
  for _, name in ipairs({"size", "counts", "get", "split", "subset", "imbalance", "standardize",
                         "normalize", "smote", "encode", "batches", "tensors", "labels"}) do
    call_all(ds[name], ds)
    call_all(ds[name], empty)
  end
end

function test.sampler_and_smote_refuse_huge_sizes()
  T.raises("option 'num_samples' must be between 0 and 268435456", sample.WeightedRandom, ds, {1, 1}, {num_samples = 1e12})
  T.raises("synthetic samples of 2 features are too many", ds.smote, ds, {1e12, 0})
end

return test
