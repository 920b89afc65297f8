import Capture
import CFuzzerDriver
#if canImport(Glibc)
import Glibc
#endif

let path = "/tmp/dxemu-capture-fuzz-\(getpid()).pcap"

/// One input: the first byte picks the byte order, the timestamp resolution
/// and the snap length of a valid pcap 2.4 file header; the rest of the input
/// is the file after that header (the records). dxemu's own record loop and
/// libpcap's must give the same transcript.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 1 else { return 0 }
    let choice = data[0]
    let bigEndian = choice & 1 != 0, nanosecond = choice & 2 != 0
    let snapLengths: [UInt32] = [96, 1_500, 65_535, 262_144]
    let snap = snapLengths[Int(choice >> 2) & 3]
    var file: [UInt8] = []
    func u32(_ v: UInt32) {
        let bytes = [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)]
        file += bigEndian ? bytes : bytes.reversed()
    }
    func u16(_ v: UInt16) { file += bigEndian ? [UInt8(v >> 8), UInt8(v & 0xFF)] : [UInt8(v & 0xFF), UInt8(v >> 8)] }
    u32(nanosecond ? 0xA1B2_3C4D : 0xA1B2_C3D4); u16(2); u16(4); u32(0); u32(0); u32(snap); u32(1)
    file += UnsafeBufferPointer(start: data + 1, count: size - 1)
    guard let f = fopen(path, "wb") else { return 0 }
    _ = file.withUnsafeBytes { fwrite($0.baseAddress, 1, $0.count, f) }
    fclose(f)
    let own = CaptureReader.transcript(of: path, readsRecordsItself: true)
    let libpcap = CaptureReader.transcript(of: path, readsRecordsItself: false)
    if own != libpcap {
        let i = (0..<min(own.count, libpcap.count)).first { own[$0] != libpcap[$0] } ?? min(own.count, libpcap.count)
        func line(_ t: [String]) -> String { i < t.count ? String(t[i].prefix(300)) : "(none)" }
        print("MISMATCH at line \(i) of \(own.count) / \(libpcap.count)\n  own:     \(line(own))\n  libpcap: \(line(libpcap))")
        print("  own ends:     \(own.suffix(2).map { $0.prefix(300) })\n  libpcap ends: \(libpcap.suffix(2).map { $0.prefix(300) })")
        fflush(nil)
        abort()
    }
    return 0
}

#if FUZZING
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
let status = LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) }
unlink(path)
exit(status)
#else
print("Build with -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING to fuzz (see Package.swift).")
#endif

/// Also exported under libFuzzer's conventional name, which its runtime expects
/// to find at link time; the driver above is what actually runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzOne(data, size) }
