import Foundation

/// libFuzzer entry of `precis-fuzz`: one binary for every reader, the reader chosen by
/// `PRECIS_FUZZ_TARGET` (see `targets`; `make fuzz` runs each in turn). Each target feeds the
/// bytes to a reader of outside input and checks what it must never do: crash, hang, allocate
/// past libFuzzer's malloc limit, or accept what breaks its stated limits.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    target(Array(UnsafeBufferPointer(start: data, count: size)))
    return 0
}

/// The fuzz targets by name.
let targets: [String: ([UInt8]) -> Void] = [
    "frames": fuzzFrames,
    "rdml": fuzzRDML,
    "slow5": fuzzSLOW5,
    "csv": fuzzCSV,
    "profile": fuzzProfile,
    "methodscript": fuzzMethodSCRIPTStream,
    "json": fuzzJSON,
    "config": fuzzConfiguration,
    "answer": fuzzAnswer,
    "obp": fuzzOBP,
    "s3": fuzzS3Answer,
    "c4gh": fuzzCrypt4GH,
]

/// The target `PRECIS_FUZZ_TARGET` names; an unknown or missing name stops the run at once.
nonisolated(unsafe) let target: ([UInt8]) -> Void = {
    let name = ProcessInfo.processInfo.environment["PRECIS_FUZZ_TARGET"] ?? ""
    guard let chosen = targets[name] else {
        fatalError("PRECIS_FUZZ_TARGET must be one of \(targets.keys.sorted().joined(separator: ", ")), not '\(name)'")
    }
    return chosen
}()
