import EaselCore
import Testing

@Suite struct EmailAddressTests {
    @Test func normalisesCaseAndSpace() throws {
        #expect(try EmailAddress("  Ada@Example.COM ").value == "ada@example.com")
    }

    @Test(arguments: ["", "ada", "ada@", "@example.com", "a b@example.com", "ada@example.com.", "a@b@c"])
    func refusesMalformed(_ raw: String) {
        #expect(throws: ValidationError.self) { try EmailAddress(raw) }
    }

    @Test func namesTheFieldInTheMessage() {
        do {
            _ = try EmailAddress("nope")
            Issue.record("expected a validation error")
        } catch {
            #expect(error.field == "email")
            #expect(error.description.contains("'nope'"))
        }
    }
}

@Suite struct PasswordPolicyTests {
    @Test func acceptsAReasonablePassword() throws {
        try PasswordPolicy().validate("correct horse battery")
    }

    @Test func refusesShortRepeatedAndOverlongPasswords() {
        #expect(throws: ValidationError(field: "password", message: "must be at least 10 characters")) {
            try PasswordPolicy().validate("short")
        }
        #expect(throws: ValidationError(field: "password", message: "must not be one repeated character")) {
            try PasswordPolicy().validate("aaaaaaaaaaaa")
        }
        // bcrypt ignores bytes past 72; such a password is refused, not silently truncated.
        #expect(throws: ValidationError(field: "password", message: "must be at most 72 bytes")) {
            try PasswordPolicy().validate(String(repeating: "ab", count: 37))
        }
    }

    @Test func generatedPasswordsPassThePolicyAndDiffer() throws {
        let first = GeneratedSecret.password()
        let second = GeneratedSecret.password()
        try PasswordPolicy().validate(first)
        #expect(first.count == 20)
        #expect(first != second)
    }
}

@Suite struct TimeoutTests {
    @Test func returnsTheResultWhenInTime() async throws {
        let value = try await withTimeout(.seconds(5)) { 42 }
        #expect(value == 42)
    }

    @Test func throwsAndCancelsWhenLate() async throws {
        await #expect(throws: TimeoutError.self) {
            try await withTimeout(.milliseconds(50)) {
                try await Task.sleep(for: .seconds(30))
                return 1
            }
        }
    }
}
