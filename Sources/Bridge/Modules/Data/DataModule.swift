import CLua
import Foundation
import Numerics

/// The Lua module `data`: loaders for real datasets (IDX/Fashion-MNIST, CIFAR, CSV, names,
/// NPY) returning `Dataset`s. Dataset methods are in DatasetMethods.swift, batching in
/// DatasetBatches.swift.
enum DataModule {
    static let module = LuaModule(
        name: "data",
        functions: [
            ("idx", idx),
            ("fashion_mnist", fashionMNIST),
            ("cifar10", cifar10),
            ("cifar100", cifar100),
            ("csv", csv),
            ("names", names),
            ("npy", { a in a.push(try NPY.read(try a.path(1))); return 1 }),
            ("save_npy", saveNPY),
            ("tensors", fromTensors),
            ("is_dataset", { a in a.push(toObject(a.L, 1, as: Dataset.self) != nil); return 1 }),
        ],
        registerTypes: { L in
            registerType(L, Dataset.self, displayName: "Dataset",
                         methods: DatasetMethods.all,
                         metamethods: DatasetMethods.metamethods,
                         indexFallback: DatasetMethods.field)
        })

    static let fashionClasses = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat",
                                 "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
    static let fashionDir = "/usr/share/datasets/fashion-mnist"
    static let fashionHint = "install the Debian package dataset-fashion-mnist (sudo apt-get install dataset-fashion-mnist, or scripts/get-data) or pass {dir = ...}"
    static let cifar10Dir = "data/cifar-10-batches-bin"
    static let cifar100Dir = "data/cifar-100-binary"
    static let cifarHint = "download the CIFAR binary version from https://www.cs.toronto.edu/~kriz/cifar.html and unpack it under data/ (scripts/get-data explains), or pass {dir = ...}"

    /// data.idx(images, labels[, {classes = {...}}]): one dataset from IDX files (raw or gzip).
    static func idx(_ a: LuaArgs) throws -> Int32 {
        let images = try a.path(1, "an images file path"), labels = try a.path(2, "a labels file path")
        try a.checkOptions(3, ["classes"])
        let classes = try a.stringListOption(3, "classes")
        a.push(try IDXLoader.load(images: images, labels: labels, classes: classes))
        return 1
    }

    /// The first of `name.gz` and `name` that exists (the .gz path when neither does).
    static func idxFile(_ dir: String, _ name: String) -> String {
        let gz = dir + "/" + name + ".gz", raw = dir + "/" + name
        if !FileManager.default.fileExists(atPath: gz) && FileManager.default.fileExists(atPath: raw) { return raw }
        return gz
    }

