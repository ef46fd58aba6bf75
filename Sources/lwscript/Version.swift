import Bridge
import CLua

enum Version {
    static var banner: String {
        "lwscript \(LwscriptVersion.number) (\(String(cString: lws_release())), Swift tensors with OpenBLAS)"
    }
}
