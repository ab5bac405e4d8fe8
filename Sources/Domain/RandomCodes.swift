// Secrets sent by SMS: one-time codes and temporary passwords, from a cryptographic random source.

public enum TemporaryPassword {
    public static let length = 10

    /// Letters and digits, GSM-safe ASCII, without the look-alikes 0/O/o and 1/l/I/i, since people copy
    /// these from a phone screen onto another device.
    public static let alphabet: [Character] = Array("23456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghjkmnpqrstuvwxyz")

    /// Uniform over the alphabet (the standard library's bounded random has no modulo bias), and drawn
    /// again in the rare case the result breaks the password policy.
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> String {
        while true {
            var s = ""
            for _ in 0..<length {
                s.append(alphabet[Int.random(in: 0..<alphabet.count, using: &rng)])
            }
            if PasswordPolicy.check(s, idNumber: nil, phone: nil, dateOfBirth: nil) == nil { return s }
        }
    }

    /// From SystemRandomNumberGenerator (getrandom on Linux), which is cryptographically secure.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }
}

public enum OTPCode {
    public static let digits = 6

    /// 6 decimal digits, uniform over 000000–999999 (bounded random, so no modulo bias).
    public static func generate<R: RandomNumberGenerator>(using rng: inout R) -> String {
        let n = Int.random(in: 0..<1_000_000, using: &rng)
        let s = String(n)
        return String(repeating: "0", count: digits - s.count) + s
    }

    /// From SystemRandomNumberGenerator (getrandom on Linux), which is cryptographically secure.
    public static func generate() -> String {
        var rng = SystemRandomNumberGenerator()
        return generate(using: &rng)
    }
}
