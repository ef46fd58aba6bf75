import CLua
import Foundation
import Numerics

/// The Lua module `metrics`: confusion matrices and per-class metrics (Numerics/Metrics;
/// definitions in docs/metrics.md). Class indices are 1-based; per-class results are arrays.
enum MetricsModule {
    static let module = LuaModule(name: "metrics", functions: [
        ("confusion", confusion),
        ("confusion_add", confusionAdd),
        ("report", report),
        ("tpr", tpr),
        ("accuracy", accuracy),
        ("variance", variance),
        ("D", difference),
    ])

    /// metrics.confusion(predictions, targets, C) -> Tensor [C, C] (rows = true class).
    static func confusion(_ a: LuaArgs) throws -> Int32 {
        let p = try a.labels(1, "predictions")
        let t = try a.labels(2, "targets")
        let c = try a.int(3, "the number of classes C")
        guard c >= 1 && c <= Confusion.maxClasses else {
            throw a.error(3, "the number of classes must be between 1 and \(Confusion.maxClasses), got \(c)")
        }
        a.push(try Tensor(shape: [c, c], values: try Confusion.matrix(predictions: p, targets: t, classes: c)))
        return 1
    }

    /// metrics.confusion_add(cm, predictions, targets) -> cm, correct: counts added in place,
    /// and how many of the predictions were right (so a training loop needs no second pass).
    static func confusionAdd(_ a: LuaArgs) throws -> Int32 {
        let cm = try a.tensor(1)
        guard cm.rank == 2, cm.shape[0] == cm.shape[1], cm.shape[0] >= 1 else {
            throw a.error(1, "expected a confusion matrix of size CxC, got a Tensor of size \(describeShape(cm.shape))")
        }
        let c = cm.shape[0]
        let p = try a.labels(2, "predictions")
        let t = try a.labels(3, "targets")
        guard c <= Confusion.maxClasses else { throw a.error(1, "at most \(Confusion.maxClasses) classes, got \(c)") }
        let pairs = try Confusion.pairs(predictions: p, targets: t, classes: c)
        try a.prepareInPlace(cm)
        let (rowStride, colStride) = (cm.strides[0], cm.strides[1])
        var correct = 0
        for (r, k) in pairs {
            cm.pointer[r * rowStride + k * colStride] += 1
            if r == k { correct += 1 }
        }
        lua_settop(a.L, 1)
        a.push(correct)
        return 2
    }

    /// metrics.report(cm[, {classes = {names}, top = 10}]) -> table of metrics.
    static func report(_ a: LuaArgs) throws -> Int32 {
        let (values, c) = try a.squareMatrix(1)
        try a.checkOptions(2, ["classes", "top"])
        let top = try a.optionInt(2, "top") ?? 10
        guard top >= 0 else { throw a.error(2, "option 'top' must be >= 0, got \(top)") }
        let names = try a.classNames(2, "classes", count: c)
        let r = try ClassReport(counts: values, classes: c)
        lua_createtable(a.L, 0, 14)
        a.setField("accuracy", r.accuracy)
        a.setField("balanced_accuracy", r.balancedAccuracy)
        a.setArrayField("tpr", r.tpr)
        a.setArrayField("precision", r.precision)
        a.setArrayField("f1", r.f1)
        a.setCountsField("support", r.support)
        a.setCountsField("predicted", r.predicted)
        a.setField("var_tpr", r.varTPR)
        a.setField("min_tpr", r.minTPR)
        a.setField("min_class", r.minClass)
        a.setField("min_class_name", names[r.minClass - 1])
        a.pushStrings(names)
        lws_rawsetfield(a.L, -2, "classes")
        let shown = r.confused.prefix(top)
        lua_createtable(a.L, Int32(shown.count), 0)
        for (k, pair) in shown.enumerated() {
            lua_createtable(a.L, 0, 5)
            a.setField("true_class", pair.trueClass)
            a.setField("predicted", pair.predicted)
            a.setField("rate", pair.rate)
            a.setCountsField("count", [pair.count], scalar: true)
            a.setField("text", "\(names[pair.trueClass - 1]) -> \(names[pair.predicted - 1]) \(percent(pair.rate))")
            lua_rawseti(a.L, -2, lua_Integer(k + 1))
        }
        lws_rawsetfield(a.L, -2, "confused")
        return 1
    }

    /// "18%" (whole percents from 1% up, one decimal below).
    static func percent(_ rate: Double) -> String {
        let p = rate * 100
        return p >= 1 ? String(format: "%.0f%%", p) : String(format: "%.1f%%", p)
    }

    /// metrics.tpr(cm) -> {tpr_1, ..., tpr_C} (recall; 0 for a class without samples).
    static func tpr(_ a: LuaArgs) throws -> Int32 {
        let (values, c) = try a.squareMatrix(1)
        a.pushArray(try ClassReport(counts: values, classes: c).tpr)
        return 1
    }

    /// metrics.accuracy(predictions, targets) -> share of equal labels.
    static func accuracy(_ a: LuaArgs) throws -> Int32 {
        let p = try a.labels(1, "predictions")
        let t = try a.labels(2, "targets")
        a.push(try Confusion.accuracy(predictions: p, targets: t))
        return 1
    }

    /// metrics.variance(s) = 1/C sum (s_i - mean)^2.
    static func variance(_ a: LuaArgs) throws -> Int32 {
        let s = try a.doubles(1, "s (an array of numbers or a 1-D Tensor)")
        do { a.push(try PopulationVariance.of(s)) } catch let e as TensorError { throw a.error(1, e.message) }
        return 1
    }

    /// metrics.D(s, s2) = Var(s) - Var(s2).
    static func difference(_ a: LuaArgs) throws -> Int32 {
        let s = try a.doubles(1, "s (an array of numbers or a 1-D Tensor)")
        let s2 = try a.doubles(2, "s2 (an array of numbers or a 1-D Tensor)")
        do { _ = try PopulationVariance.of(s) } catch let e as TensorError { throw a.error(1, e.message) }
        do { _ = try PopulationVariance.of(s2, name: "s2") } catch let e as TensorError { throw a.error(2, e.message) }
        a.push(try PopulationVariance.difference(s, s2))
        return 1
    }
}
