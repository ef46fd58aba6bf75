/// The command line, parsed the way the `lua` interpreter reads its own:
/// `lwscript [options] [script [args...]]`. Options are handled in order, everything after
/// the script name belongs to the script. (swift-argument-parser does not model this shape:
/// repeated, ordered `-e` chunks and a script whose own flags must pass through untouched.)
struct Invocation {
    enum Action: Equatable {
        case execute(String)        // -e CODE
        case require(String)        // -l NAME
    }
    var actions: [Action] = []
    var interactive = false         // -i
    var script: String? = nil       // "-" means standard input
    var scriptArgs: [String] = []
    var showHelp = false
    var showVersion = false
    /// Everything before the script (arg[-n] .. arg[-1] in Lua).
    var interpreterArgs: [String] = []

    static let usage = """
    usage: lwscript [options] [script [args...]]
           lwscript notebook FILE.lua [-o report.html|report.md|report.ipynb] [--stop] [--cell N]
           lwscript lib [show|path|copy|extract] ...
           lwscript study run|slurm|status|collect ...
           lwscript kernel install [--user|--sys-prefix|--prefix DIR] | lwscript kernel -f FILE

    Runs Lua 5.4 scripts with lwscript's modules (tensor, ...) loaded as globals.
    With no script and no -e, starts an interactive session (REPL).
    'lwscript notebook' runs a script of -- %% cells and writes a report with each cell's
    output, values and plots (see 'lwscript notebook --help'; a script named 'notebook' in
    the current directory runs as ./notebook).
    'lwscript lib' lists, prints and copies lwscript's own Lua library (the training loop,
    Algorithm 1, plots, presets): a file of the same path next to a script replaces the
    built-in one (see 'lwscript lib --help').
    'lwscript study' runs a study script on local worker processes or a Slurm cluster, and
    shows what a study directory holds (see 'lwscript study --help').
    'lwscript kernel install' makes lwscript a Jupyter kernel (JupyterLab, VS Code,
    nbconvert); Jupyter runs it as 'lwscript kernel -f FILE' (see 'lwscript kernel --help').

    options:
      -e CODE     run CODE (may be repeated; runs in order)
      -l NAME     require library NAME into global NAME
      -i          enter the REPL after running the script or -e code
      -           run standard input as a script
      --          stop handling options
      -h, --help  show this help and exit
      -v, --version  show version information and exit

    examples:
      lwscript train.lua --epochs 5      the script sees arg[1] = "--epochs", arg[2] = "5"
      lwscript -e "print(tensor.eye(3))"
      lwscript -i setup.lua              run setup.lua, then stay in the REPL

    REPL: expressions print their value; an unfinished chunk waits for more lines;
    history is kept in ~/.lwscript_history (LWSCRIPT_HISTORY overrides); Ctrl-C interrupts
    running code; Ctrl-D exits. Modules next to the script and on LUA_PATH are found by require.

    environment:
      LUA_PATH          where require looks first (Lua's own variable)
      LWSCRIPT_LUA_DIR  directories (':'-separated) holding an lwscript/ tree that replaces the
                        built-in library files it has, read at each start (no rebuild while editing)
      LWSCRIPT_HISTORY  the REPL's history file
      OPENBLAS_CORETYPE OpenBLAS's kernels (by default lwscript replaces generic ones it falls
                        back to on CPUs it does not know by those the CPU supports)
    """

    struct UsageError: Error, CustomStringConvertible {
        let description: String
    }

    static func parse(_ argv: [String]) throws -> Invocation {
        var inv = Invocation()
        var i = 0
        func next(_ flag: String) throws -> String {
            i += 1
            guard i < argv.count else { throw UsageError(description: "'\(flag)' needs an argument") }
            inv.interpreterArgs.append(argv[i])
            return argv[i]
        }
        while i < argv.count {
            let a = argv[i]
            if a == "--" {
                inv.interpreterArgs.append(a)
                i += 1
                if i < argv.count { inv.script = argv[i] }
                break
            }
            if a == "-" { inv.script = "-"; break }
            guard a.hasPrefix("-") else { inv.script = a; break }
            inv.interpreterArgs.append(a)
            switch a {
            case "-e": inv.actions.append(.execute(try next(a)))
            case "-l": inv.actions.append(.require(try next(a)))
            case "-i": inv.interactive = true
            case "-h", "--help": inv.showHelp = true
            case "-v", "--version": inv.showVersion = true
            default:
                if a.hasPrefix("-e") && a.count > 2 { inv.actions.append(.execute(String(a.dropFirst(2)))) }
                else if a.hasPrefix("-l") && a.count > 2 { inv.actions.append(.require(String(a.dropFirst(2)))) }
                else { throw UsageError(description: "unrecognized option '\(a)'") }
            }
            i += 1
        }
        if inv.script != nil { inv.scriptArgs = Array(argv[(i + 1)...]) }
        return inv
    }
}
