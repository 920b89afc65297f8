// Unchecked big-endian reads at fixed offsets. Every caller checks the length
// first (the views validate once, as smoltcp's `new_checked` does), so these
// helpers stay branch-free on the hot path.

extension UnsafeRawBufferPointer {
    @inlinable @inline(__always)
    func u8(_ offset: Int) -> UInt8 {
        load(fromByteOffset: offset, as: UInt8.self)
    }

    @inlinable @inline(__always)
    func u16(_ offset: Int) -> UInt16 {
        UInt16(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable @inline(__always)
    func u32(_ offset: Int) -> UInt32 {
        UInt32(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }

    @inlinable @inline(__always)
    func u64(_ offset: Int) -> UInt64 {
        UInt64(bigEndian: loadUnaligned(fromByteOffset: offset, as: UInt64.self))
    }

    /// A little-endian 16-bit read (radiotap, BSD loopback in LE files).
    @inlinable @inline(__always)
    func u16le(_ offset: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt16.self))
    }

    @inlinable @inline(__always)
    func u32le(_ offset: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: offset, as: UInt32.self))
    }
}

extension UnsafeMutableRawBufferPointer {
    @inlinable @inline(__always)
    func setU8(_ offset: Int, _ value: UInt8) {
        storeBytes(of: value, toByteOffset: offset, as: UInt8.self)
    }

    @inlinable @inline(__always)
    func setU16(_ offset: Int, _ value: UInt16) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt16.self)
    }

    @inlinable @inline(__always)
    func setU32(_ offset: Int, _ value: UInt32) {
        storeBytes(of: value.bigEndian, toByteOffset: offset, as: UInt32.self)
    }
}

extension UnsafeRawBufferPointer {
    /// Reads a big-endian (network order) integer at `offset` with no alignment
    /// requirement. The caller checks `offset + MemoryLayout<T>.size <= count`.
    @inlinable @inline(__always)
    public func loadBigEndian<T: FixedWidthInteger>(_: T.Type = T.self, at offset: Int) -> T {
        T(bigEndian: loadUnaligned(fromByteOffset: offset, as: T.self))
    }
}
