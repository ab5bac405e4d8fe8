// Every migration in the order it ships. Append only: a shipped migration is never edited.
import Fluent
import Vapor

enum Migrations {
    static func register(on app: Application) {
        app.migrations.add(CreateOutboxMessage())
        app.migrations.add(CreateRateLimitCounter())
        app.migrations.add(CreateAccount())
        app.migrations.add(CreateAuthSession())
        app.migrations.add(CreateOTPChallenge())
        app.migrations.add(CreateCitizenFlows())
        app.migrations.add(CreatePublicService())
        app.migrations.add(CreateUnit())
        app.migrations.add(CreateStaffTables())
        app.migrations.add(CreateCitizenDraft())
        app.migrations.add(AddExpiryIndexes())
        app.migrations.add(AddRetentionIndexes())
        app.migrations.add(CreateSingleSignOn())
        app.migrations.add(CreateElectronicID())
        app.migrations.add(AddCatalogueKeys())
        app.migrations.add(AddOfficerListIndex())
    }
}
