import Foundation
import Testing

/// The reference environment is there and answers: every other conformance test relies on it.
@Test func referenceEnvironmentAnswers() throws {
    let out = try runReference("versions.py")
    let versions = try JSONDecoder().decode([String: String].self, from: out)
    #expect(versions["scipy"] != nil)
    #expect(versions["pybaselines"] != nil)
}
