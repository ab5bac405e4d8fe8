public struct DomainError: Error, Equatable, Sendable { public let code: String; public let vi: String; public let en: String }
public struct PhoneNumber: Hashable, Sendable {
  public let e164: String
  public init(_ raw: String) throws(DomainError) { e164 = raw }
  public var masked: String { e164 }
}
public enum SMSText { public static func make(_ s: String) throws(DomainError) -> String { s } }
