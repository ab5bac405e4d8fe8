// Comparing secrets without leaking, through timing, where they differ.

enum ConstantTime {
    /// Compares without leaking, through timing, how many leading bytes matched.
    static func equal(_ a: [UInt8], _ b: [UInt8]) -> Bool {
        guard a.count == b.count else { return false }
        var diff: UInt8 = 0
        for i in 0..<a.count { diff |= a[i] ^ b[i] }
        return diff == 0
    }
}
