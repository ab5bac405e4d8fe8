// Without a gateway outside production, SMS go to the log and to the /dev/sms page, so every flow can be finished in a browser.
import Domain
import Foundation
import Logging
import NIOConcurrencyHelpers
import SMSGateway

final class DevSMSInbox: Sendable {
    struct Entry: Sendable, Encodable {
        let time, to, text, reference: String
    }

    private let entries = NIOLockedValueBox<[Entry]>([])
    private let capacity = 200

    func add(_ message: SMSMessage, at date: Date) {
        entries.withLockedValue {
            $0.insert(Entry(time: VietnamTime.dateTime(date), to: message.to, text: message.text, reference: message.reference), at: 0)
            if $0.count > capacity { $0.removeLast($0.count - capacity) }
        }
    }

    var recent: [Entry] { entries.withLockedValue { $0 } }
}

/// Logs each message (phone masked) and keeps it for the development page.
struct LogSMSSender: SMSSender {
    let logger: Logger
    let inbox: DevSMSInbox

    func send(_ message: SMSMessage) async -> SendOutcome {
        let masked = (try? PhoneNumber(message.to).masked) ?? "***"
        logger.notice("SMS to \(masked) [\(message.reference)]: \(message.text)")
        inbox.add(message, at: Date())
        return .accepted
    }
}
