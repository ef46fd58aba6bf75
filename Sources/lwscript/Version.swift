import Bridge
import CLua

enum Version {
    static let lwscript = LwscriptVersion.number
    static var banner: String {
        "lwscript \(lwscript) (\(String(cString: lws_release())), Swift tensors with OpenBLAS)"
    }
}
