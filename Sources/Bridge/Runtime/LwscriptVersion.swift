/// lwscript's version, reported by `lwscript --version` and `sys.machine()` (and recorded in
/// every study's config.json).
public enum LwscriptVersion {
    public static let number = "0.1.0"
}
