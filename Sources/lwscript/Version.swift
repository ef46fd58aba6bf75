import CLua

enum Version {
    static let lwscript = "0.1.0"
    static var banner: String {
        "lwscript \(lwscript) (\(String(cString: lws_release())), Swift tensors with OpenBLAS)"
    }
}
