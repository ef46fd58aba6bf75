-- Compressed files that expand past what their format declares ("gzip bombs") are refused as
-- they expand, not decompressed whole.
local T = require("testing")
local F = require("datafiles")
local test = T.suite("data_limits")

-- One gzip member that expands to 1 MiB of zero bytes (1,051 bytes long); members may follow
-- each other, so n of them expand to n MiB.
local MIB_OF_ZEROS = F.unhex("1f8b0800000000000203edc13101000000c2a0f54f6d085fa0") .. string.rep("\0", 1016)
  .. F.unhex("3e031cea38a700001000")
-- gzip members of small valid files: an IDX file of 2 images 2x2 (bytes 0..7), and an NPY
-- file of the float32 values {1, 2}
local IDX_GZ = F.unhex("1f8b08000000000002036360e06066606060826346266616563676003fd4821618000000")
local NPY_GZ = F.unhex("1f8b08000000000002039bec17ea1b10c9c850c650ad9e925a9c5ca46ea5a06e9366a2aea3a09e965f54529498179f5f9492"
  .. "0a12774bcc294e058a17672416a402f91a463a9a3a0ab50a14002e0686067b06060607009acaabe788000000")

function test.idx_expanding_past_its_header_stops_there()
  local dir = F.tmpdir()
  F.idx(dir .. "/lab", {2}, {0, 1})
  F.write(dir .. "/img.gz", IDX_GZ)
  T.eq(#data.idx(dir .. "/img.gz", dir .. "/lab"), 2, "the file alone loads")
  F.write(dir .. "/bomb.gz", IDX_GZ .. MIB_OF_ZEROS:rep(100))
  T.raises("data.idx: " .. dir .. "/bomb.gz: the gzip data expands beyond the 24 bytes its IDX header declares",
    data.idx, dir .. "/bomb.gz", dir .. "/lab")
  -- a header that is not IDX is reported as such, before the rest expands
  F.write(dir .. "/zeros.gz", MIB_OF_ZEROS:rep(100))
  T.raises("data.idx: " .. dir .. "/zeros.gz: unknown IDX value type 0x0 in the magic number", data.idx, dir .. "/zeros.gz", dir .. "/lab")
end

function test.npy_expanding_past_its_header_stops_there()
  local dir = F.tmpdir()
  F.write(dir .. "/a.npy.gz", NPY_GZ)
  T.same_table(data.npy(dir .. "/a.npy.gz"):totable(), {1, 2})
  F.write(dir .. "/bomb.npy.gz", NPY_GZ .. MIB_OF_ZEROS:rep(100))
  T.raises("data.npy: " .. dir .. "/bomb.npy.gz: the gzip data expands beyond the 136 bytes its NPY header declares",
    data.npy, dir .. "/bomb.npy.gz")
end

function test.cifar_file_expanding_past_the_whole_dataset_stops_there()
  local dir = F.tmpdir()
  F.write(dir .. "/data_batch_1.bin", MIB_OF_ZEROS:rep(190))
  T.raises("data.cifar10: " .. dir .. "/data_batch_1.bin: the gzip data expands beyond the 184380000 bytes "
    .. "of 60000 records, the most a CIFAR file holds", data.cifar10, {dir = dir})
end

return test
