import Foundation

/// The latency percentile curve as a PNG, drawn by matplotlib (python3) when it is installed.
enum LatencyPlot {
    static func write(_ summary: LoadStats.Summary, mode: String, to path: String) {
        let points = summary.curve.map { "(\($0.percentile), \($0.milliseconds))" }.joined(separator: ", ")
        let script = """
        import math, sys
        import matplotlib
        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
        points = [\(points)]
        xs = [1 / (1 - p / 100) if p < 100 else 1e5 for p, _ in points]
        fig, ax = plt.subplots(figsize=(8, 4))
        ax.plot(xs, [ms for _, ms in points], marker="o")
        ax.set_xscale("log")
        ax.set_xticks([1, 2, 10, 100, 1000, 10000, 100000])
        ax.set_xticklabels(["0%", "50%", "90%", "99%", "99.9%", "99.99%", "max"])
        ax.set_xlabel("percentile")
        ax.set_ylabel("latency (ms)")
        ax.set_title("RecordActivity latency: \(mode), \(String(format: "%.0f", summary.throughput)) req/s")
        ax.grid(True, alpha=0.3)
        fig.tight_layout()
        fig.savefig(sys.argv[1], dpi=100)
        """
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script, path]
        do {
            try process.run()
            process.waitUntilExit()
            if process.terminationStatus == 0 {
                FileHandle.standardError.write(Data("latency chart: \(path)\n".utf8))
                return
            }
        } catch {}
        FileHandle.standardError.write(Data("badges-load: no chart written (python3 with matplotlib is needed)\n".utf8))
    }
}
