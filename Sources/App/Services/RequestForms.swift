// The account request form, for the citizen to check and sign, as a PDF, with the fonts found once and kept.
import Domain
import Fluent
import Foundation
import NIOConcurrencyHelpers
import RequestFormPDF
import Logging
import NIOPosix

enum RequestForms {
    private static let fonts = NIOLockedValueBox<(regular: TrueTypeFont, bold: TrueTypeFont)?>(nil)

    /// Finds and parses the fonts on first use; a missing font is a clear error naming PDF_FONT_PATH.
    static func loadFonts(configuredPath: String?) throws -> (regular: TrueTypeFont, bold: TrueTypeFont) {
        if let loaded = fonts.withLockedValue({ $0 }) { return loaded }
        let found = try FontLocator.find(configuredPath: configuredPath)
        let regular = try TrueTypeFont(contentsOf: found.regular)
        let bold = try found.bold.map { try TrueTypeFont(contentsOf: $0) } ?? regular
        fonts.withLockedValue { $0 = (regular, bold) }
        return (regular, bold)
    }

    static func form(for draft: CitizenDraft, officer: AccountRecord, unit: Unit?, province: Unit?, portal: Portal) -> RequestForm {
        RequestForm(portalName: portal.config.portalName, unitName: unit?.name ?? "", provinceName: province?.name,
                    fullName: draft.fullName, idNumber: draft.idNumber,
                    dateOfBirth: (try? DateOfBirth(iso: draft.dateOfBirth).display) ?? draft.dateOfBirth,
                    phone: (try? PhoneNumber(draft.phone).national) ?? draft.phone, email: draft.email,
                    officerName: officer.fullName, date: portal.time.now(), reference: draft.id!.uuidString.lowercased())
    }

    /// Renders the form off the event loop (the subsetting and deflate take a while for a large font).
    static func pdf(_ form: RequestForm, fontPath: String?, threadPool: NIOThreadPool, logger: Logger) async throws -> Data {
        let fonts: (regular: TrueTypeFont, bold: TrueTypeFont)
        do {
            fonts = try loadFonts(configuredPath: fontPath)
        } catch {
            logger.error("Request form font: \(error)")
            throw AppError(.internalServerError, "pdf_font_missing",
                           Msg("Không tìm thấy phông chữ để tạo giấy đề nghị. Quản trị hệ thống cần đặt PDF_FONT_PATH hoặc cài gói fonts-dejavu-core.",
                               "No font was found for the request form. The operator must set PDF_FONT_PATH or install fonts-dejavu-core."))
        }
        return try await threadPool.runIfActive {
            try RequestFormRenderer.render(form, regular: fonts.regular, bold: fonts.bold)
        }
    }
}

extension Optional {
    func asyncMap<T>(_ transform: (Wrapped) async throws -> T) async rethrows -> T? {
        guard let value = self else { return nil }
        return try await transform(value)
    }
}