    /// data.fashion_mnist{dir = ...} -> train (60,000), test (10,000).
    static func fashionMNIST(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["dir"])
        let dir = try a.optionPath(1, "dir") ?? fashionDir
        guard FileManager.default.fileExists(atPath: dir) else {
            throw LuaError.message("cannot open \(dir) (no such directory); \(fashionHint)")
        }
        let trainImages = idxFile(dir, "train-images-idx3-ubyte"), testImages = idxFile(dir, "t10k-images-idx3-ubyte")
        let train = try IDXLoader.load(images: trainImages, labels: idxFile(dir, "train-labels-idx1-ubyte"),
                                       classes: fashionClasses, hint: fashionHint)
        let test = try IDXLoader.load(images: testImages, labels: idxFile(dir, "t10k-labels-idx1-ubyte"),
                                      classes: fashionClasses, hint: fashionHint)
        // A model trained on one image size cannot be tested on another.
        guard train.sampleShape == test.sampleShape else {
            func size(_ s: [Int]) -> String { describeShape(s.first == 1 ? Array(s.dropFirst()) : s) }
            throw LuaError.message("the training images (\(trainImages)) are \(size(train.sampleShape)) but the test images (\(testImages)) are \(size(test.sampleShape)); both sets must have the same image size")
        }
        a.push(train)
        a.push(test)
        return 2
    }

    /// data.cifar10{dir = ...} -> train (data_batch_1..5.bin), test (test_batch.bin).
    static func cifar10(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["dir"])
        let dir = try a.optionPath(1, "dir") ?? cifar10Dir
        guard FileManager.default.fileExists(atPath: dir) else {
            throw LuaError.message("cannot open \(dir) (no such directory); \(cifarHint)")
        }
        let classes = try CIFARLoader.readNames(dir + "/batches.meta.txt") ?? CIFARLoader.cifar10Classes
        let train = (1...5).map { "\(dir)/data_batch_\($0).bin" }
        a.push(try CIFARLoader.load(files: train, labelBytes: 1, labelByte: 0, classes: classes, hint: cifarHint))
        a.push(try CIFARLoader.load(files: ["\(dir)/test_batch.bin"], labelBytes: 1, labelByte: 0,
                                    classes: classes, hint: cifarHint))
        return 2
    }

    /// data.cifar100{dir = ..., labels = "fine" | "coarse"} -> train (train.bin), test (test.bin).
    static func cifar100(_ a: LuaArgs) throws -> Int32 {
        try a.checkOptions(1, ["dir", "labels"])
        let dir = try a.optionPath(1, "dir") ?? cifar100Dir
        let which = try a.optionString(1, "labels") ?? "fine"
        guard which == "fine" || which == "coarse" else {
            throw a.error(1, "option 'labels' must be \"fine\" or \"coarse\", got \"\(which)\"")
        }
        guard FileManager.default.fileExists(atPath: dir) else {
            throw LuaError.message("cannot open \(dir) (no such directory); \(cifarHint)")
        }
        let count = which == "fine" ? 100 : 20
        let classes = try CIFARLoader.readNames("\(dir)/\(which)_label_names.txt")
            ?? (1...count).map { "\(which) \($0)" }
        let byte = which == "fine" ? 1 : 0
        for file in ["train.bin", "test.bin"] {
            a.push(try CIFARLoader.load(files: ["\(dir)/\(file)"], labelBytes: 2, labelByte: byte,
                                        classes: classes, hint: cifarHint))
        }
        return 2
    }

    /// data.csv(path, {label = name or number, header = true, classes = {...},
    /// standardize = true | dataset | {mean = ..., std = ...}}).
    static func csv(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        try a.checkOptions(2, ["label", "header", "classes", "standardize"])
        let label = try a.columnOption(2, "label") ?? .last
        let header = try a.optionBool(2, "header") ?? true
        var classes = try a.stringListOption(2, "classes")
        var like: Dataset? = nil
        if a.isTable(2), a.optionType(2, "standardize") == LUA_TUSERDATA {
            like = try a.datasetOption(2, "standardize")
            classes = classes ?? like?.classes
        }
        let ds = try CSVLoader.load(path: path, label: label, header: header, classes: classes)
        return try finishCSV(a, ds, like: like)
    }

    private static func finishCSV(_ a: LuaArgs, _ ds: Dataset, like: Dataset?) throws -> Int32 {
        var out = ds
        if let like {
            guard let n = like.normalization else {
                throw a.error(2, "option 'standardize': the given dataset is not standardised (call :standardize() on it first)")
            }
            try out.validate(n)
            out = out.withNormalization(n)
        } else if let n = try DatasetMethods.normalizationOption(a, 2, "standardize", for: ds) {
            out = out.withNormalization(n)
        }
        a.push(out)
        return 1
    }

    /// data.names(path, {name = "name", label = "label", length =, vocab =, classes =, lower =, like = ds}).
    static func names(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        try a.checkOptions(2, ["name", "label", "length", "vocab", "classes", "lower", "like"])
        var o = NamesLoader.Options()
        if let like = try a.datasetOption(2, "like") {
            guard like.kind == .sequence, let v = like.store.vocab else {
                throw a.error(2, "option 'like' must be a names dataset, got a \(like.kind.rawValue) dataset")
            }
            o.vocab = v
            o.classes = like.classes
            o.length = like.sampleShape.first
        }
        o.name = try a.columnOption(2, "name") ?? o.name
        o.label = try a.columnOption(2, "label") ?? o.label
        if let n = try a.optionInt(2, "length") {
            guard n >= 1 && n <= 4096 else { throw a.error(2, "option 'length' must be between 1 and 4096, got \(n)") }
            o.length = n
        }
        o.vocab = try a.stringListOption(2, "vocab") ?? o.vocab
        o.classes = try a.stringListOption(2, "classes") ?? o.classes
        o.lower = try a.optionBool(2, "lower") ?? false
        a.push(try NamesLoader.load(path: path, options: o))
        return 1
    }

    /// data.save_npy(path, t): writes a float32 .npy file (atomically).
    static func saveNPY(_ a: LuaArgs) throws -> Int32 {
        let path = try a.path(1)
        let t = try a.tensor(2)
        try AtomicFile.write(NPY.encode(t), to: path)
        return 0
    }

    /// data.tensors(x, y[, {classes = {...}}]): a features dataset from a Tensor of inputs
    /// [N, ...] and a Tensor [N] of 1-based class labels.
    static func fromTensors(_ a: LuaArgs) throws -> Int32 {
        let x = try a.tensor(1), y = try a.tensor(2)
        try a.checkOptions(3, ["classes"])
        guard x.rank >= 2 else { throw a.error(1, "expected inputs [N, ...] with at least 2 dimensions, got size \(describeShape(x.shape))") }
        guard y.rank == 1, y.shape[0] == x.shape[0] else {
            throw a.error(2, "expected \(x.shape[0]) labels (a 1-dimensional Tensor), got size \(describeShape(y.shape))")
        }
        let indices = try a.labelIndices(y, argument: 2)
        let labels = indices.map { Int32($0) }
        let maxLabel = (indices.max() ?? 0) + 1
        let classes = try a.stringListOption(3, "classes") ?? (1...max(maxLabel, 1)).map(String.init)
        guard maxLabel <= classes.count else {
            throw a.error(2, "label \(maxLabel) out of range for \(classes.count) classes")
        }
        guard x.shape[0] > 0 else { throw a.error(1, "empty dataset (no samples)") }
        let store = try DataStore(kind: .features, sampleShape: Array(x.shape.dropFirst()), bytes: [],
                                  floats: x.toArray(), labels: labels, classes: classes)
        a.push(Dataset(store: store))
        return 1
    }
}
