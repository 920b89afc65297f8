import CFuzzerDriver
import Inspect
#if canImport(Glibc)
import Glibc
#endif
import PacketWire

/// One input: the first byte picks the link type, the second how much longer the
/// wire length is than the captured bytes; the rest is the frame.
func fuzzOne(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 {
    guard let data, size >= 2 else { return 0 }
    let linkTypes: [LinkType] = [.ethernet, .linuxSLL, .linuxSLL2, .null, .loop, .raw, .ipv4, .ipv6, .ppp,
                                 .pppHDLC, .ieee80211, .ieee80211Radiotap]
    let link = linkTypes[Int(data[0]) % linkTypes.count]
    let bytes = UnsafeRawBufferPointer(start: data + 2, count: size - 2)
    let wire = bytes.count + Int(data[1]) * 37
    var info = PacketInfo()
    PacketParser.parse(bytes, wireLength: wire, linkType: link, into: &info)
    precondition(info.ip.transportOffset < 0 || info.ip.transportOffset >= info.networkOffset)
    let columns = FrameColumns(number: 1, bytes: bytes, wireLength: wire, linkType: link)
    precondition(columns.ipSource.count <= FrameColumns.maximumDepth + 1)
    _ = columns.csvRow
    return 0
}

#if FUZZING
var argc = CommandLine.argc
var argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>? = CommandLine.unsafeArgv
exit(LLVMFuzzerRunDriver(&argc, &argv) { data, size in fuzzOne(data, size) })
#else
print("Build with -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING to fuzz (see Package.swift).")
#endif

/// Also exported under libFuzzer's conventional name, which its runtime expects
/// to find at link time; the driver above is what actually runs.
@_cdecl("LLVMFuzzerTestOneInput")
public func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> Int32 { fuzzOne(data, size) }
