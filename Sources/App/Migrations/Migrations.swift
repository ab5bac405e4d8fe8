// Every migration in the order it ships. Append only: a shipped migration is never edited.
import Fluent
import Vapor

enum Migrations {
    static func register(on app: Application) {
        app.migrations.add(CreateOutboxMessage())
        app.migrations.add(CreateRateLimitCounter())
    }
}
