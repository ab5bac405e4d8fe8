// The counter's draft: the officer's entries and the ID-card scan, corrected until the account is made; the code to the citizen's phone.
import Domain
import Fluent
import Foundation
import SQLKit

extension CitizenDraft {
    /// The officer's entries, checked, at `unitID`; a change keeps the draft another lifetime.
    func fill(_ person: ValidPerson, unitID: UUID, now: Date) {
        idNumber = person.idNumber.digits
        fullName = person.name.value
        dateOfBirth = person.dateOfBirth.iso
        phone = person.phone.e164
        email = person.email
        self.unitID = unitID
        updatedAt = now
        expiresAt = now.addingTimeInterval(CounterService.draftLifetime)
    }
}

extension CounterService {
    // MARK: Draft

    func createDraft(_ input: DraftInput, scan: ScanUpload?, staff: StaffContext, actor: AuditLog.Actor) async throws -> CitizenDraft {
        let units = try await requireOfficer(staff, language: .vi)
        var fields: [String: Msg] = [:]
        var person: ValidPerson? = nil
        do { person = try PersonValidation.validate(input.person, allowCMND: portal.config.allowCMNDForNewAccounts, now: now) } catch let e as AppError { fields = e.fields }
        let unit = units.first { $0.id == input.unitID }
        if unit == nil {
            fields["unitId"] = Msg("Chọn Trung tâm Phục vụ hành chính công hoặc Bộ phận một cửa nơi bạn công tác.",
                                   "Choose the public administrative service centre or one-stop desk where you work.")
        }
        guard let scan, !scan.bytes.isEmpty else {
            fields["idScan"] = Msg("Cần đính kèm bản quét hai mặt thẻ căn cước (.pdf, .docx hoặc .doc, tối đa 5 MB).",
                                   "Attach the scan of both sides of the ID card (.pdf, .docx or .doc, at most 5 MB).")
            throw AppError.validation(fields)
        }
        let kind = try await portal.uploads.offload { try Self.inspect(scan) }
        guard fields.isEmpty, let person, let unit else { throw AppError.validation(fields) }
        try await checkIDFreeAsLookup(person.idNumber, staff: staff, actor: actor, unit: unit)
        try await AccountLimits(db: db, portal: portal).checkPhone(person.phone.e164)

        let portal = self.portal
        // Encrypted before the transaction: the write lock (on SQLite, the whole database's) is held only
        // for the inserts.
        let scanID = UUID()
        let key = portal.keys.dataEncryption
        let sealed = try await portal.uploads.offload { Data(try Sealed.seal(scan.bytes, key: key, context: "scan:\(scanID.uuidString.lowercased())")) }
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            let scanRow = IDScan()
            scanRow.id = scanID
            scanRow.sealed = sealed
            scanRow.fileName = ScanInspector.safeFileName(scan.fileName, kind: kind)
            scanRow.kind = kind.rawValue
            scanRow.size = scan.bytes.count
            scanRow.createdAt = now
            try await scanRow.create(on: tx)
            let draft = CitizenDraft()
            draft.id = UUID()
            draft.officerID = staff.account.id
            draft.scanID = scanID
            draft.createdAt = now
            draft.fill(person, unitID: unit.id!, now: now)
            try await draft.create(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "draft.create", target: "draft:\(draft.id!.uuidString.lowercased())", unit: unit,
                                                              details: ["idNumber": person.idNumber.masked, "scanBytes": String(scan.bytes.count), "scanKind": kind.rawValue])
            return draft
        }
    }

    /// The scan's type comes from its bytes; the errors map to the contract's statuses (413 too large, 415 wrong type).
    static func inspect(_ scan: ScanUpload) throws -> ScanKind {
        do {
            return try ScanInspector.inspect(scan.bytes, fileName: scan.fileName)
        } catch {
            switch error.code {
            case "scan_too_large": throw AppError(.payloadTooLarge, "too_large", Msg(error), fields: ["idScan": Msg(error)])
            case "scan_empty": throw AppError.validation(["idScan": Msg(error)])
            default: throw AppError(.unsupportedMediaType, "unsupported_media_type", Msg(error), fields: ["idScan": Msg(error)])
            }
        }
    }

    /// Corrects fields (a wrong phone is the usual reason a code does not arrive). A new phone kills every code sent to the old one.
    func updateDraft(_ id: UUID, _ input: DraftInput, staff: StaffContext, actor: AuditLog.Actor) async throws -> CitizenDraft {
        let draft = try await draft(id, staff: staff)
        var merged = PersonInput(idNumber: draft.idNumber, fullName: draft.fullName, dateOfBirth: draft.dateOfBirth, phone: draft.phone, email: draft.email)
        if let v = input.person.idNumber { merged.idNumber = v }
        if let v = input.person.fullName { merged.fullName = v }
        if let v = input.person.dateOfBirth { merged.dateOfBirth = v }
        if let v = input.person.phone { merged.phone = v }
        if let v = input.person.email { merged.email = v }
        let person = try PersonValidation.validate(merged, allowCMND: portal.config.allowCMNDForNewAccounts, now: now)
        var unitID = draft.unitID
        if let wanted = input.unitID {
            guard staff.officerUnits.contains(where: { $0.id == wanted }) else {
                throw AppError.validation(["unitId": Msg("Bạn chỉ chọn được đơn vị một cửa nơi bạn công tác.", "You can only choose a one-stop unit where you work.")])
            }
            unitID = wanted
        }
        if person.idNumber.digits != draft.idNumber {
            try await checkIDFreeAsLookup(person.idNumber, staff: staff, actor: actor, unit: staff.officerUnits.first { $0.id == unitID })
        }
        let phoneChanged = person.phone.e164 != draft.phone
        if phoneChanged { try await AccountLimits(db: db, portal: portal).checkPhone(person.phone.e164) }
        let portal = self.portal
        let newUnitID = unitID
        return try await db.writeTransaction { tx in
            let now = portal.time.now()
            if phoneChanged {
                try await OTPChallenge.query(on: tx).filter(\.$id == id).delete()
                try await OutboxMessage.query(on: tx).filter(\.$flowID == id).filter(\.$status == .queued).filter(\.$kind == .otp)
                    .set(\.$status, to: .expired).set(\.$textSealed, to: nil).set(\.$lastError, to: "phone number corrected").set(\.$updatedAt, to: now).update()
            }
            draft.fill(person, unitID: newUnitID, now: now)
            try await draft.update(on: tx)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "draft.update", target: "draft:\(id.uuidString.lowercased())",
                                                              unit: staff.officerUnits.first { $0.id == newUnitID },
                                                              details: ["phoneChanged": String(phoneChanged)])
            return draft
        }
    }

    func scan(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> (bytes: [UInt8], fileName: String, kind: ScanKind) {
        let draft = try await draft(id, staff: staff)
        guard let scan = try await IDScan.find(draft.scanID, on: db), let kind = ScanKind(rawValue: scan.kind) else { throw Self.draftNotFound }
        let bytes = try Sealed.open(Array(scan.sealed), key: portal.keys.dataEncryption, context: "scan:\(scan.id!.uuidString.lowercased())")
        try await AuditLog(db: db, portal: portal).record(actor, action: "scan.download", target: "draft:\(id.uuidString.lowercased())",
                                                          unit: staff.officerUnits.first { $0.id == draft.unitID })
        return (bytes, scan.fileName, kind)
    }

    // MARK: Code

    func sendCode(_ id: UUID, staff: StaffContext, actor: AuditLog.Actor) async throws -> OTPSent {
        let draft = try await draft(id, staff: staff)
        let phone = try PhoneNumber(draft.phone)
        let portal = self.portal
        let unit = staff.officerUnits.first { $0.id == draft.unitID }
        return try await db.writeTransaction { tx in
            let sent = try await OTPService(db: tx, portal: portal).send(purpose: .draft, flowID: id, phone: phone, clientAddress: actor.address)
            try await AuditLog(db: tx, portal: portal).record(actor, action: "draft.otp_send", target: "draft:\(id.uuidString.lowercased())", unit: unit,
                                                              details: ["phone": phone.masked, "sends": String(sent.sends)])
            return sent
        }
    }

    func messages(flow: UUID) async throws -> [OutboxMessage] {
        try await OutboxMessage.query(on: db).filter(\.$flowID == flow).sort(\.$createdAt, .descending).limit(50).all()
    }

}
